"""Updates of one task (done, progress, notes, deadline, reassignment, cancel) as pure functions.

Every operation takes the task as stored, `now` (in the workspace's time zone) and the acting
user's id, and returns either a changed copy carrying one new history entry, or a
:class:`TaskError` saying why nothing may change. The given task is never modified, so a
refused update cannot leave half a change behind; the caller stores the copy.

Rules decided here:

- progress 100 means done: setting it is the same as marking the task done, so the
  25/50/75/100 % buttons and ``/progress 12 100`` need no second step;
- a progress above 0 moves an open task to "in progress", and back to 0 moves it to "open";
- done and cancelled tasks take no progress, deadline or reassignment; a done task may be
  reopened, a cancelled one is final (reports list it apart);
- the first deadline change keeps the original deadline in ``Task.original_deadline`` (and
  its time of day in ``original_deadline_time``), which the card shows and the strict rule
  (``DeadlineRule.FIRST``) judges against;
- a new lead agency without named responsible officials clears the old ones: they were
  appointed by the agency that no longer leads;
- marking a periodic task done completes its current occurrence (kept in the history with
  the deadline it met) and opens the next one, at progress 0.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.dates import Deadline, working_day_before
from bot.model import AuditEntry, DeadlineRule, HistoryEntry, HistoryKind, Task, TaskStatus
from bot.recurrence import next_occurrence
from bot.timeliness import due_at, judged_deadline, passes_at

NOTE_MAX = 1000  # a phone screen or two; longer text belongs in a document, not a card
PROGRESS_STEPS = (25, 50, 75, 100)  # the buttons under a card


class TaskError(StrEnum):
    """Why an update was refused; each has its explanation in templates/<lang>/task_error."""

    ALREADY_DONE = "already_done"
    CANCELLED = "cancelled"
    NOT_DONE = "not_done"  # reopening a task that is not done
    PROGRESS_RANGE = "progress_range"
    EMPTY_NOTE = "empty_note"
    NOTE_TOO_LONG = "note_too_long"
    REASON_REQUIRED = "reason_required"
    SAME_DEADLINE = "same_deadline"
    PAST_DEADLINE = "past_deadline"
    NO_CHANGE = "no_change"  # reassigning to the agency and officials it already has
    DEADLINE_MOVED = "deadline_moved"  # a button for a deadline the task no longer has


Outcome = Task | TaskError


def _copy(task: Task) -> Task:
    changed = copy.copy(task)
    changed.history = list(task.history)
    return changed


def _text(note: str) -> str | TaskError:
    """A note as it will be kept: trimmed, and refused when too long."""
    note = note.strip()
    if len(note) > NOTE_MAX:
        return TaskError.NOTE_TOO_LONG
    return note


def _required(note: str, missing: TaskError) -> str | TaskError:
    note_or_error = _text(note)
    if note_or_error == "":
        return missing
    return note_or_error


def _open_only(task: Task) -> TaskError | None:
    if task.status is TaskStatus.CANCELLED:
        return TaskError.CANCELLED
    if task.status is TaskStatus.DONE:
        return TaskError.ALREADY_DONE
    return None


def _open_note(task: Task, note: str, missing: TaskError | None = None) -> str | TaskError:
    """An open task's note as it will be kept, or why the update is refused: the task is
    closed, the note too long, or (with `missing`) empty."""
    refused = _open_only(task)
    if refused is not None:
        return refused
    return _text(note) if missing is None else _required(note, missing)


def mark_done(task: Task, *, now: dt.datetime, actor: int, note: str = "") -> Outcome:
    """The task completed at `now`, with progress 100 and an optional note."""
    text = _open_note(task, note)
    if isinstance(text, TaskError):
        return text
    if task.recurrence is not None and task.deadline is not None:
        return _next_occurrence(task, now=now, actor=actor, note=text)
    done = _copy(task)
    done.status = TaskStatus.DONE
    done.progress = 100
    done.completed_at = now
    done.history.append(
        HistoryEntry(at=now, user_id=actor, kind=HistoryKind.DONE, note=text, progress=100)
    )
    return done


def _next_occurrence(task: Task, *, now: dt.datetime, actor: int, note: str) -> Task:
    """A periodic task's occurrence done: its history keeps which deadline it met and when,
    and the task moves on, open, to the next occurrence's deadline."""
    assert task.recurrence is not None and task.deadline is not None
    following = next_occurrence(task.recurrence, task.deadline)
    moved = _copy(task)
    moved.history.append(HistoryEntry(
        at=now, user_id=actor, kind=HistoryKind.DONE, note=note, progress=100,
        old_deadline=task.deadline, new_deadline=following,
    ))
    moved.deadline = following
    # Each occurrence is judged on its own deadline: an extension of this one is not the next's.
    moved.original_deadline = None
    moved.original_deadline_time = None
    moved.status = TaskStatus.OPEN
    moved.progress = 0
    moved.completed_at = None
    return moved


