"""Timeliness: the four report classes, derived from a task and the time, never stored.

Which deadline judges a task is the workspace's :class:`DeadlineRule`: by default the deadline
as officially adjusted (a leader's change with a reason, an approved extension), as government
follow-up judges; on the strict rule, the first deadline ever set.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot.model import DeadlineRule, Task, TaskStatus, Timeliness
from bot.names import fold

ADJUSTED = DeadlineRule.ADJUSTED

# How a leader names a rule in /deadlinerule, folded (no case, no diacritics).
_RULE_WORDS = {
    "adjusted": DeadlineRule.ADJUSTED, "dieu chinh": DeadlineRule.ADJUSTED,
    "dieuchinh": DeadlineRule.ADJUSTED, "han dieu chinh": DeadlineRule.ADJUSTED,
    "moi": DeadlineRule.ADJUSTED, "current": DeadlineRule.ADJUSTED,
    "first": DeadlineRule.FIRST, "strict": DeadlineRule.FIRST, "original": DeadlineRule.FIRST,
    "ban dau": DeadlineRule.FIRST, "bandau": DeadlineRule.FIRST,
    "han ban dau": DeadlineRule.FIRST, "chat": DeadlineRule.FIRST,
}  # fmt: skip


def rule_named(text: str) -> DeadlineRule | None:
    """The rule a leader typed ("adjusted", "điều chỉnh"; "first", "ban đầu"), None if unknown."""
    return _RULE_WORDS.get(fold(text))


def due_at(day: dt.date, time: dt.time | None, tz: str) -> dt.datetime:
    """The instant a deadline passes: its time, or the end of its day when it has none."""
    zone = ZoneInfo(tz)
    if time is None:
        # A date-only deadline holds for the whole day: it passes at the next midnight.
        return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), zone)
    return dt.datetime.combine(day, time, zone)


def judged_deadline(task: Task, rule: DeadlineRule = ADJUSTED) -> tuple[dt.date, dt.time | None]:
    """The deadline (day, time) that decides whether `task` is on time or late under `rule`.

    An ongoing task has none: ask :attr:`Task.is_ongoing` first (ValueError otherwise).
    """
    if rule is DeadlineRule.FIRST and task.original_deadline is not None:
        return task.original_deadline, task.original_deadline_time
    if task.deadline is None:
        raise ValueError(f"task {task.number} is ongoing: it has no deadline")
    return task.deadline, task.deadline_time


def passes_at(task: Task, tz: str, rule: DeadlineRule = ADJUSTED) -> dt.datetime:
    """The instant the judging deadline of `task` passes."""
    day, time = judged_deadline(task, rule)
    return due_at(day, time, tz)


def classify(task: Task, now: dt.datetime, tz: str, rule: DeadlineRule = ADJUSTED
             ) -> Timeliness | None:
    """The report class of a task at `now`; None for a cancelled task, which leaves the count.

    An ongoing task is CONTINUOUS whatever its status: with no deadline it is neither on
    time nor late, and reports count it apart from the four classes.
    """
    if task.status is TaskStatus.CANCELLED:
        return None
    if task.deadline is None:
        return Timeliness.CONTINUOUS
    passes = passes_at(task, tz, rule)
    if task.status is TaskStatus.DONE:
        done = task.completed_at or now
        return Timeliness.DONE_ON_TIME if done < passes else Timeliness.DONE_LATE
    return Timeliness.OVERDUE if now >= passes else Timeliness.IN_PROGRESS


def overdue_days(task: Task, now: dt.datetime, tz: str, rule: DeadlineRule = ADJUSTED) -> int:
    """Whole days past the judging deadline (0 on the day it passes); 0 when not overdue."""
    if task.is_closed or task.deadline is None:
        return 0
    local = now.astimezone(ZoneInfo(tz))
    if local < passes_at(task, tz, rule):
        return 0
    return max((local.date() - judged_deadline(task, rule)[0]).days, 0)


def days_left(task: Task, now: dt.datetime, tz: str) -> int | None:
    """Calendar days from today until the deadline (0 when due today, negative when past);
    None for an ongoing task."""
    if task.deadline is None:
        return None
    return (task.deadline - now.astimezone(ZoneInfo(tz)).date()).days
