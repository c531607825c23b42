"""Sending reminders: to each recipient in private where he can get it, else in the group.

Every delivery of a scheduled reminder is logged in the workspace's store before the next
one starts, so a bot stopped in the middle sends only what it still owes at its restart.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from telegram import InlineKeyboardMarkup
from telegram.ext import Application

from bot import reminders as plan
from bot.model import Member, Task, UserPrefs
from bot.reminders import DeliveryFailure, Kind, Reminder, ReminderKey
from bot.render import normalize_lang
from handlers.common import buttons
from handlers.delivery import Result, Status, deliver
from handlers.services import services
from store.reminders import ReminderStore
from store.workspace import WorkspaceStore

log = logging.getLogger(__name__)

PREFIX = "rem"

App = Application[Any, Any, Any, Any, Any, Any]
MarkupFor = Callable[[str], InlineKeyboardMarkup | None]  # the buttons in a language


def _lang(prefs: UserPrefs | None, store: WorkspaceStore) -> str:
    return normalize_lang((prefs.lang if prefs else None) or store.workspace.lang)


def render(app: App, store: WorkspaceStore, lang: str, name: str, **values: Any) -> str:
    """A reminder template in `lang`, with the workspace's agencies and members' names."""
    svc = services(app)
    return svc.renderer.render(
        name, lang, tz=store.workspace.tz, workspace=store.workspace,
        agencies={a.code: a.label for a in store.agencies()},
        names={m.user_id: m.name for m in store.members()}, **values,
    )


def button_labels(app: App, lang: str) -> dict[str, str]:
    return services(app).renderer.labels("reminder_buttons", lang)


def data(action: str, chat_id: int, *args: object) -> str:
    """A reminder button's callback data: `rem:<action>:<workspace>:<args>`."""
    text = ":".join([PREFIX, action, str(chat_id), *(str(a) for a in args)])
    assert len(text.encode()) <= 64, text
    return text


def task_markup(app: App, store: WorkspaceStore, lang: str, task: Task
                ) -> InlineKeyboardMarkup:
    """Done, Update progress, Remind me tomorrow, Request an extension."""
    label = button_labels(app, lang)
    chat, n = store.workspace.chat_id, task.number
    return buttons([
        [(label["done"], data("done", chat, n)), (label["progress"], data("prog", chat, n))],
        [(label["snooze"], data("snz", chat, n)), (label["extend"], data("ext", chat, n))],
    ])


async def _send(app: App, rs: ReminderStore, key: ReminderKey, chat_id: int, text: str,
                markup: InlineKeyboardMarkup | None, now: dt.datetime) -> Result:
    """One delivery; logged as sent before the next one starts."""
    result = await deliver(app.bot, chat_id, text, markup)
    if result.status is Status.SENT:
        rs.log_sent(key, chat_id, now, result.message_id)
    else:
        log.warning("reminder %s to %s: %s (%s)", key, chat_id, result.status, result.reason)
    return result


async def _to_people(app: App, store: WorkspaceStore, rs: ReminderStore, key: ReminderKey,
                     people: list[Member], template: str, now: dt.datetime,
                     markup_for: MarkupFor | None = None, **values: Any) -> int:
    """Private messages to those who can get them, one group message mentioning the rest."""
    users = services(app).registry.users
    prefs = {m.user_id: users.get(m.user_id) for m in people}
    private, in_group = plan.route(people, prefs)
    done = rs.delivered(key)
    sent = 0
    for member in private:
        if member.user_id in done:
            continue
        lang = _lang(prefs[member.user_id], store)
        text = render(app, store, lang, template, mentions=[], **values)
        markup = markup_for(lang) if markup_for else None
        result = await _send(app, rs, key, member.user_id, text, markup, now)
        if result.status is Status.SENT:
            sent += 1
            continue
        # Blocked (the delivery marked him so) or failing: the group is the way left.
        in_group.append(member)
    group = store.workspace.chat_id
    if in_group and group not in done:
        lang = store.workspace.lang
        text = render(app, store, lang, template, mentions=in_group, **values)
        markup = markup_for(lang) if markup_for else None
        result = await _send(app, rs, key, group, text, markup, now)
        if result.status is Status.SENT:
            sent += 1
        else:
            for member in in_group:
                rs.log_failure(DeliveryFailure(key, group, result.reason, now, member.user_id))
    return sent


