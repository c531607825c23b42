"""Indicators in chat: /indicators (/chiso) ranks an indicator's agencies against the
requirement, /shortfalls (/chuadat) lists where an agency falls short, and their buttons draw
the bar chart and one agency's trend.

Buttons (`ind:<action>:<workspace>:...`, under 64 bytes) name their workspace, so they work
in a private chat too: `rk` a ranking (of a period), `ch` its chart, `tp` the agencies to
pick a trend from, `tr` one agency's trend, `ag` one agency's shortfalls.
Reporting and defining are in handlers/indicator_report.py and handlers/indicator_admin.py.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from markupsafe import Markup
from telegram import InlineKeyboardMarkup, InputFile, Update
from telegram.constants import ChatAction, ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.indicator_input import match_indicators, split_report, suggest_agencies
from bot.indicators import Indicator
from bot.model import Agency
from bot.names import match_agencies
from bot.periods import PeriodError, ReportPeriod, example_periods, parse_period
from bot.permissions import Action
from bot.ranking import Ranking, Row, agency_figures, rank, trend
from bot.render import Renderer, pairs
from handlers.common import (
    Ctx,
    Scope,
    allowed,
    buttons,
    command_args,
    edit_or_send,
    render,
    reply,
    require,
    resolve,
    send,
)
from store.workspace import WorkspaceStore

log = logging.getLogger(__name__)

PREFIX = "ind"
PICK_MAX = 8  # indicators or agencies offered when a name matched several or none
TREND_PICK_MAX = 60


def data(action: str, *args: object) -> str:
    """Callback data of an indicator button; Telegram allows 64 bytes."""
    text = ":".join([PREFIX, action, *(str(a) for a in args)])
    assert len(text.encode()) <= 64, text
    return text


@lru_cache(maxsize=1024)
def button_labels(renderer: Renderer, lang: str, previous: ReportPeriod | None,
                  latest: ReportPeriod | None) -> dict[str, str]:
    """The ranking's button labels (templates/<lang>/indicator_buttons.html), kept per
    period pair: /indicators is sent again and again with the same ones."""
    return pairs(renderer.render("indicator_buttons", lang, previous=previous, latest=latest))


KEPT_RANKINGS, KEPT_TEXTS = "indicator_rankings", "indicator_texts"  # keys in bot_data
KEPT_MAX = 64  # rankings (and their texts) kept per Application; all dropped when full


def ranking_of(store: WorkspaceStore, indicator: Indicator,
               period: ReportPeriod | None = None, *, kept: dict[Any, Ranking] | None = None
               ) -> Ranking:
    """An indicator's ranking; with `kept`, reused while the workspace has not changed."""
    if kept is None:
        return rank(indicator, store.indicators.values(indicator.number), store.agencies(),
                    period)
    key = (store.workspace.chat_id, store.revision, indicator.number, period)
    found = kept.get(key)
    if found is None:
        if len(kept) >= KEPT_MAX:
            kept.clear()
        found = kept[key] = rank(indicator, store.indicators.values(indicator.number),
                                 store.agencies(), period)
    return found


async def pick_indicator(update: Update, context: Ctx, scope: Scope, query: str,
                         callback: Callable[[Indicator], str]) -> Indicator | None:
    """The one indicator `query` names; otherwise the user is asked, with buttons."""
    assert scope.store is not None
    indicators = scope.store.indicators.all()
    found = match_indicators(query, indicators)
    if len(found) == 1:
        return found[0]
    offered = (found or indicators)[:PICK_MAX]
    markup = buttons([[(i.label[:60], callback(i))] for i in offered]) if offered else None
    await reply(update, context, scope, "indicator_unknown", markup, given=query, found=found,
                indicators=indicators)
    return None


