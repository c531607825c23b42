"""The chair's summary in chat: /summary (/tomtat) sends a short message, a chart, a .docx and
the same report as PDF (which Telegram previews on a phone; the .docx it does not).

Arguments: none (since the last meeting), "all", "meeting 5" / "phiên 5", a day range
"1/7/2024-31/7/2024", or a plan's name. Buttons: `sum:plan:<plan key>` when a plan name
matched several, `sum:mtg:<n>` for a meeting's report (also under a meeting's card).
Each summary's time is kept per scope (`WorkspaceStore.summaries`), so the next one can say
what was newly completed and newly overdue since.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import InputFile, Update
from telegram.constants import ChatAction, ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import reports
from bot.permissions import Action
from bot.summary import Kind, Period, Request, RequestError, parse_request, period_for
from handlers import summary_job
from handlers.common import (
    Ctx,
    Scope,
    allowed,
    answered,
    buttons,
    command_args,
    labels,
    render,
    reply,
    require,
    resolve,
    send,
    template_values,
)
from store.storage import WriteFailed
from store.workspace import WorkspaceStore

log = logging.getLogger(__name__)

PREFIX = "sum"
PICK_MAX = 8  # plans or meetings offered as buttons


def _scope_key(period: Period) -> str:
    """Which earlier summary a new one is compared with: the same kind, plan or meeting."""
    if period.kind is Kind.PLAN:
        return f"plan:{reports.plan_key(period.plan)}"
    if period.kind is Kind.MEETING and period.meeting is not None:
        return f"meeting:{period.meeting.number}"
    if period.kind is Kind.RANGE:
        return f"range:{period.start}:{period.end}"
    # "Since the last meeting" and "everything" describe the same tasks.
    return "all"


@allowed(Action.SUMMARY)
async def summary(update: Update, context: Ctx, scope: Scope, store: WorkspaceStore) -> None:
    """`/summary [plan | meeting 5 | 1/7/2024-31/7/2024 | all]`: message, chart, documents."""
    text = command_args(update)
    try:
        request = parse_request(text, today=scope.today)
    except RequestError as exc:
        await reply(update, context, scope, "summary_error", reason=exc.reason, given=exc.text)
        return
    plan = ""
    if request.kind is Kind.PLAN:
        names = reports.plans(store.tasks())
        found = reports.match_plans(request.plan_query, names)
        if len(found) != 1:
            rows = [[(p[:60], f"{PREFIX}:plan:{reports.plan_key(p)}")]
                    for p in (found or names)[:PICK_MAX]]
            await reply(update, context, scope, "summary_pick_plan",
                        buttons(rows) if rows else None, given=request.plan_query,
                        found=found, plans=names)
            return
        plan = found[0]
    if request.kind is Kind.MEETING and store.meeting(request.meeting or 0) is None:
        await _meeting_missing(update, context, scope, str(request.meeting))
        return
    await deliver(update, context, scope, request, plan)


async def _meeting_missing(update: Update, context: Ctx, scope: Scope, given: str) -> None:
    assert scope.store is not None
    meetings = scope.store.meetings()
    label = labels(scope, "summary_buttons")["meeting"]
    rows = [[(label.replace("{n}", str(m.number)), f"{PREFIX}:mtg:{m.number}")]
            for m in meetings[-PICK_MAX:][::-1]]
    await reply(update, context, scope, "summary_error", buttons(rows) if rows else None,
                reason="meeting_unknown", given=given, meetings=meetings)


async def deliver(update: Update, context: Ctx, scope: Scope, request: Request,
                  plan: str = "") -> None:
    """Have the worker make the summary; send the message, the chart, the .docx and the PDF.

    The figures and the files are made in the worker process (handlers/summary_job.py), so
    other chats are answered meanwhile; this workspace's next update waits for this one.
    """
    store = scope.store
    assert store is not None and store.path is not None
    await _uploading(context, scope.chat_id)
    period = period_for(request, meetings=store.meetings(), today=scope.today, plan=plan)
    key = _scope_key(period)
    job = summary_job.Job(
        path=str(store.path), period=period, now=scope.now, tz=scope.tz, lang=scope.lang,
        rule=scope.rule, previous=store.summaries.last(key), context=template_values(scope),
    )
    worker = scope.services.worker
    made = await worker.run(summary_job.message, job)
    await send(context, scope.chat_id, made.text)
    if made.with_files:  # a group may follow indicators only
        await _send_files(context, scope, job, made)
    try:
        store.summaries.remember(key, made.made_at, scope.user_id)
    except WriteFailed:
        # The chair has the summary; only the next one's "since" is older. Telling him that
        # nothing was saved would have him ask for the same summary again.
        log.exception("could not remember the summary of %s", key)


async def _uploading(context: Ctx, chat_id: int) -> None:
    try:
        await context.bot.send_chat_action(chat_id, ChatAction.UPLOAD_DOCUMENT)
    except TelegramError as exc:  # a missing "typing" hint must not stop the summary
        log.info("could not show the upload action in %s: %s", chat_id, exc)


async def _send_files(context: Ctx, scope: Scope, job: summary_job.Job,
                      made: summary_job.Message) -> None:
    worker = scope.services.worker
    try:
        files = await worker.run(summary_job.files, job, made.summary)
    except Exception:  # the message is out: say the files failed, and keep going
        log.exception("could not build the summary's chart or document")
        await send(context, scope.chat_id, render(scope, "summary_files_failed"))
        return
    stem, captions = files.stem, files.captions
    await context.bot.send_photo(
        scope.chat_id, InputFile(files.png, filename=f"{stem}.png"), caption=captions["chart"],
        parse_mode=ParseMode.HTML,
    )
    await _uploading(context, scope.chat_id)
    await context.bot.send_document(
        scope.chat_id, InputFile(files.docx, filename=f"{stem}.docx"),
        caption=captions["document"], parse_mode=ParseMode.HTML,
    )
    # The PDF copy is made once the chair has the chart and the .docx: it costs a fifth of a
    # second more, which the summary's own answer should not wait for.
    pdf = await worker.run(summary_job.pdf, files.blocks, files.png)
    if pdf is not None:
        await _uploading(context, scope.chat_id)
        await context.bot.send_document(
            scope.chat_id, InputFile(pdf, filename=f"{stem}.pdf"), caption=captions["pdf"],
            parse_mode=ParseMode.HTML,
        )


async def on_button(update: Update, context: Ctx) -> None:
    """A plan or meeting button: the summary of that plan or meeting."""
    action, args = await answered(update)
    scope = await resolve(update, context)
    if not await require(update, context, scope, Action.SUMMARY):
        return
    store = scope.store
    assert store is not None
    arg = args[0] if args else ""
    if action == "plan":
        plan = next((p for p in reports.plans(store.tasks()) if reports.plan_key(p) == arg),
                    None)
        if plan is None:
            await reply(update, context, scope, "summary_error", reason="plan_gone", given="")
            return
        await deliver(update, context, scope, Request(kind=Kind.PLAN, plan_query=plan), plan)
    elif action == "mtg" and arg.isdigit() and store.meeting(int(arg)) is not None:
        await deliver(update, context, scope, Request(kind=Kind.MEETING, meeting=int(arg)))
    else:
        await _meeting_missing(update, context, scope, arg)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add /summary (/tomtat) and its buttons."""
    application.add_handler(CommandHandler(["summary", "tomtat"], summary))
    application.add_handler(CallbackQueryHandler(on_button, pattern=rf"^{PREFIX}:"))
