"""Status reports: tallies by the four report classes, overdue and due lists, search, paging.

Every function is pure: it takes the tasks and the time and returns plain values, so the
status commands, the meeting summary and the reminders count tasks the same way.

Vocabulary (DOMAIN.md): a task is *completed* on time or late, or *ongoing* ("being
implemented"), which is either *in progress* (not yet due) or *overdue*. Cancelled tasks leave
the count (`Tally.total`) and are counted apart in `Tally.cancelled`.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import math
import re
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import compress
from operator import is_not
from typing import Generic, TypeVar
from zoneinfo import ZoneInfo

from rapidfuzz import fuzz

from bot.model import Agency, DeadlineRule, Member, Task, TaskStatus, Timeliness
from bot.names import fold
from bot.timeliness import ADJUSTED, classify, judged_deadline, passes_at

__all__ = [
    "PREFIX_MIN",
    "Ledger",
    "Page",
    "Standing",
    "Tally",
    "by_urgency",
    "by_urgency_of",
    "cancelled",
    "count",
    "due_within",
    "match_plans",
    "open_first",
    "open_first_of",
    "overdue",
    "paginate",
    "plan_key",
    "plans",
    "search",
    "standings",
    "tally",
    "tally_by_agency",
    "tally_by_plan",
    "tasks_of_agency",
    "tasks_of_member",
    "words_of",
]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Tally:
    """How many tasks fall in each report class; cancelled and ongoing ones are outside
    `total`, each counted apart."""

    done_on_time: int = 0
    done_late: int = 0
    in_progress: int = 0  # not yet due
    overdue: int = 0
    cancelled: int = 0
    continuous: int = 0  # ongoing tasks ("thường xuyên"): no deadline, never in the base

    @property
    def total(self) -> int:
        """Tasks that count: every task but the cancelled ones."""
        return self.done_on_time + self.done_late + self.in_progress + self.overdue

    @property
    def completed(self) -> int:
        """Done, on time or late."""
        return self.done_on_time + self.done_late

    @property
    def ongoing(self) -> int:
        """Being implemented: in progress or overdue ("14 in progress (7 overdue)")."""
        return self.in_progress + self.overdue

    @property
    def completion_rate(self) -> float:
        """Completed as a percentage of the total (0 when there is nothing to count)."""
        return _percent(self.completed, self.total)

    @property
    def on_time_rate(self) -> float:
        """Completed on time as a percentage of the completed ones."""
        return _percent(self.done_on_time, self.completed)

    @property
    def overdue_rate(self) -> float:
        """Overdue as a percentage of the total."""
        return _percent(self.overdue, self.total)

    @property
    def due(self) -> int:
        """Tasks that have fallen due: those completed and those overdue. The government's
        reports state their headline rate over them (Báo cáo 1270/BC-TCTTTg: "16.051 nhiệm vụ
        đến hạn đã hoàn thành, đạt 98,62%", of 16.051 + 223 overdue)."""
        return self.completed + self.overdue

    @property
    def due_completion_rate(self) -> float:
        """Completed as a percentage of the tasks fallen due, cut (not rounded) to two decimals
        as those reports write it: 16.051 of 16.274 is 98,62% (98,6297…)."""
        return self.completed * 10_000 // self.due / 100 if self.due else 0.0

    @property
    def due_overdue_rate(self) -> float:
        """Overdue as a percentage of the tasks fallen due: the rest of 100%, so that the two
        shares of the same tasks add up (223 of 16.274 is 1,38%)."""
        return (10_000 - self.completed * 10_000 // self.due) / 100 if self.due else 0.0

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            self.done_on_time + other.done_on_time,
            self.done_late + other.done_late,
            self.in_progress + other.in_progress,
            self.overdue + other.overdue,
            self.cancelled + other.cancelled,
            self.continuous + other.continuous,
        )


def _percent(part: int, whole: int) -> float:
    return 100.0 * part / whole if whole else 0.0


@dataclass(frozen=True, slots=True)
class Standing:
    """A task with its report class at one moment, which is what a list line shows."""

    task: Task
    timeliness: Timeliness | None  # None: cancelled
    days_late: int  # whole days past the deadline; 0 unless overdue
    days_left: int  # calendar days until the deadline; negative once past; 0 when ongoing

    @property
    def is_open(self) -> bool:
        """Still to be done: in progress or overdue."""
        return self.timeliness in (Timeliness.IN_PROGRESS, Timeliness.OVERDUE)


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list: its items, its 1-based number and where it starts in the list."""

    items: list[T]
    number: int
    pages: int
    total: int
    start: int  # index of items[0] in the whole list, for numbering lines across pages

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


# -- counting -------------------------------------------------------------------------------


def count(classes: Iterable[Timeliness | None]) -> Tally:
    """The tally of tasks whose classes are `classes` (None: cancelled)."""
    return _count(classes)


def _count(classes: Iterable[Timeliness | None]) -> Tally:
    counts = dict.fromkeys(Timeliness, 0)
    cancelled = 0
    for cls in classes:
        if cls is None:
            cancelled += 1
        else:
            counts[cls] += 1
    return Tally(
        counts[Timeliness.DONE_ON_TIME],
        counts[Timeliness.DONE_LATE],
        counts[Timeliness.IN_PROGRESS],
        counts[Timeliness.OVERDUE],
        cancelled,
        counts[Timeliness.CONTINUOUS],
    )


def tally(tasks: Iterable[Task], now: dt.datetime, tz: str, rule: DeadlineRule = ADJUSTED) -> Tally:
    """The report classes of `tasks` at `now`, judged under `rule`."""
    return _count(classify(t, now, tz, rule) for t in tasks)


def tally_by_plan(tasks: Iterable[Task], now: dt.datetime, tz: str, rule: DeadlineRule = ADJUSTED
                  ) -> list[tuple[str, Tally]]:
    """(plan, tally) for every plan, by name; tasks of no plan come last under ""."""
    groups: dict[str, list[Timeliness | None]] = {}
    for task in tasks:
        groups.setdefault(task.plan, []).append(classify(task, now, tz, rule))
    order = sorted(groups, key=_plan_order)
    return [(plan, _count(groups[plan])) for plan in order]


def tally_by_agency(tasks: Iterable[Task], now: dt.datetime, tz: str, rule: DeadlineRule = ADJUSTED
                    ) -> list[tuple[str, Tally]]:
    """(lead agency code, tally), worst first: most overdue, then lowest completion rate.

    Only the lead agency is counted, as the government's reports do; agencies leading no
    task are absent.
    """
    groups: dict[str, list[Timeliness | None]] = {}
    for task in tasks:
        groups.setdefault(task.lead, []).append(classify(task, now, tz, rule))
    rows = [(code, _count(classes)) for code, classes in groups.items()]
    rows.sort(key=_agency_order)
    return rows


# -- lists ----------------------------------------------------------------------------------


def standings(tasks: Iterable[Task], now: dt.datetime, tz: str, rule: DeadlineRule = ADJUSTED
              ) -> list[Standing]:
    """Each task with its class and days late / left at `now`, in the given order."""
    today = now.astimezone(ZoneInfo(tz)).date()
    return [_standing_on(task, classify(task, now, tz, rule), today, rule) for task in tasks]


def _standing_on(task: Task, cls: Timeliness | None, today: dt.date, rule: DeadlineRule
                 ) -> Standing:
    """A task's standing on `today`, its class being known; days late count from the judging
    deadline (what timeliness.overdue_days gives, without a second due_at), days left from
    the current one, which is the date the work is due."""
    late = 0
    if cls is Timeliness.OVERDUE:
        late = max((today - judged_deadline(task, rule)[0]).days, 0)
    left = (task.deadline - today).days if task.deadline is not None else 0
    return Standing(task, cls, late, left)


def _deadline_key(s: Standing) -> tuple[dt.date, dt.time, int]:
    return (s.task.deadline or dt.date.max, s.task.deadline_time or dt.time.max, s.task.number)


def overdue(tasks: Iterable[Task], now: dt.datetime, tz: str, rule: DeadlineRule = ADJUSTED
            ) -> list[Standing]:
    """The overdue tasks, most days late first (then by number)."""
    pending = [t for t in tasks if not t.is_closed]
    late = [s for s in standings(pending, now, tz, rule) if s.timeliness is Timeliness.OVERDUE]
    late.sort(key=lambda s: (-s.days_late, s.task.number))
    return late


def due_within(tasks: Iterable[Task], now: dt.datetime, tz: str, days: int,
               rule: DeadlineRule = ADJUSTED) -> list[Standing]:
    """Open tasks not yet overdue whose deadline is today or within `days` days, soonest first."""
    soon = [
        s
        for s in standings([t for t in tasks if not t.is_closed], now, tz, rule)
        if s.timeliness is Timeliness.IN_PROGRESS and s.days_left <= days
    ]
    soon.sort(key=_deadline_key)
    return soon


def open_first(tasks: Iterable[Task], now: dt.datetime, tz: str, rule: DeadlineRule = ADJUSTED
               ) -> list[Standing]:
    """The open tasks, overdue first (most days late first), then by deadline."""
    return open_first_of(standings([t for t in tasks if not t.is_closed], now, tz, rule))


def open_first_of(rows: Iterable[Standing]) -> list[Standing]:
    """As :func:`open_first`, of standings already made (a ledger's)."""
    found = [s for s in rows if s.is_open]
    found.sort(key=_urgency)
    return found


def _urgency(s: Standing) -> tuple[bool, int, dt.date, dt.time, int]:
    return (s.timeliness is not Timeliness.OVERDUE, -s.days_late, *_deadline_key(s))


def by_urgency(tasks: Iterable[Task], now: dt.datetime, tz: str, rule: DeadlineRule = ADJUSTED
               ) -> list[Standing]:
    """Open tasks as `open_first` orders them, then the ongoing ones still running, then the
    completed ones, latest first.

    Cancelled tasks are left out (they are listed apart).
    """
    kept = [t for t in tasks if t.status is not TaskStatus.CANCELLED]
    return by_urgency_of(standings(kept, now, tz, rule), now)


def by_urgency_of(rows: Iterable[Standing], now: dt.datetime) -> list[Standing]:
    """As :func:`by_urgency`, of standings already made (a ledger's)."""
    kept = [s for s in rows if s.task.status is not TaskStatus.CANCELLED]
    pending = open_first_of(kept)
    running = [s for s in kept if s.timeliness is Timeliness.CONTINUOUS and not s.task.is_closed]
    done = [s for s in kept if not s.is_open
            and not (s.timeliness is Timeliness.CONTINUOUS and not s.task.is_closed)]
    done.sort(key=lambda s: (s.task.completed_at or now, s.task.number), reverse=True)
    return pending + running + done


def cancelled(tasks: Iterable[Task]) -> list[Task]:
    """The cancelled (or merged) tasks, which leave the count and are listed apart."""
    return [t for t in tasks if t.status is TaskStatus.CANCELLED]


def tasks_of_agency(tasks: Iterable[Task], code: str, *, coordinating: bool = False) -> list[Task]:
    """Tasks led by agency `code` (and, with `coordinating`, those it coordinates)."""
    return [t for t in tasks if t.lead == code or (coordinating and code in t.coordinators)]


def tasks_of_member(tasks: Iterable[Task], member: Member) -> list[Task]:
    """A member's tasks: those naming him as responsible and those his agency leads."""
    agency = member.agency
    return [t for t in tasks if member.user_id in t.responsible or (agency and t.lead == agency)]


# -- kept current ---------------------------------------------------------------------------

_SLOT = {
    Timeliness.DONE_ON_TIME: 0,
    Timeliness.DONE_LATE: 1,
    Timeliness.IN_PROGRESS: 2,
    Timeliness.OVERDUE: 3,
    None: 4,
    Timeliness.CONTINUOUS: 5,
}
_CLASS = tuple(_SLOT)  # slot -> report class
_OVERDUE, _CANCELLED = _SLOT[Timeliness.OVERDUE], _SLOT[None]
_IN_PROGRESS = _SLOT[Timeliness.IN_PROGRESS]
_NUMBER_BITS = 32  # task numbers stay far below 2**32


def _late_key(task: Task, rule: DeadlineRule) -> int:
    """An overdue task's place in the overdue list (most days late first, then by number).

    An overdue task is (today - deadline) days late, so the earliest deadline comes first. One
    integer, because in an array it takes 8 bytes where a (days, number) tuple takes about 100.
    """
    return judged_deadline(task, rule)[0].toordinal() << _NUMBER_BITS | task.number


def _agency_order(row: tuple[str, Tally]) -> tuple[int, float, int, str]:
    return (-row[1].overdue, row[1].completion_rate, -row[1].total, row[0])


def _plan_order(plan: str) -> tuple[bool, str, str]:
    return (plan == "", fold(plan), plan)


class Ledger:
    """The standings and tallies of one workspace's tasks, kept current change by change.

    Counting 1,000 tasks after every write is what would make status answers slow. The store
    replaces a task's object whenever the task changes, so :meth:`sync` compares object
    identities and classifies again only the tasks that changed. The figures stay exact while
    time passes, until the next deadline passes or the day ends; then :meth:`sync` counts
    everything again. Give :meth:`sync` the tasks in a stable order (the store's: by number).

    Memory: a bot keeps one ledger per workspace, 100,000 tasks in all. Each task costs one
    byte (its report class) here; only overdue tasks, which the overdue list shows, keep a
    :class:`Standing`; the others' are made when asked for.
    """

    def __init__(self, tz: str, rule: DeadlineRule = ADJUSTED) -> None:
        self.tz = tz
        self.rule = rule
        self.version = 0  # grows whenever a figure may have changed: a key for caches
        self._tasks: list[Task] = []
        self._slots = bytearray()  # each task's _SLOT, in the order of _tasks
        self._today = dt.date.min  # the local day the figures hold for (days late and left)
        self._from: dt.datetime | None = None
        self._until: dt.datetime | None = None
        self._reset()

    def _reset(self) -> None:
        self._tasks, self._slots = [], bytearray()
        self._total = [0] * len(_SLOT)
        self._plans: dict[str, list[int]] = {}
        self._leads: dict[str, list[int]] = {}
        self._late_keys = array("q")  # _late_key() of every overdue task, sorted
        self._late: dict[int, Standing] = {}
        self._cancelled: dict[int, Task] = {}

    # -- keeping current --

    def sync(self, tasks: Sequence[Task], now: dt.datetime) -> None:
        """Bring the figures to `tasks` at `now`, re-classifying only what needs it."""
        start, until = self._from, self._until
        if (
            start is None
            or until is None
            or not start <= now < until
            or len(tasks) < len(self._tasks)
        ):
            self._rebuild(tasks, now)
            return
        old = self._tasks
        changed = list(compress(range(len(old)), map(is_not, tasks, old)))
        if not changed and len(tasks) == len(old):
            return
        self._from = now  # the new standings hold from now on, not from the last rebuild
        for index in changed:
            self._drop(self._tasks[index], self._slots[index])
            self._tasks[index] = tasks[index]
            self._slots[index] = self._add(tasks[index], now)
        for task in tasks[len(old) :]:
            self._tasks.append(task)
            self._slots.append(self._add(task, now))
        self.version += 1

    def _rebuild(self, tasks: Sequence[Task], now: dt.datetime) -> None:
        self._reset()
        local = now.astimezone(ZoneInfo(self.tz))
        # Days late and days left change at midnight, so no count holds past it.
        self._until = dt.datetime.combine(
            local.date() + dt.timedelta(days=1), dt.time(0), local.tzinfo
        )
        self._from = now
        self._today = local.date()
        self._tasks = list(tasks)
        self._slots = bytearray(self._add(task, now) for task in tasks)
        self.version += 1

    def _standing(self, task: Task, slot: int) -> Standing:
        """The task's standing at any moment the figures hold for (as :func:`standings`)."""
        return _standing_on(task, _CLASS[slot], self._today, self.rule)

    def _add(self, task: Task, now: dt.datetime) -> int:
        slot = _SLOT[classify(task, now, self.tz, self.rule)]
        self._total[slot] += 1
        self._plans.setdefault(task.plan, [0] * len(_SLOT))[slot] += 1
        self._leads.setdefault(task.lead, [0] * len(_SLOT))[slot] += 1
        if slot == _OVERDUE:
            bisect.insort(self._late_keys, _late_key(task, self.rule))
            self._late[task.number] = self._standing(task, slot)
        elif slot == _CANCELLED:
            self._cancelled[task.number] = task
        change = self._changes_at(task, now)
        if change is not None and self._until is not None and change < self._until:
            self._until = change
        return slot

    def _drop(self, task: Task, slot: int) -> None:
        self._total[slot] -= 1
        self._plans[task.plan][slot] -= 1
        self._leads[task.lead][slot] -= 1
        if slot == _OVERDUE:
            del self._late_keys[bisect.bisect_left(self._late_keys, _late_key(task, self.rule))]
            del self._late[task.number]
        elif slot == _CANCELLED:
            del self._cancelled[task.number]

    def _changes_at(self, task: Task, now: dt.datetime) -> dt.datetime | None:
        """When the task's class will change with no edit: when its deadline passes."""
        if task.status is TaskStatus.CANCELLED or task.deadline is None:
            return None
        # classify() judges a completion without a time as done "now".
        if task.status is TaskStatus.DONE and task.completed_at is not None:
            return None
        passes = passes_at(task, self.tz, self.rule)
        return passes if now < passes else None

    # -- reading --

    @property
    def tasks(self) -> list[Task]:
        """The tasks last synced, in the order given."""
        return list(self._tasks)

    def standings(self) -> list[Standing]:
        """Every task's standing, in the order given."""
        rows = zip(self._tasks, self._slots, strict=True)
        return [self._standing(task, slot) for task, slot in rows]

    def tally(self) -> Tally:
        """As :func:`tally`."""
        return Tally(*self._total)

    def tally_by_plan(self) -> list[tuple[str, Tally]]:
        """As :func:`tally_by_plan`."""
        rows = [(p, Tally(*c)) for p, c in self._plans.items() if any(c)]
        rows.sort(key=lambda r: _plan_order(r[0]))
        return rows

    def tally_by_agency(self) -> list[tuple[str, Tally]]:
        """As :func:`tally_by_agency`."""
        rows = [(code, Tally(*c)) for code, c in self._leads.items() if any(c)]
        rows.sort(key=_agency_order)
        return rows

    def overdue(self) -> list[Standing]:
        """As :func:`overdue`."""
        mask = (1 << _NUMBER_BITS) - 1
        return [self._late[key & mask] for key in self._late_keys]

    def standings_of(self, keep: Callable[[Task], bool]) -> list[Standing]:
        """The standings of the tasks `keep` accepts, in the order given, from the classes
        held: a plan's, an agency's or a search's tasks are not classified again."""
        today, rule = self._today, self.rule
        return [_standing_on(task, _CLASS[slot], today, rule)
                for task, slot in zip(self._tasks, self._slots, strict=True) if keep(task)]

    def due_within(self, days: int) -> list[Standing]:
        """As :func:`due_within`, at any moment the figures hold for."""
        today, rule = self._today, self.rule
        in_progress = compress(self._tasks, map(_IN_PROGRESS.__eq__, self._slots))
        soon = [
            _standing_on(task, Timeliness.IN_PROGRESS, today, rule)
            for task in in_progress
            if task.deadline is not None and (task.deadline - today).days <= days
        ]
        soon.sort(key=_deadline_key)
        return soon

    def cancelled(self) -> list[Task]:
        """As :func:`cancelled`, by number."""
        return [self._cancelled[n] for n in sorted(self._cancelled)]


# -- finding --------------------------------------------------------------------------------


_WORD = re.compile(r"[a-z0-9]+")
# Vietnamese words are syllables ("so" in "soat", "hoa" in "hoach"): short query words must be
# whole words or "so hoa" would find "rà soát ... kế hoạch". Longer ones may be a word's start.
PREFIX_MIN = 4


def words_of(text: str, *, cached: bool = True) -> list[str]:
    """The words search compares: folded, letters and digits (`cached`: through fold's cache,
    for text that comes back)."""
    return _WORD.findall(fold(text) if cached else fold.__wrapped__(text))


def search(tasks: Iterable[Task], agencies: Iterable[Agency], words: str) -> list[Task]:
    """Tasks whose title, output, source, plan or agencies' names contain every word.

    Case and diacritics are ignored ("nghe an" finds "Nghệ An"); a word matches a whole
    word, or the start of one when it has four letters or more. Cancelled tasks are included.
    No words: no tasks. (A status view keeps a :class:`bot.search.SearchIndex` instead.)
    """
    from bot.search import SearchIndex  # it builds on this module

    index = SearchIndex()
    index.sync(list(tasks))
    return index.search(agencies, words)


def plans(tasks: Iterable[Task]) -> list[str]:
    """The distinct non-empty plan names, by name."""
    return sorted({t.plan for t in tasks if t.plan}, key=lambda p: (fold(p), p))


def plan_key(plan: str) -> str:
    """A short stable key for a plan name (8 hex digits), for callback data."""
    return hashlib.blake2s(plan.encode(), digest_size=4).hexdigest()


def match_plans(query: str, names: Iterable[str]) -> list[str]:
    """The plans `query` may mean: none, one, or several (ask which, never guess).

    The same name ignoring case and diacritics wins; then names containing every word of the
    query; then near spellings.
    """
    wanted = fold(query)
    if not wanted:
        return []
    pool = list(dict.fromkeys(names))
    exact = [p for p in pool if fold(p) == wanted]
    if exact:
        return exact
    words = wanted.split()
    containing = [p for p in pool if all(w in fold(p) for w in words)]
    if containing:
        return containing
    scored = [(fuzz.partial_ratio(wanted, fold(p)), p) for p in pool]
    scored = [(s, p) for s, p in scored if s >= 85]
    if not scored:
        return []
    best = max(s for s, _ in scored)
    return [p for s, p in scored if s >= best - 3]


# -- paging ---------------------------------------------------------------------------------


def paginate(items: Sequence[T], page: int, per_page: int) -> Page[T]:
    """Page `page` (1-based) of `items`; a page past either end gives the nearest real one.

    An empty list has one empty page, so "page 1/1" is always true.
    """
    if per_page < 1:
        raise ValueError("per_page must be positive")
    pages = max(1, math.ceil(len(items) / per_page))
    number = min(max(page, 1), pages)
    start = (number - 1) * per_page
    return Page(list(items[start : start + per_page]), number, pages, len(items), start)
