"""The dashboard's overview: the workspace's four classes as bars, and the change since the last
meeting (figures kept between requests)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from bot import meetings as meeting_rules
from bot import reports
from bot.model import Meeting, Task, Timeliness
from bot.reports import Tally
from bot.summary import as_of
from bot.timeliness import classify, due_at
from handlers.dashboard.views import CLASSES
from store.workspace import WorkspaceStore


@dataclass(frozen=True, slots=True)
class Segment:
    """One class's part of a chart bar, in percent of the bar's length."""

    cls: str
    count: int
    start: float
    width: float


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar of the overview chart: the whole workspace or one plan."""

    label: str  # a plan's name; "" for the whole workspace
    tally: Tally
    segments: tuple[Segment, ...]


def bar(label: str, tally: Tally) -> Bar:
    """The four classes of `tally` laid end to end, each as wide as its share."""
    segments = []
    done = 0
    for cls in CLASSES:
        count = getattr(tally, cls)
        if count:
            # Edges from running totals, so the rounded widths still end exactly at 100.
            start = round(100.0 * done / tally.total, 3)
            done += count
            segments.append(Segment(cls, count, start,
                                    round(round(100.0 * done / tally.total, 3) - start, 3)))
    return Bar(label, tally, tuple(segments))


@dataclass(frozen=True, slots=True)
class Overview:
    """The workspace at a glance: totals, per plan, and the change since the last meeting."""

    tally: Tally
    plans: list[Bar]
    total: Bar
    last_meeting: Meeting | None
    at_last_meeting: Tally | None  # the totals as they stood at the end of that meeting's day
    next_meeting: Meeting | None

    def change(self, cls: str) -> int | None:
        """How many more tasks are in `cls` (or counted at all: "total") than at the meeting."""
        if self.at_last_meeting is None:
            return None
        return int(getattr(self.tally, cls) - getattr(self.at_last_meeting, cls))

    @property
    def rate_change(self) -> float | None:
        """Points of completion rate gained since the last meeting."""
        if self.at_last_meeting is None:
            return None
        return self.tally.completion_rate - self.at_last_meeting.completion_rate


_Past = tuple[Task, Timeliness | None, bool]  # a task, its class then, whether it existed


class Figures:
    """Figures kept between requests, per workspace, so that the overview is not recounted.

    The tallies come from a :class:`reports.Ledger`, which classifies again only the tasks
    that changed (as the status commands do); the totals at the last meeting are kept until
    the workspace's data changes (its store's revision).
    """

    def __init__(self) -> None:
        self._ledgers: dict[int, reports.Ledger] = {}
        self._past: dict[int, tuple[Any, dict[int, _Past]]] = {}

    def ledger(self, store: WorkspaceStore, now: dt.datetime) -> reports.Ledger:
        ws = store.workspace
        ledger = self._ledgers.get(ws.chat_id)
        if ledger is None or (ledger.tz, ledger.rule) != (ws.tz, ws.deadline_rule):
            ledger = self._ledgers[ws.chat_id] = reports.Ledger(ws.tz, ws.deadline_rule)
        ledger.sync(store.tasks(), now)
        return ledger

    def at_meeting(self, store: WorkspaceStore, meeting: Meeting) -> Tally:
        """The totals as they stood at the end of `meeting`'s day.

        A task's class then is worked out again only when the task changed (the store gives
        a changed task a new object): an update today leaves its past as it was.
        """
        ws = store.workspace
        key = (id(store), meeting.number, meeting.day, ws.tz, ws.deadline_rule)
        kept_key, kept = self._past.get(ws.chat_id, (None, {}))
        if kept_key != key:
            kept = {}
        # As the chair's summary counts "since the last meeting": from the end of its day.
        at = due_at(meeting.day, None, ws.tz) - dt.timedelta(microseconds=1)
        classes: dict[int, _Past] = {}
        for task in store.tasks():
            known = kept.get(task.number)
            if known is not None and known[0] is task:
                classes[task.number] = known
                continue
            past = as_of(task, at)
            if past is None:  # the task did not exist yet: not counted
                classes[task.number] = (task, None, False)
            else:
                classes[task.number] = (task, classify(past, at, ws.tz, ws.deadline_rule), True)
        self._past[ws.chat_id] = (key, classes)
        return reports.count(cls for _, cls, existed in classes.values() if existed)


def overview(store: WorkspaceStore, now: dt.datetime, figures: Figures | None = None
             ) -> Overview:
    """The overview page's figures at `now` (`figures`: what earlier requests counted)."""
    figures = figures or Figures()
    ledger = figures.ledger(store, now)
    today = now.astimezone(ZoneInfo(store.workspace.tz)).date()
    total = ledger.tally()
    held = [m for m in store.meetings() if m.day < today]
    last = meeting_rules.latest_meeting(held)
    before = figures.at_meeting(store, last) if last is not None else None
    coming = [m for m in store.meetings() if m.day >= today]
    upcoming = min(coming, key=lambda m: (m.day, m.number), default=None)
    plans = [bar(plan, tally) for plan, tally in ledger.tally_by_plan()]
    return Overview(total, plans, bar("", total), last, before, upcoming)