def _progress_before_done(task: Task) -> int:
    """The progress last reported before the task was marked done, 0 when none was."""
    seen_done = False
    for entry in reversed(task.history):
        if entry.kind is HistoryKind.DONE and not seen_done:
            seen_done = True
            continue
        if seen_done and entry.kind is HistoryKind.PROGRESS and entry.progress is not None:
            return min(entry.progress, 99)
    return 0


def reopen(task: Task, *, now: dt.datetime, actor: int, note: str = "") -> Outcome:
    """A done task back in progress (e.g. "done" was pressed by mistake), at its last progress."""
    if task.status is TaskStatus.CANCELLED:
        return TaskError.CANCELLED
    if task.status is not TaskStatus.DONE:
        return TaskError.NOT_DONE
    text = _text(note)
    if isinstance(text, TaskError):
        return text
    reopened = _copy(task)
    reopened.progress = _progress_before_done(task)
    reopened.status = TaskStatus.IN_PROGRESS if reopened.progress else TaskStatus.OPEN
    reopened.completed_at = None
    reopened.history.append(
        HistoryEntry(at=now, user_id=actor, kind=HistoryKind.REOPENED, note=text,
                     progress=reopened.progress)
    )
    return reopened


def set_progress(task: Task, percent: int, *, now: dt.datetime, actor: int,
                 note: str = "") -> Outcome:
    """The task at `percent` (0–100); 100 marks it done, as the module docstring explains."""
    refused = _open_only(task)
    if refused is not None:
        return refused
    if not 0 <= percent <= 100:
        return TaskError.PROGRESS_RANGE
    if percent == 100:
        return mark_done(task, now=now, actor=actor, note=note)
    text = _text(note)
    if isinstance(text, TaskError):
        return text
    updated = _copy(task)
    updated.progress = percent
    updated.status = TaskStatus.IN_PROGRESS if percent > 0 else TaskStatus.OPEN
    updated.history.append(
        HistoryEntry(at=now, user_id=actor, kind=HistoryKind.PROGRESS, note=text,
                     progress=percent)
    )
    return updated


class Press(StrEnum):
    """A button under a task, on its card or under a reminder: both do the same to it."""

    DONE = "done"
    REOPEN = "reopen"
    PROGRESS = "progress"


def press(task: Task, pressed: Press, *, now: dt.datetime, actor: int, percent: int = 0
          ) -> Outcome:
    """What pressing a task's button does to it (`percent` for a progress button)."""
    if pressed is Press.DONE:
        return mark_done(task, now=now, actor=actor)
    if pressed is Press.REOPEN:
        return reopen(task, now=now, actor=actor)
    return set_progress(task, percent, now=now, actor=actor)


def add_note(task: Task, note: str, *, now: dt.datetime, actor: int) -> Outcome:
    """The task with a note added; a done task still takes notes, a cancelled one does not."""
    if task.status is TaskStatus.CANCELLED:
        return TaskError.CANCELLED
    text = _required(note, TaskError.EMPTY_NOTE)
    if isinstance(text, TaskError):
        return text
    noted = _copy(task)
    noted.history.append(HistoryEntry(at=now, user_id=actor, kind=HistoryKind.NOTE, note=text))
    return noted


