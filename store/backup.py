"""Backups of the data files, checked on the way back in.

A backup is a zip holding the data files as they are on disk (one workspace's, or the whole
data directory's) and a manifest naming each with its SHA-256. Restoring checks the format,
every checksum and that every workspace file opens as one, before anything is touched; the
current data is then kept beside the restored data, never deleted, and each file is replaced
atomically.

- In the chat: :func:`workspace_backup` / :func:`read_backup` and
  :meth:`store.registry.Registry.restore_workspace` (the running bot's registry).
- For operators: :func:`backup_data_dir` and :func:`restore_data_dir` (``python bot.py backup
  DIR`` and ``restore FILE``), which take the data directory's lock, so they refuse while the
  bot runs.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from store.lock import DataDirLock
from store.storage import CorruptDataFile, atomic_write
from store.workspace import WorkspaceStore, open_workspace_file

__all__ = [
    "Backup",
    "BackupError",
    "Contents",
    "backup_data_dir",
    "checksum",
    "pack",
    "read_backup",
    "restore_data_dir",
    "workspace_backup",
]

FORMAT = "dondoc-backup/1"
MANIFEST = "manifest.json"
USERS = "users.json"
WORKSPACES = "workspaces"
# A backup of 100 workspaces of 1,000 tasks is some 60 MB of JSON; more is not one of ours.
_MAX_UNPACKED = 512 * 1024 * 1024
_MAX_FILES = 10_000


class BackupError(ValueError):
    """Why a file cannot be restored: "not_a_backup", "damaged" (a checksum differs),
    "unreadable" (a file in it does not open as data), "other_workspace" (it is another
    group's)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def checksum(data: bytes) -> str:
    """SHA-256 in hex: printed with a backup, so that a copy can be checked by hand."""
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, slots=True)
class Contents:
    """What one workspace file holds, to name what a restore replaces with what."""

    title: str
    tasks: int
    agencies: int
    members: int
    meetings: int


@dataclass(frozen=True, slots=True)
class Backup:
    """A backup read and checked: its files (paths as in the data directory) and manifest."""

    made_at: dt.datetime
    files: dict[str, bytes]
    chat_id: int | None  # the workspace of a one-workspace backup; None for a whole directory

    def workspace_files(self) -> dict[str, bytes]:
        return {p: d for p, d in self.files.items() if p.startswith(f"{WORKSPACES}/")}


