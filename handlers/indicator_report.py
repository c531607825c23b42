"""Reporting indicator values: /report (/baocaochiso), one value or a pasted table.

``/baocaochiso số hóa | 9 tháng 2024 | 72,47`` (a member, his own agency) or, by a secretary,
``/baocaochiso số hóa | 9 tháng 2024`` followed by lines like ``Bình Định 89,51``. Lines that
cannot be matched to exactly one agency, or whose figure is wrong, are asked back with
buttons; nothing is written until every line is resolved or dropped, then all values go in
one transaction. Open reports are kept in memory for a day (`Pending`): after a restart the
user pastes again, and nothing was written meanwhile.

Buttons: `ind:ri:<id>:<indicator>` the indicator of a report that named none clearly,
`ind:fx:<id>:<line>:<agency>` an agency for a line, `ind:dr:<id>:<line>` drop a line,
`ind:da:<id>` drop every open line, `ind:cx:<id>` cancel.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.indicator_input import Draft, build_draft, other_agency_lines, split_report
from bot.indicators import Entry, Indicator
from bot.model import Agency
from bot.periods import ReportPeriod, current_period, example_periods
from bot.permissions import Action, is_leader
from handlers.common import (
    Ctx,
    Scope,
    allowed,
    buttons,
    command_args,
    edit_or_send,
    labels,
    reply,
    require,
    resolve,
)
from handlers.indicators import (
    PREFIX,
    data,
    pick_indicator,
    ranking_markup,
    ranking_of,
    read_period,
)
from store.workspace import WorkspaceStore

KEY = "indicator_pending"
KEPT = dt.timedelta(days=1)
BUTTON_LINES = 4  # open lines that get their buttons in one message; the rest come next


@dataclass(slots=True)
class Pending:
    """A report waiting for its indicator (`text`) or for its open lines (`draft`)."""

    id: int
    workspace: int
    user_id: int
    at: dt.datetime
    text: str = ""
    draft: Draft | None = None


@dataclass(slots=True)
class Pendings:
    """Open reports of one Application, by id (ids are short: they go into buttons)."""

    items: dict[int, Pending] = field(default_factory=dict)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def add(self, scope: Scope, *, text: str = "", draft: Draft | None = None) -> Pending:
        assert scope.store is not None
        self.items = {k: p for k, p in self.items.items() if scope.now - p.at < KEPT}
        pending = Pending(next(self.ids), scope.store.workspace.chat_id, scope.user_id,
                          scope.now, text, draft)
        self.items[pending.id] = pending
        return pending

    def get(self, number: int, scope: Scope) -> Pending | None:
        found = self.items.get(number)
        if found is None or scope.now - found.at >= KEPT:
            return None
        return found


def pendings(context: Ctx) -> Pendings:
    found = context.bot_data.setdefault(KEY, Pendings())
    assert isinstance(found, Pendings)
    return found


@allowed(Action.READ)
async def report(update: Update, context: Ctx, scope: Scope, store: WorkspaceStore) -> None:
    """`/report <indicator> [| period] | [agency] value ...`: store reported values."""
    text = command_args(update)
    if not text:
        await _usage(update, context, scope, None)
        return
    await _report(update, context, scope, text, None)


async def _usage(update: Update, context: Ctx, scope: Scope, indicator: Indicator | None,
                 reason: str = "usage", **values: Any) -> None:
    assert scope.store is not None
    indicators = scope.store.indicators.all()
    shown = indicator or (indicators[0] if indicators else None)
    own = scope.store.agency(scope.member.agency) if scope.member and scope.member.agency \
        else None
    await reply(update, context, scope, "indicator_report_error", reason=reason,
                indicator=shown, own=own, examples=example_periods(scope.today),
                current=current_period(shown.frequency, scope.today) if shown else None,
                **values)


async def _report(update: Update, context: Ctx, scope: Scope, text: str,
                  indicator: Indicator | None) -> None:
    store = scope.store
    assert store is not None and scope.member is not None
    parts = split_report(text)
    if indicator is None:
        pending = pendings(context).add(scope, text=text)
        indicator = await pick_indicator(update, context, scope, parts.indicator,
                                         lambda i: data("ri", pending.id, i.number))
        if indicator is None:
            return
        pendings(context).items.pop(pending.id, None)
    period: ReportPeriod | None = current_period(indicator.frequency, scope.today)
    if parts.period:
        period = await read_period(update, context, scope, parts.period, indicator,
                                   reporting=True)
    if period is None:
        return
    if not parts.lines:
        await _usage(update, context, scope, indicator, "no_values")
        return
    leader = is_leader(scope.member)
    own = scope.member.agency
    if not leader and own is None:
        await _usage(update, context, scope, indicator, "no_agency")
        return
    draft = build_draft(indicator, period, parts.lines, store.agencies(), own_agency=own,
                        leader=leader)
    if not leader:
        # A member reports his own agency: a line about any other is refused whole.
        others = other_agency_lines(draft, own) + [
            line for line in draft.lines if line.problem in ("unknown", "ambiguous")
        ]
        if others:
            names = _names(store.agencies())
            await _usage(update, context, scope, indicator, "other_agency",
                         names=[names.get(line.agency or "", line.name) for line in others])
            return
        if any(line.problem == "not_reporter" for line in draft.lines):
            await _usage(update, context, scope, indicator, "not_reporter")
            return
    only = draft.lines[0] if len(draft.lines) == 1 else None
    if only is not None and only.open and not only.choices:
        await reply(update, context, scope, "indicator_report_draft", None, draft=draft,
                    agencies=_names(store.agencies()), single=True, clash=None)
        return
    if draft.open_lines:
        pending = pendings(context).add(scope, draft=draft)
        await reply(update, context, scope, "indicator_report_draft",
                    _draft_markup(scope, pending), draft=draft,
                    agencies=_names(store.agencies()), single=False, clash=None)
        return
    await _write(update, context, scope, draft)


def _names(agencies: list[Agency]) -> dict[str, str]:
    return {a.code: a.label for a in agencies}


def _draft_markup(scope: Scope, pending: Pending) -> InlineKeyboardMarkup:
    assert pending.draft is not None
    label = labels(scope, "indicator_buttons")
    rows: list[list[tuple[str, str]]] = []
    for line in pending.draft.open_lines[:BUTTON_LINES]:
        choices = [(f"{line.number}: {a.label}"[:40], data("fx", pending.id, line.number, a.code))
                   for a in line.choices] if line.value is not None else []
        rows += [choices[i:i + 2] for i in range(0, len(choices), 2)]
        rows.append([(f"{label['drop']} {line.number}", data("dr", pending.id, line.number))])
    rows.append([(label["drop_all"], data("da", pending.id))])
    rows.append([(label["cancel"], data("cx", pending.id))])
    return buttons(rows)


async def _write(update: Update, context: Ctx, scope: Scope, draft: Draft) -> None:
    """Store every ready line in one transaction, then say what was written."""
    store = scope.store
    assert store is not None
    ready = draft.ready
    if not is_leader(scope.member) and any(
        line.agency != (scope.member.agency if scope.member else None) for line in ready
    ):  # a leader who pasted was made a member since: he may no longer write for others
        await reply(update, context, scope, "not_allowed", action=Action.MANAGE.value,
                    task=None)
        return
    if not ready:
        await edit_or_send(update, context, scope, "indicator_report_saved", None, draft=draft,
                           written=[], ranking=None, agencies=_names(store.agencies()))
        return
    entries = [Entry(draft.indicator.number, line.agency or "", draft.period, line.value or 0.0)
               for line in ready]
    written = store.indicators.report(entries, actor=scope.user_id, at=scope.now)
    indicator = store.indicators.get(draft.indicator.number) or draft.indicator
    ranking = ranking_of(store, indicator, draft.period)
    await edit_or_send(update, context, scope, "indicator_report_saved",
                       ranking_markup(scope, ranking), draft=draft, written=written,
                       ranking=ranking, agencies=_names(store.agencies()))


async def on_button(update: Update, context: Ctx) -> None:
    """The buttons of a report waiting for its indicator or its open lines."""
    query = update.callback_query
    assert query is not None
    _, action, *args = (query.data or "").split(":")
    base = await resolve(update, context)
    pending = pendings(context).get(int(args[0]), base) if args and args[0].isdigit() else None
    if pending is None or pending.user_id != base.user_id:
        await query.answer()
        await edit_or_send(update, context, base, "indicator_report_error", None,
                           reason="expired" if pending is None else "not_yours",
                           indicator=None, own=None, examples=example_periods(base.today),
                           current=None)
        return
    scope = base.in_workspace(pending.workspace)
    await query.answer()
    if scope is None or not await require(update, context, scope, Action.READ):
        return
    assert scope.store is not None
    if action == "ri":
        indicator = scope.store.indicators.get(int(args[1])) if args[1:] else None
        pendings(context).items.pop(pending.id, None)
        if indicator is not None:
            await _report(update, context, scope, pending.text, indicator)
        return
    draft = pending.draft
    assert draft is not None
    if action == "cx":
        pendings(context).items.pop(pending.id, None)
        await edit_or_send(update, context, scope, "indicator_report_error", None,
                           reason="cancelled", indicator=draft.indicator, own=None,
                           examples=example_periods(scope.today), current=None)
        return
    clash = None
    if action == "fx" and len(args) > 2 and args[1].isdigit():
        agency = scope.store.agency(args[2])
        if agency is not None:
            clash = draft.resolve(int(args[1]), agency)
    elif action == "dr" and len(args) > 1 and args[1].isdigit():
        draft.drop(int(args[1]))
    elif action == "da":
        for line in draft.open_lines:
            draft.drop(line.number)
    if draft.open_lines:
        await edit_or_send(update, context, scope, "indicator_report_draft",
                           _draft_markup(scope, pending), draft=draft, clash=clash,
                           agencies=_names(scope.store.agencies()), single=False)
        return
    pendings(context).items.pop(pending.id, None)
    await _write(update, context, scope, draft)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add /report (/baocaochiso) and the buttons of open reports."""
    application.add_handler(CommandHandler(["report", "baocaochiso"], report))
    application.add_handler(CallbackQueryHandler(
        on_button, pattern=rf"^{PREFIX}:(?:ri|fx|dr|da|cx):"))
