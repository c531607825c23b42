"""When each workspace's reminders wake next: the schedule's state and the choices it makes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

# A job may fire a little before its instant by the workspace clock (timer granularity); the
# plan then treats it as that instant rather than finding nothing and sleeping a day.
EARLY_TOLERANCE = dt.timedelta(seconds=2)


def plan_instant(now: dt.datetime, scheduled: dt.datetime | None) -> dt.datetime:
    """The instant a wake-up plans for: the one it was scheduled at when it fired just early."""
    if scheduled is not None and scheduled - EARLY_TOLERANCE <= now < scheduled:
        return scheduled
    return now


def kept_wakeup(wake: dt.datetime | None, pending: dt.datetime | None, now: dt.datetime,
                *, keep_due: bool) -> dt.datetime | None:
    """The wake-up to schedule instead of `pending`, the one already waiting.

    A wake-up already due and not yet run (the start-up catch-up) is never put off by a
    reschedule, unless `keep_due` is False (only the wake-up itself, once it has sent).
    """
    if keep_due and pending is not None and pending <= now and (wake is None or pending < wake):
        return pending
    return wake


@dataclass
class Wakeups:
    """Per workspace (by chat id): the store revision planned from, the next wake-up, and the
    `now` of the last plan (the next one is looked for from it, so no slot is skipped)."""

    revisions: dict[int, int] = field(default_factory=dict)
    wakeups: dict[int, dt.datetime | None] = field(default_factory=dict)
    planned: dict[int, dt.datetime] = field(default_factory=dict)

    def stale(self, chat_id: int, revision: int) -> bool:
        """Whether the workspace changed since its wake-up was computed."""
        return self.revisions.get(chat_id) != revision

    def tables(self) -> tuple[dict[int, Any], ...]:
        return (self.revisions, self.wakeups, self.planned)

    def moved(self, old: int, new: int) -> None:
        """A workspace's group got a new chat id: its state follows it."""
        for table in self.tables():
            if old in table:
                table.setdefault(new, table.pop(old))
