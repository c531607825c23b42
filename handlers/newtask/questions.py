"""The wizard's questions, the summary to confirm, and the creation of the task."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot.model import Task
from bot.newtask import Problem, deadline_passed, duplicates, frequent_agencies, plan_names, to_task
from handlers.common import Ctx, Scope, buttons, edit_or_send, render, send
from handlers.newtask.wizard import (
    CONFIRM,
    DEADLINE,
    LEAD,
    MAX_CHOICES,
    PLAN,
    QUICK_AGENCIES,
    TITLE,
    Wizard,
    ask,
    card_values,
    data,
    drop_buttons,
    end,
    label,
    short,
    store_of,
)
from handlers.tasks.card import deadline_notes, workday_button
from store.workspace import WorkspaceStore


async def ask_title(update: Update, context: Ctx, scope: Scope, wizard: Wizard,
                    problem: Problem | None = None) -> int:
    await ask(update, context, scope, wizard, "newtask_ask_title", problem=problem)
    return TITLE


async def ask_lead(update: Update, context: Ctx, scope: Scope, wizard: Wizard,
                   problem: Problem | None = None) -> int:
    store = store_of(scope, wizard)
    assert store is not None
    if problem is not None and problem.code == "agency_ambiguous":
        choices = list(problem.agencies)[:MAX_CHOICES]
        wizard.lead_codes = [a.code for a in choices]
        rows = [[(short(a.label), data(wizard, "ag", str(i)))] for i, a in enumerate(choices)]
        await ask(update, context, scope, wizard, "newtask_pick_lead", buttons(rows),
                  given=problem.text, choices=choices)
        return LEAD
    quick = frequent_agencies(store.tasks(), store.agencies(), QUICK_AGENCIES)
    if scope.is_group or not quick:
        # In a group the question carries a ForceReply, and a message has one markup only.
        await ask(update, context, scope, wizard, "newtask_ask_lead", problem=problem,
                  quick=False)
        return LEAD
    wizard.lead_codes = [a.code for a in quick]
    labels = [(short(a.label), data(wizard, "ag", str(i))) for i, a in enumerate(quick)]
    rows = [labels[i:i + 2] for i in range(0, len(labels), 2)]
    await ask(update, context, scope, wizard, "newtask_ask_lead", buttons(rows),
              problem=problem, quick=True)
    return LEAD


async def ask_deadline(update: Update, context: Ctx, scope: Scope, wizard: Wizard,
                       problem: Problem | None = None) -> int:
    await ask(update, context, scope, wizard, "newtask_ask_deadline", problem=problem)
    return DEADLINE


async def ask_plan(update: Update, context: Ctx, scope: Scope, wizard: Wizard,
                   problem: Problem | None = None) -> int:
    store = store_of(scope, wizard)
    assert store is not None
    wizard.plans = plan_names(store.tasks())
    rows = [[(short(p), data(wizard, "pl", str(i)))] for i, p in enumerate(wizard.plans)]
    rows.append([(label(scope, "no_plan"), data(wizard, "pl", "-")),
                 (label(scope, "new_plan"), data(wizard, "pl", "+"))])
    await ask(update, context, scope, wizard, "newtask_ask_plan", buttons(rows),
              problem=problem, has_plans=bool(wizard.plans))
    return PLAN


def confirm_markup(scope: Scope, wizard: Wizard) -> InlineKeyboardMarkup:
    return buttons([[(label(scope, "create"), data(wizard, "ok")),
                     (label(scope, "cancel"), data(wizard, "no"))]])


async def confirm(update: Update, context: Ctx, scope: Scope, wizard: Wizard,
                  warnings_: list[Problem]) -> int:
    """Show the task as it will be created, with any warning, and Create / Cancel buttons."""
    store = store_of(scope, wizard)
    assert store is not None
    draft = wizard.draft
    assert draft.deadline is not None
    notes = deadline_notes(scope, draft.deadline, draft.deadline_next_year, offer=False)
    values = dict(draft=draft, warnings=warnings_, notes=notes, **card_values(store))
    markup = confirm_markup(scope, wizard)
    if update.callback_query is not None:
        # A button was pressed on the previous question: that message becomes the summary.
        await edit_or_send(update, context, scope, "newtask_confirm", markup, **values)
        message = update.callback_query.message
        if message is not None and message.message_id != wizard.with_buttons:
            await drop_buttons(context, scope, wizard)
        wizard.with_buttons = message.message_id if message is not None else None
    else:
        await ask(update, context, scope, wizard, "newtask_confirm", markup, **values)
    return CONFIRM


async def create(update: Update, context: Ctx, scope: Scope, wizard: Wizard) -> int:
    """Store the task and show its card; a deadline that passed meanwhile is asked again."""
    store = store_of(scope, wizard)
    assert store is not None
    passed = deadline_passed(wizard.draft, now=scope.now, tz=store.workspace.tz)
    if passed is not None:
        wizard.oneliner = False
        return await ask_deadline(update, context, scope, wizard, passed)
    task = store.add_task(to_task(wizard.draft, actor=scope.user_id, now=scope.now),
                          actor=scope.user_id, at=scope.now)
    await created(update, context, scope, wizard, store, task)
    return await end(context, scope, wizard)


async def created(update: Update, context: Ctx, scope: Scope, wizard: Wizard,
                  store: WorkspaceStore, task: Task) -> None:
    notes = deadline_notes(scope, task.deadline, wizard.draft.deadline_next_year)
    values = dict(task=task, notes=notes, **card_values(store))
    row = workday_button(scope, task)
    markup = buttons([row]) if row else None
    query = update.callback_query
    if query is not None and query.message is not None:
        if query.message.message_id == wizard.with_buttons:
            wizard.with_buttons = None  # the edit below takes its buttons away
        await edit_or_send(update, context, scope, "newtask_created", markup, **values)
    else:
        await send(context, scope.chat_id, render(scope, "newtask_created", **values), markup)


async def after_lead(update: Update, context: Ctx, scope: Scope, wizard: Wizard) -> int:
    """Next step once the lead is known: the wizard asks the deadline; a one-liner is done."""
    if not wizard.oneliner:
        return await ask_deadline(update, context, scope, wizard)
    store = store_of(scope, wizard)
    assert store is not None
    found = duplicates(wizard.draft, store.tasks())
    if found:
        return await confirm(update, context, scope, wizard, found)
    return await create(update, context, scope, wizard)
