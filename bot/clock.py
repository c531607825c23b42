"""The clock, injected everywhere so that rules and tests never read the real time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

Clock = Callable[[], dt.datetime]
"""A function returning the current time as an aware datetime."""


def system_clock() -> dt.datetime:
    """The real time, in UTC."""
    return dt.datetime.now(dt.UTC)


class FixedClock:
    """A clock that moves only when told to; for tests and the console."""

    def __init__(self, now: dt.datetime) -> None:
        if now.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def set(self, now: dt.datetime) -> None:
        """Jump to a given time."""
        self.now = now

    def advance(self, **delta: float) -> None:
        """Move forward by a timedelta's keyword arguments, e.g. advance(days=1)."""
        self.now += dt.timedelta(**delta)


class OffsetClock:
    """The real clock shifted to start at a chosen time; for end-to-end runs of bot.py."""

    def __init__(self, start: dt.datetime) -> None:
        self._offset = start - dt.datetime.now(dt.UTC)

    def __call__(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self._offset


def local_now(clock: Clock, tz: str) -> dt.datetime:
    """The clock's time in a workspace's time zone."""
    return clock().astimezone(ZoneInfo(tz))
