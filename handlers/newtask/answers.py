"""The wizard's steps: /newtask, the typed answers, the buttons, /cancel and the time-out."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update

from bot.newtask import (
    Problem,
    clean_text,
    clean_title,
    duplicates,
    parse_oneliner,
    read_deadline,
    read_lead,
    with_deadline,
    with_lead,
)
from bot.permissions import Action
from handlers.common import Ctx, Scope, command_args, edit_or_send, render, require, resolve, send
from handlers.newtask.questions import (
    after_lead,
    ask_deadline,
    ask_lead,
    ask_plan,
    ask_title,
    confirm,
    create,
)
from handlers.newtask.wizard import (
    CALLBACK,
    END,
    PLAN,
    Wizard,
    ask,
    drop_buttons,
    end,
    label,
    still_allowed,
    wizard_of,
    wizards,
)
from store.workspace import WorkspaceStore


async def start(update: Update, context: Ctx) -> int:
    """`/newtask` alone starts the wizard; `/newtask title | agency | deadline ...` creates."""
    scope = await resolve(update, context)
    await end(context, scope, wizard_of(context, scope))  # a new /newtask replaces an open one
    if not await require(update, context, scope, Action.MANAGE):
        return END
    store = scope.store
    message = update.effective_message
    assert store is not None and message is not None
    wizard = Wizard(wid=message.message_id, workspace=store.workspace.chat_id)
    args = command_args(update)
    if not args:
        wizards(context)[scope.chat_id] = wizard
        return await ask_title(update, context, scope, wizard)

    result = parse_oneliner(
        args, agencies=store.agencies(), members=store.members(), tasks=store.tasks(),
        now=scope.now, tz=store.workspace.tz, lang=scope.lang,
    )
    wizard.draft, wizard.oneliner = result.draft, True
    if result.lead_choices:
        wizards(context)[scope.chat_id] = wizard
        return await ask_lead(update, context, scope, wizard, result.errors[0])
    if not result.ok:
        await send(context, scope.chat_id, render(scope, "newtask_errors", errors=result.errors),
                   reply_to=message.message_id if scope.is_group else None)
        return END
    wizards(context)[scope.chat_id] = wizard
    if result.warnings:
        return await confirm(update, context, scope, wizard, result.warnings)
    return await create(update, context, scope, wizard)


# --- typed answers ------------------------------------------------------------------------


Typed = Callable[[Update, Ctx, Scope, Wizard, WorkspaceStore, str], Coroutine[Any, Any, int]]
Pressed = Callable[[Update, Ctx, Scope, Wizard, WorkspaceStore, str, str],
                   Coroutine[Any, Any, "int | None"]]


def _typed(step: Typed) -> Callable[[Update, Ctx], Coroutine[Any, Any, int]]:
    """A typed answer to the sender's open wizard: the step gets the wizard, its workspace
    and the text; with no wizard, or if he may no longer manage the workspace, it ends."""

    @functools.wraps(step)
    async def answered(update: Update, context: Ctx) -> int:
        scope = await resolve(update, context)
        wizard = wizard_of(context, scope)
        message = update.effective_message
        if wizard is None or message is None or not await still_allowed(
                update, context, scope, wizard):
            await end(context, scope, wizard)
            return END
        assert scope.store is not None  # still_allowed set the wizard's workspace
        return await step(update, context, scope, wizard, scope.store, message.text or "")

    return answered


@_typed
async def on_title(update: Update, context: Ctx, scope: Scope, wizard: Wizard,
                   store: WorkspaceStore, text: str) -> int:
    """The task's title, typed."""
    title = clean_title(text)
    if isinstance(title, Problem):
        return await ask_title(update, context, scope, wizard, title)
    wizard.draft = dataclasses.replace(wizard.draft, title=title)
    return await ask_lead(update, context, scope, wizard)


@_typed
async def on_lead(update: Update, context: Ctx, scope: Scope, wizard: Wizard,
                  store: WorkspaceStore, text: str) -> int:
    """The lead agency's name, typed."""
    agency = read_lead(text, store.agencies())
    if isinstance(agency, Problem):
        return await ask_lead(update, context, scope, wizard, agency)
    await drop_buttons(context, scope, wizard)
    wizard.draft = with_lead(wizard.draft, agency.code, store.members())
    return await after_lead(update, context, scope, wizard)


@_typed
async def on_deadline(update: Update, context: Ctx, scope: Scope, wizard: Wizard,
                      store: WorkspaceStore, text: str) -> int:
    """The deadline, typed; a bad one is asked again with an example."""
    deadline = read_deadline(text, now=scope.now, tz=store.workspace.tz, lang=scope.lang)
    if isinstance(deadline, Problem):
        return await ask_deadline(update, context, scope, wizard, deadline)
    wizard.draft = with_deadline(wizard.draft, deadline)
    return await ask_plan(update, context, scope, wizard)


