"""Status queries: overall and per plan, per agency, overdue, due soon, my tasks and search.

Every answer is one "screen" named by a kind, a page and a short argument; its Prev/Next
buttons carry the same triple as callback data `st:<kind>:<page>:<arg>`, so a button press
redraws the screen from the current data and edits the message in place.

Speed: each workspace keeps a `reports.Ledger` (figures updated task by task after a write, not
recounted), and the rendered pieces of messages (a tally line, a task's two lines) are kept and
reused, so after one task changes only what changed is classified and rendered again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from markupsafe import Markup
from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import reports
from bot.model import DeadlineRule, Task
from bot.names import fold, match_agencies
from bot.permissions import Action
from bot.ranking import agency_figures
from bot.render import TELEGRAM_LIMIT, Renderer
from handlers.common import Ctx, Scope, buttons, command_args, render, reply, require, resolve, send
from handlers.services import services
from store.workspace import WorkspaceStore

PER_PAGE = 10  # task entries (two lines each) per page: short enough to read on a phone
AGENCIES_PER_PAGE = 20  # one short line each
PLANS_PER_PAGE = 10  # plan names are long: one to two lines each
DUE_DEFAULT = 7
DUE_MAX = 90
PICK_MAX = 10  # buttons offered when a name is ambiguous
CANCELLED_INLINE = 10  # more cancelled tasks than this get their own screen behind a button
PREFIX = "st"
_VIEWS = "status.views"  # bot_data key: workspace chat id -> _View
_PIECES = "status.pieces"  # bot_data key: the rendered pieces kept for reuse
_SEARCHES = "status.searches"  # bot_data key: token -> the words searched
_SEARCHES_KEPT = 512
_SCREENS_KEPT = 256
_PIECES_KEPT = 50_000
_DUE_ARG = re.compile(r"^(\d{1,6})\s*(ngay|days?|d)?$")

Rows = list[list[tuple[str, str]]]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Screen:
    """A rendered answer and the navigation buttons under it."""

    text: str
    rows: Rows

    @property
    def markup(self) -> InlineKeyboardMarkup | None:
        return buttons(self.rows) if self.rows else None


class _Pieces:
    """Rendered pieces of status messages, by language, kept while what they show is the same.

    A tally line is keyed by the tally (a frozen value); a task's lines by the task object
    (replaced by the store on every change), its standing and its agency's label.
    """

    def __init__(self, renderer: Renderer) -> None:
        self.renderer = renderer
        self._macros: dict[tuple[str, str], Any] = {}
        self._tallies: dict[tuple[str, reports.Tally], Markup] = {}
        self._lines: dict[tuple[Any, ...], tuple[Task, Markup]] = {}
        self._nav: dict[tuple[str, int], list[str]] = {}
        self.texts: dict[tuple[Any, ...], str] = {}  # whole lists, by what they show
        self._moments: dict[tuple[str, str, dt.datetime], str] = {}

    def _module(self, lang: str, tz: str) -> Any:
        module = self._macros.get((lang, tz))
        if module is None:
            template = self.renderer.env.get_template(f"{lang}/status_macros.html")
            values = {"lang": lang, "tz": tz, "inline_max": CANCELLED_INLINE}
            module = self._macros[(lang, tz)] = template.make_module(values)
        return module

    def tally(self, scope: Scope, tally: reports.Tally) -> Markup:
        key = (scope.lang, tally)
        text = self._tallies.get(key)
        if text is None:
            if len(self._tallies) > _PIECES_KEPT:
                self._tallies.clear()
            text = self._tallies[key] = Markup(
                self._module(scope.lang, scope.tz).tally_line(tally)
            ).strip()
        return text

    def line(self, scope: Scope, standing: reports.Standing, label: str) -> Markup:
        task = standing.task
        key = (
            scope.lang,
            id(task),
            standing.timeliness,
            standing.days_late,
            standing.days_left,
            label,
        )
        kept = self._lines.get(key)
        # The task is kept with its text, so its id cannot be reused by another object.
        if kept is not None and kept[0] is task:
            return kept[1]
        if len(self._lines) > _PIECES_KEPT:
            self._lines.clear()
        text = Markup(self._module(scope.lang, scope.tz).task_line(standing, label)).strip()
        self._lines[key] = (task, text)
        return text

    def macros(self, scope: Scope) -> Any:
        """templates/<lang>/status_macros.html as a module, which the status messages use."""
        return self._module(scope.lang, scope.tz)

    def moment(self, scope: Scope, at: dt.datetime) -> str:
        """The "as of" time of a message, as the language writes it."""
        key = (scope.lang, scope.tz, at)
        text = self._moments.get(key)
        if text is None:
            if len(self._moments) > _SCREENS_KEPT:
                self._moments.clear()
            text = self._moments[key] = str(self._module(scope.lang, scope.tz).moment(at))
        return text

    def nav(self, scope: Scope, cancelled: int = 0) -> list[str]:
        """The button labels: previous page, next page, cancelled tasks."""
        key = (scope.lang, cancelled)
        labels = self._nav.get(key)
        if labels is None:
            labels = self._nav[key] = render(scope, "status_nav", cancelled=cancelled).splitlines()
        return labels


class _View:
    """One workspace's figures at the latest request, and the screens rendered from them."""

    def __init__(self, store: WorkspaceStore, tz: str, rule: DeadlineRule) -> None:
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
        self.screens: dict[tuple[str, str, int, str], Screen] = {}

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
        self._key, self.now, self.exact = key, minute, now
        self.screens.clear()

    def _get(self, name: str, compute: Callable[[], T]) -> T:
        """`compute()`, once per change of the figures."""
        if name not in self._derived:
            self._derived[name] = compute()
        return self._derived[name]

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

    def label(self, code: str) -> str:
        """The name to show for an agency code (the code itself if the agency is unknown)."""
        label = self._labels.get(code)
        if label is None:
            agency = self.store.agency(code)
            label = self._labels[code] = agency.label if agency else code
        return label