def change_deadline(task: Task, deadline: Deadline, reason: str, *, now: dt.datetime,
                    actor: int) -> Outcome:
    """The task with a new deadline; the first one stays in `original_deadline`."""
    text = _open_note(task, reason, TaskError.REASON_REQUIRED)
    if isinstance(text, TaskError):
        return text
    if deadline.day == task.deadline and deadline.time == task.deadline_time:
        return TaskError.SAME_DEADLINE
    if deadline.day < now.date():
        return TaskError.PAST_DEADLINE
    moved = _copy(task)
    if moved.original_deadline is None:
        moved.original_deadline = task.deadline
        moved.original_deadline_time = task.deadline_time
    moved.deadline = deadline.day
    moved.deadline_time = deadline.time
    moved.history.append(
        HistoryEntry(at=now, user_id=actor, kind=HistoryKind.DEADLINE, note=text,
                     old_deadline=task.deadline, new_deadline=deadline.day)
    )
    return moved


def to_working_day(task: Task, moved_from: dt.date, *, now: dt.datetime, actor: int) -> Outcome:
    """The task due on the working day before `moved_from`, the day off its deadline fell on.

    This corrects the deadline just set (the note under a new task or a changed deadline
    offers it), so it is recorded as an edit, not as a deadline change: the first deadline and
    the count of official changes stay as they were.
    """
    refused = _open_only(task)
    if refused is not None:
        return refused
    earlier = working_day_before(moved_from)
    if task.deadline != moved_from or earlier == moved_from:
        return TaskError.DEADLINE_MOVED
    if earlier < now.date():
        return TaskError.PAST_DEADLINE
    moved = _copy(task)
    moved.deadline = earlier
    moved.history.append(
        HistoryEntry(at=now, user_id=actor, kind=HistoryKind.EDITED,
                     old_deadline=moved_from, new_deadline=earlier)
    )
    return moved


def reassign(task: Task, *, now: dt.datetime, actor: int, lead: str | None = None,
             responsible: Sequence[int] | None = None, note: str = "") -> Outcome:
    """The task led by `lead` and/or in the hands of `responsible` (None: keep, or see below).

    A new lead without `responsible` clears the responsible officials (module docstring);
    the new lead leaves the coordinators, since one agency cannot both lead and coordinate.
    """
    text = _open_note(task, note)
    if isinstance(text, TaskError):
        return text
    new_lead = lead or task.lead
    if responsible is not None:
        new_responsible = tuple(dict.fromkeys(responsible))
    elif new_lead != task.lead:
        new_responsible = ()
    else:
        new_responsible = task.responsible
    if new_lead == task.lead and new_responsible == task.responsible:
        return TaskError.NO_CHANGE
    moved = _copy(task)
    moved.lead = new_lead
    moved.responsible = new_responsible
    moved.coordinators = tuple(c for c in task.coordinators if c != new_lead)
    moved.history.append(
        HistoryEntry(at=now, user_id=actor, kind=HistoryKind.REASSIGNED, note=text)
    )
    return moved


def cancel(task: Task, reason: str, *, now: dt.datetime, actor: int) -> Outcome:
    """The task cancelled, with the reason the reports will show; a done task stays done."""
    text = _open_note(task, reason, TaskError.REASON_REQUIRED)
    if isinstance(text, TaskError):
        return text
    cancelled = _copy(task)
    cancelled.status = TaskStatus.CANCELLED
    cancelled.history.append(
        HistoryEntry(at=now, user_id=actor, kind=HistoryKind.CANCELLED, note=text)
    )
    return cancelled


def days_late(task: Task, tz: str, rule: DeadlineRule = DeadlineRule.ADJUSTED) -> int:
    """Calendar days between a done task's judging deadline and its completion; 0 if on time."""
    if task.status is not TaskStatus.DONE or task.completed_at is None or task.is_ongoing:
        return 0
    if task.completed_at < passes_at(task, tz, rule):
        return 0
    day = judged_deadline(task, rule)[0]
    # Late the same day (after a deadline's hour) still counts as one day late in a report.
    local = task.completed_at.astimezone(due_at(day, None, tz).tzinfo)
    return max((local.date() - day).days, 1)


