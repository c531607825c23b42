"""The status answers without Telegram: what each screen shows, and the caches keeping it cheap.

Every answer is one "screen" named by a kind, a page and a short argument
(`Board.screen(..., kind, number, arg)`); its Prev/Next buttons carry the same triple as
callback data `st:<kind>:<page>:<arg>`, so a button press redraws the screen from the current
data.

Speed: each workspace has a :class:`View` holding a `reports.Ledger` (figures updated task by
task after a write, not recounted), a `search.SearchIndex`, and the rendered lines of the
tasks it showed; the rendered pieces shared by every workspace (tally lines, "as of" times,
whole lists) are kept in :class:`Pieces`. So after one task changes, only what changed is
classified and rendered again. Memory: every cache is an LRU of a fixed size, and a line
rendered for a task is dropped when the store replaces the task, so that no cache keeps a
replaced task alive.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, overload

from markupsafe import Markup

from bot import reports
from bot.indicators import Indicator, ValueIndex
from bot.lru import LRU
from bot.model import Agency, DeadlineRule, Member, Task
from bot.names import fold
from bot.ranking import agency_figures
from bot.render import Renderer
from bot.search import SearchIndex

PER_PAGE = 10  # task entries (two lines each) per page: short enough to read on a phone
AGENCIES_PER_PAGE = 20  # one short line each
PLANS_PER_PAGE = 10  # plan names are long: one to two lines each
DUE_DEFAULT = 7
DUE_MAX = 90
CANCELLED_INLINE = 10  # more cancelled tasks than this get their own screen behind a button
PREFIX = "st"
# Bounds of the caches. A line is about 500 bytes: 100 workspaces' lines stay under 20 MB.
LINES_KEPT = 300  # per workspace: the lines of 30 pages
SCREENS_KEPT = 32  # per workspace, for the current minute and data
TEXTS_KEPT = 256  # whole lists, shared
PIECES_KEPT = 2_000  # tally lines and "as of" times, shared
SEARCHES_KEPT = 512
_DUE_ARG = re.compile(r"^(\d{1,6})\s*(ngay|days?|d)?$")

Rows = list[list[tuple[str, str]]]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Screen:
    """A rendered answer and the navigation buttons under it (label, callback data)."""

    text: str
    rows: Rows


@dataclass(frozen=True, slots=True)
class Reader:
    """Who reads a screen: his language, the workspace's time zone and rule, the time, and the
    values every template is rendered with."""

    lang: str
    tz: str
    rule: DeadlineRule
    now: dt.datetime
    values: Mapping[str, Any]


class Indicators(Protocol):
    """What a view reads of a workspace's indicators."""

    def all(self) -> list[Indicator]: ...

    def index(self) -> dict[int, ValueIndex]: ...


class Source(Protocol):
    """What a view reads of a workspace (a `store.workspace.WorkspaceStore`)."""

    revision: int

    @property
    def indicators(self) -> Indicators: ...

    def tasks(self) -> list[Task]: ...

    def task(self, number: int) -> Task | None: ...

    def agency(self, code: str) -> Agency | None: ...

    def agencies(self) -> list[Agency]: ...

    def member(self, user_id: int) -> Member | None: ...


def parse_days(text: str) -> int | None:
    """The N of `/due N` ("14", "14 ngày", "14 days"): 1 to DUE_MAX, else None."""
    found = _DUE_ARG.match(fold(text))
    if found is None:
        return None
    days = int(found.group(1))
    return days if 1 <= days <= DUE_MAX else None