async def pick_agency(update: Update, context: Ctx, scope: Scope, query: str,
                      callback: Callable[[Agency], str], *, usage: str,
                      indicator: Indicator | None = None) -> Agency | None:
    """The one agency `query` names; otherwise the user is asked, with buttons: the agencies
    it may mean, or those closest to a name that matches none. `usage` ("trend", "target",
    "shortfalls") picks the command of the reply's example."""
    assert scope.store is not None
    agencies = scope.store.agencies()
    found = match_agencies(query, agencies)
    if len(found) == 1:
        return found[0]
    offered = found[:PICK_MAX] or list(suggest_agencies(query, agencies))
    markup = buttons([[(a.label[:60], callback(a))] for a in offered]) if offered else None
    await reply(update, context, scope, "indicator_agency_unknown", markup, given=query,
                found=found, suggested=[] if found else offered, usage=usage,
                indicator=indicator, example=next(iter(offered or agencies), None))
    return None


# -- the ranking ----------------------------------------------------------------------------


def ranking_markup(scope: Scope, ranking: Ranking) -> InlineKeyboardMarkup | None:
    """Chart, trend, and the previous (or latest) period."""
    assert scope.store is not None
    chat, number = scope.store.workspace.chat_id, ranking.indicator.number
    latest = ranking.periods[-1] if ranking.periods else None
    label = button_labels(scope.services.renderer, scope.lang, ranking.previous_period, latest)
    rows: list[list[tuple[str, str]]] = []
    if ranking.rows and ranking.period is not None:
        rows.append([(label["chart"], data("ch", chat, number, ranking.period.key)),
                     (label["trend"], data("tp", chat, number))])
    moves = []
    if ranking.previous_period is not None:
        moves.append((label["previous"], data("rk", chat, number, ranking.previous_period.key)))
    if ranking.later_periods and latest is not None:
        moves.append((label["latest"], data("rk", chat, number, latest.key)))
    if moves:
        rows.append(moves)
    return buttons(rows) if rows else None


@lru_cache(maxsize=16384)
def _row_line(renderer: Renderer, lang: str, row: Row, unit: str, direction: str) -> Markup:
    # A line depends on nothing but its row (less the rank, written before it): after a report
    # changes one agency's value, the other 62 lines of a province ranking are reused.
    return Markup(renderer.render("indicator_row", lang, row=row, unit=unit,
                                  direction=direction))


def row_lines(scope: Scope, ranking: Ranking) -> list[tuple[int, Markup]]:
    """(rank, line) of each row, the line from templates/<lang>/indicator_row.html."""
    indicator = ranking.indicator
    renderer, lang = scope.services.renderer, scope.lang
    unit, direction = indicator.unit.value, indicator.direction.value
    return [(row.rank, _row_line(renderer, lang, row._replace(rank=0), unit,
                                 direction)) for row in ranking.rows]


async def show_ranking(update: Update, context: Ctx, scope: Scope, indicator: Indicator,
                       period: ReportPeriod | None = None, *, edit: bool = False) -> None:
    """The ranked table of an indicator for a period (the latest by default)."""
    store = scope.store
    assert store is not None
    ranking = ranking_of(store, indicator, period,
                         kept=context.bot_data.setdefault(KEPT_RANKINGS, {}))
    markup = ranking_markup(scope, ranking)
    if edit:
        await edit_or_send(update, context, scope, "indicator_ranking", markup, ranking=ranking,
                           lines=row_lines(scope, ranking))
        return
    # The same question on the same data gets the same text: it is kept until the next write.
    texts = context.bot_data.setdefault(KEPT_TEXTS, {})
    key = (store.workspace.chat_id, store.revision, indicator.number, period, scope.lang)
    text = texts.get(key)
    if text is None:
        if len(texts) >= KEPT_MAX:
            texts.clear()
        text = texts[key] = render(scope, "indicator_ranking", ranking=ranking,
                                   lines=row_lines(scope, ranking))
    await send(context, scope.chat_id, text, markup)


async def read_period(update: Update, context: Ctx, scope: Scope, text: str,
                      indicator: Indicator, *, reporting: bool = False) -> ReportPeriod | None:
    """The period typed; None when it cannot be used, the user told why with examples."""
    try:
        return parse_period(text, today=scope.today)
    except PeriodError as error:
        await reply(update, context, scope, "indicator_period_error", reason=error.reason,
                    given=error.text, examples=example_periods(scope.today),
                    indicator=indicator, reporting=reporting)
        return None


