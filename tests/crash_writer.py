"""A writer process for the kill -9 test: writes tasks and acknowledges each durable write."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from bot.model import Task
from store.registry import Registry

NOW = dt.datetime(2024, 7, 31, 9, 0, tzinfo=dt.UTC)


def main(data_dir: str) -> None:
    """Add tasks and move their progress forever; print "ack N" once task N is on disk."""
    registry = Registry(Path(data_dir))
    store = registry.create(-1, "Crash test", lang="vi", tz="Asia/Ho_Chi_Minh", at=NOW)
    n = len(store.tasks())
    while True:
        n += 1
        task = Task(number=0, title=f"Nhiệm vụ {n} " + "x" * 200, lead="nghe-an",
                    deadline=dt.date(2024, 9, 30), created_at=NOW, created_by=1)
        store.add_task(task, actor=1, at=NOW)

        def advance(changed: Task, n: int = n) -> None:
            changed.progress = n % 100

        store.update_task(n, advance, actor=1, at=NOW, action="progress")
        sys.stdout.write(f"ack {n}\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1])
