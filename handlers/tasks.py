"""One task: its card with buttons, and the commands that update it (done, progress, notes, ...)."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable
from typing import Any

from telegram import ForceReply, InlineKeyboardMarkup, Message, MessageEntity, Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot import taskops
from bot.dates import DeadlineError, day_off, parse_deadline
from bot.model import Agency, Member, Task, TaskStatus
from bot.names import match_agencies
from bot.permissions import Action, is_leader
from bot.taskops import TaskError
from bot.timeliness import classify, days_left, overdue_days
from handlers.common import (
    Ctx,
    Scope,
    buttons,
    command_args,
    edit_or_send,
    labels,
    render,
    reply,
    require,
    resolve,
    send,
)
from handlers.services import services

PREFIX = "task"
CARD_HISTORY = 5  # the last updates a card shows; /history has the full audit trail
_PROMPTS = "task_note_prompts"  # bot_data key: (chat, prompt message) -> (workspace, task)
_PROMPTS_KEPT = 200  # older note prompts are forgotten; a late reply gets no special meaning
_MAX_DATA = 64  # Telegram's limit on callback data, in bytes
_MENTION = re.compile(r"@(\w{3,32})")

Change = Callable[[Task], taskops.Outcome]


# -- the card -------------------------------------------------------------------------------


def _names(scope: Scope) -> dict[int, str]:
    assert scope.store is not None
    return {m.user_id: m.name for m in scope.store.members()}


def _labels(scope: Scope) -> dict[str, str]:
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
             _data(scope, "wd", task.number, task.deadline.strftime("%Y%m%d")))]


def _card_values(scope: Scope, task: Task, flash: str | None, next_year: bool = False
                 ) -> dict[str, Any]:
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
        "agencies": _labels(scope),
        "names": _names(scope),
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


def _data(scope: Scope, action: str, number: int, arg: str = "") -> str:
    data = f"{PREFIX}:{action}:{_ws_part(scope)}:{number}"
    return f"{data}:{arg}" if arg else data


def card_markup(scope: Scope, task: Task, *, progress_choices: bool = False,
                workday: bool = False) -> InlineKeyboardMarkup | None:
    """The buttons under a card: updates for an open task, note and reopen for a done one;
    with `workday`, first the one that moves a deadline on a day off to the day before."""
    if task.status is TaskStatus.CANCELLED:
        return None
    label = labels(scope, "task_buttons")
    n = task.number
    if task.status is TaskStatus.DONE:
        return buttons([[(label["note"], _data(scope, "note", n)),
                         (label["reopen"], _data(scope, "reopen", n))]])
    if progress_choices:
        return buttons([
            [(f"{p}%", _data(scope, "pg", n, str(p))) for p in taskops.PROGRESS_STEPS],
            [(label["back"], _data(scope, "card", n))],
        ])
    rows = [row] if workday and (row := workday_button(scope, task)) else []
    rows.append([(label["done"], _data(scope, "done", n)),
                 (label["progress"], _data(scope, "pg", n)),
                 (label["note"], _data(scope, "note", n))])
    # Everyone in a group sees the same buttons, so the hint is there for all (a member who
    # presses it learns whom to ask); in private only a leader, who can act on it, gets it.
    if scope.is_group or is_leader(scope.member):
        rows.append([(label["deadline"], _data(scope, "dl", n))])
    return buttons(rows)


async def show_card(update: Update | None, context: Ctx, scope: Scope, task: Task,
                    flash: str | None = None, *, progress_choices: bool = False,
                    next_year: bool = False) -> None:
    """Show a task's card, editing the message only when one of the card's own buttons was pressed.

    Called from another feature's button (a status list) or from a job (update None), the card
    comes as a new message, so that the list stays where it was.
    """
    values = _card_values(scope, task, flash, next_year)
    markup = card_markup(scope, task, progress_choices=progress_choices,
                         workday=flash == "deadline")
    query = update.callback_query if update is not None else None
    if query is not None and (query.data or "").startswith(f"{PREFIX}:") and update is not None:
        await edit_or_send(update, context, scope, "task_card", markup, **values)
        return
    await send(context, scope.chat_id, render(scope, "task_card", **values), markup)


# -- shared steps of the commands -----------------------------------------------------------


async def _usage(update: Update, context: Ctx, scope: Scope, command: str, problem: str,
                 **values: Any) -> None:
    await reply(update, context, scope, "task_usage", command=command, problem=problem,
                **values)


async def _task_from_args(update: Update, context: Ctx, scope: Scope, command: str
                          ) -> tuple[Task, str] | None:
    """The task the command names and the rest of its text; None when the user was told why."""
    if not await require(update, context, scope, Action.READ):
        return None
    assert scope.store is not None
    number, rest = taskops.split_number(command_args(update))
    if number is None:
        await _usage(update, context, scope, command, "number", given=rest)
        return None
    task = scope.store.task(number)
    if task is None:
        await reply(update, context, scope, "task_unknown", number=number)
        return None
    return task, rest


async def _apply(update: Update | None, context: Ctx, scope: Scope, task: Task, change: Change,
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
    _save(scope, outcome)
    await show_card(update, context, scope, outcome, _flash(outcome), next_year=next_year)
    return outcome


def _flash(task: Task) -> str:
    """What the card says was just done: the kind of the update's history entry."""
    return task.history[-1].kind.value