def _view(context: Ctx, scope: Scope) -> _View:
    """The workspace's view, brought up to date."""
    store = scope.store
    assert store is not None
    views: dict[int, _View] = context.bot_data.setdefault(_VIEWS, {})
    chat_id = store.workspace.chat_id
    view = views.get(chat_id)
    if view is None or view.store is not store or (view.tz, view.rule) != (scope.tz, scope.rule):
        view = views[chat_id] = _View(store, scope.tz, scope.rule)
    view.refresh(scope.now)
    return view


def _pieces(context: Ctx) -> _Pieces:
    pieces = context.bot_data.get(_PIECES)
    if pieces is None:
        pieces = context.bot_data[_PIECES] = _Pieces(services(context).renderer)
    assert isinstance(pieces, _Pieces)
    return pieces


# -- screens --------------------------------------------------------------------------------


@dataclass(slots=True)
class _Request:
    """What a screen function needs: who asks, the figures, the rendered pieces."""

    scope: Scope
    view: _View
    pieces: _Pieces

    def render(self, template: str, **values: Any) -> str:
        """A status message, with its "as of" time and the shared macros `m`."""
        as_of = self.pieces.moment(self.scope, self.view.now)
        return render(self.scope, template, as_of=as_of, m=self.pieces.macros(self.scope), **values)

    def lines(self, rows: list[reports.Standing]) -> list[Markup]:
        return [self.pieces.line(self.scope, s, self.view.label(s.task.lead)) for s in rows]

    def nav(self, kind: str, page: reports.Page[Any], arg: str) -> Rows:
        if page.pages <= 1:
            return []
        prev_label, next_label = self.pieces.nav(self.scope)[:2]
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
        label = self.pieces.nav(self.scope, len(cancelled))[2]
        return [[(label, f"{PREFIX}:cx:1:{subset}")]]

    def task_screen(
        self,
        template: str,
        kind: str,
        arg: str,
        number: int,
        rows: list[reports.Standing],
        signature: tuple[Any, ...] | None = None,
        **values: Any,
    ) -> Screen:
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
            moment = (self.scope.lang, self.scope.tz, self.view.now)
            key = (template, moment, signature, shape, tuple(lines))
        text = self.pieces.texts.get(key) if key is not None else None
        if text is None:
            text = self.render(template, page=page, lines=lines, **values)
            if key is not None:
                if len(self.pieces.texts) > _SCREENS_KEPT:
                    self.pieces.texts.clear()
                self.pieces.texts[key] = text
        extra = (
            self.cancelled_button(values["cancelled"], f"{kind}:{arg}")
            if "cancelled" in values
            else []
        )
        return Screen(text, self.nav(kind, page, arg) + extra)


def _overall(r: _Request, number: int, _arg: str) -> Screen | None:
    view = r.view
    page = reports.paginate(view.by_plan, number, PLANS_PER_PAGE)
    plans = reports.Page(
        [(p, t, r.pieces.tally(r.scope, t)) for p, t in page.items],
        page.number,
        page.pages,
        page.total,
        page.start,
    )
    text = r.render(
        "status_overall",
        tally=view.tally,
        total_line=r.pieces.tally(r.scope, view.tally),
        cancelled=view.cancelled,
        plans=plans,
    )
    return Screen(text, r.nav("all", page, "") + r.cancelled_button(view.cancelled, "all:"))


def _subset(view: _View, ref: str) -> tuple[list[Task], str] | None:
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


