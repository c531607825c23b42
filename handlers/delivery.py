"""The one path every Bot API request takes: paced within Telegram's limits, retried, reported.

PTB hands every request except getUpdates to the bot's rate limiter, so :class:`Delivery`,
installed as that limiter, carries every reply, edit, button answer, reminder, chart and
document the bot sends, whichever feature sends it:

- messages (sends and edits) are spaced per chat (a group 20 a minute, a private chat about
  one a second after a short burst) and overall (30 a second);
- a 429 waits the ``retry_after`` Telegram names (for that chat), then sends again;
- a 5xx, a timeout or a dropped connection is sent again after a backoff, 30 s in all;
- a 403 (the user blocked the bot, or it left the group) is reported to
  :attr:`Delivery.on_blocked`, then raised;
- a group upgraded to a supergroup (ChatMigrated) is reported to :attr:`Delivery.on_migrated`
  and the request goes to the new chat.

A retry sends the same request again; the handler that made it does not run again, so a change
is never applied twice. A retry after a lost answer may deliver a message twice; not retrying
would lose it, and a lost message is worse than a repeated one.

When the bot stops, :meth:`Delivery.stop` leaves requests a few seconds: a wait that would end
later fails at once with :class:`DeliveryStopped`. A bot whose replies queue behind a group's
limit still stops promptly, and a reminder that was not sent is not logged as sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
import warnings
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
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
from telegram.ext import BaseRateLimiter

from bot.render import split_message

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[Any]]
Monotonic = Callable[[], float]

OVERALL = (30, 1.0)  # messages, seconds
GROUP = (20, 60.0)
PRIVATE = (3, 1.0)  # a burst of 3, then one a second
RETRY_BUDGET = 30.0  # seconds of retrying after 5xx and network errors, per request
FLOOD_WAITS = 10  # 429s honoured per request
STOP_GRACE = 3.0  # seconds a request may still wait once the bot is stopping

# Requests that put a message in a chat, and so count against its limits.
PACED = frozenset({
    "sendMessage", "sendPhoto", "sendDocument", "sendMediaGroup", "copyMessage",
    "forwardMessage", "editMessageText", "editMessageCaption", "editMessageReplyMarkup",
    "editMessageMedia",
})
_SENDS = frozenset(name for name in PACED if not name.startswith("edit"))
# Start-up's "who am I": handlers/startup.py retries it for as long as the network is down,
# with its own log line each time, so it is not retried here as well.
UNRETRIED = frozenset({"getMe"})


class DeliveryStopped(Exception):
    """The bot is stopping: this request would have waited past the stop's grace period.

    Not a TelegramError, so code that shrugs off Telegram's refusals does not swallow it.
    """


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

    def idle(self, now: float) -> bool:
        return self.delay(now) == 0.0 and not self.events


class _Bucket(_Window):
    """A token bucket: `limit` at once, then one every `period` seconds (private chats)."""

    def __init__(self, limit: int, period: float) -> None:
        super().__init__(limit, period)
        self.tokens = float(limit)
        self.at = 0.0

    def _refill(self, now: float) -> None:
        self.tokens = min(float(self.limit), self.tokens + (now - self.at) / self.period)
        self.at = now

    def delay(self, now: float) -> float:
        self._refill(now)
        wait = max(self.not_before - now, (1.0 - self.tokens) * self.period)
        return max(wait, 0.0)

    def take(self, now: float) -> None:
        self._refill(now)
        self.tokens -= 1.0

    def idle(self, now: float) -> bool:
        return self.delay(now) == 0.0 and self.tokens >= self.limit - 1e-9


class Pacer:
    """Spaces messages: per private chat, per group, and overall."""

    PRUNE_EVERY = 1000  # acquisitions between sweeps of idle chats: the map stays bounded

    def __init__(self, *, clock: Monotonic = time.monotonic,
                 overall: tuple[int, float] = OVERALL, group: tuple[int, float] = GROUP,
                 private: tuple[int, float] = PRIVATE) -> None:
        self.clock = clock
        self.nap: Sleep = asyncio.sleep  # Delivery puts its stop-aware sleep here
        self._group = group
        self._private = private
        self._overall = _Window(*overall)
        self._overall_lock = asyncio.Lock()
        self._chats: dict[int, _Window] = {}
        self._chat_locks: dict[int, asyncio.Lock] = {}
        self._since_prune = 0

    def _window(self, chat_id: int) -> _Window:
        window = self._chats.get(chat_id)
        if window is None:
            # Group and supergroup ids are negative, users' positive.
            window = _Window(*self._group) if chat_id < 0 else _Bucket(*self._private)
            self._chats[chat_id] = window
        return window

    async def _wait(self, window: _Window) -> float:
        while True:
            now = self.clock()
            wait = window.delay(now)
            if wait <= 0:
                return now
            await self.nap(wait)

    async def acquire(self, chat_id: int) -> None:
        """Wait until one more message to `chat_id` is within every limit, and count it."""
        self._prune()
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

    def _prune(self) -> None:
        self._since_prune += 1
        if self._since_prune < self.PRUNE_EVERY:
            return
        self._since_prune = 0
        now = self.clock()
        for chat_id in [c for c, w in self._chats.items() if w.idle(now)]:
            lock = self._chat_locks.get(chat_id)
            if lock is None or not lock.locked():
                del self._chats[chat_id]
                self._chat_locks.pop(chat_id, None)

    @property
    def chats(self) -> int:
        """How many chats the pacer keeps state for (bounded by the sweep)."""
        return len(self._chats)


def retry_after_seconds(error: RetryAfter) -> float:
    """The wait a 429 asks for, in seconds."""
    with warnings.catch_warnings():
        # PTB 22 warns that the int form is deprecated; either form is read here.
        warnings.simplefilter("ignore")
        value = error.retry_after
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return float(value)


Request = Callable[..., Coroutine[Any, Any, Any]]
Blocked = Callable[[int], None]
Migrated = Callable[[int, int], Awaitable[None]]


class Delivery(BaseRateLimiter[None]):
    """PTB's rate limiter slot, used as dondoc's one delivery path (see the module's text).

    `pace` False sends without spacing (tests and the console, whose fake Bot API has no
    limits); retries and reports happen either way. `sleep` and `clock` are injected by tests
    and benchmarks.
    """

    def __init__(self, *, pace: bool = True, clock: Monotonic = time.monotonic,
                 sleep: Sleep = asyncio.sleep, budget: float = RETRY_BUDGET,
                 backoff: float = 1.0, backoff_cap: float = 8.0,
                 flood_waits: int = FLOOD_WAITS, pacer: Pacer | None = None) -> None:
        self.clock = clock
        self.sleep = sleep
        self.budget = budget
        self.backoff = backoff
        self.backoff_cap = backoff_cap
        self.flood_waits = flood_waits
        self.pacer = pacer if pacer is not None else (Pacer(clock=clock) if pace else None)
        if self.pacer is not None:
            self.pacer.nap = self.nap
        self.on_blocked: Blocked | None = None
        self.on_migrated: Migrated | None = None
        self._stop_at: float | None = None
        self._stopping: asyncio.Event | None = None

    async def initialize(self) -> None:
        self.resume()

    async def shutdown(self) -> None:
        """Nothing to release."""

    # -- stopping --------------------------------------------------------------------------

    def stop(self, grace: float = STOP_GRACE) -> None:
        """From now on a wait that would end more than `grace` s from now fails at once."""
        self._stop_at = self.clock() + grace
        if self._stopping is not None:
            self._stopping.set()

    def resume(self) -> None:
        """Deliver normally again (an Application started anew)."""
        self._stop_at = None
        self._stopping = None

    @property
    def stopping(self) -> bool:
        return self._stop_at is not None

    def _check_stop(self, until: float) -> None:
        if self._stop_at is not None and until > self._stop_at:
            raise DeliveryStopped(f"stopping: a wait of {until - self.clock():.1f} s cut short")

    async def nap(self, seconds: float) -> None:
        """Sleep `seconds`, unless the bot stops meanwhile and the sleep would end too late."""
        if seconds <= 0:
            return
        until = self.clock() + seconds
        self._check_stop(until)
        if self._stop_at is not None:
            await self.sleep(seconds)
            return
        if self._stopping is None:
            self._stopping = asyncio.Event()
        stopping = self._stopping
        sleeping = asyncio.ensure_future(self.sleep(seconds))
        woken = asyncio.ensure_future(stopping.wait())
        try:
            await asyncio.wait({sleeping, woken}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for future in (sleeping, woken):
                if not future.done():
                    future.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await future
        if not sleeping.done() or sleeping.cancelled():
            self._check_stop(until)
            await self.sleep(max(until - self.clock(), 0.0))

    # -- the path ----------------------------------------------------------------------------

    async def process_request(self, callback: Request, args: Any, kwargs: dict[str, Any],
                              endpoint: str, data: dict[str, Any],
                              rate_limit_args: None) -> Any:
        if endpoint in UNRETRIED:
            return await callback(*args, **kwargs)
        chat_id = data.get("chat_id")
        paced = self.pacer is not None and endpoint in PACED and isinstance(chat_id, int)
        failures = floods = moves = 0
        waited = 0.0
        while True:
            if paced:
                assert self.pacer is not None and isinstance(chat_id, int)
                await self.pacer.acquire(chat_id)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                floods += 1
                wait = retry_after_seconds(exc)
                if floods > self.flood_waits:
                    raise
                log.info("%s to %s: 429, waiting %.1f s", endpoint, chat_id, wait)
                if paced:
                    assert self.pacer is not None and isinstance(chat_id, int)
                    self.pacer.hold(chat_id, wait)
                else:
                    await self.nap(wait)
            except ChatMigrated as exc:
                moves += 1
                if moves > 1 or not isinstance(chat_id, int):
                    raise
                new_id = int(exc.new_chat_id)
                log.info("chat %s is now %s: %s sent there", chat_id, new_id, endpoint)
                if self.on_migrated is not None:
                    await self.on_migrated(chat_id, new_id)
                data["chat_id"] = chat_id = new_id
            except Forbidden:
                if endpoint in _SENDS and isinstance(chat_id, int):
                    log.info("%s to %s: forbidden", endpoint, chat_id)
                    if self.on_blocked is not None:
                        self.on_blocked(chat_id)
                raise
            except BadRequest as exc:
                if failures + floods and _already_done(endpoint, exc):
                    # An earlier attempt went through; only its answer was lost.
                    return True
                raise
            except NetworkError as exc:  # 5xx, timeouts, dropped connections
                failures += 1
                wait = min(self.backoff * 2 ** (failures - 1), self.backoff_cap)
                if waited + wait > self.budget:
                    raise
                waited += wait
                log.info("%s to %s: %s; again in %.1f s", endpoint, chat_id, exc, wait)
                await self.nap(wait)


def _already_done(endpoint: str, error: BadRequest) -> bool:
    """Whether a retry's refusal says that the first attempt had been carried out."""
    text = str(error).casefold()
    return endpoint == "answerCallbackQuery" and "query is too old" in text


def delivery_of(bot: Bot) -> Delivery:
    """The Delivery of an Application's bot (installed by build_application)."""
    found = getattr(bot, "rate_limiter", None)
    assert isinstance(found, Delivery), "the bot was not built by build_application"
    return found


# -- scheduled messages ---------------------------------------------------------------------


class Status(StrEnum):
    """How a scheduled message's delivery ended."""

    SENT = "sent"
    BLOCKED = "blocked"  # 403: the user blocked the bot or the bot left the group
    FAILED = "failed"  # refused for good, or still failing after every retry


@dataclass(frozen=True, slots=True)
class Result:
    """The outcome of one delivery, with the message id when sent."""

    status: Status
    message_id: int | None = None
    reason: str = ""


async def deliver(bot: Bot, chat_id: int, text: str,
                  markup: InlineKeyboardMarkup | None = None) -> Result:
    """Send a message the bot sends on its own (a reminder), and say how it went.

    The retries happen below, in :class:`Delivery`; this only classifies the end.
    :class:`DeliveryStopped` is raised, not classified: what was not sent is not logged.
    """
    parts = split_message(text)
    result = Result(Status.FAILED, reason="empty")
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        try:
            message = await bot.send_message(
                chat_id, part, parse_mode=ParseMode.HTML,
                reply_markup=markup if last else None,
            )
        except Forbidden as exc:
            return Result(Status.BLOCKED, reason=str(exc))
        except TelegramError as exc:
            return Result(Status.FAILED, reason=str(exc))
        result = Result(Status.SENT, message.message_id)
    return result
