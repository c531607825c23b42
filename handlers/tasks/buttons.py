"""The buttons under a task's card: `task:<action>:<workspace>:<number>[:<arg>]`."""

from __future__ import annotations

import datetime as dt
import re

from telegram import Update

from bot import taskops
from bot.model import Task
from bot.permissions import Action
from bot.taskops import Press, TaskError
from handlers.common import Ctx, Scope, edit_or_send, pressed_in
from handlers.tasks.card import card_markup, card_values, show_card, toast
from handlers.tasks.notes import ask_note
from handlers.tasks.reassign import chosen_agency
from handlers.tasks.updates import flash, press_button, save_update


async def on_button(update: Update, context: Ctx) -> None:
    """`task:<action>:<workspace>:<number>[:<arg>]`: the buttons under a card."""
    query = update.callback_query
    assert query is not None
    parts = (query.data or "").split(":", 4)
    if len(parts) < 4 or not parts[3].isdigit() or not re.fullmatch(r"-?\d*", parts[2]):
        await query.answer()
        return
    action, number = parts[1], int(parts[3])
    ws = int(parts[2]) if parts[2] else None
    arg = parts[4] if len(parts) > 4 else ""
    scope = await pressed_in(update, context, ws, toast)
    if scope is None:
        return
    assert scope.store is not None
    task = scope.store.task(number)
    if task is None:
        await query.answer(toast(scope, "unknown", number=number), show_alert=True)
        return
    if action == "card":
        await query.answer()
        await show_card(update, context, scope, task)
        return
    if action == "dl":
        allowed = scope.may(Action.CHANGE_DEADLINE, task)
        await query.answer(toast(scope, "deadline_hint" if allowed else "deadline_ask",
                                 task=task), show_alert=True)
        return
    if action == "ra":
        await _button_reassign(update, context, scope, task, arg)
        return
    if action == "wd":
        await _button_workday(update, context, scope, task, arg)
        return
    if not scope.may(Action.UPDATE_TASK, task):
        await query.answer(toast(scope, "not_yours", task=task), show_alert=True)
        return
    if action == "pg" and not arg:
        await query.answer()
        await show_card(update, context, scope, task, progress_choices=True)
        return
    if action == "note":
        await query.answer()
        await ask_note(context, scope, task)
        return
    await _press(update, context, scope, task, action, arg)


_PRESSES = {"done": Press.DONE, "reopen": Press.REOPEN, "pg": Press.PROGRESS}


async def _press(update: Update, context: Ctx, scope: Scope, task: Task, action: str,
                 arg: str) -> None:
    """Done, reopen, a progress step: the same update as the reminders' buttons make."""
    query = update.callback_query
    assert query is not None
    pressed = _PRESSES.get(action)
    if pressed is None or (pressed is Press.PROGRESS and not arg.isdigit()):
        await query.answer()
        return
    outcome = press_button(scope, task, pressed, int(arg) if arg.isdigit() else 0)
    if isinstance(outcome, TaskError):
        await query.answer(toast(scope, "error", error=outcome.value, task=task),
                           show_alert=True)
        # The card may be stale (someone else updated the task): show it as it is now.
        await show_card(update, context, scope, task)
        return
    await query.answer(toast(scope, flash(outcome), task=outcome))
    await show_card(update, context, scope, outcome, flash(outcome))


async def _button_reassign(update: Update, context: Ctx, scope: Scope, task: Task,
                           key: str) -> None:
    """The agency chosen among several that a /reassign matched."""
    query = update.callback_query
    assert query is not None and scope.store is not None
    if not scope.may(Action.MANAGE, task):
        await query.answer(toast(scope, "leaders_only"), show_alert=True)
        return
    agency = chosen_agency(scope.store.agencies(), key)
    if agency is None:
        await query.answer(toast(scope, "agency_gone"), show_alert=True)
        return
    outcome = taskops.reassign(task, now=scope.now, actor=scope.user_id, lead=agency.code)
    if await _saved(update, scope, task, outcome, "reassigned"):
        assert isinstance(outcome, Task)
        await edit_or_send(update, context, scope, "task_card", card_markup(scope, outcome),
                           **card_values(scope, outcome, flash(outcome)))


async def _saved(update: Update, scope: Scope, task: Task, outcome: taskops.Outcome,
                 said: str) -> bool:
    """Save a button's outcome and say `said`, or say why it was refused; whether it saved."""
    query = update.callback_query
    assert query is not None
    if isinstance(outcome, TaskError):
        await query.answer(toast(scope, "error", error=outcome.value, task=task),
                           show_alert=True)
        return False
    save_update(scope, outcome)
    await query.answer(toast(scope, said, task=outcome))
    return True


async def _button_workday(update: Update, context: Ctx, scope: Scope, task: Task,
                          moved_from: str) -> None:
    """Move a deadline that fell on a day off to the working day before (as the note said)."""
    query = update.callback_query
    assert query is not None
    if not scope.may(Action.CHANGE_DEADLINE, task):
        await query.answer(toast(scope, "leaders_only"), show_alert=True)
        return
    try:
        day = dt.datetime.strptime(moved_from, "%Y%m%d").date()
    except ValueError:
        await query.answer()
        return
    outcome = taskops.to_working_day(task, day, now=scope.now, actor=scope.user_id)
    if await _saved(update, scope, task, outcome, "workday"):
        assert isinstance(outcome, Task)
        await show_card(update, context, scope, outcome, "workday")