def _tally_screen(
    r: _Request, template: str, kind: str, arg: str, number: int, **values: Any
) -> Screen | None:
    """A plan's, an agency's or a member's tally, and their tasks, open ones first."""
    found = _subset(r.view, f"{kind}:{arg}")
    if found is None:
        return None
    tasks, now, tz, rule = found[0], r.view.exact, r.view.tz, r.view.rule
    # A member wants to see what he finished too; for a plan or agency, what is left to do.
    order = reports.by_urgency if kind == "my" else reports.open_first
    tally = reports.tally(tasks, now, tz, rule)
    return r.task_screen(
        template,
        kind,
        arg,
        number,
        order(tasks, now, tz, rule),
        tally=tally,
        total_line=r.pieces.tally(r.scope, tally),
        cancelled=reports.cancelled(tasks),
        **values,
    )


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
    rows = reports.due_within(r.view.tasks, r.view.exact, r.view.tz, days, r.view.rule)
    until = r.view.now.date() + dt.timedelta(days=days)
    return r.task_screen("status_due", "due", str(days), number, rows, days=days, until=until)


def _find(r: _Request, number: int, token: str, words: str | None = None) -> Screen | None:
    if words is None:
        return None
    found = reports.search(r.view.tasks, r.view.store.agencies(), words)
    rows = reports.standings(found, r.view.exact, r.view.tz, r.view.rule)
    return r.task_screen("status_find", "find", token, number, rows, words=words)


