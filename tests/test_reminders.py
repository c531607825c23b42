"""Tests of bot.reminders: working days, the plan of what is due when, wake-ups, settings."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from bot import reminders as r
from bot.model import HistoryEntry, HistoryKind, Member, Role, Task, TaskStatus, UserPrefs
from bot.reminders import Kind, ReminderKey, ReminderPolicy, Snooze
from tests.factories import CHAIR, NOW, OTHER_OWNER, OWNER, SECRETARY, TZ, VN, make_task

POLICY = ReminderPolicy()
D = dt.date


def at(day: dt.date, hour: int = 8, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), VN)


def task(number: int, deadline: dt.date, **extra: object) -> Task:
    return make_task(number=number, deadline=deadline, **extra)  # type: ignore[arg-type]


def keys(reminders: list[r.Reminder]) -> list[tuple[int, str, dt.date]]:
    return [(x.key.task, x.key.kind.value, x.key.day) for x in reminders]


def plan(
    tasks: list[Task],
    now: dt.datetime,
    policy: ReminderPolicy = POLICY,
    sent: tuple[ReminderKey, ...] = (),
    snoozes: dict[int, Snooze] | None = None,
) -> list[r.Reminder]:
    return r.plan_due(tasks, policy, now, TZ, sent, snoozes or {})


def owner_keys(tasks: list[Task], now: dt.datetime, **kw: object) -> list[tuple[int, str, dt.date]]:
    return [k for k in keys(plan(tasks, now, **kw)) if k[0] != 0]  # type: ignore[arg-type]


# -- working days ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2024, 7, 31), True),  # a Wednesday
        (D(2024, 8, 3), False),  # Saturday
        (D(2024, 8, 4), False),  # Sunday
        (D(2024, 9, 2), False),  # National Day
        (D(2024, 9, 3), False),  # National Day, second day
        (D(2024, 4, 29), False),  # the announced substitute day off
        (D(2025, 1, 27), False),  # Tết: 29th of the lunar year
        (D(2025, 1, 29), False),  # Tết: first day
        (D(2025, 1, 31), False),  # Tết: third day
        (D(2025, 1, 24), True),  # the last working day before Tết 2025
        (D(2025, 2, 3), True),  # the first one after
    ],
)
def test_working_days_are_weekdays_that_are_not_vietnamese_holidays(day: D, working: bool) -> None:
    assert r.is_working_day(day) is working


@pytest.mark.parametrize(
    ("day", "before", "after"),
    [
        (D(2024, 7, 31), D(2024, 7, 31), D(2024, 7, 31)),
        (D(2024, 8, 4), D(2024, 8, 2), D(2024, 8, 5)),
        (D(2024, 9, 3), D(2024, 8, 30), D(2024, 9, 4)),  # Sun 1, Mon 2, Tue 3 off
        (D(2025, 1, 29), D(2025, 1, 24), D(2025, 2, 3)),  # Tết 2025 runs Mon 27 to Sat 1
    ],
)
def test_the_nearest_working_days_skip_weekends_and_holidays(day: D, before: D, after: D) -> None:
    assert r.working_day_before(day) == before
    assert r.working_day_after(day) == after


# -- the schedule of one task ----------------------------------------------------------------


def schedule(
    deadline: D, start: D, end: D, policy: ReminderPolicy = POLICY
) -> dict[D, tuple[str, int]]:
    t = task(1, deadline)
    found = {}
    day = start
    while day <= end:
        got = r.reminder_on(t, day, policy, TZ)
        if got is not None:
            found[day] = (got[0].value, got[1])
        day += dt.timedelta(days=1)
    return found


@pytest.mark.parametrize(
    ("deadline", "expected"),
    [
        # A Friday deadline: 7, 3, 1 days before and the day itself all fall on working days.
        (
            D(2024, 8, 9),
            {
                D(2024, 8, 2): ("before", 7),
                D(2024, 8, 6): ("before", 3),
                D(2024, 8, 8): ("before", 1),
                D(2024, 8, 9): ("due", 0),
            },
        ),
        # A Monday deadline: "1 day before" is a Sunday, so it joins Friday's 3-day one.
        (
            D(2024, 8, 5),
            {
                D(2024, 7, 29): ("before", 7),
                D(2024, 8, 2): ("before", 3),
                D(2024, 8, 5): ("due", 0),
            },
        ),
        # A Sunday deadline: its day-of reminder goes on the Friday before, saying 2 days left.
        (
            D(2024, 8, 4),
            {
                D(2024, 7, 26): ("before", 9),
                D(2024, 8, 1): ("before", 3),
                D(2024, 8, 2): ("before", 2),
            },
        ),
        # After National Day (Mon 2 and Tue 3 September): 3 and 1 day before go on Friday 30.
        (
            D(2024, 9, 4),
            {
                D(2024, 8, 28): ("before", 7),
                D(2024, 8, 30): ("before", 5),
                D(2024, 9, 4): ("due", 0),
            },
        ),
        # The first working day after Tết 2025: every earlier reminder lands on Friday 24 January.
        (D(2025, 2, 3), {D(2025, 1, 24): ("before", 10), D(2025, 2, 3): ("due", 0)}),
    ],
)
def test_reminders_before_a_deadline_move_to_the_working_day_before(
    deadline: D,
    expected: dict[D, tuple[str, int]],
) -> None:
    start = deadline - dt.timedelta(days=14)
    assert schedule(deadline, start, deadline) == expected


def test_an_overdue_task_is_chased_on_working_days_only() -> None:
    found = schedule(D(2024, 8, 1), D(2024, 8, 2), D(2024, 8, 7))
    assert found == {
        D(2024, 8, 2): ("overdue", -1),
        D(2024, 8, 5): ("overdue", -4),
        D(2024, 8, 6): ("overdue", -5),
        D(2024, 8, 7): ("overdue", -6),
    }


def test_a_deadline_earlier_than_the_reminder_hour_is_overdue_that_morning() -> None:
    t = task(1, D(2024, 8, 1), deadline_time=dt.time(7, 0))
    assert r.reminder_on(t, D(2024, 8, 1), POLICY, TZ) == (Kind.OVERDUE, 0)


def test_a_closed_task_has_no_reminders() -> None:
    done = task(1, D(2024, 7, 31), status=TaskStatus.DONE, completed_at=NOW)
    cancelled = task(2, D(2024, 7, 31), status=TaskStatus.CANCELLED)
    assert plan([done, cancelled], at(D(2024, 7, 31), 9)) == []


# -- the plan: what is due now ----------------------------------------------------------------

WED = D(2024, 7, 31)
THU = D(2024, 8, 1)
FRI = D(2024, 8, 2)
SAT = D(2024, 8, 3)
MON = D(2024, 8, 5)
TUE = D(2024, 8, 6)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (at(WED, 7, 59), []),  # before the hour
        (at(WED, 8, 0), [(1, "before", WED)]),  # at the hour
        (at(WED, 16, 0), [(1, "before", WED)]),  # later the same day: a missed one is still sent
        (at(WED, 18, 0), []),  # quiet after working hours
        (at(THU, 9, 0), []),  # the next day has nothing of its own
        (at(SAT, 9, 0), []),  # never at the weekend
    ],
)
def test_a_reminder_is_due_from_its_hour_until_the_end_of_working_hours(
    now: dt.datetime,
    expected: list[tuple[int, str, D]],
) -> None:
    assert owner_keys([task(1, D(2024, 8, 7))], now) == expected  # 7 days before Wed 7/8


def test_a_missed_reminder_of_a_past_day_is_not_sent_late() -> None:
    # Down all Wednesday: on Thursday only Thursday's reminders are due.
    tasks = [task(1, D(2024, 8, 7)), task(2, D(2024, 8, 2))]
    assert owner_keys(tasks, at(THU, 9)) == [(2, "before", THU)]


def test_quiet_off_lets_a_late_start_catch_up_the_same_evening() -> None:
    loud = replace(POLICY, quiet=False)
    assert owner_keys([task(1, D(2024, 8, 7))], at(WED, 20), policy=loud) == [(1, "before", WED)]


def test_a_sent_reminder_is_never_due_again() -> None:
    sent = (ReminderKey(1, Kind.BEFORE, WED),)
    assert owner_keys([task(1, D(2024, 8, 7))], at(WED, 9), sent=sent) == []


def test_a_moved_deadline_gets_the_new_schedule() -> None:
    # Moved on Tuesday from Wednesday 31/7 to Saturday 3/8: Wednesday is now 3 days before.
    moved = task(
        1,
        SAT,
        original_deadline=WED,
        history=[
            HistoryEntry(
                at=at(D(2024, 7, 30), 10),
                user_id=SECRETARY,
                kind=HistoryKind.DEADLINE,
                old_deadline=WED,
                new_deadline=SAT,
            )
        ],
    )
    assert owner_keys([moved], at(WED, 9)) == [(1, "before", WED)]
    assert owner_keys([moved], at(FRI, 9)) == [(1, "before", FRI)]  # 1 day and the day itself


def test_a_deadline_moved_after_the_hour_waits_for_the_next_reminder() -> None:
    moved = task(
        1,
        SAT,
        original_deadline=WED,
        history=[
            HistoryEntry(
                at=at(WED, 10),
                user_id=SECRETARY,
                kind=HistoryKind.DEADLINE,
                old_deadline=WED,
                new_deadline=SAT,
            )
        ],
    )
    assert owner_keys([moved], at(WED, 11)) == []


def test_a_task_moved_onto_a_day_already_reminded_is_not_reminded_twice() -> None:
    # "Due today" went at 08:00; the deadline moved at 08:30 to three days later, whose
    # "3 days before" is today as well.
    moved = task(
        1,
        SAT,
        original_deadline=WED,
        history=[HistoryEntry(at=at(D(2024, 7, 29)), user_id=SECRETARY, kind=HistoryKind.DEADLINE)],
    )
    sent = (ReminderKey(1, Kind.DUE, WED),)
    assert owner_keys([moved], at(WED, 9), sent=sent) == []


def test_a_task_created_after_the_hour_is_not_reminded_that_day() -> None:
    new = replace(task(1, D(2024, 8, 7)), created_at=at(WED, 10))
    assert owner_keys([new], at(WED, 11)) == []
    assert owner_keys([new], at(D(2024, 8, 6), 8)) == [(1, "before", D(2024, 8, 6))]


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (at(WED, 9), []),  # snoozed on Wednesday until Thursday
        (at(THU, 8), [(1, "snoozed", THU)]),  # Thursday has no reminder of its own: one comes back
        (at(FRI, 8), []),  # and the snooze is over
    ],
)
def test_remind_me_tomorrow_silences_today_and_brings_one_back_tomorrow(
    now: dt.datetime,
    expected: list[tuple[int, str, D]],
) -> None:
    snoozes = {1: Snooze(1, THU, OWNER, at(WED, 8, 5))}
    # Due Friday 9/8: Wednesday and Friday have no lead reminder, Thursday neither.
    sent = (ReminderKey(1, Kind.BEFORE, WED),)
    assert owner_keys([task(1, D(2024, 8, 12))], now, snoozes=snoozes, sent=sent) == expected


def test_a_snooze_ending_on_a_reminder_day_sends_the_regular_one_only() -> None:
    snoozes = {1: Snooze(1, THU, OWNER, at(WED, 9))}
    assert owner_keys([task(1, FRI)], at(THU, 8), snoozes=snoozes) == [(1, "before", THU)]


def test_snoozing_on_friday_means_monday() -> None:
    assert r.snooze_until(FRI) == MON
    assert r.snooze_until(D(2025, 1, 24)) == D(2025, 2, 3)  # over Tết


def overdue_sent(number: int, *days: D) -> tuple[ReminderKey, ...]:
    return tuple(ReminderKey(number, Kind.OVERDUE, d) for d in days)


@pytest.mark.parametrize(
    ("now", "sent", "cap", "expected"),
    [
        # Overdue since Friday 26/7; the week of Monday 29/7 had three chases already.
        (at(THU), (D(2024, 7, 29), D(2024, 7, 30), WED), 3, []),
        (at(THU), (D(2024, 7, 29), D(2024, 7, 30)), 3, [(1, "overdue", THU)]),
        (at(THU), (D(2024, 7, 29), D(2024, 7, 30), WED), None, [(1, "overdue", THU)]),
        # A new week starts a new count.
        (at(MON), (D(2024, 7, 29), D(2024, 7, 30), WED), 3, [(1, "overdue", MON)]),
    ],
)
def test_an_overdue_task_is_chased_at_most_the_weekly_cap(
    now: dt.datetime,
    sent: tuple[D, ...],
    cap: int | None,
    expected: list[tuple[int, str, D]],
) -> None:
    policy = replace(POLICY, weekly_cap=cap)
    got = owner_keys([task(1, D(2024, 7, 26))], now, policy=policy, sent=overdue_sent(1, *sent))
    assert got == expected


def test_overdue_reminders_can_be_switched_off() -> None:
    policy = replace(POLICY, overdue_daily=False)
    assert owner_keys([task(1, D(2024, 7, 26))], at(WED), policy=policy) == []


@pytest.mark.parametrize(
    ("deadline", "escalated"),
    [
        (D(2024, 7, 28), True),  # 3 days overdue on Wednesday 31/7
        (D(2024, 7, 29), False),  # 2 days
        (D(2024, 6, 30), True),
    ],
)
def test_the_chair_gets_tasks_overdue_three_days_or_more(deadline: D, escalated: bool) -> None:
    found = [x for x in plan([task(1, deadline)], at(WED, 9)) if x.kind is Kind.ESCALATION]
    assert [[s.task.number for s in x.tasks] for x in found] == ([[1]] if escalated else [])


def test_the_escalation_list_ignores_the_owners_cap_and_snooze() -> None:
    snoozes = {1: Snooze(1, THU, OWNER, at(WED, 8))}
    got = plan(
        [task(1, D(2024, 7, 1))],
        at(WED, 9),
        sent=overdue_sent(1, D(2024, 7, 29), D(2024, 7, 30)),
        snoozes=snoozes,
        policy=replace(POLICY, weekly_cap=1),
    )
    assert keys(got) == [(0, "escalation", WED)]


def test_the_group_gets_one_message_listing_everything_due_soon() -> None:
    tasks = [task(1, D(2024, 8, 7)), task(2, FRI), task(3, D(2024, 8, 20)), task(4, D(2024, 7, 1))]
    daily = [x for x in plan(tasks, at(WED, 9)) if x.kind is Kind.DAILY]
    assert len(daily) == 1
    assert [s.task.number for s in daily[0].tasks] == [2, 1]


def test_the_daily_group_message_is_not_sent_when_nothing_is_due_soon() -> None:
    assert plan([task(1, D(2024, 9, 30))], at(WED, 9)) == []


def test_nothing_is_due_when_reminders_are_off() -> None:
    assert plan([task(1, D(2024, 7, 1))], at(WED, 9), policy=replace(POLICY, enabled=False)) == []


# -- the weekly digest ------------------------------------------------------------------------


def test_the_digest_lists_due_this_week_overdue_by_agency_and_done_last_week() -> None:
    tasks = [
        task(1, D(2024, 8, 9)),  # due this week
        task(2, D(2024, 8, 20)),  # later
        task(3, D(2024, 7, 30), lead="ha-tinh"),
        task(4, D(2024, 7, 26), lead="nghe-an"),
        task(5, D(2024, 7, 20), lead="nghe-an"),
        task(6, D(2024, 8, 1), status=TaskStatus.DONE, completed_at=at(FRI, 15)),
        task(7, D(2024, 7, 1), status=TaskStatus.DONE, completed_at=at(D(2024, 7, 26))),
    ]
    due = plan(
        tasks,
        at(MON, 8),
        policy=replace(POLICY, group_daily=False, escalate_after=None, overdue_daily=False),
    )
    assert keys(due) == [(0, "digest", MON)]
    digest = due[0].digest
    assert digest is not None
    assert [s.task.number for s in digest.due_this_week] == [1]
    assert [(code, [s.task.number for s in rows]) for code, rows in digest.overdue_by_agency] == [
        ("nghe-an", [5, 4]),
        ("ha-tinh", [3]),
    ]
    assert [t.number for t in digest.done_last_week] == [6]


def test_an_empty_digest_is_not_sent() -> None:
    assert plan([task(1, D(2024, 12, 1))], at(MON, 9)) == []


def test_undelivered_reminders_make_a_digest_worth_sending() -> None:
    failure = r.DeliveryFailure(ReminderKey(1, Kind.BEFORE, FRI), OWNER, "forbidden", at(FRI))
    got = r.plan_due([], POLICY, at(MON, 9), TZ, (), {}, failures=[failure])
    assert keys(got) == [(0, "digest", MON)]
    assert got[0].digest is not None and got[0].digest.undelivered == (failure,)


@pytest.mark.parametrize(
    ("now", "expected_day"),
    [
        (at(D(2024, 9, 2), 9), None),  # Monday 2 September is National Day, Tuesday too
        (at(D(2024, 9, 4), 9), D(2024, 9, 2)),  # so the digest goes on Wednesday
    ],
)
def test_a_digest_whose_day_is_a_holiday_goes_on_the_next_working_day(
    now: dt.datetime,
    expected_day: D | None,
) -> None:
    failure = r.DeliveryFailure(ReminderKey(1, Kind.BEFORE, FRI), OWNER, "forbidden", at(FRI))
    got = r.plan_due([], POLICY, now, TZ, (), {}, failures=[failure])
    assert [x.key.day for x in got] == ([expected_day] if expected_day else [])


def test_a_sent_digest_is_not_sent_again_that_week() -> None:
    failure = r.DeliveryFailure(ReminderKey(1, Kind.BEFORE, FRI), OWNER, "forbidden", at(FRI))
    sent = (ReminderKey(0, Kind.DIGEST, MON),)
    assert r.plan_due([], POLICY, at(MON, 10), TZ, sent, {}, failures=[failure]) == []


# -- waking up --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tasks", "now", "expected"),
    [
        ([], at(WED, 9), at(MON)),  # nothing at all: the next digest, which may be empty
        ([task(1, D(2024, 8, 7))], at(WED, 7), at(WED)),  # today's reminder is still ahead
        ([task(1, D(2024, 8, 7))], at(WED, 9), at(THU)),  # the group's list, every day of the week
        ([task(1, D(2024, 8, 9))], at(WED, 9), at(FRI)),  # 7 days before, and the group's list
        ([task(1, D(2024, 7, 1))], at(FRI, 9), at(MON)),  # overdue: the next working day
        ([task(1, D(2024, 9, 30), status=TaskStatus.DONE, completed_at=NOW)], at(WED, 9), at(MON)),
    ],
)
def test_the_next_wakeup_is_the_first_instant_something_may_be_due(
    tasks: list[Task],
    now: dt.datetime,
    expected: dt.datetime,
) -> None:
    assert r.next_wakeup(tasks, POLICY, now, TZ) == expected


def test_the_next_wakeup_is_never_late() -> None:
    # Walk a month, hour by hour: whenever something is due, the previous wake-up was at or
    # before that hour.
    tasks = [
        task(1, D(2024, 8, 9)),
        task(2, D(2024, 8, 21)),
        task(3, D(2024, 9, 4)),
        task(4, D(2024, 7, 20), lead="ha-tinh"),
    ]
    policy = replace(POLICY, weekly_cap=2)
    sent: set[ReminderKey] = set()
    now = at(D(2024, 7, 29), 0)
    wake = r.next_wakeup(tasks, policy, now, TZ)
    while now < at(D(2024, 9, 10)):
        now += dt.timedelta(minutes=30)
        due = r.plan_due(tasks, policy, now, TZ, sent, {})
        if due:
            assert wake is not None and wake <= now
        sent.update(x.key for x in due)
        if wake is not None and wake <= now:
            wake = r.next_wakeup(tasks, policy, now, TZ)
            assert wake is None or wake > now


def test_the_next_wakeup_includes_a_snoozed_reminder() -> None:
    snoozes = {1: Snooze(1, THU, OWNER, at(WED, 9))}
    tasks = [task(1, D(2024, 9, 30))]
    assert r.next_wakeup(tasks, POLICY, at(WED, 9), TZ, snoozes) == at(THU)


def test_no_wakeup_when_reminders_are_off() -> None:
    assert r.next_wakeup([task(1, WED)], replace(POLICY, enabled=False), NOW, TZ) is None


# -- settings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "changed"),
    [
        ("lead 14, 7,3 1", {"lead_days": (14, 7, 3, 1)}),
        ("nhắc trước 5 0", {"lead_days": (5, 0)}),
        ("hour 9:30", {"hour": dt.time(9, 30)}),
        ("giờ 9h", {"hour": dt.time(9, 0)}),
        ("overdue off", {"overdue_daily": False}),
        ("quá hạn tắt", {"overdue_daily": False}),
        ("escalate 5", {"escalate_after": 5}),
        ("chủ trì off", {"escalate_after": None}),
        ("cap 2", {"weekly_cap": 2}),
        ("tối đa tắt", {"weekly_cap": None}),
        ("digest fri 15:00", {"digest_weekday": 4, "digest_hour": dt.time(15)}),
        ("tổng hợp thứ 6 9h", {"digest_weekday": 4, "digest_hour": dt.time(9)}),
        ("digest off", {"digest_weekday": None}),
        ("hours 7:00-17:00", {"work_start": dt.time(7), "work_end": dt.time(17)}),
        ("giờ làm việc 7h-16h30", {"work_start": dt.time(7), "work_end": dt.time(16, 30)}),
        ("group off", {"group_daily": False}),
        ("quiet off", {"quiet": False}),
        ("off", {"enabled": False}),
        ("TẮT", {"enabled": False}),
    ],
)
def test_a_policy_change_is_read_in_english_or_vietnamese(
    text: str, changed: dict[str, object]
) -> None:
    assert r.change_policy(POLICY, text) == replace(POLICY, **changed)  # type: ignore[arg-type]


def test_reset_brings_back_the_defaults() -> None:
    assert r.change_policy(replace(POLICY, enabled=False, weekly_cap=1), "mặc định") == POLICY


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("colour blue", "unknown_setting"),
        ("lead soon", "bad_value"),
        ("lead 90", "bad_value"),
        ("lead 1,2,3,4,5,6,7", "bad_value"),
        ("hour 25:00", "bad_value"),
        ("cap 0", "bad_value"),
        ("escalate many", "bad_value"),
        ("hours 17:00-8:00", "bad_value"),
        ("hour 6:00", "outside_hours"),
        ("hours 9:00-17:00", "outside_hours"),  # the 08:00 reminders would never be sent
        ("digest mon 19:00", "outside_hours"),
        ("overdue maybe", "bad_value"),
    ],
)
def test_a_bad_policy_change_says_why(text: str, reason: str) -> None:
    with pytest.raises(r.PolicyError) as caught:
        r.change_policy(POLICY, text)
    assert caught.value.reason == reason


# -- recipients -------------------------------------------------------------------------------

MEMBERS = [
    Member(SECRETARY, "Thư ký", Role.SECRETARY, agency="vpcp"),
    Member(CHAIR, "Chủ trì", Role.CHAIR),
    Member(OWNER, "Nghệ", agency="nghe-an"),
    Member(OTHER_OWNER, "Tĩnh", agency="ha-tinh"),
]


@pytest.mark.parametrize(
    ("responsible", "lead", "expected"),
    [
        ((OTHER_OWNER,), "nghe-an", [OTHER_OWNER]),  # named officials first
        ((), "nghe-an", [OWNER]),  # else the lead agency's members
        ((), "hue", []),  # nobody: only the group's list names it
        ((555,), "ha-tinh", [OTHER_OWNER]),  # a named official who left counts as none
    ],
)
def test_a_task_reminds_its_responsible_officials_or_its_agency(
    responsible: tuple[int, ...],
    lead: str,
    expected: list[int],
) -> None:
    t = task(1, WED, responsible=responsible, lead=lead)
    assert [m.user_id for m in r.owner_recipients(t, MEMBERS)] == expected


def test_escalations_go_to_the_chair_else_the_secretaries() -> None:
    assert [m.user_id for m in r.escalation_recipients(MEMBERS)] == [CHAIR]
    no_chair = [m for m in MEMBERS if m.role is not Role.CHAIR]
    assert [m.user_id for m in r.escalation_recipients(no_chair)] == [SECRETARY]


def test_members_who_started_the_bot_get_private_messages_others_a_group_mention() -> None:
    prefs = {
        OWNER: UserPrefs(OWNER, has_private_chat=True),
        OTHER_OWNER: UserPrefs(OTHER_OWNER, has_private_chat=True, blocked=True),
    }
    private, group = r.route(MEMBERS, prefs)
    assert [m.user_id for m in private] == [OWNER]
    assert [m.user_id for m in group] == [SECRETARY, CHAIR, OTHER_OWNER]


@pytest.mark.parametrize(
    ("deadline", "today", "expected"),
    [
        (
            D(2024, 8, 9),
            WED,
            [(3, D(2024, 8, 12)), (7, D(2024, 8, 16)), (14, D(2024, 8, 23)), (30, D(2024, 9, 9))],
        ),  # +3 is a Monday; +30 Sunday 8/9 -> Mon 9/9
        (
            D(2024, 7, 1),
            WED,
            [
                (3, SAT + dt.timedelta(days=2)),
                (7, D(2024, 8, 7)),
                (14, D(2024, 8, 14)),
                (30, D(2024, 8, 30)),
            ],
        ),  # late: from today
    ],
)
def test_extension_choices_land_on_working_days(
    deadline: D, today: D, expected: list[tuple[int, D]]
) -> None:
    assert r.extension_choices(deadline, today) == expected


# -- catch-up after a restart: only what was really missed ------------------------------------

MON = D(2024, 8, 5)  # a Monday: the digest's day too
TUE = D(2024, 8, 6)


def morning_tasks() -> list[Task]:
    """Made long ago: one due tomorrow (reminder, group list), one a week late (escalation)."""
    return [task(1, TUE, responsible=(OWNER,)), task(2, D(2024, 7, 29), responsible=(OWNER,))]


@pytest.mark.parametrize(
    ("since", "checked_through", "owed"),
    [
        (None, None, True),  # nothing known: as before
        (at(MON, 7), None, True),  # made before the slot, never woken since
        (at(MON, 9, 53), None, False),  # made after the slot
        (at(D(2024, 7, 1)), at(D(2024, 8, 2)), True),  # the bot was down from Friday
        (at(D(2024, 7, 1)), at(MON, 7, 59), True),  # stopped just before 08:00
        (at(D(2024, 7, 1)), at(MON, 8, 0), False),  # a wake-up at 08:00 finished its sends
        (at(D(2024, 7, 1)), at(MON, 9), False),
    ],
)
def test_a_slot_is_owed_only_if_the_workspace_existed_and_no_wakeup_covered_it(
        since: dt.datetime | None, checked_through: dt.datetime | None, owed: bool) -> None:
    assert r.slot_missed(at(MON), since=since, checked_through=checked_through) is owed


def test_a_group_made_after_the_morning_slot_gets_nothing_for_it_at_a_restart() -> None:
    # As seen: first started 09:53, the group made at 09:53 with tasks made earlier (an
    # import, the demo), restarted 09:54: that morning's 08:00 slot sent 8 messages.
    tasks = morning_tasks()
    before = keys(r.plan_due(tasks, POLICY, at(MON, 9, 54), TZ))
    assert [k[1] for k in before] == ["before", "overdue", "daily", "escalation", "digest"]
    assert r.plan_due(tasks, POLICY, at(MON, 9, 54), TZ, since=at(MON, 9, 53)) == []
    tomorrow = keys(r.plan_due(tasks, POLICY, at(TUE), TZ, since=at(MON, 9, 53)))
    assert [k[1] for k in tomorrow] == ["due", "overdue", "daily", "escalation"]


def test_a_slot_a_running_bot_already_handled_is_not_handled_again_at_a_restart() -> None:
    tasks = morning_tasks()
    handled = r.plan_due(tasks, POLICY, at(MON, 9, 54), TZ, since=at(D(2024, 7, 1)),
                         checked_through=at(MON, 8, 1))
    assert handled == []
    down = r.plan_due(tasks, POLICY, at(MON, 9, 54), TZ, since=at(D(2024, 7, 1)),
                      checked_through=at(D(2024, 8, 2), 8, 1))
    assert len(down) == 5


def test_the_lists_of_a_missed_slot_leave_out_tasks_made_after_it() -> None:
    nine = at(MON, 9)
    tasks = [*morning_tasks(), replace(task(3, D(2024, 8, 7)), created_at=nine),
             replace(task(4, D(2024, 7, 26)), created_at=nine)]
    due = {x.key.kind: x for x in r.plan_due(tasks, POLICY, at(MON, 9, 54), TZ)}
    assert [s.task.number for s in due[Kind.DAILY].tasks] == [1]
    assert [s.task.number for s in due[Kind.ESCALATION].tasks] == [2]
    digest = due[Kind.DIGEST].digest
    assert digest is not None
    assert [s.task.number for _, late in digest.overdue_by_agency for s in late] == [2]
