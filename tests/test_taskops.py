"""Tests of bot.taskops: the pure updates of one task and the reading of typed arguments."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.dates import Deadline
from bot.model import AuditEntry, DeadlineRule, HistoryKind, Task, TaskStatus, Timeliness
from bot.taskops import (
    NOTE_MAX,
    Change,
    Press,
    TaskError,
    add_note,
    audit_action,
    audit_lines,
    cancel,
    change_deadline,
    days_late,
    mark_done,
    press,
    reassign,
    reopen,
    set_progress,
    split_number,
    split_percent,
    to_working_day,
)
from bot.timeliness import classify
from store import codec
from tests.factories import CHAIR, NOW, OTHER_OWNER, OWNER, SECRETARY, TZ, make_task, seeded_store

LATER = NOW + dt.timedelta(days=1)


def task(**extra: object) -> Task:
    return make_task(number=12, **extra)  # type: ignore[arg-type]


def ok(outcome: Task | TaskError) -> Task:
    assert isinstance(outcome, Task), outcome
    return outcome


# -- done and reopen ------------------------------------------------------------------------


def test_mark_done_completes_at_now_with_full_progress_and_the_note() -> None:
    done = ok(mark_done(task(), now=NOW, actor=OWNER, note="  Đã gửi báo cáo  "))
    assert done.status is TaskStatus.DONE
    assert done.completed_at == NOW
    assert done.progress == 100
    last = done.history[-1]
    assert (last.kind, last.user_id, last.at, last.note) == (
        HistoryKind.DONE,
        OWNER,
        NOW,
        "Đã gửi báo cáo",
    )


def test_operations_never_modify_the_task_they_are_given() -> None:
    original = task()
    mark_done(original, now=NOW, actor=OWNER)
    add_note(original, "ghi chú", now=NOW, actor=OWNER)
    change_deadline(original, Deadline(dt.date(2024, 10, 31)), "lý do", now=NOW, actor=CHAIR)
    assert original.status is TaskStatus.OPEN
    assert original.history == []
    assert original.deadline == dt.date(2024, 9, 30)


@pytest.mark.parametrize(
    ("status", "error"),
    [(TaskStatus.DONE, TaskError.ALREADY_DONE), (TaskStatus.CANCELLED, TaskError.CANCELLED)],
)
def test_closed_tasks_refuse_done_progress_deadline_reassign_and_cancel(
    status: TaskStatus,
    error: TaskError,
) -> None:
    closed = task(status=status)
    assert mark_done(closed, now=NOW, actor=OWNER) is error
    assert set_progress(closed, 50, now=NOW, actor=OWNER) is error
    assert (
        change_deadline(closed, Deadline(dt.date(2024, 12, 1)), "lý do", now=NOW, actor=CHAIR)
        is error
    )
    assert reassign(closed, lead="ha-tinh", now=NOW, actor=CHAIR) is error
    assert cancel(closed, "lý do", now=NOW, actor=CHAIR) is error


def test_reopen_returns_a_done_task_to_its_last_reported_progress() -> None:
    started = ok(set_progress(task(), 60, now=NOW, actor=OWNER))
    done = ok(mark_done(started, now=NOW, actor=OWNER))
    back = ok(reopen(done, now=LATER, actor=OWNER, note="Bấm nhầm"))
    assert (back.status, back.progress, back.completed_at) == (TaskStatus.IN_PROGRESS, 60, None)
    assert back.history[-1].kind is HistoryKind.REOPENED
    assert back.history[-1].note == "Bấm nhầm"


def test_reopen_without_earlier_progress_makes_the_task_open_again() -> None:
    back = ok(reopen(ok(mark_done(task(), now=NOW, actor=OWNER)), now=NOW, actor=OWNER))
    assert (back.status, back.progress) == (TaskStatus.OPEN, 0)


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (TaskStatus.OPEN, TaskError.NOT_DONE),
        (TaskStatus.IN_PROGRESS, TaskError.NOT_DONE),
        (TaskStatus.CANCELLED, TaskError.CANCELLED),
    ],
)
def test_reopen_refuses_tasks_that_are_not_done(status: TaskStatus, error: TaskError) -> None:
    assert reopen(task(status=status), now=NOW, actor=OWNER) is error


# -- progress -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("percent", "status"),
    [
        (0, TaskStatus.OPEN),
        (1, TaskStatus.IN_PROGRESS),
        (60, TaskStatus.IN_PROGRESS),
        (99, TaskStatus.IN_PROGRESS),
    ],
)
def test_progress_sets_the_status_an_open_task_has(percent: int, status: TaskStatus) -> None:
    updated = ok(set_progress(task(), percent, now=NOW, actor=OWNER, note="Xong bước 1"))
    assert (updated.progress, updated.status) == (percent, status)
    last = updated.history[-1]
    assert (last.kind, last.progress, last.note) == (HistoryKind.PROGRESS, percent, "Xong bước 1")


def test_progress_back_to_zero_reopens_an_in_progress_task() -> None:
    started = ok(set_progress(task(), 40, now=NOW, actor=OWNER))
    assert ok(set_progress(started, 0, now=NOW, actor=OWNER)).status is TaskStatus.OPEN


def test_progress_100_marks_the_task_done() -> None:
    done = ok(set_progress(task(), 100, now=NOW, actor=OWNER, note="Hoàn thành"))
    assert (done.status, done.completed_at, done.progress) == (TaskStatus.DONE, NOW, 100)
    assert done.history[-1].kind is HistoryKind.DONE
    assert done.history[-1].note == "Hoàn thành"


@pytest.mark.parametrize("percent", [-1, 101, 250])
def test_progress_outside_0_to_100_is_refused(percent: int) -> None:
    assert set_progress(task(), percent, now=NOW, actor=OWNER) is TaskError.PROGRESS_RANGE


# -- notes ----------------------------------------------------------------------------------


def test_note_is_added_to_the_history_trimmed() -> None:
    noted = ok(add_note(task(), "  Đang chờ ý kiến Bộ Tư pháp ", now=NOW, actor=OWNER))
    assert noted.history[-1].kind is HistoryKind.NOTE
    assert noted.history[-1].note == "Đang chờ ý kiến Bộ Tư pháp"
    assert noted.status is TaskStatus.OPEN


@pytest.mark.parametrize(
    ("note", "error"),
    [
        ("", TaskError.EMPTY_NOTE),
        ("   \n ", TaskError.EMPTY_NOTE),
        ("x" * (NOTE_MAX + 1), TaskError.NOTE_TOO_LONG),
    ],
)
def test_empty_or_overlong_notes_are_refused(note: str, error: TaskError) -> None:
    assert add_note(task(), note, now=NOW, actor=OWNER) is error


def test_a_note_of_exactly_the_maximum_length_is_kept() -> None:
    assert ok(add_note(task(), "x" * NOTE_MAX, now=NOW, actor=OWNER)).history[-1].note


def test_done_tasks_take_notes_but_cancelled_ones_do_not() -> None:
    assert isinstance(add_note(task(status=TaskStatus.DONE), "đã gửi", now=NOW, actor=OWNER), Task)
    assert (
        add_note(task(status=TaskStatus.CANCELLED), "x", now=NOW, actor=OWNER)
        is TaskError.CANCELLED
    )


@pytest.mark.parametrize(
    "operation",
    [
        lambda t, n: mark_done(t, now=NOW, actor=OWNER, note=n),
        lambda t, n: set_progress(t, 50, now=NOW, actor=OWNER, note=n),
        lambda t, n: change_deadline(t, Deadline(dt.date(2024, 12, 1)), n, now=NOW, actor=CHAIR),
        lambda t, n: cancel(t, n, now=NOW, actor=CHAIR),
        lambda t, n: reassign(t, lead="ha-tinh", now=NOW, actor=CHAIR, note=n),
    ],
)
def test_every_operation_refuses_an_overlong_note(operation: object) -> None:
    assert operation(task(), "x" * (NOTE_MAX + 1)) is TaskError.NOTE_TOO_LONG  # type: ignore[operator]


# -- deadline -------------------------------------------------------------------------------


def test_first_deadline_change_keeps_the_original_and_records_old_and_new() -> None:
    moved = ok(
        change_deadline(
            task(), Deadline(dt.date(2024, 10, 31)), "Chờ Nghị định", now=NOW, actor=SECRETARY
        )
    )
    assert moved.deadline == dt.date(2024, 10, 31)
    assert moved.original_deadline == dt.date(2024, 9, 30)
    last = moved.history[-1]
    assert (last.kind, last.old_deadline, last.new_deadline, last.note) == (
        HistoryKind.DEADLINE,
        dt.date(2024, 9, 30),
        dt.date(2024, 10, 31),
        "Chờ Nghị định",
    )


def test_second_deadline_change_keeps_the_first_original() -> None:
    once = ok(change_deadline(task(), Deadline(dt.date(2024, 10, 31)), "a", now=NOW, actor=CHAIR))
    twice = ok(change_deadline(once, Deadline(dt.date(2024, 11, 30)), "b", now=NOW, actor=CHAIR))
    assert twice.original_deadline == dt.date(2024, 9, 30)
    assert twice.history[-1].old_deadline == dt.date(2024, 10, 31)


def test_an_approved_change_decides_on_time_unless_the_group_keeps_the_strict_rule() -> None:
    overdue = task(deadline=dt.date(2024, 7, 15))
    moved = ok(
        change_deadline(overdue, Deadline(dt.date(2024, 8, 31)), "Gia hạn", now=NOW, actor=CHAIR)
    )
    assert classify(moved, NOW, TZ) is Timeliness.IN_PROGRESS
    done = ok(mark_done(moved, now=LATER, actor=OWNER))
    assert classify(done, LATER, TZ) is Timeliness.DONE_ON_TIME
    assert days_late(done, TZ) == 0
    assert classify(done, LATER, TZ, DeadlineRule.FIRST) is Timeliness.DONE_LATE
    assert days_late(done, TZ, DeadlineRule.FIRST) == (LATER.date() - dt.date(2024, 7, 15)).days


def test_the_first_deadline_keeps_its_time_of_day_when_it_changes() -> None:
    # Due on the 31st at 17:00, moved to a later day: finished at 18:00 on the 31st is late on
    # the strict rule (the first deadline used to lose its hour and count as its whole day).
    first = task(deadline=NOW.date(), deadline_time=dt.time(17))
    moved = ok(change_deadline(first, Deadline(dt.date(2024, 8, 30)), "Chờ số liệu", now=NOW,
                               actor=CHAIR))
    twice = ok(change_deadline(moved, Deadline(dt.date(2024, 9, 30), dt.time(9)), "Lần hai",
                               now=NOW, actor=CHAIR))
    assert (twice.original_deadline, twice.original_deadline_time) == (NOW.date(), dt.time(17))
    assert codec.task_from_doc(codec.task_to_doc(twice)) == twice
    done = ok(mark_done(twice, now=NOW.replace(hour=18), actor=OWNER))
    assert classify(done, LATER, TZ, DeadlineRule.FIRST) is Timeliness.DONE_LATE
    assert days_late(done, TZ, DeadlineRule.FIRST) == 1
    on_time = ok(mark_done(twice, now=NOW.replace(hour=16), actor=OWNER))
    assert classify(on_time, LATER, TZ, DeadlineRule.FIRST) is Timeliness.DONE_ON_TIME


def test_deadline_time_is_set_with_the_day() -> None:
    moved = ok(
        change_deadline(
            task(), Deadline(dt.date(2024, 9, 30), dt.time(17)), "giờ", now=NOW, actor=CHAIR
        )
    )
    assert (moved.deadline, moved.deadline_time) == (dt.date(2024, 9, 30), dt.time(17))


@pytest.mark.parametrize(
    ("deadline", "reason", "error"),
    [
        (Deadline(dt.date(2024, 9, 30)), "lý do", TaskError.SAME_DEADLINE),
        (Deadline(dt.date(2024, 10, 31)), "", TaskError.REASON_REQUIRED),
        (Deadline(dt.date(2024, 10, 31)), "   ", TaskError.REASON_REQUIRED),
        (Deadline(dt.date(2024, 7, 30)), "lý do", TaskError.PAST_DEADLINE),
    ],
)
def test_deadline_change_refusals(deadline: Deadline, reason: str, error: TaskError) -> None:
    assert change_deadline(task(), deadline, reason, now=NOW, actor=CHAIR) is error


def test_deadline_today_is_not_past() -> None:
    assert isinstance(
        change_deadline(task(), Deadline(NOW.date()), "gấp", now=NOW, actor=CHAIR), Task
    )


# -- reassign and cancel --------------------------------------------------------------------


def test_reassign_to_a_new_lead_clears_responsible_and_leaves_coordinators() -> None:
    original = task(responsible=(OWNER,), coordinators=("ha-tinh", "bo-tu-phap"))
    moved = ok(reassign(original, lead="ha-tinh", now=NOW, actor=CHAIR))
    assert moved.lead == "ha-tinh"
    assert moved.responsible == ()
    assert moved.coordinators == ("bo-tu-phap",)
    assert moved.history[-1].kind is HistoryKind.REASSIGNED


def test_reassign_with_responsible_names_them_without_duplicates() -> None:
    moved = ok(
        reassign(
            task(), lead="ha-tinh", responsible=[OTHER_OWNER, OTHER_OWNER], now=NOW, actor=CHAIR
        )
    )
    assert (moved.lead, moved.responsible) == ("ha-tinh", (OTHER_OWNER,))


def test_reassign_responsible_only_keeps_the_lead() -> None:
    moved = ok(
        reassign(task(responsible=(OWNER,)), responsible=[OTHER_OWNER], now=NOW, actor=CHAIR)
    )
    assert (moved.lead, moved.responsible) == ("nghe-an", (OTHER_OWNER,))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"lead": "nghe-an"},
        {"responsible": [OWNER]},
        {"lead": "nghe-an", "responsible": [OWNER]},
        {},
    ],
)
def test_reassign_to_what_the_task_already_has_is_no_change(kwargs: dict[str, object]) -> None:
    result = reassign(task(responsible=(OWNER,)), now=NOW, actor=CHAIR, **kwargs)  # type: ignore[arg-type]
    assert result is TaskError.NO_CHANGE


def test_cancel_needs_a_reason_and_records_it() -> None:
    assert cancel(task(), " ", now=NOW, actor=CHAIR) is TaskError.REASON_REQUIRED
    cancelled = ok(cancel(task(), "Gộp vào nhiệm vụ 3", now=NOW, actor=CHAIR))
    assert cancelled.status is TaskStatus.CANCELLED
    assert cancelled.history[-1].note == "Gộp vào nhiệm vụ 3"
    assert classify(cancelled, NOW, TZ) is None


def test_in_progress_task_can_be_cancelled() -> None:
    started = ok(set_progress(task(), 30, now=NOW, actor=OWNER))
    assert ok(cancel(started, "Không còn cần", now=NOW, actor=CHAIR)).status is TaskStatus.CANCELLED


# -- typed arguments ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "number", "rest"),
    [
        ("12", 12, ""),
        ("#12", 12, ""),
        ("# 12 đã gửi báo cáo", 12, "đã gửi báo cáo"),
        ("  12   60 ghi chú", 12, "60 ghi chú"),
        ("12: xong", 12, "xong"),
        ("12, xong", 12, "xong"),
        ("12 31/10/2024 | lý do", 12, "31/10/2024 | lý do"),
        ("31/10/2024 | lý do", None, "31/10/2024 | lý do"),
        ("12a", None, "12a"),
        ("60%", None, "60%"),
        ("", None, ""),
        ("việc 12", None, "việc 12"),
    ],
)
def test_split_number(text: str, number: int | None, rest: str) -> None:
    assert split_number(text) == (number, rest)


@pytest.mark.parametrize(
    ("text", "percent", "rest"),
    [
        ("60", 60, ""),
        ("60%", 60, ""),
        ("60 % xong bước 1", 60, "xong bước 1"),
        ("150", 150, ""),
        ("60,5", None, "60,5"),
        ("-5", -5, ""),  # read, so that it is refused as out of range, not as missing
        ("−5%", -5, ""),
        ("sáu mươi", None, "sáu mươi"),
        ("60abc", None, "60abc"),
    ],
)
def test_split_percent(text: str, percent: int | None, rest: str) -> None:
    assert split_percent(text) == (percent, rest)


# -- audit ----------------------------------------------------------------------------------


def test_audit_lines_read_before_and_after_of_a_stored_deadline_change() -> None:
    store = seeded_store(tasks=[make_task()])
    task = store.task(1)
    assert task is not None
    moved = ok(
        change_deadline(
            task,
            Deadline(dt.date(2024, 10, 31)),
            "Chờ Nghị định",
            now=LATER,
            actor=SECRETARY,
        )
    )
    store.save_task(moved, actor=SECRETARY, at=LATER, action="task_deadline")
    lines = audit_lines(store.audit(task=1), store.task(1))
    assert [line.action for line in lines] == ["task_created", "task_deadline"]
    assert lines[0].changes == ()
    change = lines[1]
    assert (change.user_id, change.at, change.note) == (SECRETARY, LATER, "Chờ Nghị định")
    assert Change("deadline", dt.date(2024, 9, 30), dt.date(2024, 10, 31)) in change.changes
    assert Change("original_deadline", None, dt.date(2024, 9, 30)) in change.changes


def test_audit_lines_turn_stored_status_and_lists_into_domain_values() -> None:
    before = codec.task_to_doc(task(responsible=(OWNER,)))
    after = codec.task_to_doc(
        task(status=TaskStatus.DONE, responsible=(OWNER, OTHER_OWNER), completed_at=NOW)
    )
    entry = AuditEntry(
        at=NOW,
        user_id=OWNER,
        action="task_done",
        task=12,
        before={k: before.get(k) for k in ("status", "responsible", "completed_at")},
        after={k: after.get(k) for k in ("status", "responsible", "completed_at")},
    )
    (line,) = audit_lines([entry])
    assert set(line.changes) == {
        Change("completed_at", None, NOW),
        Change("responsible", (OWNER,), (OWNER, OTHER_OWNER)),
        Change("status", TaskStatus.OPEN, TaskStatus.DONE),
    }


def test_audit_lines_find_each_note_once_when_updates_share_a_time() -> None:
    store = seeded_store(tasks=[make_task()])
    for step in (
        lambda t: set_progress(t, 40, now=NOW, actor=OWNER, note="Bước 1"),
        lambda t: add_note(t, "Chờ ý kiến", now=NOW, actor=OWNER),
        lambda t: set_progress(t, 60, now=NOW, actor=OWNER, note="Bước 2"),
    ):
        changed = ok(step(store.task(1)))
        store.save_task(changed, actor=OWNER, at=NOW, action=audit_action(changed))
    lines = audit_lines(store.audit(task=1), store.task(1))
    assert [(line.action, line.note) for line in lines] == [
        ("task_created", ""),
        ("task_progress", "Bước 1"),
        ("task_note", "Chờ ý kiến"),
        ("task_progress", "Bước 2"),
    ]


@pytest.mark.parametrize(
    ("operation", "action"),
    [
        (lambda t: mark_done(t, now=NOW, actor=OWNER), "task_done"),
        (lambda t: set_progress(t, 100, now=NOW, actor=OWNER), "task_done"),
        (lambda t: set_progress(t, 10, now=NOW, actor=OWNER), "task_progress"),
        (lambda t: cancel(t, "x", now=NOW, actor=CHAIR), "task_cancelled"),
        (lambda t: reassign(t, lead="hue", now=NOW, actor=CHAIR), "task_reassigned"),
    ],
)
def test_audit_action_names_the_update(operation: object, action: str) -> None:
    assert audit_action(ok(operation(task()))) == action  # type: ignore[operator]


@pytest.mark.parametrize(
    ("deadline", "completed", "time", "late"),
    [
        (dt.date(2024, 7, 31), dt.datetime(2024, 7, 31, 23, 59, tzinfo=NOW.tzinfo), None, 0),
        (dt.date(2024, 7, 30), NOW, None, 1),
        (dt.date(2024, 7, 21), NOW, None, 10),
        (dt.date(2024, 7, 31), NOW, dt.time(8), 1),  # past the hour on the day: one day late
        (dt.date(2024, 7, 31), NOW, dt.time(17), 0),
    ],
)
def test_days_late(
    deadline: dt.date, completed: dt.datetime, time: dt.time | None, late: int
) -> None:
    done = task(
        deadline=deadline, deadline_time=time, status=TaskStatus.DONE, completed_at=completed
    )
    assert days_late(done, TZ) == late


def test_days_late_count_from_the_deadline_the_rule_names() -> None:
    done = task(
        deadline=dt.date(2024, 7, 28),
        original_deadline=dt.date(2024, 7, 21),
        status=TaskStatus.DONE,
        completed_at=NOW,
    )
    assert days_late(done, TZ) == 3
    assert days_late(done, TZ, DeadlineRule.FIRST) == 10
    assert days_late(task(deadline=dt.date(2024, 7, 1)), TZ) == 0  # not done: not late


def test_audit_lines_find_the_note_of_an_action_named_otherwise() -> None:
    moved = ok(change_deadline(task(), Deadline(dt.date(2024, 10, 31)), "Gia hạn theo đề nghị",
                               now=NOW, actor=CHAIR))
    entry = AuditEntry(at=NOW, user_id=CHAIR, action="task_extension", task=12, before={},
                       after={})
    assert audit_lines([entry], moved)[0].note == "Gia hạn theo đề nghị"


def test_a_deadline_on_a_day_off_moves_to_the_working_day_before_as_an_edit() -> None:
    sunday = task(deadline=dt.date(2024, 9, 29))
    moved = ok(to_working_day(sunday, dt.date(2024, 9, 29), now=NOW, actor=SECRETARY))
    assert (moved.deadline, moved.original_deadline, moved.deadline_changes) == (
        dt.date(2024, 9, 27), None, 0)
    entry = moved.history[-1]
    assert (entry.kind, entry.old_deadline, entry.new_deadline) == (
        HistoryKind.EDITED, dt.date(2024, 9, 29), dt.date(2024, 9, 27))


def test_moving_to_a_working_day_refuses_a_stale_or_past_move() -> None:
    sunday = task(deadline=dt.date(2024, 9, 29))
    # A button for a deadline the task no longer has, or for a working day.
    assert to_working_day(sunday, dt.date(2024, 9, 22), now=NOW, actor=SECRETARY) is (
        TaskError.DEADLINE_MOVED)
    friday = task(deadline=dt.date(2024, 9, 27))
    assert to_working_day(friday, dt.date(2024, 9, 27), now=NOW, actor=SECRETARY) is (
        TaskError.DEADLINE_MOVED)
    # Due on Sunday 4/8, seen on Saturday 3/8: Friday 2/8 has gone by.
    weekend = task(deadline=dt.date(2024, 8, 4))
    saturday = dt.datetime(2024, 8, 3, 9, 0, tzinfo=NOW.tzinfo)
    assert to_working_day(weekend, dt.date(2024, 8, 4), now=saturday, actor=SECRETARY) is (
        TaskError.PAST_DEADLINE)


@pytest.mark.parametrize(("pressed", "percent", "kind", "status"), [
    (Press.DONE, 0, HistoryKind.DONE, TaskStatus.DONE),
    (Press.PROGRESS, 100, HistoryKind.DONE, TaskStatus.DONE),  # 100% is done, from any button
    (Press.PROGRESS, 50, HistoryKind.PROGRESS, TaskStatus.IN_PROGRESS),
])
def test_a_button_press_makes_the_update_its_command_makes(
    pressed: Press, percent: int, kind: HistoryKind, status: TaskStatus
) -> None:
    pressed_task = ok(press(task(), pressed, now=NOW, actor=OWNER, percent=percent))
    assert (pressed_task.history[-1].kind, pressed_task.status) == (kind, status)
    assert audit_action(pressed_task) == f"task_{kind.value}"


def test_reopen_pressed_on_a_done_task_reopens_it() -> None:
    done = ok(mark_done(task(), now=NOW, actor=OWNER))
    assert ok(press(done, Press.REOPEN, now=LATER, actor=OWNER)).status is not TaskStatus.DONE
