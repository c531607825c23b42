"""Each user's budget of dashboard requests: a token bucket, so a burst is fine, a flood is not."""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict

from bot.clock import Clock

USERS_KEPT = 10_000  # buckets of the least recently seen users are dropped past this


class RequestBudget:
    """`per_minute` requests a minute per user, with bursts up to `burst`.

    A full bucket holds `burst` tokens; each request takes one; tokens come back at
    `per_minute` a minute. A user whose bucket is empty waits :meth:`take`'s answer in seconds.
    """

    def __init__(self, per_minute: int, clock: Clock, burst: int | None = None) -> None:
        if per_minute < 1:
            raise ValueError("per_minute must be at least 1")
        self.rate = per_minute / 60.0
        self.burst = float(burst if burst is not None else max(per_minute // 2, 1))
        self.clock = clock
        self._buckets: OrderedDict[int, tuple[float, dt.datetime]] = OrderedDict()

    def take(self, user_id: int) -> float:
        """Spend one request of `user_id`: 0 when allowed, else the seconds until one is."""
        now = self.clock()
        tokens, since = self._buckets.pop(user_id, (self.burst, now))
        tokens = min(self.burst, tokens + max((now - since).total_seconds(), 0) * self.rate)
        wait = 0.0
        if tokens >= 1:
            tokens -= 1
        else:
            wait = (1 - tokens) / self.rate
        self._buckets[user_id] = (tokens, now)
        if len(self._buckets) > USERS_KEPT:
            self._buckets.popitem(last=False)
        return wait