def _save(scope: Scope, task: Task) -> None:
    assert scope.store is not None
    scope.store.save_task(task, actor=scope.user_id, at=scope.now,
                          action=taskops.audit_action(task))


# -- commands -------------------------------------------------------------------------------


async def card(update: Update, context: Ctx) -> None:
    """`/task 12`: the card of one task with its buttons."""
    scope = await resolve(update, context)
    found = await _task_from_args(update, context, scope, "task")
    if found is not None:
        await show_card(update, context, scope, found[0])


async def done(update: Update, context: Ctx) -> None:
    """`/done 12 [note]`: mark a task completed."""
    scope = await resolve(update, context)
    found = await _task_from_args(update, context, scope, "done")
    if found is None:
        return
    task, note = found
    if not await require(update, context, scope, Action.UPDATE_TASK, task):
        return
    await _apply(update, context, scope, task,
                 lambda t: taskops.mark_done(t, now=scope.now, actor=scope.user_id, note=note))


async def progress(update: Update, context: Ctx) -> None:
    """`/progress 12 60 [note]`: report how far a task is, in percent."""
    scope = await resolve(update, context)
    found = await _task_from_args(update, context, scope, "progress")
    if found is None:
        return
    task, rest = found
    percent, note = taskops.split_percent(rest)
    if percent is None:
        await _usage(update, context, scope, "progress", "percent", given=rest, task=task)
        return
    if not await require(update, context, scope, Action.UPDATE_TASK, task):
        return
    await _apply(
        update, context, scope, task,
        lambda t: taskops.set_progress(t, percent, now=scope.now, actor=scope.user_id, note=note),
    )


async def note(update: Update, context: Ctx) -> None:
    """`/note 12 text`: add a note to a task's history."""
    scope = await resolve(update, context)
    found = await _task_from_args(update, context, scope, "note")
    if found is None:
        return
    task, text = found
    if not text:
        await _usage(update, context, scope, "note", "note", task=task)
        return
    if not await require(update, context, scope, Action.UPDATE_TASK, task):
        return
    await _apply(update, context, scope, task,
                 lambda t: taskops.add_note(t, text, now=scope.now, actor=scope.user_id))


async def reopen(update: Update, context: Ctx) -> None:
    """`/reopen 12 [note]`: put a task marked done by mistake back in progress."""
    scope = await resolve(update, context)
    found = await _task_from_args(update, context, scope, "reopen")
    if found is None:
        return
    task, text = found
    if not await require(update, context, scope, Action.UPDATE_TASK, task):
        return
    await _apply(update, context, scope, task,
                 lambda t: taskops.reopen(t, now=scope.now, actor=scope.user_id, note=text))


async def deadline(update: Update, context: Ctx) -> None:
    """`/deadline 12 31/10/2024 | reason`: move a task's deadline (chair and secretaries)."""
    scope = await resolve(update, context)
    found = await _task_from_args(update, context, scope, "deadline")
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
        await _usage(update, context, scope, "deadline", "date", task=task)
        return
    try:
        new = parse_deadline(when, today=scope.today, lang=scope.lang)
    except DeadlineError as exc:
        await _usage(update, context, scope, "deadline", f"date_{exc.reason}", task=task,
                     given=when.strip(), day=exc.day)
        return
    if not bar or not reason.strip():
        await _usage(update, context, scope, "deadline", "reason", task=task, given=when.strip())
        return
    await _apply(
        update, context, scope, task,
        lambda t: taskops.change_deadline(t, new, reason, now=scope.now, actor=scope.user_id),
        next_year=new.next_year,
    )


