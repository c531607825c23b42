"""The commands that show and update one task: /task, /done, /progress, /note, /reopen,
/deadline, /canceltask, /history."""

from __future__ import annotations

from telegram import Update

from bot import taskops
from bot.dates import DeadlineError, parse_deadline
from bot.permissions import Action, is_leader
from handlers.common import Ctx, reply, require, resolve
from handlers.tasks.card import agency_labels, names, show_card
from handlers.tasks.updates import apply, task_from_args, usage


async def card(update: Update, context: Ctx) -> None:
    """`/task 12`: the card of one task with its buttons."""
    scope = await resolve(update, context)
    found = await task_from_args(update, context, scope, "task")
    if found is not None:
        await show_card(update, context, scope, found[0])


async def done(update: Update, context: Ctx) -> None:
    """`/done 12 [note]`: mark a task completed."""
    scope = await resolve(update, context)
    found = await task_from_args(update, context, scope, "done")
    if found is None:
        return
    task, note = found
    if not await require(update, context, scope, Action.UPDATE_TASK, task):
        return
    await apply(update, context, scope, task,
                lambda t: taskops.mark_done(t, now=scope.now, actor=scope.user_id, note=note))


async def progress(update: Update, context: Ctx) -> None:
    """`/progress 12 60 [note]`: report how far a task is, in percent."""
    scope = await resolve(update, context)
    found = await task_from_args(update, context, scope, "progress")
    if found is None:
        return
    task, rest = found
    percent, note = taskops.split_percent(rest)
    if percent is None:
        await usage(update, context, scope, "progress", "percent", given=rest, task=task)
        return
    if not await require(update, context, scope, Action.UPDATE_TASK, task):
        return
    await apply(
        update, context, scope, task,
        lambda t: taskops.set_progress(t, percent, now=scope.now, actor=scope.user_id, note=note),
    )


async def note(update: Update, context: Ctx) -> None:
    """`/note 12 text`: add a note to a task's history."""
    scope = await resolve(update, context)
    found = await task_from_args(update, context, scope, "note")
    if found is None:
        return
    task, text = found
    if not text:
        await usage(update, context, scope, "note", "note", task=task)
        return
    if not await require(update, context, scope, Action.UPDATE_TASK, task):
        return
    await apply(update, context, scope, task,
                lambda t: taskops.add_note(t, text, now=scope.now, actor=scope.user_id))


async def reopen(update: Update, context: Ctx) -> None:
    """`/reopen 12 [note]`: put a task marked done by mistake back in progress."""
    scope = await resolve(update, context)
    found = await task_from_args(update, context, scope, "reopen")
    if found is None:
        return
    task, text = found
    if not await require(update, context, scope, Action.UPDATE_TASK, task):
        return
    await apply(update, context, scope, task,
                lambda t: taskops.reopen(t, now=scope.now, actor=scope.user_id, note=text))


async def deadline(update: Update, context: Ctx) -> None:
    """`/deadline 12 31/10/2024 | reason`: move a task's deadline (chair and secretaries)."""
    scope = await resolve(update, context)
    found = await task_from_args(update, context, scope, "deadline")
    if found is None:
        return
    task, rest = found
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


async def cancel_task(update: Update, context: Ctx) -> None:
    """`/canceltask 12 reason`: cancel a task; it leaves the reports' count."""
    scope = await resolve(update, context)
    found = await task_from_args(update, context, scope, "canceltask")
    if found is None:
        return
    task, reason = found
    if not await require(update, context, scope, Action.MANAGE, task):
        return
    if not reason:
        await usage(update, context, scope, "canceltask", "reason", task=task)
        return
    await apply(update, context, scope, task,
                lambda t: taskops.cancel(t, reason, now=scope.now, actor=scope.user_id))


async def history(update: Update, context: Ctx) -> None:
    """`/history 12`: the audit trail of one task (chair and secretaries)."""
    scope = await resolve(update, context)
    found = await task_from_args(update, context, scope, "history")
    if found is None:
        return
    task = found[0]
    if not await require(update, context, scope, Action.READ_AUDIT, task):
        return
    assert scope.store is not None
    lines = taskops.audit_lines(scope.store.audit(task=task.number), task)
    await reply(update, context, scope, "task_history", task=task, lines=lines,
                names=names(scope), agencies=agency_labels(scope))
