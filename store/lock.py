"""One writer per data directory: an exclusive lock on a file in it, naming its holder."""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path
from typing import IO

LOCK_FILE = "dondoc.lock"


class DataDirInUse(Exception):
    """Another process has the data directory open: two writers would undo each other's
    writes (each replaces whole files from what it holds in memory)."""

    def __init__(self, data_dir: Path, pid: int | None) -> None:
        holder = f"process {pid}" if pid else "another process"
        super().__init__(f"data directory {data_dir} is in use by {holder}")
        self.data_dir = data_dir
        self.pid = pid


class DataDirLock:
    """An exclusive `flock` on `<data dir>/dondoc.lock`, which holds the holder's pid.

    The kernel releases the lock when the process ends, however it ends: a stale lock file
    never blocks a start. Within one process, opening the directory again is allowed (tests
    reopen a directory to see what a restart would see); the lock guards against a second
    process.
    """

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / LOCK_FILE
        self._handle: IO[str] | None = None
        handle = self.path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = _pid_in(handle)
            handle.close()
            if pid != os.getpid():
                raise DataDirInUse(data_dir, pid) from None
            return  # this process holds it already
        except BaseException:
            handle.close()
            raise
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        if self._handle is not None:
            with contextlib.suppress(OSError):
                self._handle.close()
            self._handle = None

    def __del__(self) -> None:
        # A registry dropped without close() (tests open many) lets its directory go.
        self.release()


def _pid_in(handle: IO[str]) -> int | None:
    """The pid written in the lock file; None when it is not (yet) written."""
    handle.seek(0)
    text = handle.read().strip()
    return int(text) if text.isdigit() else None
