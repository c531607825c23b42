"""All workspaces of one data directory, and the users' preferences file."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from tinydb import TinyDB

from bot.model import UserPrefs, Workspace
from store import codec
from store.backup import kept_name
from store.documents import put
from store.lock import DataDirLock
from store.storage import BatchStorage, DurableStorage, MemoryStorage, atomic_write
from store.workspace import WorkspaceStore, open_workspace_file


def _remove_stale_temp_files(data_dir: Path) -> None:
    """Delete the temporary files a crash left mid-write; the real files were never touched."""
    for folder in (data_dir, data_dir / "workspaces"):
        for leftover in folder.glob(".*.tmp"):
            leftover.unlink(missing_ok=True)


class UserStore:
    """Per-user preferences: language override, private chat, chosen workspace."""

    def __init__(self, db: TinyDB) -> None:
        storage = db.storage
        assert isinstance(storage, BatchStorage)
        self._db = db
        self._storage = storage
        self._load()

    def _load(self) -> None:
        self._prefs = {d["user_id"]: codec.prefs_from_doc(d) for d in self._db.table("users")}

    def get(self, user_id: int) -> UserPrefs:
        return self._prefs.get(user_id) or UserPrefs(user_id=user_id)

    def save(self, prefs: UserPrefs) -> None:
        """Replace a user's preferences: one write, on disk before this returns."""
        try:
            with self._storage.batch():
                put(self._db.table("users"), prefs.user_id, codec.prefs_to_doc(prefs))
        except BaseException:
            if self._storage.unreadable is None:  # the storage reloaded the file: so do we
                self._db._tables.clear()  # TinyDB caches tables and their queries
                self._load()
            raise
        self._prefs[prefs.user_id] = prefs

    def mark_blocked(self, chat_id: int) -> None:
        """Telegram refused a message to this private chat (403): reach him in the group."""
        if chat_id <= 0:  # a group that removed the bot: nobody to mark
            return
        prefs = self.get(chat_id)
        if not prefs.blocked:
            self.save(dataclasses.replace(prefs, blocked=True))

    def workspace_moved(self, old: int, new: int) -> None:
        """A workspace has a new chat id: users who chose it keep it chosen."""
        for prefs in list(self._prefs.values()):
            if prefs.current_workspace == old:
                self.save(dataclasses.replace(prefs, current_workspace=new))


class Registry:
    """Opens every workspace file under a data directory and knows who belongs where.

    One file per workspace: a write in one group never rewrites another group's data.
    """

    def __init__(self, data_dir: Path | None) -> None:
        """Open `data_dir` (None: everything in memory); DataDirInUse if another process has
        it open, CorruptDataFile if a file in it cannot be read."""
        self.data_dir = data_dir
        self._workspaces: dict[int, WorkspaceStore] = {}
        self._lock: DataDirLock | None = None
        self._former: dict[int, int] = {}  # a group's id before its upgrade -> its id now
        if data_dir is None:
            self.users = UserStore(TinyDB(storage=MemoryStorage))
            return
        (data_dir / "workspaces").mkdir(parents=True, exist_ok=True)
        # Before anything else: the temp files below may be another writer's, mid-write.
        self._lock = DataDirLock(data_dir)
        try:
            self._open(data_dir)
        except BaseException:
            self.close()
            raise

    def _open(self, data_dir: Path) -> None:
        _remove_stale_temp_files(data_dir)
        self.users = UserStore(TinyDB(data_dir / "users.json", storage=DurableStorage))
        # Every file is opened now, so a corrupt one stops the bot at start-up, by name.
        for path in sorted((data_dir / "workspaces").glob("*.json")):
            store = open_workspace_file(path)
            if store.exists:
                self._add(store)
                if path != self._path(store.workspace.chat_id):
                    # Stopped between recording a group's new id and renaming its file.
                    store.move_to(self._path(store.workspace.chat_id))

    def _add(self, store: WorkspaceStore) -> None:
        chat_id = store.workspace.chat_id
        self._workspaces[chat_id] = store
        for former in store.workspace.former_chat_ids:
            self._former[former] = chat_id

    def _path(self, chat_id: int) -> Path:
        assert self.data_dir is not None
        return self.data_dir / "workspaces" / f"{chat_id}.json"

    def get(self, chat_id: int) -> WorkspaceStore | None:
        """The workspace of a group chat, also by the id the group had before an upgrade."""
        found = self._workspaces.get(chat_id)
        if found is None and chat_id in self._former:
            found = self._workspaces.get(self._former[chat_id])
        return found

    def all(self) -> list[WorkspaceStore]:
        return list(self._workspaces.values())

    def create(self, chat_id: int, title: str, *, lang: str, tz: str, at: dt.datetime,
               actor: int = 0) -> WorkspaceStore:
        """The workspace of a group chat, created on first sight."""
        existing = self.get(chat_id)
        if existing is not None:
            return existing
        workspace = Workspace(chat_id=chat_id, title=title, lang=lang, tz=tz, created_at=at)
        if self.data_dir is None:
            store = WorkspaceStore.in_memory(workspace)
        else:
            store = open_workspace_file(self._path(chat_id))
            store.save_workspace(workspace, actor=actor, at=at)
        self._workspaces[chat_id] = store
        return store

    def restore_workspace(self, chat_id: int, data: bytes, *, at: dt.datetime) -> Path:
        """Replace a workspace's file with `data` (a file of the same workspace, checked by
        the caller) and open it anew; the file it replaces is kept beside it, under the name
        returned. The old store object must not be used afterwards."""
        if self.data_dir is None:
            raise ValueError("a registry in memory has no file to restore")
        old = self._workspaces.get(chat_id)
        path = self._path(chat_id)
        kept = kept_name(path, at)
        if path.exists():
            # Kept first, and on disk, before the file it keeps is replaced.
            atomic_write(kept, path.read_bytes())
        atomic_write(path, data)
        store = open_workspace_file(path)
        self._workspaces[chat_id] = store
        if old is not None:
            old.close()
        return kept

    def close(self) -> None:
        """Let another process open the data directory (the end of the process does too)."""
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def migrate(self, old: int, new: int, *, at: dt.datetime, actor: int = 0
                ) -> WorkspaceStore | None:
        """Telegram upgraded group `old` to supergroup `new`: its workspace moves to `new`.

        The new id is recorded first (audited), then the file is renamed; stopped between
        the two, the next start finds the file by its content and renames it. The old id is
        remembered, so late updates and old buttons still find the workspace. Returns the
        workspace moved, None if there was nothing to move (already moved, or unknown);
        ValueError if `new` has a workspace of its own already.
        """
        store = self._workspaces.get(old)
        if store is None:
            return None
        if new in self._workspaces:
            raise ValueError(f"chat {new} has a workspace already; {old} is not moved there")
        workspace = store.workspace
        store.save_workspace(
            dataclasses.replace(workspace, chat_id=new,
                                former_chat_ids=(*workspace.former_chat_ids, old)),
            actor=actor, at=at,
        )
        if self.data_dir is not None:
            store.move_to(self._path(new))
        del self._workspaces[old]
        self._add(store)
        self.users.workspace_moved(old, new)
        return store

    def workspaces_of(self, user_id: int) -> list[WorkspaceStore]:
        """The workspaces where `user_id` is a member, by title."""
        found = [s for s in self._workspaces.values() if s.member(user_id) is not None]
        return sorted(found, key=lambda s: s.workspace.title.casefold())
