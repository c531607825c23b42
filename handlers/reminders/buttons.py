"""The buttons under reminders and extension requests: `rem:<action>:<workspace>:<number>[:<arg>]`.

Done and the progress steps save through the task card's own function
(handlers/tasks/updates.py: press_button), so a press leaves the same audit entry either way.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.error import TelegramError

from bot import reminders as plan
from bot import taskops
from bot.dates import Deadline
from bot.model import Task
from bot.permissions import Action
from bot.reminders import ExtensionStatus, Kind, ReminderKey, Snooze
from bot.taskops import Press
from handlers.common import Ctx, Scope, buttons, pressed_in
from handlers.reminders.jobs import reschedule
from handlers.reminders.sending import button_labels, data, render, task_markup, to_people_now
from handlers.tasks.updates import press_button

log = logging.getLogger(__name__)

Button = Callable[[Update, Ctx, Scope, Task, "int | None"], Awaitable[None]]


def _toast(scope: Scope, kind: str, **values: Any) -> str:
    # Toasts are plain text, at most 200 characters.
    text = scope.services.renderer.render("reminder_toast", scope.lang, kind=kind, tz=scope.tz,
                                          **values)
    return html.unescape(text)[:200]


async def _edit(update: Update, context: Ctx, scope: Scope, template: str,
                markup: InlineKeyboardMarkup | None, **values: Any) -> None:
    """Replace the pressed message (a reminder stays one message, whatever was pressed)."""
    query = update.callback_query
    assert query is not None and scope.store is not None
    text = render(context.application, scope.store, scope.lang, template, **values)
    try:
        await query.edit_message_text(text, parse_mode="HTML", reply_markup=markup)
    except TelegramError as exc:
        if "not modified" not in str(exc):
            log.info("could not edit a reminder: %s", exc)


async def _show_task(update: Update, context: Ctx, scope: Scope, task: Task, flash: str | None,
                     markup: InlineKeyboardMarkup | None, **extra: Any) -> None:
    assert scope.store is not None
    today = scope.today
    await _edit(update, context, scope, "reminder_task", markup, task=task, mentions=[],
                kind="update", days_left=(task.deadline - today).days if task.deadline else 0,
                flash=flash, **extra)


async def on_button(update: Update, context: Ctx) -> None:
    """`rem:<action>:<workspace>:<number>[:<arg>]`: the buttons under reminders and requests."""
    query = update.callback_query
    assert query is not None
    parts = (query.data or "").split(":")
    if len(parts) < 4 or not all(p.lstrip("-").isdigit() for p in parts[2:]):
        await query.answer()
        return
    action, chat_id, number = parts[1], int(parts[2]), int(parts[3])
    arg = int(parts[4]) if len(parts) > 4 else None
    scope = await pressed_in(update, context, chat_id, _toast)
    if scope is None:
        return
    assert scope.store is not None
    if action in ("exok", "exno"):
        await _decide_extension(update, context, scope, number, action == "exok")
        return
    task = scope.store.task(number)
    if task is None:
        await query.answer(_toast(scope, "unknown", number=number), show_alert=True)
        return
    if not scope.may(Action.UPDATE_TASK, task):
        await query.answer(_toast(scope, "not_yours", task=task), show_alert=True)
        return
    if task.is_closed:
        await query.answer(_toast(scope, "closed", task=task), show_alert=True)
        await _show_task(update, context, scope, task, None, None)
        return
    handler = _ACTIONS.get(action)
    if handler is None:
        await query.answer()
        return
    await handler(update, context, scope, task, arg)


async def _done(update: Update, context: Ctx, scope: Scope, task: Task, _: int | None) -> None:
    await _press(update, context, scope, task, Press.DONE, 0, "done")


async def _progress_choices(update: Update, context: Ctx, scope: Scope, task: Task,
                            _: int | None) -> None:
    assert scope.store is not None and update.callback_query is not None
    label = button_labels(context.application, scope.lang)
    chat, n = scope.store.workspace.chat_id, task.number
    markup = buttons([
        [(f"{p}%", data("pset", chat, n, p)) for p in taskops.PROGRESS_STEPS],
        [(label["back"], data("back", chat, n))],
    ])
    await update.callback_query.answer()
    await _show_task(update, context, scope, task, None, markup)


async def _set_progress(update: Update, context: Ctx, scope: Scope, task: Task,
                        percent: int | None) -> None:
    if percent is None:
        await _progress_choices(update, context, scope, task, None)
        return
    flash = "done" if percent == 100 else "progress"
    await _press(update, context, scope, task, Press.PROGRESS, percent, flash)


async def _press(update: Update, context: Ctx, scope: Scope, task: Task, pressed: Press,
                 percent: int, flash: str) -> None:
    query = update.callback_query
    assert query is not None and scope.store is not None
    app = context.application
    outcome = press_button(scope, task, pressed, percent)
    if isinstance(outcome, taskops.TaskError):
        await query.answer(_toast(scope, "error", error=outcome.value, task=task),
                           show_alert=True)
        return
    reschedule(app, scope.store.workspace.chat_id)
    await query.answer(_toast(scope, flash, task=outcome))
    markup = None if outcome.is_closed else task_markup(app, scope.store, scope.lang, outcome)
    await _show_task(update, context, scope, outcome, flash, markup)


async def _back(update: Update, context: Ctx, scope: Scope, task: Task, _: int | None) -> None:
    assert scope.store is not None and update.callback_query is not None
    await update.callback_query.answer()
    markup = task_markup(context.application, scope.store, scope.lang, task)
    await _show_task(update, context, scope, task, None, markup)


async def _snooze(update: Update, context: Ctx, scope: Scope, task: Task, _: int | None
                  ) -> None:
    assert scope.store is not None and update.callback_query is not None
    until = plan.snooze_until(scope.today)
    scope.store.reminders.snooze(Snooze(task.number, until, scope.user_id, scope.now))
    reschedule(context.application, scope.store.workspace.chat_id)
    await update.callback_query.answer(_toast(scope, "snoozed", task=task, until=until))
    await _show_task(update, context, scope, task, "snoozed", None, until=until)


def _pending(scope: Scope, task: Task) -> bool:
    """Whether the task already has an extension request waiting for a decision."""
    assert scope.store is not None
    return any(e.status is ExtensionStatus.PENDING
               for e in scope.store.reminders.extensions(task.number))


async def _extension_choices(update: Update, context: Ctx, scope: Scope, task: Task,
                             _: int | None) -> None:
    assert scope.store is not None and update.callback_query is not None
    app = context.application
    if _pending(scope, task):
        await update.callback_query.answer(_toast(scope, "ext_pending", task=task),
                                           show_alert=True)
        return
    if task.deadline is None:  # an ongoing task has no deadline to extend
        await update.callback_query.answer()
        return
    choices = plan.extension_choices(task.deadline, scope.today)
    lines = html.unescape(render(app, scope.store, scope.lang, "reminder_extension_choices",
                                 choices=choices)).splitlines()
    label = button_labels(app, scope.lang)
    chat = scope.store.workspace.chat_id
    rows = [[(text.strip(), data("exq", chat, task.number, days))]
            for (days, _day), text in zip(choices, lines, strict=False)]
    rows.append([(label["back"], data("back", chat, task.number))])
    await update.callback_query.answer()
    await _show_task(update, context, scope, task, "extend", buttons(rows))


async def _request_extension(update: Update, context: Ctx, scope: Scope, task: Task,
                             days: int | None) -> None:
    assert scope.store is not None and update.callback_query is not None
    app = context.application
    query = update.callback_query
    if task.deadline is None:  # an ongoing task has no deadline to extend
        await query.answer()
        return
    choices = dict(plan.extension_choices(task.deadline, scope.today))
    if days is None or days not in choices:
        await _extension_choices(update, context, scope, task, None)
        return
    if _pending(scope, task):
        await query.answer(_toast(scope, "ext_pending", task=task), show_alert=True)
        return
    store = scope.store
    request = store.reminders.request_extension(task.number, scope.user_id, task.deadline,
                                                choices[days], scope.now)
    chat = store.workspace.chat_id
    leaders = plan.escalation_recipients(store.members())

    def markup_for(lang: str) -> InlineKeyboardMarkup:
        label = button_labels(app, lang)
        return buttons([[(label["approve"], data("exok", chat, request.id)),
                         (label["decline"], data("exno", chat, request.id))]])

    key = ReminderKey(task.number, Kind.EXTENSION, scope.today)
    await to_people_now(app, store, key, leaders, "reminder_extension_request", scope.now,
                        markup_for, task=task, request=request)
    await query.answer(_toast(scope, "ext_sent", task=task))
    await _show_task(update, context, scope, task, "ext_sent", None, request=request)


async def _decide_extension(update: Update, context: Ctx, scope: Scope, request_id: int,
                            approve: bool) -> None:
    query = update.callback_query
    assert query is not None and scope.store is not None
    app = context.application
    store = scope.store
    rs = store.reminders
    request = rs.extension(request_id)
    if request is None:
        await query.answer(_toast(scope, "ext_unknown"), show_alert=True)
        return
    task = store.task(request.task)
    if not scope.may(Action.CHANGE_DEADLINE, task):
        await query.answer(_toast(scope, "leaders_only"), show_alert=True)
        return
    if request.status is not ExtensionStatus.PENDING or task is None:
        await query.answer(_toast(scope, "ext_decided", request=request), show_alert=True)
        await _edit(update, context, scope, "reminder_extension_decided", None, request=request,
                    task=task, mentions=[])
        return
    if approve:
        note = html.unescape(render(app, store, store.workspace.lang,
                                    "reminder_extension_note", request=request))
        outcome = taskops.change_deadline(task, Deadline(request.new_deadline), note,
                                          now=scope.now, actor=scope.user_id)
        if isinstance(outcome, taskops.TaskError):
            await query.answer(_toast(scope, "error", error=outcome.value, task=task),
                               show_alert=True)
            return
        task = outcome
    status = ExtensionStatus.APPROVED if approve else ExtensionStatus.DECLINED
    # The new deadline and the closed request are one write: never one without the other.
    decided = rs.decide_extension(request_id, status, scope.user_id, scope.now,
                                  moved=task if approve else None)
    assert decided is not None
    reschedule(app, store.workspace.chat_id)
    await query.answer(_toast(scope, "ext_" + status.value, task=task))
    await _edit(update, context, scope, "reminder_extension_decided", None, request=decided,
                task=task, mentions=[])
    requester = store.member(decided.requested_by)
    if requester is not None:
        key = ReminderKey(task.number, Kind.EXTENSION, scope.today)
        await to_people_now(app, store, key, [requester], "reminder_extension_decided",
                            scope.now, lambda _lang: None, request=decided, task=task)


_ACTIONS: dict[str, Button] = {
    "done": _done,
    "prog": _progress_choices,
    "pset": _set_progress,
    "back": _back,
    "snz": _snooze,
    "ext": _extension_choices,
    "exq": _request_extension,
}
