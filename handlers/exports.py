"""The tasks out of the chat: /export (/xuatexcel) as an Excel workbook, /calendar (/lich) as
an .ics file of open deadlines.

/export is for the chair and the secretaries; /calendar for every member: `mine` (default:
the tasks he is responsible for or his agency leads), `agency` (his agency's, coordinating
included), `all` (the whole group's). Both files are built off the event loop and sent in
the chat where they were asked for.
"""

from __future__ import annotations

import asyncio
import html
from typing import Any

from telegram import InputFile, Update
from telegram.ext import Application, CommandHandler

from bot import reports
from bot.calendar_ics import CalendarEntry, build_calendar, calendar_key, rrule_of
from bot.export_xlsx import build_export
from bot.model import Task
from bot.names import fold
from bot.permissions import Action
from bot.render import pairs
from handlers.common import Ctx, Scope, allowed, command_args, render, reply
from store.workspace import WorkspaceStore

_WHO = {
    "": "mine", "mine": "mine", "me": "mine", "toi": "mine", "cua toi": "mine",
    "agency": "agency", "donvi": "agency", "don vi": "agency",
    "all": "all", "group": "all", "nhom": "all", "ca to": "all", "tatca": "all", "tat ca": "all",
}  # fmt: skip


@allowed(Action.SUMMARY)
async def export(update: Update, context: Ctx, scope: Scope, store: WorkspaceStore) -> None:
    """`/export`: every task and the totals per agency as an .xlsx, headers in the language."""
    made = await workbook(scope)
    if made is None:
        await reply(update, context, scope, "export_usage", which="export")
        return
    await context.bot.send_document(scope.chat_id, made[0], caption=made[1])


async def workbook(scope: Scope) -> tuple[InputFile, str] | None:
    """The scope's workspace as /export sends it: the .xlsx and its caption; None when empty.

    The dashboard's export button sends the very same file.
    """
    store = scope.store
    assert store is not None
    tasks = store.tasks()
    if not tasks:
        return None
    labels = pairs(render(scope, "export_labels"))
    agencies, members = store.agencies(), store.members()
    recurrences = {
        r: html.unescape(render(scope, "recurrence", r=r))
        for r in {t.recurrence for t in tasks if t.recurrence is not None}
    }
    data = await asyncio.get_running_loop().run_in_executor(None, lambda: build_export(
        tasks, agencies=agencies, members=members, now=scope.now, tz=scope.tz, labels=labels,
        rule=scope.rule, recurrences=recurrences,
    ))
    names = pairs(render(scope, "export_files", which="export", count=len(tasks)))
    return InputFile(data, filename=f"{names['file']}.xlsx"), html.escape(names["caption"])


def _deadlines(scope: Scope, who: str) -> list[Task]:
    store = scope.store
    assert store is not None and scope.member is not None
    tasks = store.tasks()
    if who == "mine":
        tasks = reports.tasks_of_member(tasks, scope.member)
    elif who == "agency":
        tasks = reports.tasks_of_agency(tasks, scope.member.agency or "", coordinating=True)
    # An ongoing task has no deadline to put in a calendar.
    return [t for t in tasks if not t.is_closed and t.deadline is not None]


@allowed(Action.READ)
async def calendar(update: Update, context: Ctx, scope: Scope, store: WorkspaceStore) -> None:
    """`/calendar [mine | agency | all]`: the open deadlines as an .ics file."""
    member = scope.member
    assert member is not None
    who = _WHO.get(fold(command_args(update)))
    if who is None or (who == "agency" and not member.agency):
        await reply(update, context, scope, "export_usage", which="calendar",
                    agency_unknown=who == "agency")
        return
    tasks = _deadlines(scope, who)
    if not tasks:
        await reply(update, context, scope, "export_usage", which="calendar_empty", who=who)
        return
    agency = store.agency(member.agency or "")
    names = pairs(render(scope, "export_files", which="calendar", who=who, who_key=who,
                         count=len(tasks), agency=agency.label if agency else ""))
    entries = [_entry(scope, task) for task in tasks]
    data = build_calendar(entries, name=names["name"], key=calendar_key(scope.chat_id),
                          now=scope.now, tz=scope.tz, alarm_text=names["alarm"])
    await context.bot.send_document(
        scope.chat_id, InputFile(data, filename=f"{names['file']}.ics"),
        caption=html.escape(names["caption"]),
    )


def _entry(scope: Scope, task: Task) -> CalendarEntry:
    assert scope.store is not None and task.deadline is not None
    lead = scope.store.agency(task.lead)
    text = html.unescape(render(scope, "calendar_event", task=task,
                                lead=lead.name if lead else task.lead))
    first, _, rest = text.partition("\n")
    return CalendarEntry(
        number=task.number, summary=first.partition(":")[2].strip(), description=rest.strip(),
        day=task.deadline, time=task.deadline_time,
        rrule=rrule_of(task.recurrence) if task.recurrence else None,
    )


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add /export (/xuatexcel) and /calendar (/lich)."""
    application.add_handler(CommandHandler(["export", "xuatexcel"], export))
    application.add_handler(CommandHandler(["calendar", "lich"], calendar))
