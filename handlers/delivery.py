"""Sending scheduled messages within Telegram's limits, with retries, and saying how it went.

PTB's AIORateLimiter keeps the overall rate (30/s) and each group's (20/min) but not the
private chats' (about one a second), and it gives up after its few retries. Scheduled
reminders go out in bursts (every workspace at 08:00), so :class:`Pacer` spaces them per chat
and overall, and :class:`Deliverer` retries until the message is sent, the user has blocked
the bot, or Telegram refuses it for good.

A retry after a network error or a 5xx may repeat a message that Telegram did deliver
before the answer was lost; the alternative, not retrying, would drop it. Reminders prefer
being repeated once in that rare case to being lost.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
import warnings
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from telegram import Bot, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.render import split_message

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[Any]]
Monotonic = Callable[[], float]

OVERALL = (30, 1.0)  # messages, seconds
GROUP = (20, 60.0)
PRIVATE = (1, 1.0)


class _Window:
    """A sliding window: at most `limit` events in any `period` seconds."""

    def __init__(self, limit: int, period: float) -> None:
        self.limit = limit
        self.period = period
        self.events: deque[float] = deque()
        self.not_before = 0.0  # set by a 429 for this chat

    def delay(self, now: float) -> float:
        while self.events and self.events[0] <= now - self.period:
            self.events.popleft()
        wait = self.not_before - now
        if len(self.events) >= self.limit:
            wait = max(wait, self.events[0] + self.period - now)
        return max(wait, 0.0)

    def take(self, now: float) -> None:
        self.events.append(now)


class Pacer:
    """Spaces messages: per private chat, per group, and overall."""

    def __init__(self, *, clock: Monotonic = time.monotonic, sleep: Sleep = asyncio.sleep,
                 overall: tuple[int, float] = OVERALL, group: tuple[int, float] = GROUP,
                 private: tuple[int, float] = PRIVATE) -> None:
        self.clock = clock
        self.sleep = sleep
        self._limits = {"group": group, "private": private}
        self._overall = _Window(*overall)
        self._overall_lock = asyncio.Lock()
        self._chats: dict[int, _Window] = {}
        self._chat_locks: dict[int, asyncio.Lock] = {}

    def _window(self, chat_id: int) -> _Window:
        window = self._chats.get(chat_id)
        if window is None:
            # Group and supergroup ids are negative, users' positive.
            window = _Window(*self._limits["group" if chat_id < 0 else "private"])
            self._chats[chat_id] = window
        return window

    async def _wait(self, window: _Window) -> float:
        while True:
            now = self.clock()
            wait = window.delay(now)
            if wait <= 0:
                return now
            await self.sleep(wait)

    async def acquire(self, chat_id: int) -> None:
        """Wait until one more message to `chat_id` is within every limit, and count it."""
        window = self._window(chat_id)
        lock = self._chat_locks.setdefault(chat_id, asyncio.Lock())
        async with lock:
            await self._wait(window)
            async with self._overall_lock:
                now = await self._wait(self._overall)
                self._overall.take(now)
            window.take(now)

    def hold(self, chat_id: int, seconds: float) -> None:
        """Telegram said 429 for this chat: nothing more to it for `seconds`."""
        window = self._window(chat_id)
        window.not_before = max(window.not_before, self.clock() + seconds)


class Status(StrEnum):
    """How a delivery ended."""

    SENT = "sent"
    BLOCKED = "blocked"  # 403: the user blocked the bot or the bot left the group
    FAILED = "failed"  # refused for good, or still failing after every retry


@dataclass(frozen=True, slots=True)
class Result:
    """The outcome of one delivery, with the message id when sent."""

    status: Status
    message_id: int | None = None
    reason: str = ""


def _retry_after_seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():
        # PTB 22 warns that the int form is deprecated; either form is read here.
        warnings.simplefilter("ignore")
        value = error.retry_after
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return float(value)


class Deliverer:
    """Sends one HTML message (split under the limit), pacing, retrying and classifying errors.

    `pacer` None sends at once (tests and the console, whose fake Bot API has no limits).
    """

    def __init__(self, pacer: Pacer | None = None, *, sleep: Sleep = asyncio.sleep,
                 attempts: int = 6, backoff: float = 1.0, backoff_cap: float = 30.0,
                 flood_waits: int = 10) -> None:
        self.pacer = pacer
        self.sleep = sleep
        self.attempts = attempts
        self.backoff = backoff
        self.backoff_cap = backoff_cap
        self.flood_waits = flood_waits

    async def send(self, bot: Bot, chat_id: int, text: str,
                   markup: InlineKeyboardMarkup | None = None) -> Result:
        """Deliver `text` to `chat_id`; buttons go on the last part."""
        parts = split_message(text)
        result = Result(Status.FAILED, reason="empty")
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            result = await self._send_part(bot, chat_id, part, markup if last else None)
            if result.status is not Status.SENT:
                return result
        return result

    async def _send_part(self, bot: Bot, chat_id: int, text: str,
                         markup: InlineKeyboardMarkup | None) -> Result:
        failures = 0
        floods = 0
        while True:
            if self.pacer is not None:
                await self.pacer.acquire(chat_id)
            try:
                message = await bot.send_message(
                    chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup,
                )
                return Result(Status.SENT, message.message_id)
            except RetryAfter as exc:
                floods += 1
                wait = _retry_after_seconds(exc)
                if floods > self.flood_waits:
                    return Result(Status.FAILED, reason=f"flood control: {exc}")
                if self.pacer is not None:
                    self.pacer.hold(chat_id, wait)
                log.info("429 for chat %s: waiting %.1f s", chat_id, wait)
                await self.sleep(wait)
            except Forbidden as exc:
                return Result(Status.BLOCKED, reason=str(exc))
            except (BadRequest, ChatMigrated) as exc:
                # Bad HTML, a chat that does not exist or moved: retrying cannot help.
                return Result(Status.FAILED, reason=str(exc))
            except NetworkError as exc:  # timeouts, dropped connections, 5xx
                failures += 1
                if failures >= self.attempts:
                    return Result(Status.FAILED, reason=str(exc))
                wait = min(self.backoff * 2 ** (failures - 1), self.backoff_cap)
                log.info("network error for chat %s (%s): retry in %.1f s", chat_id, exc, wait)
                await self.sleep(wait)
            except TelegramError as exc:
                return Result(Status.FAILED, reason=str(exc))
