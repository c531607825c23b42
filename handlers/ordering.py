"""Updates handled concurrently, in order per workspace: one chat never waits for another.

PTB hands each update to the Application's update processor. :class:`WorkspaceOrder` lets
updates of different workspaces run side by side while those of one workspace run one after
another, in the order they came: a group's changes never interleave, and a user's
conversation steps keep their order. An update from a private chat acts on the user's
workspaces, so it waits for each of them, and for the user's previous private update.

Each update is also watched for saved changes (:mod:`store.saves`), so that an error after
a change that was saved is not answered with "try again".
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import Application, BaseUpdateProcessor

from store import saves
from store.registry import Registry

KeysOf = Callable[[object], list[int]]
MAX_CONCURRENT = 512  # updates in flight; most of them wait for their workspace, cheaply


def chat_keys(update: object) -> list[int]:
    """Without a registry: one lane per chat."""
    if isinstance(update, Update) and update.effective_chat is not None:
        return [update.effective_chat.id]
    return []


def workspace_keys(registry: Registry, update: object) -> list[int]:
    """The lanes an update must hold: its group's workspace, or a private chat and the
    workspaces its user belongs to. Group ids are negative and users' positive, so one set
    of numbers names both."""
    if not isinstance(update, Update):
        return []
    chat, user = update.effective_chat, update.effective_user
    if chat is None:
        return [user.id] if user is not None else []
    if chat.type in (ChatType.GROUP, ChatType.SUPERGROUP, ChatType.CHANNEL):
        # An upgraded group's late updates share the lane of its new id.
        store = registry.get(chat.id)
        return [store.workspace.chat_id if store is not None else chat.id]
    keys = [chat.id]
    if user is not None:
        keys.extend(store.workspace.chat_id for store in registry.workspaces_of(user.id))
    return keys


class _Lane:
    """A lock and how many updates hold or wait for it (dropped at zero: the map stays small)."""

    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()  # FIFO: waiters get it in the order they came
        self.users = 0


class WorkspaceOrder(BaseUpdateProcessor):
    """Concurrent updates, serialized per workspace (see the module's text)."""

    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT) -> None:
        super().__init__(max_concurrent_updates)
        self.keys_of: KeysOf = chat_keys
        self._lanes: dict[int, _Lane] = {}

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    @contextlib.asynccontextmanager
    async def holding(self, keys: list[int]) -> AsyncIterator[None]:
        """Hold the lanes of `keys`, taken in one global order so that two updates never
        wait for each other."""
        ordered = sorted(set(keys))
        lanes = []
        for key in ordered:
            lane = self._lanes.get(key)
            if lane is None:
                lane = self._lanes[key] = _Lane()
            lane.users += 1
            lanes.append((key, lane))
        taken: list[_Lane] = []
        try:
            for _, lane in lanes:
                await lane.lock.acquire()
                taken.append(lane)
            yield
        finally:
            for lane in taken:
                lane.lock.release()
            for key, lane in lanes:
                lane.users -= 1
                if lane.users == 0 and self._lanes.get(key) is lane:
                    del self._lanes[key]

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        # The keys are read when the update's turn to queue comes, in arrival order.
        async with self.holding(self.keys_of(update)):
            with saves.watching():
                await coroutine

    @property
    def lanes(self) -> int:
        """Workspaces and chats with an update in flight."""
        return len(self._lanes)


async def handle(application: Application[Any, Any, Any, Any, Any, Any], update: object
                 ) -> None:
    """Process one update the way polling does: through the update processor, awaited."""
    await application.update_processor.process_update(
        update, application.process_update(update),
    )
