"""All workspaces of one data directory, and the users' preferences file."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from tinydb import TinyDB
from tinydb.table import Document

from bot.model import UserPrefs, Workspace
from store import codec
from store.storage import DurableStorage, MemoryStorage
from store.workspace import WorkspaceStore, open_workspace_file


def _remove_stale_temp_files(data_dir: Path) -> None:
    """Delete the temporary files a crash left mid-write; the real files were never touched."""
    for folder in (data_dir, data_dir / "workspaces"):
        for leftover in folder.glob(".*.tmp"):
            leftover.unlink(missing_ok=True)


class UserStore:
    """Per-user preferences: language override, private chat, chosen workspace."""

    def __init__(self, db: TinyDB) -> None:
        self.db = db
        self._prefs = {d["user_id"]: codec.prefs_from_doc(d) for d in db.table("users")}

    def get(self, user_id: int) -> UserPrefs:
        return self._prefs.get(user_id) or UserPrefs(user_id=user_id)

    def save(self, prefs: UserPrefs) -> None:
        table = self.db.table("users")
        doc = codec.prefs_to_doc(prefs)
        if table.contains(doc_id=prefs.user_id):
            table.remove(doc_ids=[prefs.user_id])
        table.insert(Document(doc, doc_id=prefs.user_id))
        self._prefs[prefs.user_id] = prefs

    def mark_blocked(self, chat_id: int) -> None:
        """Telegram refused a message to this private chat (403): reach him in the group."""
        if chat_id <= 0:  # a group that removed the bot: nobody to mark
            return
        prefs = self.get(chat_id)
        if not prefs.blocked:
            self.save(dataclasses.replace(prefs, blocked=True))


class Registry:
    """Opens every workspace file under a data directory and knows who belongs where.

    One file per workspace: a write in one group never rewrites another group's data.
    """

    def __init__(self, data_dir: Path | None) -> None:
        self.data_dir = data_dir
        self._workspaces: dict[int, WorkspaceStore] = {}
        if data_dir is None:
            self.users = UserStore(TinyDB(storage=MemoryStorage))
            return
        (data_dir / "workspaces").mkdir(parents=True, exist_ok=True)
        _remove_stale_temp_files(data_dir)
        self.users = UserStore(TinyDB(data_dir / "users.json", storage=DurableStorage))
        # Every file is opened now, so a corrupt one stops the bot at start-up, by name.
        for path in sorted((data_dir / "workspaces").glob("*.json")):
            store = open_workspace_file(path)
            if store.exists:
                self._workspaces[store.workspace.chat_id] = store

    def _path(self, chat_id: int) -> Path:
        assert self.data_dir is not None
        return self.data_dir / "workspaces" / f"{chat_id}.json"

    def get(self, chat_id: int) -> WorkspaceStore | None:
        return self._workspaces.get(chat_id)

    def all(self) -> list[WorkspaceStore]:
        return list(self._workspaces.values())

    def create(self, chat_id: int, title: str, *, lang: str, tz: str, at: dt.datetime,
               actor: int = 0) -> WorkspaceStore:
        """The workspace of a group chat, created on first sight."""
        existing = self._workspaces.get(chat_id)
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

    def workspaces_of(self, user_id: int) -> list[WorkspaceStore]:
        """The workspaces where `user_id` is a member, by title."""
        found = [s for s in self._workspaces.values() if s.member(user_id) is not None]
        return sorted(found, key=lambda s: s.workspace.title.casefold())
