"""Defining indicators (chair, secretaries): /newindicator (/themchiso) and /target (/muctieu).

``/themchiso Tỷ lệ số hóa hồ sơ | Số hóa hồ sơ, số hóa | ≥ 80% | 9 tháng | tỉnh |
nguồn: Bộ chỉ số 766 | hạn: 20`` adds an indicator, or changes the one with that name;
``/muctieu số hóa | Hà Giang | 90`` gives one agency its own target (``bỏ`` removes it).
Buttons of /target when the indicator or agency was unclear: `ind:ti:<id>:<indicator>`,
`ind:ta:<id>:<agency>` (the typed text waits in handlers.indicator_report's Pendings).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.indicator_input import DefinitionError, match_indicators, parse_definition, parse_target
from bot.indicators import Indicator
from bot.model import Agency
from bot.names import fold
from bot.periods import FigureError, current_period, example_periods
from bot.permissions import Action
from handlers.common import Ctx, Scope, allowed, answered, command_args, reply, require, resolve
from handlers.indicator_report import pendings
from handlers.indicators import (
    PREFIX,
    data,
    pick_agency,
    pick_indicator,
    ranking_markup,
    ranking_of,
)
from store.workspace import WorkspaceStore


def _same(indicator: Indicator, name: str, short_name: str) -> bool:
    names = {fold(indicator.name), fold(indicator.short_name)} - {""}
    return bool({fold(name), fold(short_name)} & names)


@allowed(Action.MANAGE)
async def new_indicator(update: Update, context: Ctx, scope: Scope, store: WorkspaceStore) -> None:
    """`/newindicator name | short name, aliases | requirement | ...`: add or change one."""
    text = command_args(update)
    try:
        definition = parse_definition(text, store.agencies())
    except DefinitionError as error:
        await reply(update, context, scope, "indicator_define_error", reason=error.reason,
                    given=error.text, examples=example_periods(scope.today))
        return
    old = next((i for i in store.indicators.all()
                if _same(i, definition.name, definition.short_name)), None)
    if old is not None and old.unit is not definition.unit and store.indicators.values(
            old.number):
        await reply(update, context, scope, "indicator_define_error", reason="unit_change",
                    given=text, old=old, examples=example_periods(scope.today))
        return
    indicator = definition.applied_to(old)
    if old is None:
        indicator = dataclasses.replace(indicator, created_at=scope.now,
                                        created_by=scope.user_id)
    saved = store.indicators.save(indicator, actor=scope.user_id, at=scope.now)
    asked = [a for a in store.agencies() if saved.reported_by(a)]
    await reply(update, context, scope, "indicator_defined",
                ranking_markup(scope, ranking_of(store, saved)), indicator=saved,
                changed=old is not None, asked=asked,
                agencies={a.code: a.label for a in store.agencies()},
                current=current_period(saved.frequency, scope.today))


@allowed(Action.MANAGE)
async def target(update: Update, context: Ctx, scope: Scope, store: WorkspaceStore) -> None:
    """`/target indicator | agency | value` (or `| bỏ`): one agency's own target."""
    await _target(update, context, scope, command_args(update))


async def _target(update: Update, context: Ctx, scope: Scope, text: str,
                  indicator: Indicator | None = None, agency: Agency | None = None) -> None:
    store = scope.store
    assert store is not None
    parts = [p.strip() for p in text.split("|")]
    if len(parts) != 3 or not all(parts):
        first = store.indicators.all()[0] if store.indicators.all() else None
        await reply(update, context, scope, "indicator_target", reason="usage", given=text,
                    indicator=first, agency=None, old=None)
        return
    if indicator is None:
        if len(match_indicators(parts[0], store.indicators.all())) != 1:
            pending = pendings(context).add(scope, text=text)
            await pick_indicator(update, context, scope, parts[0],
                                 lambda i: data("ti", pending.id, i.number))
            return
        indicator = match_indicators(parts[0], store.indicators.all())[0]
    if agency is None:
        pending = pendings(context).add(scope, text=text)
        agency = await pick_agency(update, context, scope, parts[1],
                                   lambda a: data("ta", pending.id, indicator.number, a.code),
                                   usage="target", indicator=indicator)
        if agency is None:
            return
        pendings(context).items.pop(pending.id, None)
    try:
        change = parse_target(parts[2], indicator.unit)
    except FigureError as error:
        await reply(update, context, scope, "indicator_target", reason=error.reason,
                    given=parts[2], indicator=indicator, agency=agency, old=None)
        return
    targets = dict(indicator.targets)
    old = targets.pop(agency.code, None)
    if change.target is not None:
        targets[agency.code] = change.target
    saved = store.indicators.save(dataclasses.replace(indicator, targets=targets),
                                  actor=scope.user_id, at=scope.now)
    await reply(update, context, scope, "indicator_target", reason="saved", given=text,
                indicator=saved, agency=agency, old=old)


async def on_button(update: Update, context: Ctx) -> None:
    """An indicator or agency chosen for a /target that named it unclearly."""
    action, args = await answered(update)
    base = await resolve(update, context)
    pending = pendings(context).get(int(args[0]), base) if args and args[0].isdigit() else None
    if pending is None or pending.user_id != base.user_id:
        await reply(update, context, base, "indicator_report_error",
                    reason="expired" if pending is None else "not_yours", indicator=None,
                    own=None, examples=example_periods(base.today), current=None)
        return
    scope = base.in_workspace(pending.workspace)
    if scope is None or not await require(update, context, scope, Action.MANAGE):
        return
    assert scope.store is not None
    pendings(context).items.pop(pending.id, None)
    indicator = scope.store.indicators.get(int(args[1])) if args[1:] and args[1].isdigit() \
        else None
    if indicator is None:
        return
    agency = scope.store.agency(args[2]) if action == "ta" and len(args) > 2 else None
    await _target(update, context, scope, pending.text, indicator, agency)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add /newindicator (/themchiso), /target (/muctieu) and /target's buttons."""
    application.add_handler(CommandHandler(["newindicator", "themchiso"], new_indicator))
    application.add_handler(CommandHandler(["target", "muctieu"], target))
    application.add_handler(CallbackQueryHandler(on_button, pattern=rf"^{PREFIX}:(?:ti|ta):"))
