"""Fixtures: a FixedClock, and a harness that drives the real Application with a fake Bot API."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from telegram import Update
from telegram.ext import Application

from bot.clock import FixedClock
from bot.settings import Settings
from handlers.application import build_application
from handlers.delivery import Delivery
from handlers.ordering import handle
from handlers.services import services
from handlers.summary_job import Worker
from store.registry import Registry
from store.workspace import WorkspaceStore
from tests.factories import (
    CHAIR,
    GROUP_ID,
    NOW,
    OTHER_OWNER,
    OWNER,
    SECRETARY,
    STRANGER,
    seeded_store,
)
from tests.fakes import (
    Call,
    Limits,
    LocalBotAPI,
    LocalRequest,
    Member,
    callback_update,
    document_update,
    message_update,
    my_chat_member_update,
)

TOKEN = "123456:TEST-TOKEN"
SEEDED_AGO = dt.timedelta(days=60)
GROUP_TITLE = "Tổ công tác cải cách TTHC"
PEOPLE = {
    SECRETARY: ("Thư", "thuky"),
    CHAIR: ("Quang", "chutri"),
    OWNER: ("Nghệ", "nghean"),
    OTHER_OWNER: ("Tĩnh", None),
    STRANGER: ("Lạ", "nguoila"),
}


@dataclass
class Harness:
    """The real Application wired to an in-process fake Bot API, with a fixed clock.

    ``send`` and ``press`` feed one update through the update processor, as polling does, and
    return the Bot API calls it caused; an exception inside a handler fails the test unless
    ``expect_error`` is set.
    """

    app: Application[Any, Any, Any, Any, Any, Any]
    api: LocalBotAPI
    clock: FixedClock
    data_dir: Path
    errors: list[BaseException] = field(default_factory=list)
    waits: list[float] = field(default_factory=list)  # the delivery's sleeps, not slept

    @property
    def registry(self) -> Registry:
        return services(self.app).registry

    @property
    def store(self) -> WorkspaceStore:
        """The group's workspace (created on the first update from the group)."""
        store = self.registry.get(GROUP_ID)
        assert store is not None, "the group has no workspace yet"
        return store

    async def _feed(self, update: dict[str, Any], expect_error: bool) -> list[Call]:
        start = len(self.api.calls)
        self.errors.clear()
        await handle(self.app, Update.de_json(update, self.app.bot))
        if self.errors and not expect_error:
            raise self.errors[0]
        return self.api.calls[start:]

    async def send(self, text: str, *, user: int = SECRETARY, chat: int = GROUP_ID,
                   reply_to: int | None = None, lang: str = "vi",
                   expect_error: bool = False) -> list[Call]:
        """A message from `user` in `chat` (the group by default)."""
        name, username = PEOPLE.get(user, (f"User {user}", None))
        update = message_update(
            self.api, chat_id=chat, user_id=user, text=text, first_name=name,
            username=username, language_code=lang, reply_to_message_id=reply_to,
        )
        return await self._feed(update, expect_error)

    async def upload(self, data: bytes, filename: str, caption: str = "", *,
                     user: int = SECRETARY, chat: int = GROUP_ID, reply_to: int | None = None,
                     expect_error: bool = False) -> list[Call]:
        """A file sent by `user` in `chat`, with a caption (which may start with a command)."""
        name, username = PEOPLE.get(user, (f"User {user}", None))
        update = document_update(
            self.api, chat_id=chat, user_id=user, data=data, filename=filename,
            caption=caption, first_name=name, username=username, reply_to_message_id=reply_to,
        )
        return await self._feed(update, expect_error)

    async def press(self, data: str, *, user: int = SECRETARY, chat: int = GROUP_ID,
                    message_id: int | None = None, expect_error: bool = False) -> list[Call]:
        """A press on the button carrying `data` (on the latest bot message that has it)."""
        if message_id is None:
            message_id = self.message_with_button(data, chat)
        name, username = PEOPLE.get(user, (f"User {user}", None))
        update = callback_update(self.api, chat_id=chat, user_id=user, message_id=message_id,
                                 data=data, first_name=name, username=username)
        return await self._feed(update, expect_error)

    async def add_bot(self, *, by: int = SECRETARY) -> list[Call]:
        """The bot is added to the group by `by`."""
        update = my_chat_member_update(self.api, chat_id=GROUP_ID, user_id=by,
                                       chat_type="supergroup", title=GROUP_TITLE)
        return await self._feed(update, False)

    async def feed(self, update: dict[str, Any], *, expect_error: bool = False) -> list[Call]:
        """Any update built with tests.fakes (service messages, say)."""
        return await self._feed(update, expect_error)

    def message_with_button(self, data: str, chat: int = GROUP_ID) -> int:
        for message in reversed(self.api.messages(chat)):
            rows = message.get("reply_markup", {}).get("inline_keyboard", [])
            if any(b.get("callback_data") == data for row in rows for b in row):
                return int(message["message_id"])
        raise AssertionError(f"no bot message in {chat} has a button {data!r}")