def _people(message: Message | None, text: str, members: list[Member]
            ) -> tuple[list[int], list[str], str]:
    """Officials named in a /reassign: (their ids, names not in the group, the text left over).

    An official is named by @username, or by a mention Telegram makes when he has none.
    """
    in_group = {m.user_id for m in members}
    ids: list[int] = []
    unknown: list[str] = []
    if message is not None:
        for entity, shown in message.parse_entities([MessageEntity.TEXT_MENTION]).items():
            if entity.user is not None:
                if entity.user.id in in_group:
                    ids.append(entity.user.id)
                else:
                    unknown.append(shown)
                text = text.replace(shown, " ")
    by_username = {m.username.casefold(): m.user_id for m in members if m.username}
    for username in _MENTION.findall(text):
        user_id = by_username.get(username.casefold())
        if user_id is None:
            unknown.append("@" + username)
        else:
            ids.append(user_id)
    return ids, unknown, _MENTION.sub(" ", text).strip()


async def reassign(update: Update, context: Ctx) -> None:
    """`/reassign 12 Hà Tĩnh [@official] [| note]`: give a task to another agency or official."""
    scope = await resolve(update, context)
    found = await _task_from_args(update, context, scope, "reassign")
    if found is None:
        return
    task, rest = found
    if not await require(update, context, scope, Action.MANAGE, task):
        return
    assert scope.store is not None
    target, _, why = rest.partition("|")
    ids, unknown, query = _people(update.effective_message, target, scope.store.members())
    if unknown:
        await _usage(update, context, scope, "reassign", "person", task=task,
                     given=", ".join(unknown))
        return
    if not query and not ids:
        await _usage(update, context, scope, "reassign", "target", task=task)
        return
    lead: str | None = None
    if query:
        agencies = match_agencies(query, scope.store.agencies())
        if not agencies:
            await _usage(update, context, scope, "reassign", "agency", task=task, given=query)
            return
        if len(agencies) > 1:
            await _choose_agency(update, context, scope, task, agencies, query,
                                 with_people=bool(ids))
            return
        lead = agencies[0].code
    await _apply(
        update, context, scope, task,
        lambda t: taskops.reassign(t, now=scope.now, actor=scope.user_id, lead=lead,
                                   responsible=ids or None, note=why),
    )


async def _choose_agency(update: Update, context: Ctx, scope: Scope, task: Task,
                         agencies: list[Agency], query: str, *, with_people: bool) -> None:
    """Several agencies match: ask with a button each (never guess)."""
    markup = None
    if not with_people:
        # Buttons carry the agency only; a choice that also names officials is typed again.
        rows = []
        for agency in agencies[:8]:
            base = _data(scope, "ra", task.number) + ":"
            code = agency.code[: _MAX_DATA - len(base.encode())]
            rows.append([(agency.label, base + code)])
        markup = buttons(rows)
    await reply(update, context, scope, "task_reassign_choose", markup, task=task,
                choices=agencies, given=query, typed=with_people)


async def cancel_task(update: Update, context: Ctx) -> None:
    """`/canceltask 12 reason`: cancel a task; it leaves the reports' count."""
    scope = await resolve(update, context)
    found = await _task_from_args(update, context, scope, "canceltask")
    if found is None:
        return
    task, reason = found
    if not await require(update, context, scope, Action.MANAGE, task):
        return
    if not reason:
        await _usage(update, context, scope, "canceltask", "reason", task=task)
        return
    await _apply(update, context, scope, task,
                 lambda t: taskops.cancel(t, reason, now=scope.now, actor=scope.user_id))


async def history(update: Update, context: Ctx) -> None:
    """`/history 12`: the audit trail of one task (chair and secretaries)."""
    scope = await resolve(update, context)
    found = await _task_from_args(update, context, scope, "history")
    if found is None:
        return
    task = found[0]
    if not await require(update, context, scope, Action.READ_AUDIT, task):
        return
    assert scope.store is not None
    lines = taskops.audit_lines(scope.store.audit(task=task.number), task)
    await reply(update, context, scope, "task_history", task=task, lines=lines,
                names=_names(scope), agencies=_labels(scope))


# -- buttons --------------------------------------------------------------------------------


def _toast(scope: Scope, kind: str, **values: Any) -> str:
    # Toasts are plain text: the template's HTML escaping is undone, and Telegram keeps 200.
    return html.unescape(render(scope, "task_toast", kind=kind, **values))[:200]


