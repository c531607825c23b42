"""Meetings in chat: recording a meeting and its conclusions, the list, and a meeting's card.

/meeting (/hop) opens a meeting record, /conclusion (/ketluan) adds one conclusion as a task
of the latest (or a named) meeting, /meetings (/cuochop) lists the meetings and, with a number,
shows one meeting's card: its conclusions and what came of each. Buttons: `mtg:card:<n>`,
`mtg:list:0`, and `mtg:lead:<token>:<i>` to choose the lead agency when a name matched several.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import meetings as rules
from bot.meetings import ConclusionDraft, ConclusionError, MeetingError
from bot.model import Meeting
from bot.names import match_agencies
from bot.permissions import Action, is_leader
from bot.render import normalize_lang
from handlers.common import (
    Ctx,
    Scope,
    allowed,
    answered,
    buttons,
    command_args,
    edit_or_send,
    keep_offer,
    labels,
    reply,
    require,
    resolve,
)
from handlers.tasks.card import deadline_notes, workday_button
from store.workspace import WorkspaceStore

PREFIX = "mtg"
LIST_BUTTONS = 8  # the latest meetings get a button each under the list
PICK_MAX = 8  # agencies offered when a typed name matched several
_PENDING = "mtg.pending"  # user_data key: token -> a conclusion waiting for its lead agency
_PENDING_KEPT = 10


@dataclass(frozen=True, slots=True)
class _Pending:
    """A conclusion whose lead agency is being chosen with buttons."""

    chat_id: int
    meeting: int
    draft: ConclusionDraft
    choices: tuple[str, ...]  # agency codes, in button order


def _agency_names(scope: Scope) -> dict[str, str]:
    assert scope.store is not None
    return {a.code: a.label for a in scope.store.agencies()}


@allowed(Action.MANAGE)
async def open_meeting(update: Update, context: Ctx, scope: Scope, store: WorkspaceStore) -> None:
    """`/meeting 5 | 31/7/2024 | title | chair`: record a meeting of the working group."""
    text = command_args(update)
    if not text:
        await reply(update, context, scope, "meeting_usage",
                    next_number=rules.next_meeting_number(store.meetings()))
        return
    try:
        draft = rules.parse_meeting(text, today=scope.today, lang=scope.lang)
    except MeetingError as exc:
        await reply(update, context, scope, "meeting_error", reason=exc.reason, given=exc.text,
                    next_number=rules.next_meeting_number(store.meetings()))
        return
    number = draft.number or rules.next_meeting_number(store.meetings())
    existing = store.meeting(number)
    if existing is not None:
        await reply(update, context, scope, "meeting_error", reason="exists", given=str(number),
                    meeting=existing,
                    next_number=rules.next_meeting_number(store.meetings()))
        return
    meeting = store.add_meeting(
        Meeting(number=number, day=draft.day, title=draft.title, chair=draft.chair,
                created_at=scope.now, created_by=scope.user_id),
        actor=scope.user_id, at=scope.now,
    )
    await reply(update, context, scope, "meeting_recorded", meeting=meeting)


@allowed(Action.MANAGE)
async def add_conclusion(update: Update, context: Ctx, scope: Scope, store: WorkspaceStore) -> None:
    """`/conclusion 5 | title | lead agency | deadline | output`: a conclusion becomes a task."""
    latest = rules.latest_meeting(store.meetings())
    text = command_args(update)
    if not text:
        await reply(update, context, scope, "meeting_conclusion_usage", latest=latest)
        return
    try:
        draft = rules.parse_conclusion(text, now=scope.now, tz=scope.tz, lang=scope.lang)
    except ConclusionError as exc:
        await reply(update, context, scope, "meeting_conclusion_error", reason=exc.reason,
                    given=exc.text, latest=latest)
        return
    meeting = store.meeting(draft.meeting) if draft.meeting is not None else latest
    if meeting is None:
        await reply(update, context, scope, "meeting_conclusion_error", reason="no_meeting",
                    given=str(draft.meeting or ""), latest=latest)
        return
    found = match_agencies(draft.agency, store.agencies())
    if not found:
        await reply(update, context, scope, "meeting_conclusion_error", reason="agency_unknown",
                    given=draft.agency, latest=latest, agencies=store.agencies())
        return
    if len(found) > 1:
        choices = tuple(a.code for a in found[:PICK_MAX])
        token = _remember(context, _Pending(scope.chat_id, meeting.number, draft, choices))
        names = _agency_names(scope)
        rows = [[(names[code][:60], f"{PREFIX}:lead:{token}:{i}")]
                for i, code in enumerate(choices)]
        await reply(update, context, scope, "meeting_pick_agency", buttons(rows),
                    given=draft.agency, draft=draft)
        return
    await _record(update, context, scope, meeting, draft, found[0].code)


def _remember(context: Ctx, pending: _Pending) -> str:
    """Keep a conclusion waiting for its lead agency; only its author's buttons find it."""
    token = secrets.token_hex(4)
    keep_offer(context.user_data, _PENDING, token, pending, _PENDING_KEPT)
    return token