async def _to_group(app: App, store: WorkspaceStore, rs: ReminderStore, key: ReminderKey,
                    template: str, now: dt.datetime, **values: Any) -> int:
    group = store.workspace.chat_id
    if group in rs.delivered(key):
        return 0
    text = render(app, store, store.workspace.lang, template, **values)
    result = await _send(app, rs, key, group, text, None, now)
    if result.status is not Status.SENT:
        rs.log_failure(DeliveryFailure(key, group, result.reason, now))
        return 0
    return 1


async def to_people_now(app: App, store: WorkspaceStore, key: ReminderKey, people: list[Member],
                        template: str, now: dt.datetime, markup_for: MarkupFor, **values: Any
                        ) -> None:
    """An immediate message (not a scheduled reminder): same routes, no sent log."""
    users = services(app).registry.users
    prefs = {m.user_id: users.get(m.user_id) for m in people}
    private, in_group = plan.route(people, prefs)
    for member in private:
        lang = _lang(prefs[member.user_id], store)
        text = render(app, store, lang, template, mentions=[], **values)
        result = await deliver(app.bot, member.user_id, text, markup_for(lang))
        if result.status is not Status.SENT:
            in_group.append(member)
    if in_group:
        lang = store.workspace.lang
        text = render(app, store, lang, template, mentions=in_group, **values)
        result = await deliver(app.bot, store.workspace.chat_id, text, markup_for(lang))
        if result.status is not Status.SENT:
            for member in in_group:
                store.reminders.log_failure(DeliveryFailure(
                    key, store.workspace.chat_id, result.reason, now, member.user_id))


async def _report_reminder(app: App, store: WorkspaceStore, rs: ReminderStore,
                           reminder: Reminder, now: dt.datetime) -> int:
    """An agency's officials asked for a missing value; the group for unrepresented ones."""
    report = reminder.report
    assert report is not None
    people, missing = plan.report_recipients(reminder.key.ref, report, store.members())
    values: dict[str, Any] = {"report": report, "days_left": reminder.days_left,
                              "missing": missing}
    if people is not None:
        return await _to_people(app, store, rs, reminder.key, people, "reminder_indicator",
                                now, **values)
    return await _to_group(app, store, rs, reminder.key, "reminder_indicator", now,
                           mentions=[], **values)


async def deliver_reminder(app: App, store: WorkspaceStore, rs: ReminderStore,
                           reminder: Reminder, now: dt.datetime) -> int:
    """Send one due reminder to all its recipients and log it done; messages sent."""
    key = reminder.key
    members = store.members()
    sent = 0
    if reminder.task is not None:
        task = reminder.task
        sent = await _to_people(
            app, store, rs, key, plan.owner_recipients(task, members), "reminder_task", now,
            markup_for=lambda lang: task_markup(app, store, lang, task),
            task=task, kind=key.kind.value, days_left=reminder.days_left, flash=None,
        )
    elif key.kind is Kind.DAILY:
        sent = await _to_group(app, store, rs, key, "reminder_daily", now,
                               standings=reminder.tasks, today=key.day)
    elif key.kind is Kind.ESCALATION:
        sent = await _to_people(app, store, rs, key, plan.escalation_recipients(members),
                                "reminder_escalation", now, standings=reminder.tasks,
                                today=key.day)
    elif key.kind is Kind.INDICATOR and reminder.report is not None:
        sent = await _report_reminder(app, store, rs, reminder, now)
    elif key.kind is Kind.DIGEST and reminder.digest is not None:
        sent = await _to_group(app, store, rs, key, "reminder_digest", now,
                               digest=reminder.digest)
        # Failures shown (or logged again, if the digest itself failed) are not repeated.
        rs.mark_reported()
    # Every recipient has been handled, reached or logged as failed: never again.
    rs.log_done(key, now)
    return sent