async def on_button(update: Update, context: Ctx) -> None:
    """`task:<action>:<workspace>:<number>[:<arg>]`: the buttons under a card."""
    query = update.callback_query
    assert query is not None
    parts = (query.data or "").split(":", 4)
    if len(parts) < 4 or not parts[3].isdigit() or not re.fullmatch(r"-?\d*", parts[2]):
        await query.answer()
        return
    action, number = parts[1], int(parts[3])
    ws = int(parts[2]) if parts[2] else None
    arg = parts[4] if len(parts) > 4 else ""
    base = await resolve(update, context)
    scope = base.in_workspace(ws)
    if scope is None or scope.store is None:
        await query.answer(_toast(base, "no_workspace"), show_alert=True)
        return
    if scope.member is None:
        await query.answer(_toast(scope, "not_member"), show_alert=True)
        return
    task = scope.store.task(number)
    if task is None:
        await query.answer(_toast(scope, "unknown", number=number), show_alert=True)
        return
    if action == "card":
        await query.answer()
        await show_card(update, context, scope, task)
        return
    if action == "dl":
        allowed = scope.may(Action.CHANGE_DEADLINE, task)
        await query.answer(_toast(scope, "deadline_hint" if allowed else "deadline_ask",
                                  task=task), show_alert=True)
        return
    if action == "ra":
        await _button_reassign(update, context, scope, task, arg)
        return
    if action == "wd":
        await _button_workday(update, context, scope, task, arg)
        return
    if not scope.may(Action.UPDATE_TASK, task):
        await query.answer(_toast(scope, "not_yours", task=task), show_alert=True)
        return
    if action == "pg" and not arg:
        await query.answer()
        await show_card(update, context, scope, task, progress_choices=True)
        return
    if action == "note":
        await query.answer()
        await _ask_note(context, scope, task)
        return
    if action == "done":
        outcome = taskops.mark_done(task, now=scope.now, actor=scope.user_id)
    elif action == "reopen":
        outcome = taskops.reopen(task, now=scope.now, actor=scope.user_id)
    elif action == "pg" and arg.isdigit():
        outcome = taskops.set_progress(task, int(arg), now=scope.now, actor=scope.user_id)
    else:
        await query.answer()
        return
    if isinstance(outcome, TaskError):
        await query.answer(_toast(scope, "error", error=outcome.value, task=task),
                           show_alert=True)
        # The card may be stale (someone else updated the task): show it as it is now.
        await show_card(update, context, scope, task)
        return
    _save(scope, outcome)
    await query.answer(_toast(scope, _flash(outcome), task=outcome))
    await show_card(update, context, scope, outcome, _flash(outcome))


async def _button_reassign(update: Update, context: Ctx, scope: Scope, task: Task,
                           key: str) -> None:
    """The agency chosen among several that a /reassign matched."""
    query = update.callback_query
    assert query is not None and scope.store is not None
    if not scope.may(Action.MANAGE, task):
        await query.answer(_toast(scope, "leaders_only"), show_alert=True)
        return
    agencies = scope.store.agencies()
    # Long codes were cut to fit the callback data: a prefix names the agency if only one has it.
    chosen = [a for a in agencies if a.code == key] or [
        a for a in agencies if key and a.code.startswith(key)
    ]
    if len(chosen) != 1:
        await query.answer(_toast(scope, "agency_gone"), show_alert=True)
        return
    outcome = taskops.reassign(task, now=scope.now, actor=scope.user_id, lead=chosen[0].code)
    if await _saved(update, scope, task, outcome, "reassigned"):
        assert isinstance(outcome, Task)
        await edit_or_send(update, context, scope, "task_card", card_markup(scope, outcome),
                           **_card_values(scope, outcome, _flash(outcome)))


async def _saved(update: Update, scope: Scope, task: Task, outcome: taskops.Outcome,
                 toast: str) -> bool:
    """Save a button's outcome and say `toast`, or say why it was refused; whether it saved."""
    query = update.callback_query
    assert query is not None
    if isinstance(outcome, TaskError):
        await query.answer(_toast(scope, "error", error=outcome.value, task=task),
                           show_alert=True)
        return False
    _save(scope, outcome)
    await query.answer(_toast(scope, toast, task=outcome))
    return True


