"""End to end: `python bot.py` stops within 10 s of SIGTERM or Ctrl-C, whatever is queued.

The group has more reminders due at 08:00 than Telegram lets a group receive in a minute,
and replies queue behind them. The bot is stopped once the group's minute is full: it must
exit promptly, log as sent exactly what was sent, and send the rest at its next start.
"""

from __future__ import annotations

import datetime as dt
import signal
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.reminders import Kind, ReminderKey
from store.registry import Registry
from tests.bot_process import BotProcess, running, write_group
from tests.fakes import Limits, LocalBotAPI, message_update
from tests.fakes import Member as ChatMember

TOKEN = "515151:E2E-STOP"
GROUP = -1006666666666
CHAIR = 600
OWNERS = tuple(range(601, 625))  # 24 officials without a private chat: mentioned in the group
DEADLINE = dt.date(2024, 8, 7)  # seven days after the morning of the test
MORNING = dt.date(2024, 7, 31)
STOP_WITHIN = 10.0  # seconds, the promise of the README


def prepare(data_dir: Path) -> None:
    write_group(data_dir, GROUP, "Tổ công tác", CHAIR, OWNERS, DEADLINE).close()


def logged_tasks(data_dir: Path) -> set[int]:
    """Tasks whose 08:00 reminder the data says reached the group."""
    registry = Registry(data_dir)
    try:
        store = registry.get(GROUP)
        assert store is not None
        rs = store.reminders
        return {task.number for task in store.tasks()
                if GROUP in rs.delivered(ReminderKey(task.number, Kind.BEFORE, MORNING))}
    finally:
        registry.close()


def mentioned_tasks(api: LocalBotAPI) -> Counter[int]:
    """Tasks whose reminder Telegram delivered to the group (the title names the owner)."""
    found: Counter[int] = Counter()
    for call in api.sent("sendMessage", GROUP):
        text = call.params.get("text", "")
        for number, user in enumerate(OWNERS, start=1):
            if f"Nhiệm vụ của {user}" in text and "Nhắc việc" in text:
                found[number] += 1
    return found


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[BotProcess, LocalBotAPI]]:
    api = LocalBotAPI(TOKEN)  # Telegram's limits: 20 messages a minute in a group
    api.add_chat(GROUP, "supergroup", "Tổ công tác",
                 [ChatMember(CHAIR, "Chủ trì", "administrator"),
                  *(ChatMember(u, f"Cán bộ {u}", "member") for u in OWNERS)])
    prepare(tmp_path / "data")
    with running(api, tmp_path / "data", TOKEN) as bot:
        yield bot, api


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_stop_is_prompt_and_what_was_not_sent_is_sent_at_the_next_start(
    setup: tuple[BotProcess, LocalBotAPI], sig: signal.Signals,
) -> None:
    bot, api = setup
    bot.start("2024-07-31T07:59:58+07:00")
    for _ in range(5):  # replies wait behind the reminders for the group's next minute
        api.push_update(message_update(api, chat_id=GROUP, user_id=CHAIR, text="/trangthai",
                                       first_name="Chủ trì"))
    api.wait_for(lambda: len(api.sent("sendMessage", GROUP)) >= 20, timeout=60)
    elapsed = bot.stop_timed(sig)
    assert elapsed < STOP_WITHIN, (elapsed, bot.tail())
    assert "Traceback" not in bot.log.read_text(errors="replace"), bot.tail()
    sent = mentioned_tasks(api)
    assert len(sent) < len(OWNERS)  # the minute was full: some reminders were still queued
    assert logged_tasks(bot.data_dir) == set(sent)

    # The next start, the same morning, sends what was not sent, once. (A new process does
    # not know the old one's minute; Telegram would make it wait that out, which is not
    # what this test is about.)
    api.limits = Limits.unlimited()
    bot.start("2024-07-31T08:03:00+07:00")
    api.wait_for(lambda: len(mentioned_tasks(api)) == len(OWNERS), timeout=60)
    bot.stop_timed(signal.SIGTERM)
    assert mentioned_tasks(api) == Counter(dict.fromkeys(range(1, len(OWNERS) + 1), 1))
    assert logged_tasks(bot.data_dir) == set(range(1, len(OWNERS) + 1))
