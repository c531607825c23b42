"""What each dashboard page shows, as plain values: pure functions of a workspace and the time.

The pages count and rank exactly as the chat does (``bot.reports``, ``bot.meetings``,
``bot.permissions``), so a figure on the dashboard is the figure ``/trangthai`` gives.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from bot import meetings as meeting_rules
from bot import reports, taskops
from bot.indicators import Indicator, IndicatorValue
from bot.model import (
    Agency,
    HistoryEntry,
    HistoryKind,
    Meeting,
    Member,
    Task,
    TaskStatus,
    Timeliness,
)
from bot.names import fold
from bot.permissions import Action, may
from bot.ranking import AgencyFigure, Ranking, agency_figures, rank, trend
from bot.ranking import Row as RankRow
from bot.reports import Standing, Tally
from bot.summary import as_of
from bot.timeliness import classify, due_at
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
LIST_MAX = 20  # conclusions listed under a meeting; the rest are in the table
AGENCY_LIST_MAX = 5  # tasks under an agency, the most urgent; all of them are in the table


# -- overview -------------------------------------------------------------------------------


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


def _row(standing: Standing, labels: Mapping[str, str], names: Mapping[int, str]) -> Row:
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
    return Table(rows=[_row(s, labels, names) for s in shown], total=len(tasks),
                 filters=filters, matched=len(standings), page=page, pages=pages,
                 plans=reports.plans(tasks), agencies=agencies, people=people, counts=counts,
                 kinds=kinds)


# -- one task -------------------------------------------------------------------------------


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
    names = _names(store)
    standing = reports.standings([task], now, tz, rule)[0]
    history = list(reversed(task.history))
    return TaskPage(
        task=task,
        row=_row(standing, labels, names),
        late_days=taskops.days_late(task, tz, rule),
        meeting=store.meeting(task.meeting) if task.meeting else None,
        history=history,
        notes=[h for h in history if h.kind is HistoryKind.NOTE],
        names=names,
        agencies=labels,
        actions=actions(task, member),
    )


# -- agencies -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AgencyLine:
    """An agency's place in the ranking (its tally as lead, as /theodonvi) and its tasks."""

    agency: Agency
    tally: Tally
    rank: int
    bar: Bar
    rows: list[Row]  # the tasks it leads, overdue first, as the chat lists them (a few)
    more: int = 0  # tasks it leads beyond those


def agency_ranking(store: WorkspaceStore, now: dt.datetime) -> list[AgencyLine]:
    """Every agency that leads a task, ranked as /theodonvi ranks them (most overdue first)."""
    tz, rule = store.workspace.tz, store.workspace.deadline_rule
    tasks = store.tasks()
    known = {a.code: a for a in store.agencies()}
    labels = {a.code: a.label for a in known.values()}
    names = _names(store)
    led: dict[str, list[Task]] = {}
    for task in tasks:
        led.setdefault(task.lead, []).append(task)
    lines: list[AgencyLine] = []
    for code, tally in reports.tally_by_agency(tasks, now, tz, rule):
        agency = known.get(code) or Agency(code=code, name=code)
        ordered = reports.by_urgency(led[code], now, tz, rule)
        rows = [_row(s, labels, names) for s in ordered[:AGENCY_LIST_MAX]]
        lines.append(AgencyLine(agency, tally, len(lines) + 1, bar(agency.label, tally), rows,
                                max(len(ordered) - AGENCY_LIST_MAX, 0)))
    return lines


# -- meetings -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MeetingView:
    """A meeting with its conclusions and what came of each."""

    meeting: Meeting
    outcomes: list[Row]  # the first LIST_MAX conclusions
    tally: Tally
    bar: Bar
    more: int = 0  # conclusions beyond those


def meeting_views(store: WorkspaceStore, now: dt.datetime) -> list[MeetingView]:
    """Every meeting, latest first, each with its conclusions' classes now."""
    tz, rule = store.workspace.tz, store.workspace.deadline_rule
    tasks = store.tasks()
    labels = {a.code: a.label for a in store.agencies()}
    names = _names(store)
    views: list[MeetingView] = []
    for meeting in sorted(store.meetings(), key=lambda m: (m.day, m.number), reverse=True):
        standings = meeting_rules.outcomes(tasks, meeting.number, now, tz, rule)
        tally = reports.tally((s.task for s in standings), now, tz, rule)
        views.append(MeetingView(
            meeting=meeting,
            outcomes=[_row(s, labels, names) for s in standings[:LIST_MAX]],
            tally=tally,
            bar=bar(meeting.title, tally),
            more=max(len(standings) - LIST_MAX, 0),
        ))
    return views


# -- indicators -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Measure:
    """One figure drawn as a bar: its length and the requirement's place, in percent."""

    width: float
    target_at: float | None


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """One agency's figure for one period, and whether it met the requirement."""

    value: IndicatorValue
    met: bool | None
    measure: Measure


@dataclass(frozen=True, slots=True)
class IndicatorPage:
    """The indicators: the chosen one ranked for its latest period, and one agency's trend."""

    indicators: list[Indicator]
    ranking: Ranking | None
    bars: list[tuple[RankRow, Measure]]
    agencies: list[Agency]  # those with a figure for the chosen indicator, for the trend
    agency: Agency | None
    trend: list[TrendPoint]


def _scale(figures: Sequence[float], target: float | None) -> float:
    """The length a full bar stands for: the largest figure or requirement, never 0."""
    top = max([*figures, *([target] if target is not None else []), 0.0])
    return top or 1.0


def _measure(value: float, target: float | None, scale: float) -> Measure:
    return Measure(round(100.0 * max(value, 0.0) / scale, 3),
                   round(100.0 * target / scale, 3) if target is not None else None)


def indicator_page(store: WorkspaceStore, number: int | None, agency: str) -> IndicatorPage:
    """Indicator `number` (default: the first) ranked as /indicators ranks it, and `agency`'s
    figures for it over the periods, oldest first."""
    indicators = store.indicators.all()
    chosen = next((i for i in indicators if i.number == number), None)
    if chosen is None and indicators:
        chosen = indicators[0]
    if chosen is None:
        return IndicatorPage(indicators, None, [], [], None, [])
    values = store.indicators.values(chosen.number)
    known = store.agencies()
    result = rank(chosen, values, known)
    scale = _scale([r.value for r in result.rows], chosen.target)
    bars = [(row, _measure(row.value, row.target, scale)) for row in result.rows]
    reporting = {code for by in values.values() for code in by}
    agencies = [a for a in known if a.code in reporting]
    picked = next((a for a in agencies if a.code == agency), None)
    points: list[TrendPoint] = []
    if picked is not None:
        history = trend(values, picked.code)
        top = _scale([v.value for v in history], chosen.target_for(picked.code))
        points = [TrendPoint(v, chosen.met(v.value, picked.code),
                             _measure(v.value, chosen.target_for(picked.code), top))
                  for v in history]
    return IndicatorPage(indicators, result, bars, agencies, picked, points)


def agency_indicators(store: WorkspaceStore) -> dict[str, list[AgencyFigure]]:
    """Each agency's indicators against its requirements, shortfalls first (as its card)."""
    indicators = store.indicators.all()
    if not indicators:
        return {}
    index = store.indicators.index()
    known = store.agencies()
    return {a.code: agency_figures(a, indicators, index, known) for a in known}
