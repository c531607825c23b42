"""The four report classes at the edges of a deadline."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.model import DeadlineRule, TaskStatus, Timeliness
from bot.timeliness import classify, days_left, due_at, overdue_days, rule_named
from tests.factories import TZ, VN, make_task

DEADLINE = dt.date(2024, 9, 30)


def at(day: int, month: int = 9, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(2024, month, day, hour, minute, tzinfo=VN)


@pytest.mark.parametrize(
    ("now", "expected", "late_days"),
    [
        (at(29, hour=23, minute=59), Timeliness.IN_PROGRESS, 0),
        (at(30, hour=0), Timeliness.IN_PROGRESS, 0),
        (at(30, hour=23, minute=59), Timeliness.IN_PROGRESS, 0),
        (at(1, month=10, hour=0), Timeliness.OVERDUE, 1),
        (at(8, month=10, hour=9), Timeliness.OVERDUE, 8),
    ],
)
def test_open_task_is_overdue_only_after_its_whole_deadline_day(
    now: dt.datetime, expected: Timeliness, late_days: int
) -> None:
    task = make_task(deadline=DEADLINE)
    assert classify(task, now, TZ) is expected
    assert overdue_days(task, now, TZ) == late_days


@pytest.mark.parametrize(
    ("completed", "expected"),
    [
        (at(30, hour=23, minute=59), Timeliness.DONE_ON_TIME),
        (at(1, month=10, hour=0), Timeliness.DONE_LATE),
        (at(15), Timeliness.DONE_ON_TIME),
    ],
)
def test_completion_is_judged_against_the_deadline_day(
    completed: dt.datetime, expected: Timeliness
) -> None:
    task = make_task(deadline=DEADLINE, status=TaskStatus.DONE, completed_at=completed)
    assert classify(task, at(20, month=10), TZ) is expected


def test_deadline_with_a_time_passes_at_that_time() -> None:
    task = make_task(deadline=DEADLINE, deadline_time=dt.time(17, 0))
    assert classify(task, at(30, hour=16, minute=59), TZ) is Timeliness.IN_PROGRESS
    assert classify(task, at(30, hour=17), TZ) is Timeliness.OVERDUE
    assert overdue_days(task, at(30, hour=18), TZ) == 0


def test_an_adjusted_deadline_decides_on_time_by_default() -> None:
    task = make_task(deadline=dt.date(2024, 10, 31), original_deadline=DEADLINE,
                     status=TaskStatus.DONE, completed_at=at(15, month=10))
    assert classify(task, at(20, month=10), TZ) is Timeliness.DONE_ON_TIME


def test_the_strict_rule_judges_by_the_first_deadline() -> None:
    task = make_task(deadline=dt.date(2024, 10, 31), original_deadline=DEADLINE,
                     status=TaskStatus.DONE, completed_at=at(15, month=10))
    assert classify(task, at(20, month=10), TZ, DeadlineRule.FIRST) is Timeliness.DONE_LATE


def test_extended_open_task_is_chased_against_the_new_deadline() -> None:
    task = make_task(deadline=dt.date(2024, 10, 31), original_deadline=DEADLINE)
    assert classify(task, at(15, month=10), TZ) is Timeliness.IN_PROGRESS
    assert overdue_days(task, at(15, month=10), TZ) == 0


def test_on_the_strict_rule_an_extended_open_task_is_overdue_after_its_first_deadline() -> None:
    # It can only finish late now: the reports say so before it does.
    task = make_task(deadline=dt.date(2024, 10, 31), original_deadline=DEADLINE)
    assert classify(task, at(15, month=10), TZ, DeadlineRule.FIRST) is Timeliness.OVERDUE
    assert overdue_days(task, at(15, month=10), TZ, DeadlineRule.FIRST) == 15


@pytest.mark.parametrize(
    ("typed", "rule"),
    [("dieuchinh", DeadlineRule.ADJUSTED), ("Điều chỉnh", DeadlineRule.ADJUSTED),
     ("adjusted", DeadlineRule.ADJUSTED), ("bandau", DeadlineRule.FIRST),
     ("Ban đầu", DeadlineRule.FIRST), ("first", DeadlineRule.FIRST), ("later", None)],
)
def test_rules_are_named_in_both_languages(typed: str, rule: DeadlineRule | None) -> None:
    assert rule_named(typed) is rule


def test_cancelled_task_has_no_class() -> None:
    task = make_task(status=TaskStatus.CANCELLED)
    assert classify(task, at(20, month=10), TZ) is None
    assert overdue_days(task, at(20, month=10), TZ) == 0


def test_time_zone_decides_the_day() -> None:
    # 17:30 UTC on 30/9 is already 00:30 on 1/10 in Hanoi: the task is overdue there.
    now_utc = dt.datetime(2024, 9, 30, 17, 30, tzinfo=dt.UTC)
    assert classify(make_task(deadline=DEADLINE), now_utc, TZ) is Timeliness.OVERDUE
    assert due_at(DEADLINE, None, TZ) == at(1, month=10)


def test_days_left_counts_calendar_days() -> None:
    task = make_task(deadline=DEADLINE)
    assert days_left(task, at(27, hour=15), TZ) == 3
    assert days_left(task, at(2, month=10), TZ) == -2