@_typed
async def on_plan(update: Update, context: Ctx, scope: Scope, wizard: Wizard,
                  store: WorkspaceStore, text: str) -> int:
    """A new plan's name, typed."""
    plan = clean_text(text, "plan")
    if isinstance(plan, Problem) or not plan:
        return await ask_plan(update, context, scope, wizard,
                              plan if isinstance(plan, Problem) else None)
    await drop_buttons(context, scope, wizard)
    wizard.draft = dataclasses.replace(wizard.draft, plan=plan)
    return await confirm(update, context, scope, wizard, duplicates(wizard.draft, store.tasks()))


# --- buttons ------------------------------------------------------------------------------


def _pressed(step: Pressed) -> Callable[[Update, Ctx], Coroutine[Any, Any, int | None]]:
    """A press on the presser's own open wizard: the step gets the wizard, its workspace, the
    button's verb and argument; any other press is told it is stray, or ends the wizard if he
    may no longer manage the workspace."""

    @functools.wraps(step)
    async def pressed(update: Update, context: Ctx) -> int | None:
        query = update.callback_query
        assert query is not None
        scope = await resolve(update, context)
        wizard = wizard_of(context, scope)
        found = CALLBACK.match(query.data or "")
        if wizard is None or found is None or int(found.group(1)) != wizard.wid:
            await query.answer(label(scope, "stray"), show_alert=True)
            return None
        if not await still_allowed(update, context, scope, wizard):
            await query.answer()
            await end(context, scope, wizard)
            return None
        await query.answer()
        assert scope.store is not None  # still_allowed set the wizard's workspace
        return await step(update, context, scope, wizard, scope.store, found.group(2),
                          found.group(3) or "")

    return pressed


@_pressed
async def on_lead_button(update: Update, context: Ctx, scope: Scope, wizard: Wizard,
                         store: WorkspaceStore, verb: str, arg: str) -> int | None:
    """`new:<wid>:ag:<i>`: the lead picked among the buttons."""
    index = int(arg) if arg.isdigit() else -1
    agency = store.agency(wizard.lead_codes[index]) if 0 <= index < len(wizard.lead_codes) else None
    if agency is None:  # removed meanwhile
        return await ask_lead(update, context, scope, wizard)
    wizard.draft = with_lead(wizard.draft, agency.code, store.members())
    if not wizard.oneliner:
        # The question keeps a trace of the answer; the next one needs a ForceReply in a
        # group, which an edited message cannot carry, so it is a new message.
        await edit_or_send(update, context, scope, "newtask_lead_chosen", None, agency=agency)
        wizard.with_buttons = None
    return await after_lead(update, context, scope, wizard)


@_pressed
async def on_plan_button(update: Update, context: Ctx, scope: Scope, wizard: Wizard,
                         store: WorkspaceStore, verb: str, arg: str) -> int | None:
    """`new:<wid>:pl:<i>|-|+`: an existing plan, no plan, or a new one to type."""
    if arg == "+":
        await drop_buttons(context, scope, wizard)
        await ask(update, context, scope, wizard, "newtask_ask_plan_name")
        return PLAN
    if arg == "-":
        plan = ""
    elif arg.isdigit() and int(arg) < len(wizard.plans):
        plan = wizard.plans[int(arg)]
    else:
        return await ask_plan(update, context, scope, wizard)
    wizard.draft = dataclasses.replace(wizard.draft, plan=plan)
    return await confirm(update, context, scope, wizard, duplicates(wizard.draft, store.tasks()))


@_pressed
async def on_confirm_button(update: Update, context: Ctx, scope: Scope, wizard: Wizard,
                            store: WorkspaceStore, verb: str, arg: str) -> int | None:
    """`new:<wid>:ok|no`: create the task, or drop it."""
    if verb == "ok":
        return await create(update, context, scope, wizard)
    wizard.with_buttons = None
    await edit_or_send(update, context, scope, "newtask_cancelled", None)
    return await end(context, scope, wizard)


async def on_stray_button(update: Update, context: Ctx) -> int | None:
    """A `new:` button of another user's wizard, an old one, or one from before a restart."""
    query = update.callback_query
    assert query is not None
    scope = await resolve(update, context)
    await query.answer(label(scope, "stray"), show_alert=True)
    return None


# --- leaving ------------------------------------------------------------------------------


async def cancel(update: Update, context: Ctx) -> int:
    """`/cancel`: leave the wizard; nothing is saved."""
    scope = await resolve(update, context)
    await end(context, scope, wizard_of(context, scope))
    await send(context, scope.chat_id, render(scope, "newtask_cancelled"))
    return END


async def on_timeout(update: Update, context: Ctx) -> None:
    """Fifteen minutes without an answer: say so, take the buttons away, forget the draft."""
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    scope = await resolve(update, context)
    wizard = wizard_of(context, scope)
    await end(context, scope, wizard)
    await send(context, scope.chat_id, render(scope, "newtask_timeout"))