# -- reading what users type --------------------------------------------------------------

# The number must stand alone: "31/10/2024" typed without a task number is not task 31.
_NUMBER = re.compile(r"#?\s*(\d{1,9})(?=$|\s|[,.:;](?:\s|$))[,.:;]?\s*")
# A sign is read so that "-5" is refused as out of range rather than taken for no number.
_PERCENT = re.compile(r"([-−]?\d{1,9})\s*%?(?=$|\s)\s*")


def split_number(text: str) -> tuple[int | None, str]:
    """A leading task number ("12", "#12", "# 12") and the text after it; None when absent."""
    text = text.strip()
    match = _NUMBER.match(text)
    if match is None:
        return None, text
    return int(match.group(1)), text[match.end():].strip()


def split_percent(text: str) -> tuple[int | None, str]:
    """A leading percentage ("60", "60%", "60 %") and the text after it; None when absent."""
    text = text.strip()
    match = _PERCENT.match(text)
    if match is None:
        return None, text
    return int(match.group(1).replace("−", "-")), text[match.end():].strip()


# -- the audit trail, for reading ------------------------------------------------------------

_DATE_FIELDS = frozenset({"deadline", "original_deadline"})
_DATETIME_FIELDS = frozenset({"completed_at", "created_at"})
_TUPLE_FIELDS = frozenset({"responsible", "coordinators"})


@dataclass(frozen=True, slots=True)
class Change:
    """One field of a task as it was before an audited change and after it."""

    field: str
    before: Any
    after: Any


@dataclass(frozen=True, slots=True)
class AuditLine:
    """One audited change of a task, ready to show: who, when, what, and the fields changed."""

    at: dt.datetime
    user_id: int
    action: str
    changes: tuple[Change, ...]
    note: str = ""


def _value(name: str, value: Any) -> Any:
    """A stored value back as a domain value (documents keep dates as ISO text)."""
    if value is None:
        return None
    if name in _DATE_FIELDS and isinstance(value, str):
        return dt.date.fromisoformat(value)
    if name in _DATETIME_FIELDS and isinstance(value, str):
        return dt.datetime.fromisoformat(value)
    if name == "status" and isinstance(value, str):
        return TaskStatus(value)
    if name in _TUPLE_FIELDS and isinstance(value, list):
        return tuple(value)
    return value


def audit_action(task: Task) -> str:
    """The audit trail's name for the update that produced `task`: "task_" and its history kind.

    Naming the action after the history entry lets :func:`audit_lines` find that entry again.
    """
    return f"task_{task.history[-1].kind.value}" if task.history else "task_edited"


def audit_lines(entries: Sequence[AuditEntry], task: Task | None = None) -> list[AuditLine]:
    """The audit entries of one task, oldest first, with the note of the update they record.

    The audit keeps the fields that changed but not the history list, so each entry's note
    is found again in the task's history: the first unused entry with the same author, time
    and kind, else with the same author and time (updates can share a time, so each history
    entry is used once).
    """
    unused = list(task.history) if task else []
    lines = []
    for entry in sorted(entries, key=lambda e: e.at):
        before = entry.before or {}
        after = entry.after or {}
        if entry.before is None:
            # A creation: its "after" is the whole task, which the card already shows.
            changes: tuple[Change, ...] = ()
        else:
            changes = tuple(
                Change(name, _value(name, before.get(name)), _value(name, after.get(name)))
                for name in sorted(set(before) | set(after))
            )
        same = [i for i, past in enumerate(unused) if (past.at, past.user_id) == (
            entry.at, entry.user_id)]
        # Features that name their actions otherwise ("task_extension") still find theirs.
        exact = [i for i in same if f"task_{unused[i].kind.value}" == entry.action]
        note = unused.pop((exact or same)[0]).note if same else ""
        lines.append(AuditLine(at=entry.at, user_id=entry.user_id, action=entry.action,
                               changes=changes, note=note))
    return lines