async def _record(update: Update, context: Ctx, scope: Scope, meeting: Meeting,
                  draft: ConclusionDraft, lead: str) -> None:
    store = scope.store
    assert store is not None
    twice = rules.duplicate(store.tasks(), meeting.number, draft.title)
    if twice is not None:
        await reply(update, context, scope, "meeting_conclusion_error", reason="duplicate",
                    given=draft.title, latest=meeting, task=twice)
        return
    # The source is stored text, so it is written in the workspace's language, not the user's.
    source = scope.services.renderer.render(
        "meeting_source", normalize_lang(store.workspace.lang), meeting=meeting,
    )
    task = store.add_task(
        rules.conclusion_task(draft, meeting, lead, source=source, members=store.members(),
                              actor=scope.user_id, now=scope.now),
        actor=scope.user_id, at=scope.now,
    )
    names = {m.user_id: m.name for m in store.members()}
    row = workday_button(scope, task)
    markup = buttons([row]) if row else None
    await reply(update, context, scope, "meeting_conclusion_added", markup, task=task,
                meeting=meeting, agencies=_agency_names(scope), names=names,
                count=len(rules.conclusions(store.tasks(), meeting.number)),
                notes=deadline_notes(scope, task.deadline, draft.deadline.next_year))


@allowed(Action.READ)
async def list_meetings(update: Update, context: Ctx, scope: Scope, store: WorkspaceStore) -> None:
    """`/meetings`: the meetings with what came of their conclusions; `/meetings 5`: one card."""
    text = command_args(update)
    if text:
        number = rules.meeting_number(text)
        if number is None:
            await reply(update, context, scope, "meeting_not_found", given=text,
                        meetings=_meetings(scope))
            return
        await _card(update, context, scope, number)
        return
    await _list(update, context, scope)


def _meetings(scope: Scope) -> list[Meeting]:
    assert scope.store is not None
    return scope.store.meetings()


async def _list(update: Update, context: Ctx, scope: Scope) -> None:
    store = scope.store
    assert store is not None
    found = sorted(store.meetings(), key=lambda m: (m.day, m.number), reverse=True)
    tallies = rules.meeting_tallies(store.tasks(), found, scope.now, scope.tz, scope.rule)
    label = labels(scope, "meeting_buttons")
    rows = [[(label["card"].replace("{n}", str(m.number)), f"{PREFIX}:card:{m.number}")]
            for m in found[:LIST_BUTTONS]]
    await edit_or_send(update, context, scope, "meeting_list", buttons(rows) if rows else None,
                       meetings=found, tallies=tallies, leader=is_leader(scope.member))


async def _card(update: Update, context: Ctx, scope: Scope, number: int) -> None:
    store = scope.store
    assert store is not None
    meeting = store.meeting(number)
    if meeting is None:
        await reply(update, context, scope, "meeting_not_found", given=str(number),
                    meetings=store.meetings())
        return
    standings = rules.outcomes(store.tasks(), number, scope.now, scope.tz, scope.rule)
    tally = rules.meeting_tallies(store.tasks(), [meeting], scope.now, scope.tz,
                                  scope.rule)[number]
    await edit_or_send(update, context, scope, "meeting_card", _card_markup(scope, meeting),
                       meeting=meeting, standings=standings, tally=tally,
                       agencies=_agency_names(scope), leader=is_leader(scope.member))


def _card_markup(scope: Scope, meeting: Meeting) -> InlineKeyboardMarkup:
    label = labels(scope, "meeting_buttons")
    row = [(label["list"], f"{PREFIX}:list:0")]
    if is_leader(scope.member):
        # Handled by handlers/summary.py: the report on this meeting's conclusions.
        row.insert(0, (label["summary"], f"sum:mtg:{meeting.number}"))
    return buttons([row])


async def on_button(update: Update, context: Ctx) -> None:
    """A meeting button: a card, the list, or the lead agency of a waiting conclusion."""
    action, args = await answered(update)
    scope = await resolve(update, context)
    if action == "lead":
        await _pick_lead(update, context, scope, args)
        return
    if not await require(update, context, scope, Action.READ):
        return
    if action == "card" and args and args[0].isdigit():
        await _card(update, context, scope, int(args[0]))
    else:
        await _list(update, context, scope)


async def _pick_lead(update: Update, context: Ctx, scope: Scope, args: list[str]) -> None:
    if not await require(update, context, scope, Action.MANAGE):
        return
    waiting: dict[str, _Pending] = (context.user_data or {}).get(_PENDING, {})
    pending = waiting.get(args[0]) if args else None
    index = int(args[1]) if len(args) > 1 and args[1].isdigit() else -1
    if pending is None or pending.chat_id != scope.chat_id or not 0 <= index < len(
            pending.choices):
        await reply(update, context, scope, "meeting_pick_expired")
        return
    assert scope.store is not None
    meeting = scope.store.meeting(pending.meeting)
    code = pending.choices[index]
    if meeting is None or scope.store.agency(code) is None:
        await reply(update, context, scope, "meeting_pick_expired")
        return
    del waiting[args[0]]
    await _record(update, context, scope, meeting, pending.draft, code)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add the meeting commands and their buttons."""
    application.add_handler(CommandHandler(["meeting", "hop"], open_meeting))
    application.add_handler(CommandHandler(["conclusion", "ketluan"], add_conclusion))
    application.add_handler(CommandHandler(["meetings", "cuochop"], list_meetings))
    application.add_handler(CallbackQueryHandler(on_button, pattern=rf"^{PREFIX}:"))