async def send_chart(context: Ctx, scope: Scope, ranking: Ranking) -> None:
    """The bar chart of a ranking, as a photo with its caption."""
    from bot.indicator_chart import ranking_png

    assert scope.store is not None
    indicator = ranking.indicator
    renderer = scope.services.renderer
    values = {"tz": scope.tz, "now": scope.now, "today": scope.today,
              "workspace": scope.store.workspace, "member": scope.member}
    png = await _draw(lambda: ranking_png(renderer, scope.lang, ranking, **values))
    caption = render(scope, "indicator_caption", kind="bar", ranking=ranking,
                     indicator=indicator)
    await _photo(context, scope, png, caption, f"{indicator.number}-{ranking.period}")


async def _draw(make: Callable[[], bytes]) -> bytes:
    """Draw off the event loop: matplotlib takes a tenth of a second or more."""
    return await asyncio.get_running_loop().run_in_executor(None, make)


async def _photo(context: Ctx, scope: Scope, png: bytes, caption: str, name: str) -> None:
    try:
        await context.bot.send_chat_action(scope.chat_id, ChatAction.UPLOAD_PHOTO)
    except TelegramError as exc:  # the hint is a courtesy; the chart still goes
        log.info("could not show the upload action in %s: %s", scope.chat_id, exc)
    await context.bot.send_photo(scope.chat_id, InputFile(png, filename=f"chiso-{name}.png"),
                                 caption=caption, parse_mode=ParseMode.HTML)


# -- one agency's trend ---------------------------------------------------------------------


async def show_trend(update: Update, context: Ctx, scope: Scope, indicator: Indicator,
                     agency: Agency) -> None:
    """One agency's values over the periods, corrections included, then its trend chart."""
    from bot.indicator_chart import parse_chart_text, ticks, top_of, trend_chart

    assert scope.store is not None
    values = trend(scope.store.indicators.values(indicator.number), agency.code)
    names = {m.user_id: m.name for m in scope.store.members()}
    target = indicator.target_for(agency.code)
    await reply(update, context, scope, "indicator_trend", indicator=indicator, agency=agency,
                values=values, target=target, names=names)
    if not values:
        return
    text = parse_chart_text(render(scope, "indicator_chart", kind="trend", indicator=indicator,
                                   agency=agency, values=values, target=target))
    met = [indicator.met(v.value, agency.code) for v in values]
    png = await _draw(lambda: trend_chart([v.value for v in values], met, target, text,
                                          ticks(scope.lang), top_of(indicator.unit)))
    caption = render(scope, "indicator_caption", kind="trend", indicator=indicator,
                     agency=agency, values=values)
    await _photo(context, scope, png, caption, f"{indicator.number}-{agency.code}")


async def trend_choices(update: Update, context: Ctx, scope: Scope, indicator: Indicator
                        ) -> None:
    """The agencies with figures for an indicator, as buttons for their trends."""
    assert scope.store is not None
    chat = scope.store.workspace.chat_id
    index = scope.store.indicators.values(indicator.number)
    reported = {code for by in index.values() for code in by}
    agencies = [a for a in scope.store.agencies() if a.code in reported][:TREND_PICK_MAX]
    cells = [(a.label[:30], data("tr", chat, indicator.number, a.code)) for a in agencies]
    rows = [cells[i:i + 3] for i in range(0, len(cells), 3)]
    await reply(update, context, scope, "indicator_trend_pick", buttons(rows) if rows else None,
                indicator=indicator, agencies=agencies)


# -- commands -------------------------------------------------------------------------------


