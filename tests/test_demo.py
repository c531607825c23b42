"""The demo workspace: its plans' tallies are the figures quoted in DOMAIN.md, whatever the date."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

import store.storage
from bot import demo
from bot.model import DeadlineRule, Role, TaskStatus, Timeliness
from bot.taskops import audit_lines
from bot.timeliness import classify
from store.registry import Registry
from store.workspace import open_workspace_file
from tests.factories import NOW, TZ, VN

# A Wednesday, a Saturday, a Sunday, a Monday and New Year's Day: weekend shifts of
# deadlines must never move a task from one class to another.
TODAYS = [
    NOW.date(),
    dt.date(2024, 8, 3),
    dt.date(2024, 8, 4),
    dt.date(2024, 8, 5),
    dt.date(2025, 1, 1),
]


def _now(today: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(today, dt.time(hour), VN)


def _tally(tasks: list, now: dt.datetime) -> Counter[Timeliness | None]:
    return Counter(classify(task, now, TZ) for task in tasks)


@pytest.mark.parametrize("today", TODAYS)
@pytest.mark.parametrize("figures", demo.PLAN_FIGURES, ids=lambda f: f.name)
def test_each_plan_matches_the_reported_figures(figures: demo.PlanFigures, today: dt.date) -> None:
    tasks = [t for t in demo.build_demo(today).tasks if t.plan == figures.name]
    # Early morning and late evening: a date-only deadline holds for the whole day.
    for hour in (0, 9, 23):
        tally = _tally(tasks, _now(today, hour))
        counted = sum(n for cls, n in tally.items() if cls is not None)
        done = tally[Timeliness.DONE_ON_TIME] + tally[Timeliness.DONE_LATE]
        in_progress = tally[Timeliness.IN_PROGRESS] + tally[Timeliness.OVERDUE]
        assert (counted, done, in_progress, tally[Timeliness.OVERDUE]) == (
            figures.total,
            figures.done,
            figures.in_progress,
            figures.overdue,
        )


@pytest.mark.parametrize(
    ("name", "total", "done", "overdue"),
    [
        ("Kế hoạch CCTTHC 6 tháng đầu năm 2024", 28, 14, 7),
        ("Kế hoạch Tổ công tác 2024", 17, 13, 0),
        ("Kế hoạch Hội đồng tư vấn 2024", 23, 10, 1),
    ],
)
def test_plan_figures_are_the_ones_domain_md_quotes(
    name: str, total: int, done: int, overdue: int
) -> None:
    assert demo.PlanFigures(name, total, done, overdue) in demo.PLAN_FIGURES


def test_all_four_classes_and_cancelled_tasks_are_present() -> None:
    tally = _tally(demo.build_demo(NOW.date()).tasks, NOW)
    # The four classes and cancelled ones; the demo has no ongoing ("thường xuyên") task.
    assert set(tally) == {*Timeliness, None} - {Timeliness.CONTINUOUS}
    assert tally[None] >= 2


def test_extended_tasks_show_both_rules() -> None:
    # In each plan, one finished between its first and its adjusted deadline: on time by the
    # default rule, late by the strict one; the other finished after both: late by either.
    extended = [t for t in demo.build_demo(NOW.date()).tasks if t.original_deadline]
    judged = sorted(
        (classify(t, NOW, TZ).value, classify(t, NOW, TZ, DeadlineRule.FIRST).value)  # type: ignore[union-attr]
        for t in extended
    )
    # The first task of each plan that is done on time, and of each that is done late.
    assert judged == [("done_late", "done_late")] * 3 + [("done_on_time", "done_late")] * 3
    for task in extended:
        assert task.completed_at is not None and task.original_deadline is not None
        assert task.original_deadline < task.completed_at.date()
        assert task.deadline_changes == 1


@pytest.mark.parametrize("today", TODAYS)
def test_dates_are_consistent(today: dt.date) -> None:
    now = _now(today)
    for task in demo.build_demo(today).tasks:
        assert task.created_at < now
        assert task.deadline is not None and task.first_deadline is not None
        assert task.first_deadline > task.created_at.date()
        if task.status is TaskStatus.DONE:
            assert task.completed_at is not None
            assert task.created_at < task.completed_at < now
            assert task.progress == 100
        else:
            assert task.completed_at is None
        assert task.deadline.weekday() < 5
        for entry in task.history:
            assert task.created_at <= entry.at < now


def test_every_reference_points_to_a_known_agency_or_member() -> None:
    built = demo.build_demo(NOW.date())
    codes = {a.code for a in built.agencies}
    members = {m.user_id for m in built.members}
    for task in built.tasks:
        assert task.lead in codes
        assert set(task.responsible) <= members
        assert all(entry.user_id in members for entry in task.history)
    assert {m.agency for m in built.members if m.agency} <= codes


def test_titles_are_unique_and_vietnamese() -> None:
    titles = [t.title for t in demo.build_demo(NOW.date()).tasks]
    assert len(titles) == len(set(titles))
    assert any("số hoá" in t for t in titles)
    assert any("thanh toán trực tuyến" in t for t in titles)
    assert any("dân cư" in t for t in titles)


@pytest.mark.parametrize(
    "name",
    [
        "UBND tỉnh Nghệ An",
        "UBND tỉnh Hà Tĩnh",
        "UBND tỉnh Bình Định",
        "UBND tỉnh Thừa Thiên Huế",
        "Bộ Tư pháp",
        "Bộ Công an",
        "Văn phòng Chính phủ",
        "Bộ Tài chính",
    ],
)
def test_agencies_carry_their_vietnamese_names(name: str) -> None:
    assert name in {a.name for a in demo.AGENCIES}


def test_the_cast_has_a_chair_a_secretary_and_two_provincial_owners_but_not_the_stranger() -> None:
    by_id = {m.user_id: m for m in demo.MEMBERS}
    assert by_id[demo.SECRETARY_ID].role is Role.SECRETARY
    assert by_id[demo.CHAIR_ID].role is Role.CHAIR
    assert by_id[demo.NGHE_AN_ID].agency == "nghe-an"
    assert by_id[demo.HA_TINH_ID].agency == "ha-tinh"
    assert demo.STRANGER_ID not in by_id


def test_provincial_owners_have_open_and_overdue_tasks_to_update() -> None:
    tasks = demo.build_demo(NOW.date()).tasks
    for user_id in (demo.NGHE_AN_ID, demo.HA_TINH_ID):
        classes = {classify(t, NOW, TZ) for t in tasks if user_id in t.responsible}
        assert {Timeliness.IN_PROGRESS, Timeliness.OVERDUE} <= classes


def test_install_writes_the_whole_demo_in_one_file_replace(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    registry = Registry(tmp_path)
    built = demo.build_demo(NOW.date())
    ws = built.workspace
    workspace_store = registry.create(ws.chat_id, ws.title, lang=ws.lang, tz=ws.tz, at=NOW)
    writes: list[Path] = []
    real_write = store.storage.atomic_write

    def counting_write(path: Path, payload: bytes) -> None:
        writes.append(path)
        real_write(path, payload)

    monkeypatch.setattr(store.storage, "atomic_write", counting_write)
    demo.install_demo(workspace_store, built, at=NOW)

    assert writes == [tmp_path / "workspaces" / f"{ws.chat_id}.json"]
    reopened = open_workspace_file(writes[0])
    assert [t.number for t in reopened.tasks()] == list(range(1, len(built.tasks) + 1))
    assert len(reopened.agencies()) == len(demo.AGENCIES)
    assert reopened.meeting(built.meeting.number) is not None
    tally = _tally(reopened.tasks(), NOW)
    assert sum(n for cls, n in tally.items() if cls is not None) == 28 + 17 + 23


def test_the_demos_audit_trail_tells_what_its_cards_tell(tmp_path: Path) -> None:
    # Issue 9: /history showed one "assigned" at the time of installing, while the card told of
    # an assignment in June and a cancellation in November.
    registry = Registry(tmp_path)
    built = demo.build_demo(NOW.date())
    ws = built.workspace
    store_ = registry.create(ws.chat_id, ws.title, lang=ws.lang, tz=ws.tz, at=NOW)
    demo.install_demo(store_, built, at=NOW)
    for number, wanted in enumerate(built.tasks, 1):
        task = store_.task(number)
        assert task is not None
        assert task == replace(wanted, number=number)  # the updates made the very same task
        lines = audit_lines(store_.audit(task=number), task)
        told = [(h.at, h.user_id, f"task_{h.kind.value}", h.note) for h in task.history]
        assert [(a.at, a.user_id, a.action, a.note) for a in lines] == told
    cancelled = next(t for t in store_.tasks() if t.status is TaskStatus.CANCELLED)
    [_, last] = audit_lines(store_.audit(task=cancelled.number), cancelled)
    assert last.changes[-1].field == "status" and last.changes[-1].after is TaskStatus.CANCELLED