class Pieces:
    """Rendered pieces of status messages shared by every workspace, kept while what they show
    is the same: tally lines by the tally (a frozen value), "as of" times, whole lists."""

    def __init__(self, renderer: Renderer) -> None:
        self.renderer = renderer
        self._macros: dict[tuple[str, str], Any] = {}  # two languages, a few time zones
        self._tallies: LRU[tuple[str, reports.Tally], Markup] = LRU(PIECES_KEPT)
        self._moments: LRU[tuple[str, str, dt.datetime], str] = LRU(PIECES_KEPT)
        self._nav: LRU[tuple[str, int], list[str]] = LRU(PIECES_KEPT)
        self.texts: LRU[tuple[Any, ...], str] = LRU(TEXTS_KEPT)

    def macros(self, reader: Reader) -> Any:
        """templates/<lang>/status_macros.html as a module, which the status messages use."""
        module = self._macros.get((reader.lang, reader.tz))
        if module is None:
            template = self.renderer.env.get_template(f"{reader.lang}/status_macros.html")
            values = {"lang": reader.lang, "tz": reader.tz, "inline_max": CANCELLED_INLINE}
            module = self._macros[(reader.lang, reader.tz)] = template.make_module(values)
        return module

    def tally(self, reader: Reader, tally: reports.Tally) -> Markup:
        return self._tallies.setdefault(
            (reader.lang, tally), lambda: Markup(self.macros(reader).tally_line(tally)).strip())

    def moment(self, reader: Reader, at: dt.datetime) -> str:
        """The "as of" time of a message, as the language writes it."""
        return self._moments.setdefault(
            (reader.lang, reader.tz, at), lambda: str(self.macros(reader).moment(at)))

    def nav(self, reader: Reader, cancelled: int = 0) -> list[str]:
        """The button labels: previous page, next page, cancelled tasks."""
        return self._nav.setdefault((reader.lang, cancelled), lambda: self.renderer.render(
            "status_nav", reader.lang, **reader.values, cancelled=cancelled).splitlines())


class View:
    """One workspace's figures at the latest request, and the screens rendered from them."""

    def __init__(self, store: Source, tz: str, rule: DeadlineRule) -> None:
        self.store = store
        self.tz = tz
        self.rule = rule
        self.ledger = reports.Ledger(tz, rule)
        self.now = dt.datetime.min.replace(tzinfo=dt.UTC)  # the minute shown as "as of"
        self.exact = self.now
        self._key: tuple[int, dt.datetime] | None = None
        self._version = -1
        self._revision = -1
        self._derived: dict[str, Any] = {}
        self._labels: dict[str, str] = {}
        self._index: SearchIndex | None = None  # made by the first search
        # A task's lines by its number: the task they show, what they depend on, the text.
        self.lines: LRU[int, tuple[Task, tuple[Any, ...], Markup]] = LRU(LINES_KEPT)
        self.screens: LRU[tuple[str, str, int, str], Screen] = LRU(SCREENS_KEPT)

    def refresh(self, now: dt.datetime) -> None:
        """Bring the figures to the store's data at `now`; cheap when little changed."""
        minute = now.replace(second=0, microsecond=0)
        key = (self.store.revision, minute)
        if key == self._key:
            return
        self.ledger.sync(self.store.tasks(), now)
        if self.ledger.version != self._version:
            self._version = self.ledger.version
            self._derived.clear()
        if self.store.revision != self._revision:
            self._revision = self.store.revision
            self._labels.clear()
            self._forget_replaced()
        self._key, self.now, self.exact = key, minute, now
        self.screens.clear()

    def _forget_replaced(self) -> None:
        """Drop the lines of tasks the store replaced, and with them the old task objects."""
        task = self.store.task
        for number in [n for n, (shown, _, _) in self.lines.items() if task(n) is not shown]:
            self.lines.pop(number)

    def _get(self, name: str, compute: Callable[[], T]) -> T:
        """`compute()`, once per change of the figures."""
        if name not in self._derived:
            self._derived[name] = compute()
        return self._derived[name]  # type: ignore[no-any-return]

    @property
    def tasks(self) -> list[Task]:
        return self._get("tasks", lambda: self.ledger.tasks)

    @property
    def tally(self) -> reports.Tally:
        return self.ledger.tally()

    @property
    def cancelled(self) -> list[Task]:
        return self._get("cancelled", self.ledger.cancelled)

    @property
    def by_plan(self) -> list[tuple[str, reports.Tally]]:
        return self._get("by_plan", self.ledger.tally_by_plan)

    @property
    def by_agency(self) -> list[tuple[str, reports.Tally]]:
        return self._get("by_agency", self.ledger.tally_by_agency)

    @property
    def overdue(self) -> list[reports.Standing]:
        return self._get("overdue", self.ledger.overdue)

    @property
    def plans(self) -> list[str]:
        return self._get("plans", lambda: reports.plans(self.tasks))

    def plan_of_key(self, key: str) -> str | None:
        return next((p for p in self.plans if reports.plan_key(p) == key), None)

    def standings_of(self, tasks: list[Task]) -> list[reports.Standing]:
        """The standings of some of the workspace's tasks (in the store's order), from the
        classes the ledger holds."""
        if len(tasks) == len(self.tasks):
            return self.ledger.standings()
        chosen = set(map(id, tasks))
        return self.ledger.standings_of(lambda task: id(task) in chosen)

    def search(self, words: str) -> list[Task]:
        """As `reports.search` over the workspace's tasks."""
        if self._index is None:
            self._index = SearchIndex()
        self._index.sync(self.tasks)
        return self._index.search(self.store.agencies(), words)

    def label(self, code: str) -> str:
        """The name to show for an agency code (the code itself if the agency is unknown)."""
        label = self._labels.get(code)
        if label is None:
            agency = self.store.agency(code)
            label = self._labels[code] = agency.label if agency else code
        return label


