"""The one way a person's update of a task is saved, and the steps the task commands share."""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update

from bot import taskops
from bot.model import Task
from bot.permissions import Action
from bot.taskops import Press, TaskError
from handlers.common import Ctx, Handler, Scope, command_args, render, reply, require, resolve, send
from handlers.tasks.card import show_card

Change = Callable[[Task], taskops.Outcome]
TaskCommand = Callable[[Update, Ctx, Scope, Task, str], Coroutine[Any, Any, None]]


def save_update(scope: Scope, task: Task) -> None:
    """Store an updated task; its audit action is named after the update's history entry."""
    assert scope.store is not None
    scope.store.save_task(task, actor=scope.user_id, at=scope.now,
                          action=taskops.audit_action(task))


def press_button(scope: Scope, task: Task, pressed: Press, percent: int = 0
                 ) -> taskops.Outcome:
    """A task's button pressed, on its card or under a reminder: the update, saved unless
    refused. Both places go through here, so the same press leaves the same audit entry."""
    outcome = taskops.press(task, pressed, now=scope.now, actor=scope.user_id,
                            percent=percent)
    if not isinstance(outcome, TaskError):
        save_update(scope, outcome)
    return outcome


def flash(task: Task) -> str:
    """What the card says was just done: the kind of the update's history entry."""
    return task.history[-1].kind.value


async def usage(update: Update, context: Ctx, scope: Scope, command: str, problem: str,
                **values: Any) -> None:
    """Say what was wrong with a task command and how to type it."""
    await reply(update, context, scope, "task_usage", command=command, problem=problem,
                **values)


async def task_from_args(update: Update, context: Ctx, scope: Scope, command: str
                         ) -> tuple[Task, str] | None:
    """The task the command names and the rest of its text; None when the user was told why."""
    if not await require(update, context, scope, Action.READ):
        return None
    assert scope.store is not None
    number, rest = taskops.split_number(command_args(update))
    if number is None:
        await usage(update, context, scope, command, "number", given=rest)
        return None
    task = scope.store.task(number)
    if task is None:
        await reply(update, context, scope, "task_unknown", number=number)
        return None
    return task, rest


async def apply(update: Update | None, context: Ctx, scope: Scope, task: Task, change: Change,
                *, next_year: bool = False) -> Task | None:
    """Store the outcome of `change` and show the card, or explain the refusal; nothing else.

    `next_year`: a new deadline's year was chosen forward, which the card then says."""
    assert scope.store is not None
    outcome = change(task)
    if isinstance(outcome, TaskError):
        await send(context, scope.chat_id,
                   render(scope, "task_error", error=outcome.value, task=task,
                          note_max=taskops.NOTE_MAX))
        return None
    save_update(scope, outcome)
    await show_card(update, context, scope, outcome, flash(outcome), next_year=next_year)
    return outcome


def task_command(command: str) -> Callable[[TaskCommand], Handler]:
    """`/<command> 12 ...`: the function gets the scope, task 12 and the rest of the text; a
    user who may not read the workspace, a missing number or an unknown task is answered here."""

    def wrap(handler: TaskCommand) -> Handler:
        @functools.wraps(handler)
        async def named(update: Update, context: Ctx) -> None:
            scope = await resolve(update, context)
            found = await task_from_args(update, context, scope, command)
            if found is not None:
                await handler(update, context, scope, *found)

        return named

    return wrap


async def update_if_allowed(update: Update, context: Ctx, scope: Scope, task: Task,
                            action: Action, change: Change) -> None:
    """Apply `change` if the user may do `action` to the task; else he is told why not."""
    if await require(update, context, scope, action, task):
        await apply(update, context, scope, task, change)