@allowed(Action.READ)
async def indicators(update: Update, context: Ctx, scope: Scope, store: WorkspaceStore) -> None:
    """`/indicators [name [| period | agency]]`: the list, a ranking, or an agency's trend."""
    text = command_args(update)
    chat = store.workspace.chat_id
    if not text:
        every = store.indicators.all()
        rankings = [ranking_of(store, i) for i in every]
        markup = buttons([[(i.label[:60], data("rk", chat, i.number))] for i in every[:30]])
        await reply(update, context, scope, "indicator_list", markup if every else None,
                    rankings=rankings, examples=example_periods(scope.today))
        return
    parts = split_report(text.replace("\n", " | "))
    indicator = await pick_indicator(update, context, scope, parts.indicator,
                                     lambda i: data("rk", chat, i.number))
    if indicator is None:
        return
    extra = parts.period or (parts.lines[0] if parts.lines else "")
    if not extra:
        await show_ranking(update, context, scope, indicator)
        return
    if parts.period:
        period = await read_period(update, context, scope, parts.period, indicator)
        if period is not None:
            await show_ranking(update, context, scope, indicator, period)
        return
    agency = await pick_agency(update, context, scope, extra,
                               lambda a: data("tr", chat, indicator.number, a.code),
                               usage="trend", indicator=indicator)
    if agency is not None:
        await show_trend(update, context, scope, indicator, agency)


@allowed(Action.READ)
async def shortfalls(update: Update, context: Ctx, scope: Scope, store: WorkspaceStore) -> None:
    """`/shortfalls [agency]`: where one agency (his own by default) or every agency falls short."""
    given = command_args(update)
    chat = store.workspace.chat_id
    if given:
        agency = await pick_agency(update, context, scope, given,
                                   lambda a: data("ag", chat, a.code), usage="shortfalls")
        if agency is not None:
            await show_agency(update, context, scope, agency)
        return
    own = store.agency(scope.member.agency) if scope.member and scope.member.agency else None
    if own is not None:
        await show_agency(update, context, scope, own)
        return
    rankings = [ranking_of(store, i) for i in store.indicators.all()]
    await reply(update, context, scope, "indicator_shortfalls", rankings=rankings)


async def show_agency(update: Update, context: Ctx, scope: Scope, agency: Agency) -> None:
    """Every indicator an agency reports: shortfalls first, then unreported, then the rest."""
    assert scope.store is not None
    store = scope.store
    figures = agency_figures(agency, store.indicators.all(), store.indicators.index(),
                             store.agencies())
    await reply(update, context, scope, "indicator_agency", agency=agency, figures=figures)


# -- buttons --------------------------------------------------------------------------------


async def on_button(update: Update, context: Ctx) -> None:
    """`ind:rk|ch|tp|tr|ag:<workspace>:...` — the viewing buttons (report ones are elsewhere)."""
    query = update.callback_query
    assert query is not None
    _, action, *args = (query.data or "").split(":")
    base = await resolve(update, context)
    scope = base.in_workspace(int(args[0])) if args and args[0].lstrip("-").isdigit() else None
    await query.answer()
    if scope is None or not await require(update, context, scope, Action.READ):
        return
    store = scope.store
    assert store is not None
    rest = args[1:]
    if action == "ag":
        agency = store.agency(rest[0]) if rest else None
        if agency is not None:
            await show_agency(update, context, scope, agency)
        return
    indicator = store.indicators.get(int(rest[0])) if rest and rest[0].isdigit() else None
    if indicator is None:
        await reply(update, context, scope, "indicator_unknown", None, given="",
                    found=[], indicators=store.indicators.all())
        return
    period = ReportPeriod.from_key(rest[1]) if len(rest) > 1 else None
    if action == "rk":
        await show_ranking(update, context, scope, indicator, period, edit=period is not None)
    elif action == "ch":
        await send_chart(context, scope, ranking_of(store, indicator, period))
    elif action == "tp":
        await trend_choices(update, context, scope, indicator)
    elif action == "tr":
        agency = store.agency(rest[1]) if len(rest) > 1 else None
        if agency is not None:
            await show_trend(update, context, scope, indicator, agency)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add /indicators (/chiso), /shortfalls (/chuadat) and their buttons."""
    application.add_handler(CommandHandler(["indicators", "chiso"], indicators))
    application.add_handler(CommandHandler(["shortfalls", "chuadat"], shortfalls))
    application.add_handler(CallbackQueryHandler(
        on_button, pattern=rf"^{PREFIX}:(?:rk|ch|tp|tr|ag):"))

