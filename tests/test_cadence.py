"""Ongoing ("Thường xuyên") and periodic ("hằng quý") tasks: the rules, the counts, the store,
reminders, the card and the files."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from icalendar import Calendar

from bot import reports, taskops
from bot.calendar_ics import rrule_of
from bot.model import HistoryKind, Task, TaskStatus, Timeliness, Workspace
from bot.plan_import import read_plan, resolve_agencies, to_tasks
from bot.recurrence import (
    Cadence,
    Recurrence,
    first_occurrence,
    next_occurrence,
    parse_recurrence,
)
from bot.reminders import Kind, ReminderPolicy, reminder_on
from bot.timeliness import classify, overdue_days
from store.workspace import open_workspace_file
from tests.conftest import Harness, texts
from tests.factories import GROUP_ID, NOW, OWNER, SECRETARY, TZ, make_task, seeded_store
from tests.test_export import _export

TODAY = NOW.date()
QUARTERLY_20 = Recurrence(Cadence.QUARTERLY, 20)


def _ongoing(**extra: object) -> Task:
    return make_task("Theo dõi, đôn đốc thường xuyên", deadline=None, **extra)  # type: ignore[arg-type]


def _periodic(deadline: dt.date = dt.date(2024, 9, 20), **extra: object) -> Task:
    return make_task("Báo cáo quý", deadline=deadline, recurrence=QUARTERLY_20, **extra)  # type: ignore[arg-type]


# -- recurrences ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("recurrence", "start", "first", "second"),
    [
        (Recurrence(Cadence.MONTHLY, 20), dt.date(2024, 7, 31), dt.date(2024, 8, 20),
         dt.date(2024, 9, 20)),
        (Recurrence(Cadence.MONTHLY, 31), dt.date(2024, 2, 1), dt.date(2024, 2, 29),
         dt.date(2024, 3, 31)),
        (Recurrence(Cadence.QUARTERLY), dt.date(2024, 7, 31), dt.date(2024, 9, 30),
         dt.date(2024, 12, 31)),
        (QUARTERLY_20, dt.date(2024, 9, 21), dt.date(2024, 12, 20), dt.date(2025, 3, 20)),
        (Recurrence(Cadence.HALF_YEARLY), dt.date(2024, 7, 1), dt.date(2024, 12, 31),
         dt.date(2025, 6, 30)),
        (Recurrence(Cadence.YEARLY, 15, 12), dt.date(2024, 12, 16), dt.date(2025, 12, 15),
         dt.date(2026, 12, 15)),
    ],
)
def test_occurrences(recurrence: Recurrence, start: dt.date, first: dt.date,
                     second: dt.date) -> None:
    assert first_occurrence(recurrence, start) == first
    assert next_occurrence(recurrence, first) == second
    assert Recurrence.from_text(recurrence.text()) == recurrence


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ("hằng tháng trước ngày 20", Recurrence(Cadence.MONTHLY, 20)),
        ("Hàng tháng", Recurrence(Cadence.MONTHLY)),
        ("hằng quý", Recurrence(Cadence.QUARTERLY)),
        ("Báo cáo định kỳ hằng quý, trước ngày 20 của tháng cuối quý", QUARTERLY_20),
        ("định kỳ 6 tháng", Recurrence(Cadence.HALF_YEARLY)),
        ("hằng năm", Recurrence(Cadence.YEARLY)),
        ("hằng năm trước ngày 15/12", Recurrence(Cadence.YEARLY, 15, 12)),
        ("monthly, by the 20th", Recurrence(Cadence.MONTHLY, 20)),
        ("quarterly", Recurrence(Cadence.QUARTERLY)),
        ("6 tháng đầu năm 2025", None),
        ("tháng 6/2025", None),
    ],
)
def test_recurrence_words(text: str, wanted: Recurrence | None) -> None:
    assert parse_recurrence(text) == wanted


# -- timeliness and counts ------------------------------------------------------------------


def test_an_ongoing_task_is_never_overdue() -> None:
    task = _ongoing()
    for days in (0, 400, 4000):
        later = NOW + dt.timedelta(days=days)
        assert classify(task, later, TZ) is Timeliness.CONTINUOUS
        assert overdue_days(task, later, TZ) == 0


def test_ongoing_tasks_are_counted_apart_never_in_the_base() -> None:
    tasks = [_ongoing(), _ongoing(status=TaskStatus.DONE, completed_at=NOW),
             make_task(deadline=dt.date(2024, 7, 1)), make_task(deadline=dt.date(2024, 9, 1))]
    tally = reports.tally(tasks, NOW, TZ)
    assert (tally.total, tally.overdue, tally.in_progress, tally.continuous) == (2, 1, 1, 2)
    assert tally.completion_rate == 0
    assert [s.task.deadline for s in reports.overdue(tasks, NOW, TZ)] == [dt.date(2024, 7, 1)]
    assert reports.due_within(tasks, NOW, TZ, 365)[0].task.deadline == dt.date(2024, 9, 1)
    ledger = reports.Ledger(TZ)
    ledger.sync([*tasks], NOW)
    assert ledger.tally() == tally
    mine = reports.by_urgency(tasks, NOW, TZ)
    assert [s.timeliness for s in mine][:3] == [
        Timeliness.OVERDUE, Timeliness.IN_PROGRESS, Timeliness.CONTINUOUS,
    ]


def test_a_periodic_task_is_judged_on_its_current_occurrence() -> None:
    late = _periodic(dt.date(2024, 6, 20))
    assert classify(late, NOW, TZ) is Timeliness.OVERDUE
    assert classify(_periodic(), NOW, TZ) is Timeliness.IN_PROGRESS


def test_completing_an_occurrence_opens_the_next() -> None:
    task = _periodic(dt.date(2024, 6, 20), number=7)
    done = taskops.mark_done(task, now=NOW, actor=OWNER, note="Đã gửi báo cáo quý II")
    assert isinstance(done, Task)
    assert (done.status, done.deadline, done.progress) == (
        TaskStatus.OPEN, dt.date(2024, 9, 20), 0,
    )
    entry = done.history[-1]
    assert entry.kind is HistoryKind.DONE
    assert (entry.old_deadline, entry.new_deadline) == (dt.date(2024, 6, 20), dt.date(2024, 9, 20))
    assert classify(done, NOW, TZ) is Timeliness.IN_PROGRESS
    again = taskops.mark_done(done, now=NOW, actor=OWNER)
    assert isinstance(again, Task) and again.deadline == dt.date(2024, 12, 20)


def test_reminders_treat_each_occurrence_as_a_deadline_and_skip_ongoing_tasks() -> None:
    policy = ReminderPolicy()
    periodic = _periodic(dt.date(2024, 8, 2))
    assert reminder_on(periodic, dt.date(2024, 8, 2), policy, TZ) == (Kind.DUE, 0)
    moved = taskops.mark_done(periodic, now=NOW, actor=OWNER)
    assert isinstance(moved, Task)
    assert reminder_on(moved, dt.date(2024, 9, 20), policy, TZ) == (Kind.DUE, 0)
    for day in (TODAY, TODAY + dt.timedelta(days=1), TODAY + dt.timedelta(days=300)):
        assert reminder_on(_ongoing(), day, policy, TZ) is None


def test_ongoing_and_periodic_tasks_survive_a_restart(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "ws.json"
    store = open_workspace_file(path)
    store.save_workspace(Workspace(chat_id=GROUP_ID, title="Tổ", created_at=NOW), actor=0,
                         at=NOW)
    seeded_store(store, tasks=[_ongoing(), _periodic()])
    store.close()
    again = open_workspace_file(path)
    ongoing, periodic = again.tasks()
    assert ongoing.deadline is None and ongoing.recurrence is None
    assert periodic.recurrence == QUARTERLY_20 and periodic.deadline == dt.date(2024, 9, 20)


# -- the card and commands ------------------------------------------------------------------


async def test_the_card_of_an_ongoing_task(seeded: Harness) -> None:
    seeded.store.add_task(_ongoing(), actor=SECRETARY, at=NOW)
    card = texts(await seeded.send("/viec 1"))[-1]
    assert "Nhiệm vụ thường xuyên" in card
    assert "Hạn: Thường xuyên (không có hạn)" in card
    assert "quá hạn" not in card


async def test_done_on_a_periodic_task_shows_the_next_occurrence(seeded: Harness) -> None:
    seeded.store.add_task(_periodic(dt.date(2024, 7, 20)), actor=SECRETARY, at=NOW)
    card = texts(await seeded.send("/xong 1 Đã gửi báo cáo"))[-1]
    assert "20/09/2024 (kỳ này; lặp lại hằng quý, trước ngày 20 của tháng cuối quý)" in card
    assert "hoàn thành kỳ hạn 20/07/2024 (trễ hạn); kỳ sau hạn 20/09/2024" in card
    task = seeded.store.task(1)
    assert task is not None and task.status is TaskStatus.OPEN


async def test_status_counts_ongoing_tasks_apart(seeded: Harness) -> None:
    seeded.store.add_task(_ongoing(plan="KH"), actor=SECRETARY, at=NOW)
    seeded.store.add_task(make_task(deadline=dt.date(2024, 7, 1), plan="KH"),
                          actor=SECRETARY, at=NOW)
    status = texts(await seeded.send("/trangthai"))[-1]
    assert "Nhiệm vụ thường xuyên, tính riêng: 1" in status
    assert "0/1 hoàn thành" in status


# -- files ----------------------------------------------------------------------------------


def test_export_writes_ongoing_and_periodic_deadlines_that_import_back() -> None:
    tasks = [_ongoing(plan="KH"), _periodic(plan="KH")]
    data = _export(tasks=tasks)
    sheet = openpyxl.load_workbook(io.BytesIO(data))["Nhiệm vụ"]
    headers = [c.value for c in sheet[1]]
    deadlines = [sheet.cell(r, headers.index("Thời hạn hoàn thành") + 1).value for r in (2, 3)]
    assert deadlines == ["Thường xuyên", dt.datetime(2024, 9, 20)]
    parsed = read_plan(data, today=TODAY)
    codes, _ = resolve_agencies(parsed.drafts, seeded_store().agencies())
    back = to_tasks(parsed.drafts, codes, now=NOW, tz=TZ, actor=SECRETARY)
    assert [(t.deadline, t.recurrence, t.status) for t in back] == [
        (None, None, TaskStatus.OPEN), (dt.date(2024, 9, 20), QUARTERLY_20, TaskStatus.OPEN),
    ]


def test_calendar_repeats_a_periodic_deadline() -> None:
    assert rrule_of(QUARTERLY_20) == {"freq": "monthly", "interval": 3, "bymonthday": 20}
    assert rrule_of(Recurrence(Cadence.YEARLY, 15, 12)) == {
        "freq": "yearly", "bymonth": 12, "bymonthday": 15,
    }
    assert rrule_of(Recurrence(Cadence.MONTHLY))["bymonthday"] == -1


async def test_calendar_file_has_no_ongoing_task_and_repeats_periodic_ones(
    seeded: Harness,
) -> None:
    seeded.store.add_task(_ongoing(lead="nghe-an"), actor=SECRETARY, at=NOW)
    seeded.store.add_task(_periodic(lead="nghe-an"), actor=SECRETARY, at=NOW)
    calls = await seeded.send("/lich", user=OWNER)
    upload = next(c for c in calls if c.method == "sendDocument").params["document"]
    events = list(Calendar.from_ical(upload.data).walk("VEVENT"))
    assert [str(e["summary"]) for e in events] == ["#2 Báo cáo quý"]
    assert "RRULE:FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=20" in upload.data.decode()