_SCREENS = {
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


def _screen(context: Ctx, scope: Scope, kind: str, number: int, arg: str) -> Screen | None:
    """The screen `kind` page `number` for `arg`, from the cache when nothing changed."""
    view = _view(context, scope)
    key = (kind, scope.lang, number, arg)
    cached = view.screens.get(key)
    if cached is not None:
        return cached
    request = _Request(scope, view, _pieces(context))
    if kind == "find":
        screen = _find(request, number, arg, _searches(context).get(arg))
    else:
        screen = _SCREENS[kind](request, number, arg)
    if screen is not None:
        if len(view.screens) >= _SCREENS_KEPT:
            view.screens.clear()
        view.screens[key] = screen
    return screen


def _searches(context: Ctx) -> OrderedDict[str, str]:
    searches: OrderedDict[str, str] = context.bot_data.setdefault(_SEARCHES, OrderedDict())
    return searches


def _remember_search(context: Ctx, words: str) -> str:
    """A short token standing for `words` in callback data (free text does not fit there)."""
    token = hashlib.blake2s(words.encode(), digest_size=5).hexdigest()
    searches = _searches(context)
    searches[token] = words
    searches.move_to_end(token)
    while len(searches) > _SEARCHES_KEPT:
        searches.popitem(last=False)
    return token


# -- replies --------------------------------------------------------------------------------


async def _show(
    update: Update, context: Ctx, scope: Scope, kind: str, arg: str, number: int = 1
) -> None:
    """Send a screen, or edit the message whose button was pressed."""
    screen = _screen(context, scope, kind, number, arg)
    if screen is None:
        await reply(update, context, scope, "status_expired")
        return
    query = update.callback_query
    # Within the limit counted in UTF-16 units with the tags, so within it once they are parsed.
    fits = len(screen.text.encode("utf-16-le")) <= 2 * TELEGRAM_LIMIT
    if query is not None and query.message is not None and fits:
        try:
            await query.edit_message_text(
                screen.text,
                parse_mode=ParseMode.HTML,
                reply_markup=screen.markup,
            )
            return
        except TelegramError as exc:
            if "not modified" in str(exc):
                return
    if fits:
        await context.bot.send_message(
            scope.chat_id,
            screen.text,
            parse_mode=ParseMode.HTML,
            reply_markup=screen.markup,
        )
    else:
        await send(context, scope.chat_id, screen.text, screen.markup)


async def _ask_agency(update: Update, context: Ctx, scope: Scope, given: str, kind: str) -> None:
    """Show `kind` for the agency `given` names; say so when unknown, ask when ambiguous."""
    assert scope.store is not None
    found = match_agencies(given, scope.store.agencies())
    if len(found) == 1:
        await _show(update, context, scope, kind, found[0].code)
    elif not found:
        await reply(update, context, scope, "status_agency_unknown", given=given)
    else:
        choices = [(a.label, f"{PREFIX}:{kind}:1:{a.code}") for a in found]
        await _pick(update, context, scope, given, "agency", choices)


async def _pick(update: Update, context: Ctx, scope: Scope, given: str, kind: str,
                choices: list[tuple[str, str]]) -> None:
    """Ask which of several agencies or plans `given` means: one button each, never a guess."""
    rows = [[(label[:60], data)] for label, data in choices[:PICK_MAX]]
    await reply(update, context, scope, "status_pick", buttons(rows), given=given, kind=kind,
                count=len(choices), shown=min(len(choices), PICK_MAX))


async def _ready(update: Update, context: Ctx) -> Scope | None:
    """The scope of a member of the workspace; others are told why not and get nothing."""
    scope = await resolve(update, context)
    if not await require(update, context, scope, Action.READ):
        return None
    return scope


# -- commands -------------------------------------------------------------------------------


async def status(update: Update, context: Ctx) -> None:
    """`/status [plan]`: the overall tally and one line per plan, or one plan's tally."""
    scope = await _ready(update, context)
    if scope is None:
        return
    given = command_args(update)
    if not given:
        await _show(update, context, scope, "all", "")
        return
    view = _view(context, scope)
    found = reports.match_plans(given, view.plans)
    if len(found) == 1:
        await _show(update, context, scope, "plan", reports.plan_key(found[0]))
    elif not found:
        await reply(update, context, scope, "status_plan_unknown", given=given, plans=view.plans)
    else:
        choices = [(p, f"{PREFIX}:plan:1:{reports.plan_key(p)}") for p in found]
        await _pick(update, context, scope, given, "plan", choices)


async def by_agency(update: Update, context: Ctx) -> None:
    """`/byagency`: every lead agency's tally, worst first."""
    scope = await _ready(update, context)
    if scope is not None:
        await _show(update, context, scope, "ag", "")


async def agency(update: Update, context: Ctx) -> None:
    """`/agency <name>`: one agency's tally and open tasks (his own agency when no name)."""
    scope = await _ready(update, context)
    if scope is None:
        return
    given = command_args(update)
    if given:
        await _ask_agency(update, context, scope, given, "one")
    elif (
        scope.member is not None
        and scope.member.agency
        and scope.store is not None
        and scope.store.agency(scope.member.agency) is not None
    ):
        await _show(update, context, scope, "one", scope.member.agency)
    else:
        await reply(update, context, scope, "status_agency_usage")


async def overdue(update: Update, context: Ctx) -> None:
    """`/overdue [agency]`: overdue tasks, most days late first, of all or of one agency."""
    scope = await _ready(update, context)
    if scope is None:
        return
    given = command_args(update)
    if given:
        await _ask_agency(update, context, scope, given, "od")
    else:
        await _show(update, context, scope, "od", "")


def parse_days(text: str) -> int | None:
    """The N of `/due N` ("14", "14 ngày", "14 days"): 1 to DUE_MAX, else None."""
    found = _DUE_ARG.match(fold(text))
    if found is None:
        return None
    days = int(found.group(1))
    return days if 1 <= days <= DUE_MAX else None


async def due(update: Update, context: Ctx) -> None:
    """`/due [N]`: open tasks falling due within N days (7 unless said)."""
    scope = await _ready(update, context)
    if scope is None:
        return
    given = command_args(update)
    days = parse_days(given) if given else DUE_DEFAULT
    if days is None:
        await reply(
            update,
            context,
            scope,
            "status_due_usage",
            given=given,
            max_days=DUE_MAX,
            default_days=DUE_DEFAULT,
        )
        return
    await _show(update, context, scope, "due", str(days))


async def my_tasks(update: Update, context: Ctx) -> None:
    """`/mytasks`: the tasks naming the user and those his agency leads."""
    scope = await _ready(update, context)
    if scope is not None:
        await _show(update, context, scope, "my", str(scope.user_id))


async def find(update: Update, context: Ctx) -> None:
    """`/find words`: tasks containing every word, diacritics ignored."""
    scope = await _ready(update, context)
    if scope is None:
        return
    words = command_args(update)
    if not fold(words):
        await reply(update, context, scope, "status_find_usage")
        return
    await _show(update, context, scope, "find", _remember_search(context, words))


async def on_button(update: Update, context: Ctx) -> None:
    """A Prev/Next or choice button: redraw that screen in place."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    _, kind, number, arg = (query.data or "").split(":", 3)
    scope = await _ready(update, context)
    if scope is None:
        return
    if kind not in _SCREENS or not number.isdigit():
        await reply(update, context, scope, "status_expired")
        return
    await _show(update, context, scope, kind, arg, int(number))


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add the status commands and their buttons."""
    for names, callback in (
        (["status", "trangthai"], status),
        (["byagency", "theodonvi"], by_agency),
        (["agency", "donvi"], agency),
        (["overdue", "quahan"], overdue),
        (["due", "sapden"], due),
        (["mytasks", "viectoi"], my_tasks),
        (["find", "timkiem"], find),
    ):
        application.add_handler(CommandHandler(names, callback))
    application.add_handler(CallbackQueryHandler(on_button, pattern=rf"^{PREFIX}:[a-z]+:\d+:"))
