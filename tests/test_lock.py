"""One writer per data directory: a second process is refused and told who holds it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from store.lock import LOCK_FILE, DataDirInUse
from store.registry import Registry
from tests.factories import GROUP_ID, NOW

ROOT = Path(__file__).resolve().parent.parent
# Opens the registry, says so, and holds it until its stdin closes.
HOLD = "import sys; from pathlib import Path; from store.registry import Registry; " \
       "r = Registry(Path(sys.argv[1])); print('open', flush=True); sys.stdin.read()"


def test_another_process_holding_the_directory_is_named(tmp_path: Path) -> None:
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path)], cwd=ROOT,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "open\n"
        with pytest.raises(DataDirInUse) as refused:
            Registry(tmp_path)
        assert refused.value.pid == holder.pid
        assert str(holder.pid) in str(refused.value) and str(tmp_path) in str(refused.value)
    finally:
        holder.communicate("", timeout=30)
    assert Registry(tmp_path).data_dir == tmp_path  # the lock died with its holder


def test_a_crashed_holder_leaves_a_lock_file_that_stops_nobody(tmp_path: Path) -> None:
    (tmp_path / LOCK_FILE).write_text("999999\n")  # as a kill -9 leaves it
    registry = Registry(tmp_path)
    assert (tmp_path / LOCK_FILE).read_text() == f"{os.getpid()}\n"
    registry.close()


def test_the_same_process_may_open_its_directory_again(tmp_path: Path) -> None:
    # What a restart would see, in tests; the lock is about other processes.
    first = Registry(tmp_path)
    first.create(GROUP_ID, "Tổ", lang="vi", tz="Asia/Ho_Chi_Minh", at=NOW)
    assert Registry(tmp_path).get(GROUP_ID) is not None
    first.close()

