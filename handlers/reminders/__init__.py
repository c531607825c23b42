"""Reminders, escalations and the weekly digest: /remindersettings, the buttons, the jobs.

*What* is due *when* is decided in bot/reminders.py (and the schedule's choices in
bot/wakeups.py); `jobs.py` wakes each workspace when it is told to and schedules the next
wake-up, `sending.py` sends what the plan says and logs every delivery, `buttons.py` answers
the buttons under reminders and extension requests.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, TypeHandler

from bot import reminders as plan
from bot.permissions import Action
from handlers.common import Ctx, Scope, allowed, command_args, reply, require
from handlers.reminders.buttons import on_button
from handlers.reminders.jobs import (
    JOB_PREFIX,
    KEY,
    Engine,
    engine,
    moved,
    on_start,
    reminder_store,
    reschedule,
    run_due,
    wake,
    watch,
)
from handlers.reminders.sending import PREFIX, task_markup
from store.workspace import WorkspaceStore

__all__ = ["JOB_PREFIX", "engine", "moved", "on_start", "register", "reminder_store",
           "reschedule", "run_due", "task_markup", "wake"]

# The watcher sees every update, before and after every feature's handlers (group 0): a
# change saved by any of them reschedules the workspace's reminders. It only reads updates
# and never stops them, so the features answer as if it were not there.
WATCH_GROUPS = (-100, 100)


@allowed(Action.READ)
async def settings_command(update: Update, context: Ctx, scope: Scope,
                           store: WorkspaceStore) -> None:
    """/remindersettings [change]: show the reminder policy, or change it (chair, secretaries)."""
    app = context.application
    rs = store.reminders
    text = command_args(update)
    if not text:
        await reply(update, context, scope, "reminder_settings", policy=rs.policy(), saved=False,
                    wake=engine(app).wakeups.get(store.workspace.chat_id),
                    leader=scope.may(Action.MANAGE))
        return
    if not await require(update, context, scope, Action.MANAGE):
        return
    try:
        policy = plan.change_policy(rs.policy(), text)
    except plan.PolicyError as error:
        await reply(update, context, scope, "reminder_settings_error", reason=error.reason,
                    setting=error.setting, value=error.value, typed=text)
        return
    rs.save_policy(policy, actor=scope.user_id, at=scope.now)
    wake_at = reschedule(app, store.workspace.chat_id)
    await reply(update, context, scope, "reminder_settings", policy=policy, saved=True,
                wake=wake_at, leader=True)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add /remindersettings, the reminder buttons, and the watcher that reschedules."""
    application.bot_data[KEY] = Engine()
    application.add_handler(CommandHandler(["remindersettings", "caidatnhacviec"],
                                           settings_command))
    application.add_handler(CallbackQueryHandler(on_button, pattern=rf"^{PREFIX}:"))
    for group in WATCH_GROUPS:
        application.add_handler(TypeHandler(Update, watch), group=group)
