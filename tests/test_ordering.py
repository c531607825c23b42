"""Concurrent updates: other workspaces go on, one workspace's updates keep their order."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

import pytest
from telegram import Update

from bot.model import TaskStatus
from handlers import summary_job
from handlers.ordering import WorkspaceOrder
from tests.conftest import Harness, _group_roster
from tests.factories import NOW, OWNER, SECRETARY, make_task, seeded_store
from tests.fakes import Call, message_update

OTHER_GROUP = -1009876543210


# -- the processor alone ----------------------------------------------------------------------


async def turns(n: int = 20) -> None:
    """Let every task that can run, run."""
    for _ in range(n):
        await asyncio.sleep(0)


async def test_one_workspace_in_order_others_meanwhile_and_nothing_left_behind() -> None:
    order = WorkspaceOrder()
    keys = {"a1": [-1], "a2": [-1], "b": [-2], "private": [42, -1]}
    order.keys_of = lambda update: keys[str(update)]
    done: list[str] = []
    first_may_end = asyncio.Event()

    async def work(name: str, wait: asyncio.Event | None = None) -> None:
        if wait is not None:
            await wait.wait()
        done.append(name)

    running = [
        asyncio.ensure_future(order.process_update("a1", work("a1", first_may_end))),
        asyncio.ensure_future(order.process_update("private", work("private"))),
        asyncio.ensure_future(order.process_update("a2", work("a2"))),
        asyncio.ensure_future(order.process_update("b", work("b"))),
    ]
    await turns()
    assert done == ["b"]  # workspace -2 did not wait for -1
    first_may_end.set()
    await asyncio.gather(*running)
    assert done == ["b", "a1", "private", "a2"]  # -1's updates in the order they came
    assert order.lanes == 0


async def test_a_failing_update_releases_its_workspace() -> None:
    order = WorkspaceOrder()
    order.keys_of = lambda _update: [-1]

    async def fail() -> None:
        raise RuntimeError("boom")

    async def fine() -> None:
        pass

    with pytest.raises(RuntimeError):
        await order.process_update("x", fail())
    await asyncio.wait_for(order.process_update("y", fine()), 1.0)
    assert order.lanes == 0


# -- through the Application ------------------------------------------------------------------


class Replies:
    """Waits, without polling, until the bot has sent a chat so many messages."""

    def __init__(self, h: Harness) -> None:
        self.counts: dict[int, int] = {}
        self.changed = asyncio.Event()
        h.api.on_call = self._seen

    def _seen(self, call: Call) -> None:
        if call.method == "sendMessage" and call.ok and isinstance(call.chat_id, int):
            self.counts[call.chat_id] = self.counts.get(call.chat_id, 0) + 1
            self.changed.set()

    async def until(self, chat_id: int, count: int) -> None:
        while self.counts.get(chat_id, 0) < count:
            self.changed.clear()
            await asyncio.wait_for(self.changed.wait(), 60.0)  # a guard, never reached


def texts_in(h: Harness, chat_id: int) -> list[str]:
    return [c.params.get("text", "") for c in h.api.calls
            if c.method == "sendMessage" and c.ok and c.chat_id == chat_id]


async def test_a_long_summary_in_one_group_holds_up_that_group_only(
    seeded: Harness, monkeypatch: pytest.MonkeyPatch,
) -> None:
    h = seeded
    h.store.add_task(make_task(responsible=(OWNER,)), actor=SECRETARY, at=NOW)
    h.api.add_chat(OTHER_GROUP, "supergroup", "Tổ khác", _group_roster())
    seeded_store(h.registry.create(OTHER_GROUP, "Tổ khác", lang="vi", tz="Asia/Ho_Chi_Minh",
                                   at=NOW))
    entered, release = threading.Event(), threading.Event()
    real: Callable[..., Any] = summary_job.figures

    def slow_figures(*args: Any, **kwargs: Any) -> Any:
        entered.set()
        release.wait(5.0)  # a summary at 1,000 tasks, made to last until the test says
        return real(*args, **kwargs)

    monkeypatch.setattr(summary_job, "figures", slow_figures)
    replies = Replies(h)

    def update(chat: int, user: int, text: str) -> Update:
        return Update.de_json(message_update(h.api, chat_id=chat, user_id=user, text=text,
                                             first_name="Thư"), h.app.bot)

    await h.app.start()
    try:
        await h.app.update_queue.put(update(h.store.workspace.chat_id, SECRETARY, "/tomtat"))
        loop = asyncio.get_running_loop()
        assert await loop.run_in_executor(None, entered.wait, 5.0)
        # Group B is answered while group A's summary is being made.
        await h.app.update_queue.put(update(OTHER_GROUP, SECRETARY, "/trangthai"))
        await replies.until(OTHER_GROUP, 1)
        assert texts_in(h, h.store.workspace.chat_id) == []  # A's summary is not made yet
        # Group A's next change waits for its summary: it is applied after it, in order.
        await h.app.update_queue.put(update(h.store.workspace.chat_id, OWNER, "/xong 1"))
        await turns()
        assert h.store.task(1).status is TaskStatus.OPEN  # type: ignore[union-attr]
        release.set()
        await replies.until(h.store.workspace.chat_id, 2)  # the summary, then /xong's answer
        group_a = texts_in(h, h.store.workspace.chat_id)
        assert "Tóm tắt" in group_a[0] or "tóm tắt" in group_a[0].lower()
        assert "hoàn thành" in group_a[-1]
        assert h.store.task(1).status is TaskStatus.DONE  # type: ignore[union-attr]
    finally:
        release.set()
        await h.app.stop()
