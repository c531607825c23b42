"""What each dashboard page shows, as plain values: pure functions of a workspace and the time.

This module has the tasks table (and the classes every page uses); the other pages' values
are beside it: overview.py, task_view.py, agency_view.py, meeting_view.py, indicator_view.py.

The pages count and rank exactly as the chat does (``bot.reports``, ``bot.meetings``,
``bot.permissions``), so a figure on the dashboard is the figure ``/trangthai`` gives.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot import reports
from bot.model import (
    Agency,
    Member,
    Task,
    Timeliness,
)
from bot.names import fold
from bot.reports import Standing
from store.workspace import WorkspaceStore

# The four report classes, in report order; an ongoing task's is shown apart from them.
CLASSES = tuple(c.value for c in Timeliness if c is not Timeliness.CONTINUOUS)
CONTINUOUS = Timeliness.CONTINUOUS.value
CANCELLED = "cancelled"  # a task's class on the dashboard when it has none
# What a task's deadline is: a date, none ("Thường xuyên"), or a rule of occurrences.
KINDS = ("dated", "ongoing", "periodic")
SORTS = ("number", "title", "plan", "agency", "responsible", "deadline", "class", "progress")
SEARCH_MAX = 100  # characters of a search kept; nobody types more into a phone
PAGE_SIZE = 100  # table rows a page: a phone scrolls through 100 rows, not 1,000


# -- the tasks table ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Filters:
    """What the tasks table is narrowed to and ordered by; every field as it came in the URL."""

    plan: str = ""
    agency: str = ""
    cls: str = ""
    who: int | None = None
    q: str = ""
    sort: str = "number"
    desc: bool = False
    meeting: int | None = None
    page: int = 1
    kind: str = ""  # one of KINDS, or "" for every kind

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> Filters:
        """Filters from a request's query; anything unknown is ignored rather than refused."""
        who = query.get("who", "")
        sort = query.get("sort", "number")
        wanted = query.get("cls", "")
        kind = query.get("kind", "")
        return cls(
            plan=query.get("plan", "")[:300],
            agency=query.get("agency", "")[:64],
            cls=wanted if wanted in (*CLASSES, CONTINUOUS, CANCELLED) else "",
            who=int(who) if who.lstrip("-").isdigit() and len(who) < 20 else None,
            q=query.get("q", "").strip()[:SEARCH_MAX],
            sort=sort if sort in SORTS else "number",
            desc=query.get("dir", "") == "desc",
            meeting=_number(query.get("meeting", "")),
            page=_number(query.get("page", "")) or 1,
            kind=kind if kind in KINDS else "",
        )

    def query(self, **changes: object) -> dict[str, str]:
        """These filters with `changes`, as URL query fields (empty ones left out)."""
        values: dict[str, object] = {
            "plan": self.plan, "agency": self.agency, "cls": self.cls,
            "who": "" if self.who is None else self.who, "q": self.q,
            "sort": "" if self.sort == "number" else self.sort,
            "dir": "desc" if self.desc else "",
            "meeting": "" if self.meeting is None else self.meeting,
            "page": "" if self.page == 1 else self.page, "kind": self.kind,
        }
        values.update(changes)
        return {k: str(v) for k, v in values.items() if v not in ("", None)}

    @property
    def narrowed(self) -> bool:
        """Whether any filter or search is on."""
        return bool(self.plan or self.agency or self.cls or self.who is not None or self.q
                    or self.meeting is not None or self.kind)


def kind_of(task: Task) -> str:
    """Which of KINDS a task is: periodic, ongoing (no deadline) or with a deadline."""
    if task.recurrence is not None:
        return "periodic"
    return "ongoing" if task.deadline is None else "dated"


def _number(text: str) -> int | None:
    return int(text) if text.isdigit() and len(text) < 9 else None


@dataclass(frozen=True, slots=True)
class Row:
    """One task as a line of the table."""

    task: Task
    cls: str  # one of CLASSES, or CANCELLED
    days_late: int
    days_left: int
    agency: str  # the lead agency's label
    responsible: str  # the responsible officials' names, joined


