"""The commands that show and update one task: /task, /done, /progress, /note, /reopen,
/deadline, /canceltask, /history."""

from __future__ import annotations

from collections.abc import Callable

from telegram import Update

from bot import taskops
from bot.dates import DeadlineError, parse_deadline
from bot.model import Task
from bot.permissions import Action, is_leader
from handlers.common import Ctx, Scope, reply, require
from handlers.tasks.card import agency_labels, names, show_card
from handlers.tasks.updates import apply, task_command, update_if_allowed, usage


@task_command("task")
async def card(update: Update, context: Ctx, scope: Scope, task: Task, _: str) -> None:
    """`/task 12`: the card of one task with its buttons."""
    await show_card(update, context, scope, task)


@task_command("done")
async def done(update: Update, context: Ctx, scope: Scope, task: Task, note: str) -> None:
    """`/done 12 [note]`: mark a task completed."""
    await _noted(update, context, scope, task, note, taskops.mark_done)


async def _noted(update: Update, context: Ctx, scope: Scope, task: Task, note: str,
                 operation: Callable[..., taskops.Outcome]) -> None:
    """An owner's update whose typed text is its optional note (/done, /reopen)."""
    await update_if_allowed(
        update, context, scope, task, Action.UPDATE_TASK,
        lambda t: operation(t, now=scope.now, actor=scope.user_id, note=note))


@task_command("progress")
async def progress(update: Update, context: Ctx, scope: Scope, task: Task, rest: str) -> None:
    """`/progress 12 60 [note]`: report how far a task is, in percent."""
    percent, note = taskops.split_percent(rest)
    if percent is None:
        await usage(update, context, scope, "progress", "percent", given=rest, task=task)
        return
    await update_if_allowed(
        update, context, scope, task, Action.UPDATE_TASK,
        lambda t: taskops.set_progress(t, percent, now=scope.now, actor=scope.user_id, note=note),
    )


@task_command("note")
async def note(update: Update, context: Ctx, scope: Scope, task: Task, text: str) -> None:
    """`/note 12 text`: add a note to a task's history."""
    if not text:
        await usage(update, context, scope, "note", "note", task=task)
        return
    await update_if_allowed(
        update, context, scope, task, Action.UPDATE_TASK,
        lambda t: taskops.add_note(t, text, now=scope.now, actor=scope.user_id))


@task_command("history")
async def history(update: Update, context: Ctx, scope: Scope, task: Task, _: str) -> None:
    """`/history 12`: the audit trail of one task (chair and secretaries)."""
    if not await require(update, context, scope, Action.READ_AUDIT, task):
        return
    assert scope.store is not None
    lines = taskops.audit_lines(scope.store.audit(task=task.number), task)
    await reply(update, context, scope, "task_history", task=task, lines=lines,
                names=names(scope), agencies=agency_labels(scope))


@task_command("reopen")
async def reopen(update: Update, context: Ctx, scope: Scope, task: Task, text: str) -> None:
    """`/reopen 12 [note]`: put a task marked done by mistake back in progress."""
    await _noted(update, context, scope, task, text, taskops.reopen)


@task_command("deadline")
async def deadline(update: Update, context: Ctx, scope: Scope, task: Task, rest: str) -> None:
    """`/deadline 12 31/10/2024 | reason`: move a task's deadline (chair and secretaries)."""
    if not scope.may(Action.CHANGE_DEADLINE, task):
        if scope.may(Action.UPDATE_TASK, task):
            # An owner may not move his own deadline: he is pointed to the people who may.
            assert scope.store is not None
            leaders = [m for m in scope.store.members() if is_leader(m)]
            await reply(update, context, scope, "task_deadline_ask", task=task, leaders=leaders,
                        request=rest)
        else:
            await require(update, context, scope, Action.CHANGE_DEADLINE, task)
        return
    when, bar, reason = rest.partition("|")
    if not when.strip():
        await usage(update, context, scope, "deadline", "date", task=task)
        return
    try:
        new = parse_deadline(when, today=scope.today, lang=scope.lang)
    except DeadlineError as exc:
        await usage(update, context, scope, "deadline", f"date_{exc.reason}", task=task,
                    given=when.strip(), day=exc.day)
        return
    if not bar or not reason.strip():
        await usage(update, context, scope, "deadline", "reason", task=task, given=when.strip())
        return
    await apply(
        update, context, scope, task,
        lambda t: taskops.change_deadline(t, new, reason, now=scope.now, actor=scope.user_id),
        next_year=new.next_year,
    )


@task_command("canceltask")
async def cancel_task(update: Update, context: Ctx, scope: Scope, task: Task, reason: str
                      ) -> None:
    """`/canceltask 12 reason`: cancel a task; it leaves the reports' count."""
    if not await require(update, context, scope, Action.MANAGE, task):
        return
    if not reason:
        await usage(update, context, scope, "canceltask", "reason", task=task)
        return
    await apply(update, context, scope, task,
                lambda t: taskops.cancel(t, reason, now=scope.now, actor=scope.user_id))
