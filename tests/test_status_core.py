"""bot.status: the status screens' caches stay bounded and never keep a replaced task."""

from __future__ import annotations

import datetime as dt

from bot import status
from bot.model import DeadlineRule, Task, TaskStatus
from bot.render import Renderer
from bot.status import LINES_KEPT, PER_PAGE, SEARCHES_KEPT, Board, Reader
from store.workspace import WorkspaceStore
from tests.factories import GROUP_ID, NOW, SECRETARY, TZ, make_task, seeded_store

RENDERER = Renderer()
LATE = NOW.date() - dt.timedelta(days=3)


def _reader(now: dt.datetime = NOW) -> Reader:
    return Reader("vi", TZ, DeadlineRule.ADJUSTED, now, {"tz": TZ, "now": now,
                                                         "today": now.date()})


def _pages(board: Board, store: WorkspaceStore, kind: str, arg: str, count: int) -> None:
    for number in range(1, count + 1):
        assert board.screen(GROUP_ID, store, _reader(), kind, number, arg) is not None


def _kept_tasks(board: Board, store: WorkspaceStore) -> list[Task]:
    view = board.view(GROUP_ID, store, _reader())
    return [task for _, (task, _, _) in view.lines.items()]


def test_a_line_shown_is_dropped_with_the_task_the_store_replaced() -> None:
    store = seeded_store(tasks=[make_task(f"Việc {n}", deadline=LATE) for n in range(5)])
    board = Board(RENDERER)
    _pages(board, store, "od", "", 1)
    shown = store.task(2)
    store.update_task(2, lambda t: setattr(t, "status", TaskStatus.DONE), actor=SECRETARY,
                      at=NOW, action="task_done")
    kept = _kept_tasks(board, store)
    assert len(kept) == 4
    assert all(task is store.task(task.number) for task in kept)
    assert not any(task is shown for task in kept)


def test_the_lines_kept_are_bounded_per_workspace() -> None:
    count = LINES_KEPT + 3 * PER_PAGE
    store = seeded_store(tasks=[make_task(f"Việc {n}", deadline=LATE) for n in range(count)])
    board = Board(RENDERER)
    _pages(board, store, "od", "", count // PER_PAGE)
    assert len(board.view(GROUP_ID, store, _reader()).lines) == LINES_KEPT


def test_the_screens_of_a_minute_and_the_searches_are_bounded() -> None:
    store = seeded_store(tasks=[make_task("Số hóa hồ sơ")])
    board = Board(RENDERER)
    tokens = [board.remember_search(f"số hóa {n}") for n in range(SEARCHES_KEPT + 5)]
    assert board.screen(GROUP_ID, store, _reader(), "find", 1, tokens[0]) is None
    assert board.screen(GROUP_ID, store, _reader(), "find", 1, tokens[-1]) is not None
    for days in range(1, status.SCREENS_KEPT + 10):
        board.screen(GROUP_ID, store, _reader(), "due", 1, str(days))
    assert len(board.view(GROUP_ID, store, _reader()).screens) == status.SCREENS_KEPT


def test_an_unknown_screen_is_none() -> None:
    store = seeded_store(tasks=[make_task()])
    assert Board(RENDERER).screen(GROUP_ID, store, _reader(), "zz", 1, "") is None


def test_a_screen_is_drawn_again_after_a_write() -> None:
    store = seeded_store(tasks=[make_task("Việc một", deadline=LATE)])
    board = Board(RENDERER)
    before = board.screen(GROUP_ID, store, _reader(), "od", 1, "")
    store.update_task(1, lambda t: setattr(t, "title", "Việc đã sửa"), actor=SECRETARY, at=NOW,
                      action="task_edit")
    after = board.screen(GROUP_ID, store, _reader(), "od", 1, "")
    assert before is not None and after is not None
    assert "Việc một" in before.text and "Việc đã sửa" in after.text
