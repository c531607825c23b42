"""Status queries: overall and per plan, per agency, overdue, due soon, my tasks and search.

What each answer shows, and the caches that keep it cheap, are `bot.status`'s: a handler here
reads the update, asks the workspace's `bot.status.Board` for a screen, and sends or edits it.
Prev/Next buttons carry the screen as callback data `st:<kind>:<page>:<arg>`, so a press
redraws the screen from the current data and edits the message in place.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import reports
from bot.names import fold, match_agencies
from bot.permissions import Action
from bot.render import TELEGRAM_LIMIT
from bot.status import (
    CANCELLED_INLINE,
    DUE_DEFAULT,
    DUE_MAX,
    PER_PAGE,
    PREFIX,
    Board,
    Reader,
    Screen,
    View,
    parse_days,
)
from handlers.common import (
    Ctx,
    Scope,
    buttons,
    command_args,
    reply,
    require,
    resolve,
    send,
    template_values,
)
from handlers.services import services

__all__ = ["CANCELLED_INLINE", "PER_PAGE", "parse_days", "register"]

PICK_MAX = 10  # buttons offered when a name is ambiguous
_BOARD = "status.board"  # bot_data key: the status answers' views and caches


def _board(context: Ctx) -> Board:
    board = context.bot_data.get(_BOARD)
    if board is None:
        board = context.bot_data[_BOARD] = Board(services(context).renderer)
    assert isinstance(board, Board)
    return board


def _reader(scope: Scope) -> Reader:
    return Reader(scope.lang, scope.tz, scope.rule, scope.now, template_values(scope))


def _view(context: Ctx, scope: Scope) -> View:
    """The workspace's figures, brought up to date."""
    assert scope.store is not None
    return _board(context).view(scope.store.workspace.chat_id, scope.store, _reader(scope))


# -- replies --------------------------------------------------------------------------------


async def _show(
    update: Update, context: Ctx, scope: Scope, kind: str, arg: str, number: int = 1
) -> None:
    """Send a screen, or edit the message whose button was pressed."""
    assert scope.store is not None
    screen = _board(context).screen(scope.store.workspace.chat_id, scope.store, _reader(scope),
                                    kind, number, arg)
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
                reply_markup=_markup(screen),
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
            reply_markup=_markup(screen),
        )
    else:
        await send(context, scope.chat_id, screen.text, _markup(screen))


def _markup(screen: Screen) -> Any:
    return buttons(screen.rows) if screen.rows else None


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
    await _show(update, context, scope, "find", _board(context).remember_search(words))


async def on_button(update: Update, context: Ctx) -> None:
    """A Prev/Next or choice button: redraw that screen in place."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    _, kind, number, arg = (query.data or "").split(":", 3)
    scope = await _ready(update, context)
    if scope is None:
        return
    if not number.isdigit():
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