def texts(calls: list[Call], method: str = "sendMessage") -> list[str]:
    """The texts the bot sent (or edited) in these calls."""
    return [c.params.get("text", "") for c in calls if c.method == method and c.ok]


def buttons_of(call: Call) -> list[tuple[str, str]]:
    """(label, callback_data) of a sent message's inline keyboard."""
    markup = call.params.get("reply_markup") or {}
    rows = markup.get("inline_keyboard", []) if isinstance(markup, dict) else []
    return [(b["text"], b.get("callback_data", "")) for row in rows for b in row]


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


def _group_roster() -> list[Member]:
    return [
        Member(SECRETARY, PEOPLE[SECRETARY][0], "administrator", username="thuky"),
        Member(CHAIR, PEOPLE[CHAIR][0], "member", username="chutri"),
        Member(OWNER, PEOPLE[OWNER][0], "member", username="nghean"),
        Member(OTHER_OWNER, PEOPLE[OTHER_OWNER][0], "member"),
        Member(STRANGER, PEOPLE[STRANGER][0], "member", username="nguoila"),
    ]


async def make_harness(data_dir: Path, clock: FixedClock, *, seed: bool,
                       settings: Settings | None = None) -> Harness:
    """Build and initialise a harness; `seed` fills the group's workspace with the factories'."""
    api = LocalBotAPI(TOKEN, limits=Limits.unlimited())
    api.add_chat(GROUP_ID, "supergroup", GROUP_TITLE, _group_roster())
    settings = settings or Settings(token=TOKEN, data_dir=data_dir)
    waits: list[float] = []

    async def no_sleep(seconds: float) -> None:
        waits.append(seconds)

    # Summaries in a thread of this process: a test can break a step of one, and no
    # interpreter is started per test (tests/test_summary_job.py runs the real process).
    app = build_application(settings, clock=clock, request=LocalRequest(api),
                            delivery=Delivery(pace=False, sleep=no_sleep),
                            worker=Worker(in_process=True))
    harness = Harness(app=app, api=api, clock=clock, data_dir=data_dir, waits=waits)

    async def collect(update: object, context: Any) -> None:
        harness.errors.append(context.error)

    app.add_error_handler(collect)
    if seed:
        # Made when the factories' tasks were (60 days back): a slot is owed only to a
        # workspace that existed then, and tests wake it up on the morning of NOW.
        store = services(app).registry.create(GROUP_ID, GROUP_TITLE, lang="vi",
                                              tz="Asia/Ho_Chi_Minh", at=clock() - SEEDED_AGO)
        seeded_store(store)
    await app.initialize()
    if app.post_init is not None:
        await app.post_init(app)
    return harness


@pytest.fixture
async def harness(tmp_path: Path, clock: FixedClock) -> AsyncIterator[Harness]:
    """A bot whose group has no workspace yet: the first update creates it."""
    h = await make_harness(tmp_path / "data", clock, seed=False)
    yield h
    await h.app.shutdown()


@pytest.fixture
async def seeded(tmp_path: Path, clock: FixedClock) -> AsyncIterator[Harness]:
    """A bot whose group workspace holds the standard agencies and members (no tasks)."""
    h = await make_harness(tmp_path / "data", clock, seed=True)
    yield h
    await h.app.shutdown()