@dataclass(frozen=True, slots=True)
class Table:
    """The tasks table: its rows, what it was narrowed to, and the choices for each filter."""

    rows: list[Row]  # the page's
    total: int  # tasks in the workspace, before filtering
    filters: Filters
    matched: int  # rows on all pages
    page: int
    pages: int
    plans: list[str]
    agencies: list[Agency]
    people: list[Member]
    counts: dict[str, int] = field(default_factory=dict)  # rows per class
    kinds: dict[str, int] = field(default_factory=dict)  # rows per kind, before that filter


def _names(store: WorkspaceStore) -> dict[int, str]:
    return {m.user_id: m.name for m in store.members()}


def row_of(standing: Standing, labels: Mapping[str, str], names: Mapping[int, str]) -> Row:
    """A task's line of the table (the agencies and meetings pages list theirs the same way)."""
    task = standing.task
    return Row(
        task=task,
        cls=_cls(standing),
        days_late=standing.days_late,
        days_left=standing.days_left,
        agency=labels.get(task.lead, task.lead),
        responsible=", ".join(names[u] for u in task.responsible if u in names),
    )


CLASS_ORDER = {c: i for i, c in enumerate((*CLASSES, CONTINUOUS, CANCELLED))}


def _sort_key(sort: str, labels: Mapping[str, str], names: Mapping[int, str]
              ) -> Callable[[Standing], Any]:
    """How a column orders the tasks (ties by number); on standings, so that only the rows
    of the page shown are made."""
    if sort == "title":
        return lambda s: (fold(s.task.title), s.task.number)
    if sort == "plan":
        return lambda s: (fold(s.task.plan), s.task.number)
    if sort == "agency":
        return lambda s: (fold(labels.get(s.task.lead, s.task.lead)), s.task.number)
    if sort == "responsible":
        return lambda s: (fold(", ".join(names[u] for u in s.task.responsible if u in names)),
                          s.task.number)
    if sort == "deadline":
        return lambda s: (s.task.deadline or dt.date.max, s.task.deadline_time or dt.time.max,
                          s.task.number)
    if sort == "class":
        return lambda s: (CLASS_ORDER[_cls(s)], -s.days_late, s.task.number)
    if sort == "progress":
        return lambda s: (s.task.progress, s.task.number)
    return lambda s: s.task.number


def _cls(standing: Standing) -> str:
    return standing.timeliness.value if standing.timeliness else CANCELLED


def task_table(store: WorkspaceStore, now: dt.datetime, filters: Filters) -> Table:
    """Every task that passes `filters`, ordered as they ask."""
    tz, rule = store.workspace.tz, store.workspace.deadline_rule
    tasks = store.tasks()
    agencies = store.agencies()
    labels = {a.code: a.label for a in agencies}
    names = _names(store)
    chosen = [
        t for t in tasks
        if (not filters.plan or t.plan == filters.plan)
        and (not filters.agency or t.lead == filters.agency or filters.agency in t.coordinators)
        and (filters.who is None or filters.who in t.responsible)
        and (filters.meeting is None or t.meeting == filters.meeting)
    ]
    if filters.q:
        # The words /find looks for, found the way /find finds them.
        chosen = reports.search(chosen, agencies, filters.q)
    kinds = dict.fromkeys(KINDS, 0)
    for task in chosen:
        kinds[kind_of(task)] += 1
    if filters.kind:
        chosen = [t for t in chosen if kind_of(t) == filters.kind]
    standings = reports.standings(chosen, now, tz, rule)
    counts = dict.fromkeys((*CLASSES, CONTINUOUS, CANCELLED), 0)
    for standing in standings:
        counts[_cls(standing)] += 1
    if filters.cls:
        standings = [s for s in standings if _cls(s) == filters.cls]
    standings.sort(key=_sort_key(filters.sort, labels, names), reverse=filters.desc)
    pages = max((len(standings) + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(filters.page, pages)
    shown = standings[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]
    responsible = {uid for t in tasks for uid in t.responsible}
    people = [m for m in store.members() if m.user_id in responsible]
    return Table(rows=[row_of(s, labels, names) for s in shown], total=len(tasks),
                 filters=filters, matched=len(standings), page=page, pages=pages,
                 plans=reports.plans(tasks), agencies=agencies, people=people, counts=counts,
                 kinds=kinds)
