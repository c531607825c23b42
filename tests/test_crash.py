"""kill -9 at any moment leaves every data file readable and every acknowledged write in it."""

from __future__ import annotations

import datetime as dt
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

from store.registry import Registry

ROOT = Path(__file__).resolve().parent.parent


def test_kill_9_keeps_every_acknowledged_write(tmp_path: Path) -> None:
    rng = random.Random(20241125)
    acknowledged: set[int] = set()
    for _ in range(6):
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.crash_writer", str(tmp_path)],
            cwd=ROOT, stdout=subprocess.PIPE, text=True,
        )
        assert proc.stdout is not None
        for _ in range(rng.randint(1, 40)):
            line = proc.stdout.readline()
            assert line.startswith("ack "), line
            acknowledged.add(int(line.split()[1]))
        # The writer is already busy with the next write: the kill lands somewhere inside it.
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        store = Registry(tmp_path).get(-1)  # raises CorruptDataFile if a file is unreadable
        assert store is not None
        numbers = {t.number for t in store.tasks()}
        assert acknowledged <= numbers
        assert all(store.task(n).progress == n % 100 for n in acknowledged)  # type: ignore[union-attr]
    leftovers = [p.name for p in (tmp_path / "workspaces").iterdir() if p.suffix != ".json"]
    assert leftovers == [] or all(name.endswith(".tmp") for name in leftovers)


def test_start_up_removes_temp_files_a_crash_left(tmp_path: Path) -> None:
    Registry(tmp_path).create(-1, "Tổ", lang="vi", tz="Asia/Ho_Chi_Minh",
                              at=dt.datetime(2024, 7, 31, tzinfo=dt.UTC))
    stale = tmp_path / "workspaces" / ".-1.json.abc123.tmp"
    stale.write_bytes(b'{"half": ')
    Registry(tmp_path)
    assert not stale.exists()
    assert (tmp_path / "workspaces" / "-1.json").exists()
