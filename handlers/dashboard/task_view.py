"""The dashboard's page of one task: its card, whole history, notes, and what the user may do."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot import reports, taskops
from bot.model import HistoryEntry, HistoryKind, Meeting, Member, Task, TaskStatus
from bot.permissions import Action, may
from handlers.dashboard.views import Row, row_of
from store.workspace import WorkspaceStore


@dataclass(frozen=True, slots=True)
class TaskPage:
    """A task's card, its whole history (newest first), its notes and what the user may do."""

    task: Task
    row: Row
    late_days: int
    meeting: Meeting | None
    history: list[HistoryEntry]
    notes: list[HistoryEntry]
    names: dict[int, str]
    agencies: dict[str, str]
    actions: tuple[str, ...]


def actions(task: Task, member: Member | None) -> tuple[str, ...]:
    """What the task card's buttons let `member` do: done, progress and note, as in the chat.

    An open task takes all three; a done one only notes; a cancelled one nothing.
    """
    if task.status is TaskStatus.CANCELLED or not may(member, Action.UPDATE_TASK, task):
        return ()
    if task.status is TaskStatus.DONE:
        return ("note",)
    return ("done", "progress", "note")


def task_page(store: WorkspaceStore, now: dt.datetime, number: int, member: Member | None
              ) -> TaskPage | None:
    """Task `number`'s page as `member` sees it; None when there is no such task."""
    task = store.task(number)
    if task is None:
        return None
    tz, rule = store.workspace.tz, store.workspace.deadline_rule
    labels = {a.code: a.label for a in store.agencies()}
    names = {m.user_id: m.name for m in store.members()}
    standing = reports.standings([task], now, tz, rule)[0]
    history = list(reversed(task.history))
    return TaskPage(
        task=task,
        row=row_of(standing, labels, names),
        late_days=taskops.days_late(task, tz, rule),
        meeting=store.meeting(task.meeting) if task.meeting else None,
        history=history,
        notes=[h for h in history if h.kind is HistoryKind.NOTE],
        names=names,
        agencies=labels,
        actions=actions(task, member),
    )
