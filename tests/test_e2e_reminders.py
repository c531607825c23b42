"""End to end: the morning reminders of `python bot.py` against the fake Bot API server.

The bot's clock starts just before 08:00 (DONDOC_FAKE_NOW); the workspace file is written
beforehand, as a previous run would have left it.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.model import UserPrefs
from tests.bot_process import BotProcess, running, write_group
from tests.fakes import Fault, LocalBotAPI
from tests.fakes import Member as ChatMember

TOKEN = "434343:E2E-REMINDERS"
GROUP = -1005555555555
CHAIR = 400
OWNERS = tuple(range(401, 413))  # twelve officials, one task each, all due in seven days
DEADLINE = dt.date(2024, 8, 7)


def prepare(data_dir: Path) -> None:
    """The workspace as the bot left it the day before: agencies, members, tasks, users."""
    registry = write_group(data_dir, GROUP, "Tổ công tác CCTTHC", CHAIR, OWNERS, DEADLINE)
    for user in OWNERS:
        registry.users.save(UserPrefs(user, has_private_chat=True))
    registry.close()  # the bot's process opens the directory next


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[BotProcess, LocalBotAPI]]:
    api = LocalBotAPI(TOKEN)
    api.add_chat(GROUP, "supergroup", "Tổ công tác CCTTHC",
                 [ChatMember(CHAIR, "Chủ trì", "administrator"),
                  *(ChatMember(u, f"Cán bộ {u}", "member") for u in OWNERS)])
    for user in OWNERS:
        api.add_chat(user, "private", first_name=f"Cán bộ {user}")
    prepare(tmp_path / "data")
    with running(api, tmp_path / "data", TOKEN, gently=True) as bot:
        yield bot, api


def reminders_per_owner(api: LocalBotAPI) -> Counter[int]:
    return Counter(
        int(c.chat_id) for c in api.sent("sendMessage")
        if isinstance(c.chat_id, int) and c.chat_id in OWNERS
        and "Nhắc việc" in c.params.get("text", "")
    )


def group_lists(api: LocalBotAPI) -> int:
    return sum(1 for c in api.sent("sendMessage", GROUP)
               if "sắp đến hạn" in c.params.get("text", ""))


def everyone_reminded(api: LocalBotAPI) -> bool:
    return set(reminders_per_owner(api)) == set(OWNERS) and group_lists(api) == 1


def test_killed_and_restarted_inside_the_window_sends_none_twice_and_misses_none(
    setup: tuple[BotProcess, LocalBotAPI],
) -> None:
    bot, api = setup
    lock = threading.Lock()
    stalled = [False]

    def stall_after_five(method: str, _params: dict[str, Any]) -> Fault | None:
        # After five reminders, every send is dropped before Telegram carries it out: the
        # bot is busy retrying, with nothing in flight that Telegram delivered, when killed.
        with lock:
            if method.lower() == "sendmessage" and (
                stalled[0] or len(reminders_per_owner(api)) >= 5
            ):
                stalled[0] = True
                return Fault.drop_connection()
        return None

    api.faults = stall_after_five
    bot.start("2024-07-31T07:59:57+07:00")
    api.wait_for(lambda: any(c.dropped for c in api.calls), timeout=30)
    bot.kill()
    assert sum(reminders_per_owner(api).values()) == 5

    api.faults = None
    bot.start("2024-07-31T08:02:00+07:00")  # still the morning of the same day
    api.wait_for(lambda: everyone_reminded(api), timeout=30)
    bot.stop()
    assert reminders_per_owner(api) == Counter(dict.fromkeys(OWNERS, 1))
    assert group_lists(api) == 1


def test_every_reminder_arrives_once_despite_429_502_and_dropped_connections(
    setup: tuple[BotProcess, LocalBotAPI],
) -> None:
    bot, api = setup
    chance = random.Random(20240731)
    faults = [Fault.too_many_requests(retry_after=1), Fault.bad_gateway(),
              Fault.drop_connection()]
    lock = threading.Lock()

    def flaky(method: str, _params: dict[str, Any]) -> Fault | None:
        with lock:
            if method.lower() == "sendmessage" and chance.random() < 0.3:
                return chance.choice(faults)
        return None

    api.faults = flaky
    bot.start("2024-07-31T07:59:58+07:00")
    api.wait_for(lambda: everyone_reminded(api), timeout=60)
    bot.stop()
    assert reminders_per_owner(api) == Counter(dict.fromkeys(OWNERS, 1))
    assert group_lists(api) == 1
    assert any(c.error is not None or c.dropped for c in api.calls)  # faults did happen