def pack(files: dict[str, bytes], *, made_at: dt.datetime, chat_id: int | None = None) -> bytes:
    """A backup zip of `files` (data-directory paths -> bytes), with their checksums."""
    manifest = {
        "format": FORMAT,
        "made_at": made_at.isoformat(),
        "chat_id": chat_id,
        "files": {path: checksum(data) for path, data in sorted(files.items())},
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
        for path, data in sorted(files.items()):
            archive.writestr(path, data)
    return out.getvalue()


def _safe_path(name: str) -> bool:
    path = PurePosixPath(name)
    return (
        not path.is_absolute() and ".." not in path.parts
        and (name == USERS or (len(path.parts) == 2 and path.parts[0] == WORKSPACES
                               and name.endswith(".json")))
    )


def read_backup(data: bytes) -> Backup:
    """A backup's files after checking its format and every checksum; BackupError if not."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
        if len(infos) > _MAX_FILES or sum(i.file_size for i in infos) > _MAX_UNPACKED:
            raise BackupError("not_a_backup", "too large")
        manifest: Any = json.loads(archive.read(MANIFEST))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        if isinstance(exc, BackupError):
            raise
        raise BackupError("not_a_backup", str(exc)) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("not_a_backup", "no dondoc manifest")
    listed = manifest.get("files")
    if not isinstance(listed, dict) or not all(_safe_path(str(p)) for p in listed):
        raise BackupError("not_a_backup", "bad file list")
    files: dict[str, bytes] = {}
    for path, digest in listed.items():
        try:
            content = archive.read(path)
        except KeyError as exc:
            raise BackupError("damaged", f"{path} is missing") from exc
        except (zipfile.BadZipFile, OSError) as exc:  # a CRC error inside the zip
            raise BackupError("damaged", path) from exc
        if checksum(content) != digest:
            raise BackupError("damaged", f"{path}: checksum differs")
        files[path] = content
    try:
        made_at = dt.datetime.fromisoformat(str(manifest.get("made_at")))
    except ValueError as exc:
        raise BackupError("not_a_backup", "no date") from exc
    chat_id = manifest.get("chat_id")
    return Backup(made_at, files, chat_id if isinstance(chat_id, int) else None)


def _open_copy(data: bytes, folder: Path, name: str) -> WorkspaceStore:
    """A workspace file's bytes opened as a store from a scratch copy (CorruptDataFile)."""
    path = folder / name
    path.write_bytes(data)
    return open_workspace_file(path)


@contextlib.contextmanager
def _opened(data: bytes) -> Iterator[WorkspaceStore]:
    """A workspace file's bytes opened as a store from a scratch copy, closed after use;
    BackupError("unreadable") if they are not a workspace."""
    with tempfile.TemporaryDirectory() as folder:
        try:
            store = _open_copy(data, Path(folder), "workspace.json")
        except CorruptDataFile as exc:
            raise BackupError("unreadable", exc.reason) from exc
        try:
            if not store.exists:
                raise BackupError("unreadable", "no workspace in it")
            yield store
        finally:
            store.close()


def contents(data: bytes) -> Contents:
    """What a workspace file holds; BackupError("unreadable") if it is not one."""
    with _opened(data) as store:
        return _contents_of(store)


def _contents_of(store: WorkspaceStore) -> Contents:
    return Contents(store.workspace.title, len(store.tasks()), len(store.agencies()),
                    len(store.members()), len(store.meetings()))


def chat_of(data: bytes) -> int:
    """The chat id of a workspace file's bytes; BackupError("unreadable") if it has none."""
    with _opened(data) as store:
        return store.workspace.chat_id


def workspace_backup(store: WorkspaceStore, *, made_at: dt.datetime) -> bytes:
    """One workspace's file, as it is on disk, packed as a backup."""
    chat_id = store.workspace.chat_id
    return pack({f"{WORKSPACES}/{chat_id}.json": store.snapshot()}, made_at=made_at,
                chat_id=chat_id)


def kept_name(path: Path, at: dt.datetime) -> Path:
    """Where a file replaced by a restore is kept: beside it, named by the restore's time."""
    return path.with_name(f"{path.name}.before-restore-{at:%Y%m%d-%H%M%S}")


# -- operators: the whole data directory ----------------------------------------------------


def _data_files(data_dir: Path) -> dict[str, bytes]:
    files = {}
    users = data_dir / USERS
    if users.exists():
        files[USERS] = users.read_bytes()
    for path in sorted((data_dir / WORKSPACES).glob("*.json")):
        files[f"{WORKSPACES}/{path.name}"] = path.read_bytes()
    return files


def backup_data_dir(data_dir: Path, out_dir: Path, *, now: dt.datetime) -> Path:
    """Every data file of a stopped bot, packed into `out_dir`; DataDirInUse while it runs.

    Each workspace file is opened first, so that a backup is never made of a damaged file
    without saying so (CorruptDataFile names it).
    """
    lock = DataDirLock(data_dir)
    try:
        files = _data_files(data_dir)
        with tempfile.TemporaryDirectory() as folder:
            for path, data in files.items():
                if path.startswith(f"{WORKSPACES}/"):
                    try:
                        _open_copy(data, Path(folder), "check.json").close()
                    except CorruptDataFile as exc:
                        raise CorruptDataFile(data_dir / path, exc.reason) from exc
        out_dir.mkdir(parents=True, exist_ok=True)
        target = out_dir / f"dondoc-backup-{now:%Y%m%d-%H%M%S}.zip"
        atomic_write(target, pack(files, made_at=now))
        return target
    finally:
        lock.release()


@dataclass(frozen=True, slots=True)
class Restored:
    """What a restore of the data directory did: the files written and where the old are."""

    files: list[str]
    kept: Path


def restore_data_dir(data_dir: Path, backup_file: Path, *, now: dt.datetime) -> Restored:
    """A backup written into the data directory of a stopped bot; DataDirInUse while it runs.

    Everything is checked first (format, checksums, every workspace file opening); then the
    current data files are moved into `before-restore-<time>/` in the data directory, and the
    backup's files are written, each atomically. A one-workspace backup replaces that
    workspace's file only.
    """
    backup = read_backup(backup_file.read_bytes())
    with tempfile.TemporaryDirectory() as folder:
        for path, data in backup.workspace_files().items():
            try:
                _open_copy(data, Path(folder), "check.json").close()
            except CorruptDataFile as exc:
                raise BackupError("unreadable", f"{path}: {exc.reason}") from exc
    (data_dir / WORKSPACES).mkdir(parents=True, exist_ok=True)
    lock = DataDirLock(data_dir)
    try:
        kept = data_dir / f"before-restore-{now:%Y%m%d-%H%M%S}"
        (kept / WORKSPACES).mkdir(parents=True, exist_ok=True)
        replaced = (
            list(backup.files) if backup.chat_id is not None
            else [USERS, *(f"{WORKSPACES}/{p.name}"
                           for p in (data_dir / WORKSPACES).glob("*.json"))]
        )
        for path in replaced:
            current = data_dir / path
            if current.exists():
                shutil.copy2(current, kept / path)
        _fsync_tree(kept)
        if backup.chat_id is None:
            # The whole directory as it was backed up: workspaces not in it go (kept above).
            for path in replaced:
                if path not in backup.files:
                    (data_dir / path).unlink(missing_ok=True)
        for path, data in backup.files.items():
            atomic_write(data_dir / path, data)
        return Restored(sorted(backup.files), kept)
    finally:
        lock.release()


def _fsync_tree(folder: Path) -> None:
    """The copies kept are on disk before the data they keep is replaced."""
    for path in sorted(folder.rglob("*"), reverse=True):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
