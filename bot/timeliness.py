"""Timeliness: the four report classes, derived from a task and the time, never stored."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot.model import Task, TaskStatus, Timeliness


def due_at(day: dt.date, time: dt.time | None, tz: str) -> dt.datetime:
    """The instant a deadline passes: its time, or the end of its day when it has none."""
    zone = ZoneInfo(tz)
    if time is None:
        # A date-only deadline holds for the whole day: it passes at the next midnight.
        return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), zone)
    return dt.datetime.combine(day, time, zone)


def classify(task: Task, now: dt.datetime, tz: str) -> Timeliness | None:
    """The report class of a task at `now`; None for a cancelled task, which leaves the count."""
    if task.status is TaskStatus.CANCELLED:
        return None
    if task.status is TaskStatus.DONE:
        # Judged against the first deadline: an extension does not make a late task on time.
        first_time = task.deadline_time if task.original_deadline is None else None
        done = task.completed_at or now
        return (
            Timeliness.DONE_ON_TIME
            if done < due_at(task.first_deadline, first_time, tz)
            else Timeliness.DONE_LATE
        )
    if now >= due_at(task.deadline, task.deadline_time, tz):
        return Timeliness.OVERDUE
    return Timeliness.IN_PROGRESS


def overdue_days(task: Task, now: dt.datetime, tz: str) -> int:
    """Whole days past the deadline (0 on the day it passes); 0 when not overdue."""
    if task.is_closed:
        return 0
    local = now.astimezone(ZoneInfo(tz))
    if local < due_at(task.deadline, task.deadline_time, tz):
        return 0
    return max((local.date() - task.deadline).days, 0)


def days_left(task: Task, now: dt.datetime, tz: str) -> int:
    """Calendar days from today until the deadline (0 when due today, negative when past)."""
    return (task.deadline - now.astimezone(ZoneInfo(tz)).date()).days