class Board:
    """The status answers of every workspace: their views, the shared pieces, the searches."""

    def __init__(self, renderer: Renderer) -> None:
        self.pieces = Pieces(renderer)
        self._views: dict[int, View] = {}  # by workspace chat id: one each
        self._searches: LRU[str, str] = LRU(SEARCHES_KEPT)

    def view(self, chat_id: int, store: Source, reader: Reader) -> View:
        """The workspace's view, brought up to date."""
        view = self._views.get(chat_id)
        if view is None or view.store is not store or (view.tz, view.rule) != (
                reader.tz, reader.rule):
            view = self._views[chat_id] = View(store, reader.tz, reader.rule)
        view.refresh(reader.now)
        return view

    def screen(self, chat_id: int, store: Source, reader: Reader, kind: str, number: int,
               arg: str) -> Screen | None:
        """Screen `kind`, page `number`, for `arg`; None when what it shows is gone (or `kind`
        is unknown). From the cache when nothing changed."""
        if kind not in _SCREENS:
            return None
        view = self.view(chat_id, store, reader)
        key = (kind, reader.lang, number, arg)
        cached = view.screens.get(key)
        if cached is not None:
            return cached
        request = _Request(reader, view, self.pieces)
        if kind == "find":
            screen = _find(request, number, arg, self._searches.get(arg))
        else:
            screen = _SCREENS[kind](request, number, arg)
        if screen is not None:
            view.screens.put(key, screen)
        return screen

    def remember_search(self, words: str) -> str:
        """A short token standing for `words` in callback data (free text does not fit there)."""
        token = hashlib.blake2s(words.encode(), digest_size=5).hexdigest()
        self._searches.put(token, words)
        return token

    def forget_searches(self) -> None:
        """As after a restart: the tokens of earlier searches are unknown."""
        self._searches.clear()


# -- screens --------------------------------------------------------------------------------