async def _button_workday(update: Update, context: Ctx, scope: Scope, task: Task,
                          moved_from: str) -> None:
    """Move a deadline that fell on a day off to the working day before (as the note said)."""
    query = update.callback_query
    assert query is not None
    if not scope.may(Action.CHANGE_DEADLINE, task):
        await query.answer(_toast(scope, "leaders_only"), show_alert=True)
        return
    try:
        day = dt.datetime.strptime(moved_from, "%Y%m%d").date()
    except ValueError:
        await query.answer()
        return
    outcome = taskops.to_working_day(task, day, now=scope.now, actor=scope.user_id)
    if await _saved(update, scope, task, outcome, "workday"):
        assert isinstance(outcome, Task)
        await show_card(update, context, scope, outcome, "workday")


# -- a note typed in reply to the bot's question --------------------------------------------


async def _ask_note(context: Ctx, scope: Scope, task: Task) -> None:
    """Ask for the note with a forced reply: in a group with privacy mode on, a reply to the
    bot is one of the few messages Telegram delivers to it."""
    assert scope.store is not None
    placeholder = html.unescape(render(scope, "task_toast", kind="note_placeholder", task=task))
    prompt = await send(
        context, scope.chat_id,
        render(scope, "task_note_prompt", task=task, user_id=scope.user_id,
               user_name=scope.user_name),
        force_reply=ForceReply(selective=True, input_field_placeholder=placeholder[:64]),
    )
    prompts: dict[tuple[int, int], tuple[int, int]] = context.bot_data.setdefault(_PROMPTS, {})
    prompts[(scope.chat_id, prompt.message_id)] = (scope.store.workspace.chat_id, task.number)
    while len(prompts) > _PROMPTS_KEPT:
        prompts.pop(next(iter(prompts)))


class _ReplyToNotePrompt(filters.MessageFilter):
    """Messages that answer one of the bot's "type your note" questions."""

    def __init__(self, bot_data: dict[str, Any]) -> None:
        super().__init__(name="task_note_reply")
        self.bot_data = bot_data

    def filter(self, message: Message) -> bool:
        answered = message.reply_to_message
        if answered is None:
            return False
        return (message.chat_id, answered.message_id) in self.bot_data.get(_PROMPTS, {})


async def note_reply(update: Update, context: Ctx) -> None:
    """A reply to the note question becomes the task's note; no other handler answers it."""
    await _save_replied_note(update, context)
    raise ApplicationHandlerStop


async def _save_replied_note(update: Update, context: Ctx) -> None:
    message = update.effective_message
    assert message is not None and message.reply_to_message is not None
    key = (message.chat_id, message.reply_to_message.message_id)
    asked = context.bot_data.get(_PROMPTS, {}).get(key)
    if asked is None:
        return
    ws, number = asked
    base = await resolve(update, context)
    scope = base.in_workspace(ws)
    if scope is None or scope.store is None:
        await reply(update, context, base, "no_workspace",
                    choices=services(context).registry.workspaces_of(base.user_id))
        return
    task = scope.store.task(number)
    if task is None:
        await reply(update, context, scope, "task_unknown", number=number)
        return
    if not await require(update, context, scope, Action.UPDATE_TASK, task):
        return
    text = message.text or ""
    saved = await _apply(
        update, context, scope, task,
        lambda t: taskops.add_note(t, text, now=scope.now, actor=scope.user_id),
    )
    if saved is not None:
        context.bot_data[_PROMPTS].pop(key, None)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add the task card, update commands, their buttons and the note replies."""
    add = application.add_handler
    add(CommandHandler(["task", "viec"], card))
    add(CommandHandler(["done", "xong"], done))
    add(CommandHandler(["progress", "tiendo"], progress))
    add(CommandHandler(["note", "ghichu"], note))
    add(CommandHandler(["reopen", "molai"], reopen))
    add(CommandHandler(["deadline", "doihan"], deadline))
    add(CommandHandler(["reassign", "giaolai"], reassign))
    add(CommandHandler(["canceltask", "huyviec"], cancel_task))
    add(CommandHandler(["history", "lichsu"], history))
    add(CallbackQueryHandler(on_button, pattern=rf"^{PREFIX}:"))
    # A group before the others: a wizard waiting for text must not swallow the note.
    add(MessageHandler(
        # New messages only: editing the reply later must not add the note a second time.
        filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND
        & _ReplyToNotePrompt(application.bot_data),
        note_reply,
    ), group=-1)
