"""Telegram's flood limits, and a clock tests advance by hand."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

from tests.fakes.chats import ChatState
from tests.fakes.errors import too_many_requests


@dataclass
class Limits:
    """Flood limits (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this).

    Private chats: a token bucket refilling ``private_per_second`` with ``private_burst``
    capacity (Telegram tolerates short bursts). Groups/channels: at most ``group_per_minute``
    messages in any 60 s window. Everything: at most ``global_per_second`` in any 1 s window.
    Only send* methods count.
    """

    enabled: bool = True
    private_per_second: float = 1.0
    private_burst: int = 10
    group_per_minute: int = 20
    global_per_second: int = 30

    @classmethod
    def unlimited(cls) -> Limits:
        return cls(enabled=False)


class ManualClock:
    """A clock tests advance by hand, for ``LocalBotAPI(clock=...)``/``wall_clock=...``."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class RateLimiter:
    def __init__(self) -> None:
        self._global: deque[float] = deque()
        self._buckets: dict[int, tuple[float, float]] = {}
        self._windows: dict[int, deque[float]] = {}

    def take(self, chat: ChatState, limits: Limits, now: float) -> None:
        """Account for one message to ``chat`` or raise 429 without consuming anything."""
        if not limits.enabled:
            return
        wait = 0.0
        while self._global and self._global[0] <= now - 1.0:
            self._global.popleft()
        if len(self._global) >= limits.global_per_second:
            wait = self._global[0] + 1.0 - now
        tokens = 0.0
        window: deque[float] | None = None
        if chat.type == "private":
            tokens, last = self._buckets.get(chat.id, (float(limits.private_burst), now))
            refill = (now - last) * limits.private_per_second
            tokens = min(float(limits.private_burst), tokens + refill)
            if tokens < 1.0:
                wait = max(wait, (1.0 - tokens) / limits.private_per_second)
        else:
            window = self._windows.setdefault(chat.id, deque())
            while window and window[0] <= now - 60.0:
                window.popleft()
            if len(window) >= limits.group_per_minute:
                wait = max(wait, window[0] + 60.0 - now)
        if wait > 0:
            raise too_many_requests(max(1, math.ceil(wait - 1e-9)))
        self._global.append(now)
        if window is not None:
            window.append(now)
        else:
            self._buckets[chat.id] = (tokens - 1.0, now)