@dataclass(slots=True)
class _Request:
    """What a screen function needs: who asks, the figures, the rendered pieces."""

    reader: Reader
    view: View
    pieces: Pieces

    def render(self, template: str, **values: Any) -> str:
        """A status message, with its "as of" time and the shared macros `m`."""
        reader = self.reader
        as_of = self.pieces.moment(reader, self.view.now)
        return self.pieces.renderer.render(template, reader.lang, **reader.values, as_of=as_of,
                                           m=self.pieces.macros(reader), **values)

    def lines(self, rows: list[reports.Standing]) -> list[Markup]:
        return [self.line(s) for s in rows]

    def line(self, standing: reports.Standing) -> Markup:
        """A task's two lines; kept with the task object, which the store replaces on change."""
        task, reader = standing.task, self.reader
        label = self.view.label(task.lead)
        shape = (reader.lang, reader.tz, standing.timeliness, standing.days_late,
                 standing.days_left, label)
        kept = self.view.lines.get(task.number)
        if kept is not None and kept[0] is task and kept[1] == shape:
            return kept[2]
        text = Markup(self.pieces.macros(reader).task_line(standing, label)).strip()
        self.view.lines.put(task.number, (task, shape, text))
        return text

    def nav(self, kind: str, page: reports.Page[Any], arg: str) -> Rows:
        if page.pages <= 1:
            return []
        prev_label, next_label = self.pieces.nav(self.reader)[:2]
        row = []
        if page.has_prev:
            row.append((prev_label, f"{PREFIX}:{kind}:{page.number - 1}:{arg}"))
        if page.has_next:
            row.append((next_label, f"{PREFIX}:{kind}:{page.number + 1}:{arg}"))
        return [row]

    def cancelled_button(self, cancelled: list[Task], subset: str) -> Rows:
        """A button to the cancelled tasks when there are too many to name inline."""
        if len(cancelled) <= CANCELLED_INLINE:
            return []
        label = self.pieces.nav(self.reader, len(cancelled))[2]
        return [[(label, f"{PREFIX}:cx:1:{subset}")]]

    def task_screen(self, template: str, kind: str, arg: str, number: int,
                    rows: Sequence[reports.Standing], signature: tuple[Any, ...] | None = None,
                    **values: Any) -> Screen:
        """A paged list of tasks; with `cancelled` in `values`, a button to them when many.

        With a `signature` (hashable, standing for every value but the page), the text is
        reused for as long as the page shows the same lines: a write elsewhere in the
        workspace does not cost rendering the list again.
        """
        page = reports.paginate(rows, number, PER_PAGE)
        lines = self.lines(page.items)
        key = None
        if signature is not None:
            shape = (page.number, page.pages, page.total)
            moment = (self.reader.lang, self.reader.tz, self.view.now)
            key = (template, moment, signature, shape, tuple(lines))
        text = self.pieces.texts.get(key) if key is not None else None
        if text is None:
            text = self.render(template, page=page, lines=lines, **values)
            if key is not None:
                self.pieces.texts.put(key, text)
        extra = (self.cancelled_button(values["cancelled"], f"{kind}:{arg}")
                 if "cancelled" in values else [])
        return Screen(text, self.nav(kind, page, arg) + extra)


def _overall(r: _Request, number: int, _arg: str) -> Screen | None:
    view = r.view
    page = reports.paginate(view.by_plan, number, PLANS_PER_PAGE)
    plans = reports.Page([(p, t, r.pieces.tally(r.reader, t)) for p, t in page.items],
                         page.number, page.pages, page.total, page.start)
    text = r.render("status_overall", tally=view.tally,
                    total_line=r.pieces.tally(r.reader, view.tally), cancelled=view.cancelled,
                    plans=plans)
    return Screen(text, r.nav("all", page, "") + r.cancelled_button(view.cancelled, "all:"))


def _subset(view: View, ref: str) -> tuple[list[Task], str] | None:
    """The tasks a screen is about, and its title: `all:`, `plan:<key>`, `one:<code>`, `my:<id>`.

    None when the plan, agency or member is gone since the button was made.
    """
    kind, _, arg = ref.partition(":")
    if kind == "all":
        return view.tasks, ""
    if kind == "plan":
        plan = view.plan_of_key(arg)
        return ([t for t in view.tasks if t.plan == plan], plan) if plan else None
    if kind == "one":
        agency = view.store.agency(arg)
        return (reports.tasks_of_agency(view.tasks, arg), agency.label) if agency else None
    if kind == "my":
        person = view.store.member(int(arg)) if arg.isdigit() else None
        return (reports.tasks_of_member(view.tasks, person), person.name) if person else None
    return None


class _PageStandings(Sequence[reports.Standing]):
    """Tasks as the list of their standings, each made when its page is shown: a search finds
    hundreds of tasks, and shows ten."""

    def __init__(self, view: View, tasks: list[Task]) -> None:
        self.view = view
        self.tasks = tasks

    def __len__(self) -> int:
        return len(self.tasks)

    @overload
    def __getitem__(self, index: int) -> reports.Standing: ...

    @overload
    def __getitem__(self, index: slice) -> list[reports.Standing]: ...

    def __getitem__(self, index: int | slice) -> reports.Standing | list[reports.Standing]:
        view = self.view
        if isinstance(index, slice):
            return reports.standings(self.tasks[index], view.exact, view.tz, view.rule)
        return reports.standings([self.tasks[index]], view.exact, view.tz, view.rule)[0]


