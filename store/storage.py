"""A TinyDB storage that keeps data in memory and replaces its file atomically on each write."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
from tinydb.storages import Storage


class CorruptDataFile(Exception):
    """A data file exists but cannot be read; it is reported and never overwritten."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"data file {path} is unreadable ({reason}); it was left as it is")
        self.path = path
        self.reason = reason


def load_json_file(path: Path) -> dict[str, Any] | None:
    """The parsed contents of `path`, None when it does not exist, or CorruptDataFile."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise CorruptDataFile(path, f"not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise CorruptDataFile(path, "top level is not an object")
    return data


def atomic_write(path: Path, payload: bytes) -> None:
    """Write `payload` to `path` so that a crash leaves either the old file or the new one."""
    directory = path.parent
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    # The rename itself must reach the disk before we tell anyone the write is done.
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class DurableStorage(Storage):
    """TinyDB storage: reads once, then serves memory; every write is an fsync'd atomic replace.

    TinyDB's JSONStorage re-reads and rewrites the whole file on every call; this one reads it
    once and, inside :meth:`batch`, folds several table writes into one file replace, so that
    a task change and its audit entry reach the disk together or not at all.
    """

    def __init__(self, path: str | Path, **_: Any) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._data: dict[str, Any] | None = load_json_file(self.path)
        self._depth = 0
        self._dirty = False

    def read(self) -> dict[str, Any] | None:
        return self._data

    def write(self, data: dict[str, Any]) -> None:
        self._data = data
        if self._depth:
            self._dirty = True
        else:
            self._flush()

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Defer writes until the outermost batch ends; on error, roll back to what is on disk."""
        self._depth += 1
        try:
            yield
        except BaseException:
            self._depth -= 1
            if self._depth == 0 and self._dirty:
                self._dirty = False
                self._data = load_json_file(self.path)
            raise
        self._depth -= 1
        if self._depth == 0 and self._dirty:
            self._dirty = False
            self._flush()

    def _flush(self) -> None:
        assert self._data is not None
        try:
            atomic_write(self.path, orjson.dumps(self._data))
        except BaseException:
            # Memory must not claim what the disk does not hold.
            self._data = load_json_file(self.path)
            raise

    def close(self) -> None:
        pass


class MemoryStorage(Storage):
    """In-memory storage with the same batch interface; for unit tests."""

    def __init__(self) -> None:
        self._data: dict[str, Any] | None = None

    def read(self) -> dict[str, Any] | None:
        return self._data

    def write(self, data: dict[str, Any]) -> None:
        self._data = data

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        yield
