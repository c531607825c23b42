"""Tests of bot.reports: tallies, overdue and due lists, member tasks, search, plans, paging."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from typing import Any

import pytest

from bot import reports
from bot.model import Member, Task, TaskStatus, Timeliness
from bot.render import Renderer
from bot.timeliness import days_left, overdue_days
from tests.factories import AGENCIES, NOW, OWNER, TZ, VN, make_task

TODAY = NOW.date()
DAY = dt.timedelta(days=1)


def task(number: int, deadline: dt.date = TODAY + 10 * DAY, **extra: object) -> Task:
    return make_task(number=number, deadline=deadline, **extra)  # type: ignore[arg-type]


def done(number: int, deadline: dt.date, on: dt.date, **extra: object) -> Task:
    at = dt.datetime.combine(on, dt.time(10), VN)
    return task(number, deadline, status=TaskStatus.DONE, completed_at=at, **extra)


def cancelled(number: int, **extra: object) -> Task:
    return task(number, TODAY - 30 * DAY, status=TaskStatus.CANCELLED, **extra)


def plan_of_28() -> list[Task]:
    """The first-half 2024 plan of DOMAIN.md: 14/28 completed (12 on time), 7 of 14 overdue."""
    tasks = [done(n, TODAY - 5 * DAY, TODAY - 10 * DAY) for n in range(1, 13)]
    tasks += [done(n, TODAY - 20 * DAY, TODAY - 2 * DAY) for n in (13, 14)]
    tasks += [task(n, TODAY - n * DAY) for n in range(15, 22)]
    tasks += [task(n, TODAY + n * DAY) for n in range(22, 29)]
    return [t for t in tasks]


# -- Tally ----------------------------------------------------------------------------------


def test_tally_counts_the_four_report_classes_of_the_domain_example() -> None:
    t = reports.tally(plan_of_28(), NOW, TZ)
    assert (t.done_on_time, t.done_late, t.in_progress, t.overdue) == (12, 2, 7, 7)
    assert (t.total, t.completed, t.ongoing) == (28, 14, 14)
    assert t.completion_rate == 50.0
    assert t.on_time_rate == pytest.approx(100 * 12 / 14)
    assert t.overdue_rate == 25.0


def test_cancelled_tasks_leave_the_total_and_are_counted_apart() -> None:
    t = reports.tally([*plan_of_28(), cancelled(29), cancelled(30)], NOW, TZ)
    assert t.total == 28
    assert t.cancelled == 2


def test_rates_of_an_empty_tally_are_zero_not_a_division_error() -> None:
    t = reports.tally([], NOW, TZ)
    assert (t.total, t.completion_rate, t.on_time_rate, t.overdue_rate) == (0, 0.0, 0.0, 0.0)


def test_tallies_add_up() -> None:
    a = reports.Tally(1, 2, 3, 4, 5)
    assert a + a == reports.Tally(2, 4, 6, 8, 10)


# Báo cáo 1270/BC-TCTTTg: "16.051 nhiệm vụ đến hạn đã hoàn thành, đạt 98,62% (đúng hạn: 14.068,
# quá hạn: 1.983); chưa hoàn thành: 5.863 (trong hạn: 5.640, quá hạn: 223)".
REPORT_1270 = reports.Tally(done_on_time=14068, done_late=1983, in_progress=5640, overdue=223)
DUE_LINES = {
    "vi": "16.051/16.274 nhiệm vụ đến hạn đã hoàn thành, đạt 98,62% (đúng hạn: 14.068, quá hạn: "
          "1.983); chưa hoàn thành: 5.863 (trong hạn: 5.640, quá hạn: 223, bằng 1,38% số nhiệm "
          "vụ đến hạn).",
    "en": "16,051/16,274 tasks fallen due are completed, 98.62% (on time: 14,068, late: 1,983); "
          "not completed: 5,863 (within deadline: 5,640, overdue: 223, that is 1.38% of the "
          "tasks fallen due).",
}


def test_the_headline_rate_is_over_the_tasks_fallen_due_as_the_government_states_it() -> None:
    t = REPORT_1270
    assert (t.due, t.due_completion_rate, t.due_overdue_rate) == (16274, 98.62, 1.38)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_due_line_reads_as_report_1270(lang: str) -> None:
    labels: Any = Renderer().env.get_template(f"{lang}/summary_labels.html").make_module(
        {"lang": lang})
    assert str(labels.due_line(REPORT_1270)) == DUE_LINES[lang]


def test_the_completed_and_overdue_shares_of_the_due_add_up_to_100() -> None:
    chance = random.Random(1270)
    for _ in range(2000):
        t = reports.Tally(*(chance.randrange(0, 20000) for _ in range(4)))
        if t.due:
            assert round(t.due_completion_rate + t.due_overdue_rate, 2) == 100.0
            # Never more than the exact share: a rate is cut, not rounded up.
            assert t.due_completion_rate <= 100 * t.completed / t.due
    assert reports.Tally(in_progress=3).due_completion_rate == 0.0  # nothing due yet


def test_a_task_due_today_without_a_time_is_not_overdue_until_midnight() -> None:
    t = reports.tally([task(1, TODAY)], NOW, TZ)
    assert (t.in_progress, t.overdue) == (1, 0)
    t = reports.tally([task(1, TODAY)], NOW + DAY, TZ)
    assert (t.in_progress, t.overdue) == (0, 1)


# -- by plan, by agency ---------------------------------------------------------------------


def test_tally_by_plan_sorts_plans_by_name_ignoring_diacritics_with_no_plan_last() -> None:
    tasks = [
        task(1, plan="Kế hoạch Ủy ban"),
        task(2),
        task(3, plan="Kế hoạch 2024"),
        task(4, plan="ke hoach 2024 bo sung"),
        task(5, plan="Kế hoạch 2024"),
    ]
    rows = reports.tally_by_plan(tasks, NOW, TZ)
    assert [p for p, _ in rows] == ["Kế hoạch 2024", "ke hoach 2024 bo sung", "Kế hoạch Ủy ban", ""]
    assert rows[0][1].total == 2


def test_tally_by_agency_puts_most_overdue_first_then_lowest_completion() -> None:
    tasks = [
        # nghe-an: 1 overdue, 0 of 2 completed
        task(1, TODAY - DAY, lead="nghe-an"),
        task(2, lead="nghe-an"),
        # ha-tinh: 2 overdue
        task(3, TODAY - DAY, lead="ha-tinh"),
        task(4, TODAY - 3 * DAY, lead="ha-tinh"),
        # hue: 1 overdue, 1 of 2 completed
        task(5, TODAY - DAY, lead="hue"),
        done(6, TODAY, TODAY, lead="hue"),
        # vpcp: nothing overdue, all completed
        done(7, TODAY, TODAY, lead="vpcp"),
        # bo-tu-phap: nothing overdue, nothing completed
        task(8, lead="bo-tu-phap"),
    ]
    rows = reports.tally_by_agency(tasks, NOW, TZ)
    assert [code for code, _ in rows] == ["ha-tinh", "nghe-an", "hue", "bo-tu-phap", "vpcp"]
    assert rows[0][1].overdue == 2


def test_tally_by_agency_counts_only_the_lead_agency() -> None:
    rows = reports.tally_by_agency([task(1, lead="vpcp", coordinators=("hue",))], NOW, TZ)
    assert [code for code, _ in rows] == ["vpcp"]


# -- lists ----------------------------------------------------------------------------------


def test_overdue_lists_only_open_late_tasks_most_days_late_first() -> None:
    tasks = [
        task(1, TODAY - 2 * DAY),
        task(2, TODAY - 9 * DAY),
        task(3, TODAY + DAY),
        done(4, TODAY - 20 * DAY, TODAY),
        cancelled(5),
        task(6, TODAY - 9 * DAY),
    ]
    rows = reports.overdue(tasks, NOW, TZ)
    assert [(s.task.number, s.days_late) for s in rows] == [(2, 9), (6, 9), (1, 2)]
    assert all(s.timeliness is Timeliness.OVERDUE for s in rows)


def test_a_deadline_with_a_time_earlier_today_is_overdue_by_zero_days() -> None:
    rows = reports.overdue([task(1, TODAY, deadline_time=dt.time(8, 0))], NOW, TZ)
    assert [(s.task.number, s.days_late) for s in rows] == [(1, 0)]


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        (0, [1]),
        (1, [1, 2]),
        (7, [1, 2, 7]),
        (90, [1, 2, 7, 30]),
    ],
)
def test_due_within_lists_open_tasks_due_from_today_to_n_days_ahead(
    days: int,
    expected: list[int],
) -> None:
    tasks = [
        task(30, TODAY + 30 * DAY),
        task(7, TODAY + 7 * DAY),
        task(2, TODAY + DAY),
        task(1, TODAY),
        task(9, TODAY - DAY),
        done(3, TODAY + DAY, TODAY),
        task(100, TODAY + 100 * DAY),
    ]
    rows = reports.due_within(tasks, NOW, TZ, days)
    assert [s.task.number for s in rows] == expected


def test_due_within_sorts_by_deadline_then_time_of_day() -> None:
    tasks = [
        task(1, TODAY + DAY),
        task(2, TODAY + DAY, deadline_time=dt.time(14, 0)),
        task(3, TODAY + DAY, deadline_time=dt.time(9, 0)),
    ]
    assert [s.task.number for s in reports.due_within(tasks, NOW, TZ, 7)] == [3, 2, 1]


def test_open_first_puts_overdue_tasks_first_then_the_nearest_deadlines() -> None:
    tasks = [
        task(1, TODAY + 5 * DAY),
        task(2, TODAY - DAY),
        task(3, TODAY + DAY),
        task(4, TODAY - 8 * DAY),
        done(5, TODAY, TODAY),
        cancelled(6),
    ]
    assert [s.task.number for s in reports.open_first(tasks, NOW, TZ)] == [4, 2, 3, 1]


def test_standing_of_a_cancelled_task_has_no_class_and_is_not_open() -> None:
    (s,) = reports.standings([cancelled(1)], NOW, TZ)
    assert s.timeliness is None
    assert not s.is_open


def test_cancelled_lists_only_cancelled_tasks() -> None:
    tasks = [task(1), cancelled(2), done(3, TODAY, TODAY)]
    assert [t.number for t in reports.cancelled(tasks)] == [2]


def test_tasks_of_agency_takes_the_lead_and_optionally_the_coordinators() -> None:
    tasks = [task(1, lead="hue"), task(2, lead="vpcp", coordinators=("hue",)), task(3)]
    assert [t.number for t in reports.tasks_of_agency(tasks, "hue")] == [1]
    assert [t.number for t in reports.tasks_of_agency(tasks, "hue", coordinating=True)] == [1, 2]


def test_tasks_of_member_are_those_naming_him_or_led_by_his_agency() -> None:
    owner = Member(OWNER, "Lê Văn Nghệ", agency="nghe-an")
    tasks = [
        task(1, lead="nghe-an"),
        task(2, lead="vpcp", responsible=(OWNER,)),
        task(3, lead="vpcp"),
        task(4, lead="hue", responsible=(7,)),
    ]
    assert [t.number for t in reports.tasks_of_member(tasks, owner)] == [1, 2]


def test_tasks_of_a_member_without_agency_are_only_those_naming_him() -> None:
    chair = Member(5, "Trần Lưu Quang")
    tasks = [task(1, lead="nghe-an"), task(2, responsible=(5,))]
    assert [t.number for t in reports.tasks_of_member(tasks, chair)] == [2]


# -- search ---------------------------------------------------------------------------------


SEARCHABLE = [
    task(1, title="Số hóa hồ sơ, kết quả giải quyết TTHC", lead="nghe-an"),
    task(2, title="Thanh toán trực tuyến", lead="ha-tinh", output="Báo cáo Thủ tướng"),
    task(
        3,
        title="Rà soát quy định",
        lead="vpcp",
        source="Thông báo 123/TB-VPCP",
        plan="Kế hoạch 2024",
    ),
    task(4, title="Cắt giảm giấy phép", lead="bo-tu-phap", coordinators=("hue",)),
    cancelled(5, title="Số hóa hồ sơ đất đai", lead="ha-tinh"),
]


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("so hoa", [1, 5]),
        ("SỐ HÓA hồ sơ", [1, 5]),
        ("so hoa nghe an", [1]),
        ("Nghệ An", [1]),
        ("bao cao thu tuong", [2]),
        ("123/tb", [3]),
        ("ke hoach 2024", [3]),
        ("hue", [4]),  # a coordinating agency's alias
        ("moj", [4]),  # the lead agency's alias
        ("dat dai ha tinh", [5]),
        ("khong co gi", []),
        ("soat", [3]),  # a whole word
        ("thanh toan truc tuyen", [2]),
        ("truc tuye", [2]),  # the start of a word, four letters or more
        ("truc tuy", []),  # three letters must be a whole word: "so" is not "soát"
        ("   ", []),
    ],
)
def test_search_matches_every_word_ignoring_case_and_diacritics(
    words: str,
    expected: list[int],
) -> None:
    assert [t.number for t in reports.search(SEARCHABLE, AGENCIES, words)] == expected


# -- plans ----------------------------------------------------------------------------------


PLANS = [
    "Kế hoạch CCHC 6 tháng đầu năm 2024",
    "Kế hoạch Tổ công tác 2024",
    "Kế hoạch Hội đồng tư vấn 2024",
]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kế hoạch tổ công tác 2024", ["Kế hoạch Tổ công tác 2024"]),
        ("to cong tac", ["Kế hoạch Tổ công tác 2024"]),
        ("hoi dong", ["Kế hoạch Hội đồng tư vấn 2024"]),
        ("2024", PLANS),
        ("cchc 6 thang", ["Kế hoạch CCHC 6 tháng đầu năm 2024"]),
        ("hoi dog tu van", ["Kế hoạch Hội đồng tư vấn 2024"]),  # a typo
        ("giao thong", []),
        ("", []),
    ],
)
def test_match_plans_finds_by_words_or_near_spelling_and_never_guesses(
    query: str,
    expected: list[str],
) -> None:
    assert reports.match_plans(query, PLANS) == expected


def test_plans_lists_distinct_non_empty_plan_names() -> None:
    tasks = [task(1, plan="B"), task(2, plan="a"), task(3), task(4, plan="B")]
    assert reports.plans(tasks) == ["a", "B"]


def test_plan_key_is_short_stable_and_distinguishes_plans() -> None:
    keys = {reports.plan_key(p) for p in PLANS}
    assert len(keys) == 3
    assert all(len(k) == 8 for k in keys)
    assert reports.plan_key(PLANS[0]) == reports.plan_key(PLANS[0])


# -- paging ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "page", "expected_items", "number", "pages", "prev", "next_"),
    [
        (0, 1, [], 1, 1, False, False),
        (5, 1, [0, 1, 2, 3, 4], 1, 1, False, False),
        (12, 1, [0, 1, 2, 3, 4], 1, 3, False, True),
        (12, 2, [5, 6, 7, 8, 9], 2, 3, True, True),
        (12, 3, [10, 11], 3, 3, True, False),
        (12, 9, [10, 11], 3, 3, True, False),  # past the end: the last page
        (12, 0, [0, 1, 2, 3, 4], 1, 3, False, True),
        (10, 2, [5, 6, 7, 8, 9], 2, 2, True, False),
    ],
)
def test_paginate_gives_the_page_and_clamps_out_of_range_numbers(
    count: int,
    page: int,
    expected_items: list[int],
    number: int,
    pages: int,
    prev: bool,
    next_: bool,
) -> None:
    p = reports.paginate(list(range(count)), page, 5)
    assert (p.items, p.number, p.pages, p.total) == (expected_items, number, pages, count)
    assert (p.has_prev, p.has_next) == (prev, next_)
    assert p.start == (number - 1) * 5


def test_paging_through_every_page_drops_no_item() -> None:
    items = list(range(47))
    first = reports.paginate(items, 1, 10)
    seen = [i for n in range(1, first.pages + 1) for i in reports.paginate(items, n, 10).items]
    assert seen == items


def test_paginate_refuses_a_page_size_below_one() -> None:
    with pytest.raises(ValueError, match="per_page"):
        reports.paginate([1], 1, 0)


@pytest.mark.parametrize("offset", [-40, -1, 0, 1, 5])
@pytest.mark.parametrize("time", [None, dt.time(8, 0), dt.time(9, 0), dt.time(17, 30)])
@pytest.mark.parametrize("hours", [0, 15, 40])
def test_standing_days_agree_with_timeliness(offset: int, time: dt.time | None, hours: int) -> None:
    now = NOW + dt.timedelta(hours=hours)
    t = task(1, TODAY + offset * DAY, deadline_time=time)
    (s,) = reports.standings([t], now, TZ)
    assert s.days_late == overdue_days(t, now, TZ)
    assert s.days_left == days_left(t, now, TZ)


# -- Ledger ---------------------------------------------------------------------------------


def _random_task(rng: random.Random, number: int) -> Task:
    status = rng.choice(list(TaskStatus))
    deadline = TODAY + rng.randint(-20, 20) * DAY
    completed = (
        dt.datetime.combine(deadline + rng.randint(-5, 5) * DAY, dt.time(10), VN)
        if status is TaskStatus.DONE and rng.random() < 0.9
        else None
    )
    return task(
        number,
        deadline,
        status=status,
        completed_at=completed,
        deadline_time=rng.choice([None, dt.time(8), dt.time(17, 30)]),
        plan=rng.choice(["", "A", "B"]),
        lead=rng.choice(AGENCIES).code,
    )


def _same_as_recounting(ledger: reports.Ledger, tasks: list[Task], now: dt.datetime) -> None:
    assert ledger.tally() == reports.tally(tasks, now, TZ)
    assert ledger.tally_by_plan() == reports.tally_by_plan(tasks, now, TZ)
    assert ledger.tally_by_agency() == reports.tally_by_agency(tasks, now, TZ)
    assert ledger.overdue() == reports.overdue(tasks, now, TZ)
    assert ledger.cancelled() == reports.cancelled(tasks)
    assert ledger.standings() == reports.standings(tasks, now, TZ)
    for days in (0, 1, 7, 30):
        assert ledger.due_within(days) == reports.due_within(tasks, now, TZ, days)
    some = [t for t in tasks if t.number % 3 == 0]
    rows = ledger.standings_of(lambda t: t.number % 3 == 0)
    assert rows == reports.standings(some, now, TZ)
    assert reports.open_first_of(rows) == reports.open_first(some, now, TZ)
    assert reports.by_urgency_of(rows, now) == reports.by_urgency(some, now, TZ)


@pytest.mark.parametrize("seed", range(8))
def test_ledger_kept_current_by_changes_and_time_agrees_with_recounting(seed: int) -> None:
    rng = random.Random(seed)
    tasks = [_random_task(rng, n) for n in range(1, 60)]
    ledger = reports.Ledger(TZ)
    now = NOW
    ledger.sync(tasks, now)
    _same_as_recounting(ledger, tasks, now)
    for _ in range(40):
        step = rng.random()
        if step < 0.5:  # a task changes: the store puts a new object in its place
            i = rng.randrange(len(tasks))
            tasks[i] = dataclasses.replace(_random_task(rng, tasks[i].number))
        elif step < 0.7:
            tasks.append(_random_task(rng, len(tasks) + 1))
        else:  # time passes: minutes, hours, past a timed deadline or midnight
            now += dt.timedelta(minutes=rng.choice([1, 45, 180, 600]))
        ledger.sync(tasks, now)
        _same_as_recounting(ledger, tasks, now)


def test_ledger_counts_again_only_when_something_changed() -> None:
    tasks = [task(1), task(2, TODAY - DAY)]
    ledger = reports.Ledger(TZ)
    ledger.sync(tasks, NOW)
    version = ledger.version
    ledger.sync(list(tasks), NOW + dt.timedelta(minutes=5))
    assert ledger.version == version
    tasks[0] = dataclasses.replace(tasks[0], status=TaskStatus.CANCELLED)
    ledger.sync(tasks, NOW + dt.timedelta(minutes=6))
    assert ledger.version == version + 1
    assert ledger.tally().cancelled == 1


def test_ledger_notices_a_timed_deadline_passing_within_the_day() -> None:
    tasks = [task(1, TODAY, deadline_time=dt.time(10, 0))]
    ledger = reports.Ledger(TZ)
    ledger.sync(tasks, NOW)
    assert ledger.tally().overdue == 0
    ledger.sync(tasks, NOW + dt.timedelta(hours=1))
    assert [s.task.number for s in ledger.overdue()] == [1]


def test_ledger_counts_again_when_the_clock_goes_back() -> None:
    tasks = [task(1, TODAY - DAY)]
    ledger = reports.Ledger(TZ)
    ledger.sync(tasks, NOW)
    ledger.sync(tasks, NOW - 3 * DAY)
    assert ledger.tally().overdue == 0


def test_by_urgency_puts_open_tasks_first_then_the_latest_completed() -> None:
    tasks = [
        done(1, TODAY, TODAY - 5 * DAY),
        task(2, TODAY + DAY),
        done(3, TODAY, TODAY - DAY),
        task(4, TODAY - DAY),
        cancelled(5),
    ]
    assert [s.task.number for s in reports.by_urgency(tasks, NOW, TZ)] == [4, 2, 3, 1]