def _tally_screen(r: _Request, template: str, kind: str, arg: str, number: int,
                  **values: Any) -> Screen | None:
    """A plan's, an agency's or a member's tally, and their tasks, open ones first."""
    found = _subset(r.view, f"{kind}:{arg}")
    if found is None:
        return None
    tasks = found[0]
    rows = r.view.standings_of(tasks)
    # A member wants to see what he finished too; for a plan or agency, what is left to do.
    order = (reports.by_urgency_of(rows, r.view.exact) if kind == "my"
             else reports.open_first_of(rows))
    tally = reports.count(s.timeliness for s in rows)
    return r.task_screen(template, kind, arg, number, order, tally=tally,
                         total_line=r.pieces.tally(r.reader, tally),
                         cancelled=reports.cancelled(tasks), **values)


def _plan(r: _Request, number: int, key: str) -> Screen | None:
    return _tally_screen(r, "status_plan", "plan", key, number, plan=r.view.plan_of_key(key))


def _agencies(r: _Request, number: int, _arg: str) -> Screen | None:
    page = reports.paginate(r.view.by_agency, number, AGENCIES_PER_PAGE)
    labels = {code: r.view.label(code) for code, _ in page.items}
    return Screen(r.render("status_agencies", page=page, labels=labels), r.nav("ag", page, ""))


def _agency(r: _Request, number: int, code: str) -> Screen | None:
    store = r.view.store
    agency = store.agency(code)
    # The card ends with the agency's indicators: where it falls short, what it owes.
    figures = agency_figures(agency, store.indicators.all(), store.indicators.index(),
                             store.agencies()) if agency is not None else []
    return _tally_screen(r, "status_agency", "one", code, number, agency=agency,
                         figures=figures)


def _mine(r: _Request, number: int, arg: str) -> Screen | None:
    store = r.view.store
    person = store.member(int(arg)) if arg.isdigit() else None
    agency = store.agency(person.agency) if person and person.agency else None
    return _tally_screen(r, "status_mine", "my", arg, number, person=person, agency=agency)


def _cancelled(r: _Request, number: int, ref: str) -> Screen | None:
    found = _subset(r.view, ref)
    if found is None:
        return None
    tasks, title = found
    rows = reports.standings(reports.cancelled(tasks), r.view.exact, r.view.tz, r.view.rule)
    return r.task_screen("status_cancelled", "cx", ref, number, rows, title=title)


def _overdue(r: _Request, number: int, code: str) -> Screen | None:
    agency = r.view.store.agency(code) if code else None
    if code and agency is None:
        return None
    rows = [s for s in r.view.overdue if s.task.lead == code] if code else r.view.overdue
    signature = (agency.label if agency else None,)
    return r.task_screen("status_overdue", "od", code, number, rows, signature, agency=agency)


def _due(r: _Request, number: int, arg: str) -> Screen | None:
    days = int(arg) if arg.isdigit() else DUE_DEFAULT
    days = min(max(days, 1), DUE_MAX)
    rows = r.view.ledger.due_within(days)
    until = r.view.now.date() + dt.timedelta(days=days)
    return r.task_screen("status_due", "due", str(days), number, rows, days=days, until=until)


def _find(r: _Request, number: int, token: str, words: str | None = None) -> Screen | None:
    if words is None:
        return None
    rows = _PageStandings(r.view, r.view.search(words))
    return r.task_screen("status_find", "find", token, number, rows, words=words)


_SCREENS: dict[str, Callable[[_Request, int, str], Screen | None]] = {
    "all": _overall,
    "plan": _plan,
    "ag": _agencies,
    "one": _agency,
    "od": _overdue,
    "due": _due,
    "my": _mine,
    "find": _find,
    "cx": _cancelled,
}

