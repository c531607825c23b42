"""A task's card: what it shows, the buttons under it, and showing it (new or in place)."""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

from telegram import InlineKeyboardMarkup, Update

from bot import taskops
from bot.dates import day_off
from bot.model import Task, TaskStatus
from bot.permissions import is_leader
from bot.timeliness import classify, days_left, overdue_days
from handlers.common import Ctx, Scope, buttons, edit_or_send, labels, render, send

PREFIX = "task"
CARD_HISTORY = 5  # the last updates a card shows; /history has the full audit trail


def names(scope: Scope) -> dict[int, str]:
    """The members' names by user id, as templates show them."""
    assert scope.store is not None
    return {m.user_id: m.name for m in scope.store.members()}


def agency_labels(scope: Scope) -> dict[str, str]:
    """The agencies' labels by code, as templates show them."""
    assert scope.store is not None
    return {a.code: a.label for a in scope.store.agencies()}


def deadline_notes(scope: Scope, day: dt.date | None, next_year: bool = False, *,
                   offer: bool = True) -> dict[str, Any]:
    """What a reply that sets a deadline says of it: a year chosen forward ("cuối tháng 9"
    typed in November), a weekend or public holiday, and whether a button under the reply
    (`offer`) moves the deadline to the working day before (not when that day is past).
    An ongoing task (no deadline) has nothing to say."""
    off = day_off(day, scope.lang) if day is not None else None
    movable = offer and off is not None and off.working_day_before >= scope.today
    return {"next_year": next_year, "off": off, "movable": movable}


def workday_button(scope: Scope, task: Task) -> list[tuple[str, str]]:
    """The row with the button that moves a deadline on a day off to the working day before,
    for an open task whose notes offer it; the day it moves from is in the data, so a stale
    button does nothing."""
    if (task.is_closed or task.deadline is None
            or not deadline_notes(scope, task.deadline)["movable"]):
        return []
    return [(labels(scope, "task_buttons")["workday"],
             data(scope, "wd", task.number, task.deadline.strftime("%Y%m%d")))]


def card_values(scope: Scope, task: Task, flash: str | None, next_year: bool = False
                ) -> dict[str, Any]:
    """The values of the task_card template."""
    store = scope.store
    assert store is not None
    tz, rule = store.workspace.tz, store.workspace.deadline_rule
    timeliness = classify(task, scope.now, tz, rule)
    return {
        "task": task,
        "flash": flash,
        "timeliness": timeliness.value if timeliness else None,
        "overdue_days": overdue_days(task, scope.now, tz, rule),
        "late_days": taskops.days_late(task, tz, rule),
        "rule": rule.value,
        "days_left": days_left(task, scope.now, tz),
        "agencies": agency_labels(scope),
        "names": names(scope),
        "meeting": store.meeting(task.meeting) if task.meeting else None,
        "history": task.history[-CARD_HISTORY:],
        "earlier": max(len(task.history) - CARD_HISTORY, 0),
        # Only the reply to a deadline change comments on the new deadline.
        "notes": deadline_notes(scope, task.deadline, next_year) if flash == "deadline" else None,
    }


def _ws_part(scope: Scope) -> str:
    """The workspace in callback data: empty in its own group, its chat id anywhere else."""
    assert scope.store is not None
    chat = scope.store.workspace.chat_id
    return "" if chat == scope.chat_id else str(chat)


def data(scope: Scope, action: str, number: int, arg: str = "") -> str:
    """A card button's callback data: `task:<action>:<workspace>:<number>[:<arg>]`."""
    text = f"{PREFIX}:{action}:{_ws_part(scope)}:{number}"
    return f"{text}:{arg}" if arg else text


def card_markup(scope: Scope, task: Task, *, progress_choices: bool = False,
                workday: bool = False) -> InlineKeyboardMarkup | None:
    """The buttons under a card: updates for an open task, note and reopen for a done one;
    with `workday`, first the one that moves a deadline on a day off to the day before."""
    if task.status is TaskStatus.CANCELLED:
        return None
    label = labels(scope, "task_buttons")
    n = task.number
    if task.status is TaskStatus.DONE:
        return buttons([[(label["note"], data(scope, "note", n)),
                         (label["reopen"], data(scope, "reopen", n))]])
    if progress_choices:
        return buttons([
            [(f"{p}%", data(scope, "pg", n, str(p))) for p in taskops.PROGRESS_STEPS],
            [(label["back"], data(scope, "card", n))],
        ])
    rows = [row] if workday and (row := workday_button(scope, task)) else []
    rows.append([(label["done"], data(scope, "done", n)),
                 (label["progress"], data(scope, "pg", n)),
                 (label["note"], data(scope, "note", n))])
    # Everyone in a group sees the same buttons, so the hint is there for all (a member who
    # presses it learns whom to ask); in private only a leader, who can act on it, gets it.
    if scope.is_group or is_leader(scope.member):
        rows.append([(label["deadline"], data(scope, "dl", n))])
    return buttons(rows)


async def show_card(update: Update | None, context: Ctx, scope: Scope, task: Task,
                    flash: str | None = None, *, progress_choices: bool = False,
                    next_year: bool = False) -> None:
    """Show a task's card, editing the message only when one of the card's own buttons was pressed.

    Called from another feature's button (a status list) or from a job (update None), the card
    comes as a new message, so that the list stays where it was.
    """
    values = card_values(scope, task, flash, next_year)
    markup = card_markup(scope, task, progress_choices=progress_choices,
                         workday=flash == "deadline")
    query = update.callback_query if update is not None else None
    if query is not None and (query.data or "").startswith(f"{PREFIX}:") and update is not None:
        await edit_or_send(update, context, scope, "task_card", markup, **values)
        return
    await send(context, scope.chat_id, render(scope, "task_card", **values), markup)


def toast(scope: Scope, kind: str, **values: Any) -> str:
    """A card button's answer: plain text (the template's escaping undone), Telegram keeps 200."""
    return html.unescape(render(scope, "task_toast", kind=kind, **values))[:200]
