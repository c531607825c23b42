"""Creating tasks: the one-line /newtask and the step-by-step wizard, in groups and in private."""

from __future__ import annotations

import dataclasses
import html
import logging
import re
import warnings
from dataclasses import dataclass, field
from typing import Any

from telegram import ForceReply, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.model import Task
from bot.newtask import (
    Draft,
    Problem,
    clean_text,
    clean_title,
    deadline_passed,
    duplicates,
    frequent_agencies,
    parse_oneliner,
    plan_names,
    read_deadline,
    read_lead,
    to_task,
    with_deadline,
    with_lead,
)
from bot.permissions import Action
from handlers.common import (
    Ctx,
    Scope,
    buttons,
    command_args,
    edit_or_send,
    render,
    require,
    resolve,
    send,
)
from handlers.tasks.card import deadline_notes, workday_button
from store.workspace import WorkspaceStore

log = logging.getLogger(__name__)

KEY = "newtask"  # user_data[KEY][chat_id] is the user's open wizard in that chat
PREFIX = "new"
TIMEOUT_SECONDS = 15 * 60
END = ConversationHandler.END
TITLE, LEAD, DEADLINE, PLAN, CONFIRM = range(5)
QUICK_AGENCIES = 6
MAX_CHOICES = 8
LABEL_MAX = 40  # characters of a plan or agency name on a button
_CALLBACK = re.compile(rf"^{PREFIX}:(\d+):(\w+)(?::(.*))?$")


@dataclass(slots=True)
class Wizard:
    """One user's task being written in one chat, between his answers."""

    wid: int  # id of the /newtask message; callback data carries it so old buttons are known
    workspace: int  # the workspace's chat id, fixed at the start even if he switches in private
    draft: Draft = field(default_factory=Draft)
    oneliner: bool = False  # from the one-line form: once the lead is picked, create it
    prompts: set[int] = field(default_factory=set)  # the bot's questions a group reply answers
    lead_codes: list[str] = field(default_factory=list)  # behind the agency buttons
    plans: list[str] = field(default_factory=list)  # behind the plan buttons
    with_buttons: int | None = None  # the message whose buttons to take away at the end


# --- plumbing ---------------------------------------------------------------------------


def _wizards(context: Ctx) -> dict[int, Wizard]:
    assert context.user_data is not None
    found: dict[int, Wizard] = context.user_data.setdefault(KEY, {})
    return found


def _wizard(context: Ctx, scope: Scope) -> Wizard | None:
    return _wizards(context).get(scope.chat_id)


def _store(scope: Scope, wizard: Wizard) -> WorkspaceStore | None:
    return scope.services.registry.get(wizard.workspace)


def _data(wizard: Wizard, verb: str, arg: str = "") -> str:
    data = f"{PREFIX}:{wizard.wid}:{verb}" + (f":{arg}" if arg else "")
    assert len(data.encode()) <= 64, data
    return data


def _label(scope: Scope, which: str) -> str:
    # Buttons are plain text: the template's HTML escaping must not show up on them.
    return html.unescape(render(scope, "newtask_button", which=which))


def _short(text: str) -> str:
    return text if len(text) <= LABEL_MAX else text[: LABEL_MAX - 1] + "…"


def _card_values(store: WorkspaceStore) -> dict[str, Any]:
    return {
        "agencies": {a.code: a for a in store.agencies()},
        "members": {m.user_id: m for m in store.members()},
    }


async def _ask(update: Update, context: Ctx, scope: Scope, wizard: Wizard, template: str,
               markup: InlineKeyboardMarkup | None = None, **values: Any) -> Message:
    """Send a question; in a group it replies to the user with a selective ForceReply.

    With privacy mode on, a group bot receives only commands and replies to its own
    messages, so the answer must be a reply: ForceReply opens one on the asker's phone only.
    """
    message = update.effective_message
    force: ForceReply | None = None
    if scope.is_group and markup is None:
        force = ForceReply(selective=True)
    reply_to = message.message_id if scope.is_group and message is not None else None
    if update.callback_query is not None:
        reply_to = None  # a button press has no message of the user's to reply to
        if scope.is_group and force is not None:
            # Selective ForceReply targets users mentioned in the text or replied to; after a
            # button there is nothing to reply to, so the question goes to the /newtask message.
            reply_to = wizard.wid
    text = render(scope, template, is_group=scope.is_group, **values)
    try:
        sent = await send(context, scope.chat_id, text, markup, reply_to=reply_to,
                          force_reply=force)
    except TelegramError:
        if reply_to is None:
            raise
        # The message replied to may be gone (deleted by an admin): ask without replying.
        sent = await send(context, scope.chat_id, text, markup, force_reply=force)
    wizard.prompts.add(sent.message_id)
    if markup is not None:
        await _drop_buttons(context, scope, wizard)
        wizard.with_buttons = sent.message_id
    return sent


async def _drop_buttons(context: Ctx, scope: Scope, wizard: Wizard) -> None:
    """Take the buttons off the wizard's last question so that they cannot be pressed later."""
    if wizard.with_buttons is None:
        return
    message_id, wizard.with_buttons = wizard.with_buttons, None
    try:
        await context.bot.edit_message_reply_markup(scope.chat_id, message_id, reply_markup=None)
    except TelegramError as exc:
        log.info("could not remove the wizard's buttons: %s", exc)


async def _end(context: Ctx, scope: Scope, wizard: Wizard | None) -> int:
    if wizard is not None:
        await _drop_buttons(context, scope, wizard)
    _wizards(context).pop(scope.chat_id, None)
    return END


async def _still_allowed(update: Update, context: Ctx, scope: Scope, wizard: Wizard) -> bool:
    """Whether the asker still manages the workspace the wizard writes to (roles can change)."""
    store = _store(scope, wizard)
    scope.store = store
    scope.member = store.member(scope.user_id) if store is not None else None
    return await require(update, context, scope, Action.MANAGE)


# --- the questions ------------------------------------------------------------------------


async def _ask_title(update: Update, context: Ctx, scope: Scope, wizard: Wizard,
                     problem: Problem | None = None) -> int:
    await _ask(update, context, scope, wizard, "newtask_ask_title", problem=problem)
    return TITLE


async def _ask_lead(update: Update, context: Ctx, scope: Scope, wizard: Wizard,
                    problem: Problem | None = None) -> int:
    store = _store(scope, wizard)
    assert store is not None
    if problem is not None and problem.code == "agency_ambiguous":
        choices = list(problem.agencies)[:MAX_CHOICES]
        wizard.lead_codes = [a.code for a in choices]
        rows = [[(_short(a.label), _data(wizard, "ag", str(i)))] for i, a in enumerate(choices)]
        await _ask(update, context, scope, wizard, "newtask_pick_lead", buttons(rows),
                   given=problem.text, choices=choices)
        return LEAD
    quick = frequent_agencies(store.tasks(), store.agencies(), QUICK_AGENCIES)
    if scope.is_group or not quick:
        # In a group the question carries a ForceReply, and a message has one markup only.
        await _ask(update, context, scope, wizard, "newtask_ask_lead", problem=problem,
                   quick=False)
        return LEAD
    wizard.lead_codes = [a.code for a in quick]
    labels = [(_short(a.label), _data(wizard, "ag", str(i))) for i, a in enumerate(quick)]
    rows = [labels[i:i + 2] for i in range(0, len(labels), 2)]
    await _ask(update, context, scope, wizard, "newtask_ask_lead", buttons(rows),
               problem=problem, quick=True)
    return LEAD


async def _ask_deadline(update: Update, context: Ctx, scope: Scope, wizard: Wizard,
                        problem: Problem | None = None) -> int:
    await _ask(update, context, scope, wizard, "newtask_ask_deadline", problem=problem)
    return DEADLINE


async def _ask_plan(update: Update, context: Ctx, scope: Scope, wizard: Wizard,
                    problem: Problem | None = None) -> int:
    store = _store(scope, wizard)
    assert store is not None
    wizard.plans = plan_names(store.tasks())
    rows = [[(_short(p), _data(wizard, "pl", str(i)))] for i, p in enumerate(wizard.plans)]
    rows.append([(_label(scope, "no_plan"), _data(wizard, "pl", "-")),
                 (_label(scope, "new_plan"), _data(wizard, "pl", "+"))])
    await _ask(update, context, scope, wizard, "newtask_ask_plan", buttons(rows),
               problem=problem, has_plans=bool(wizard.plans))
    return PLAN


def _confirm_markup(scope: Scope, wizard: Wizard) -> InlineKeyboardMarkup:
    return buttons([[(_label(scope, "create"), _data(wizard, "ok")),
                     (_label(scope, "cancel"), _data(wizard, "no"))]])


async def _confirm(update: Update, context: Ctx, scope: Scope, wizard: Wizard,
                   warnings_: list[Problem]) -> int:
    """Show the task as it will be created, with any warning, and Create / Cancel buttons."""
    store = _store(scope, wizard)
    assert store is not None
    draft = wizard.draft
    assert draft.deadline is not None
    notes = deadline_notes(scope, draft.deadline, draft.deadline_next_year, offer=False)
    values = dict(draft=draft, warnings=warnings_, notes=notes, **_card_values(store))
    markup = _confirm_markup(scope, wizard)
    if update.callback_query is not None:
        # A button was pressed on the previous question: that message becomes the summary.
        await edit_or_send(update, context, scope, "newtask_confirm", markup, **values)
        message = update.callback_query.message
        if message is not None and message.message_id != wizard.with_buttons:
            await _drop_buttons(context, scope, wizard)
        wizard.with_buttons = message.message_id if message is not None else None
    else:
        await _ask(update, context, scope, wizard, "newtask_confirm", markup, **values)
    return CONFIRM


async def _create(update: Update, context: Ctx, scope: Scope, wizard: Wizard) -> int:
    """Store the task and show its card; a deadline that passed meanwhile is asked again."""
    store = _store(scope, wizard)
    assert store is not None
    passed = deadline_passed(wizard.draft, now=scope.now, tz=store.workspace.tz)
    if passed is not None:
        wizard.oneliner = False
        return await _ask_deadline(update, context, scope, wizard, passed)
    task = store.add_task(to_task(wizard.draft, actor=scope.user_id, now=scope.now),
                          actor=scope.user_id, at=scope.now)
    await _created(update, context, scope, wizard, store, task)
    return await _end(context, scope, wizard)


async def _created(update: Update, context: Ctx, scope: Scope, wizard: Wizard,
                   store: WorkspaceStore, task: Task) -> None:
    notes = deadline_notes(scope, task.deadline, wizard.draft.deadline_next_year)
    values = dict(task=task, notes=notes, **_card_values(store))
    row = workday_button(scope, task)
    markup = buttons([row]) if row else None
    query = update.callback_query
    if query is not None and query.message is not None:
        if query.message.message_id == wizard.with_buttons:
            wizard.with_buttons = None  # the edit below takes its buttons away
        await edit_or_send(update, context, scope, "newtask_created", markup, **values)
    else:
        await send(context, scope.chat_id, render(scope, "newtask_created", **values), markup)


async def _after_lead(update: Update, context: Ctx, scope: Scope, wizard: Wizard) -> int:
    """Next step once the lead is known: the wizard asks the deadline; a one-liner is done."""
    if not wizard.oneliner:
        return await _ask_deadline(update, context, scope, wizard)
    store = _store(scope, wizard)
    assert store is not None
    found = duplicates(wizard.draft, store.tasks())
    if found:
        return await _confirm(update, context, scope, wizard, found)
    return await _create(update, context, scope, wizard)


# --- entry: /newtask ----------------------------------------------------------------------


async def start(update: Update, context: Ctx) -> int:
    """`/newtask` alone starts the wizard; `/newtask title | agency | deadline ...` creates."""
    scope = await resolve(update, context)
    await _end(context, scope, _wizard(context, scope))  # a new /newtask replaces an open one
    if not await require(update, context, scope, Action.MANAGE):
        return END
    store = scope.store
    message = update.effective_message
    assert store is not None and message is not None
    wizard = Wizard(wid=message.message_id, workspace=store.workspace.chat_id)
    args = command_args(update)
    if not args:
        _wizards(context)[scope.chat_id] = wizard
        return await _ask_title(update, context, scope, wizard)

    result = parse_oneliner(
        args, agencies=store.agencies(), members=store.members(), tasks=store.tasks(),
        now=scope.now, tz=store.workspace.tz, lang=scope.lang,
    )
    wizard.draft, wizard.oneliner = result.draft, True
    if result.lead_choices:
        _wizards(context)[scope.chat_id] = wizard
        return await _ask_lead(update, context, scope, wizard, result.errors[0])
    if not result.ok:
        await send(context, scope.chat_id, render(scope, "newtask_errors", errors=result.errors),
                   reply_to=message.message_id if scope.is_group else None)
        return END
    _wizards(context)[scope.chat_id] = wizard
    if result.warnings:
        return await _confirm(update, context, scope, wizard, result.warnings)
    return await _create(update, context, scope, wizard)


# --- typed answers ------------------------------------------------------------------------


async def _answer(update: Update, context: Ctx) -> tuple[Scope, Wizard, str] | None:
    scope = await resolve(update, context)
    wizard = _wizard(context, scope)
    message = update.effective_message
    if wizard is None or message is None or not await _still_allowed(update, context, scope,
                                                                      wizard):
        await _end(context, scope, wizard)
        return None
    return scope, wizard, message.text or ""


async def on_title(update: Update, context: Ctx) -> int:
    """The task's title, typed."""
    answer = await _answer(update, context)
    if answer is None:
        return END
    scope, wizard, text = answer
    title = clean_title(text)
    if isinstance(title, Problem):
        return await _ask_title(update, context, scope, wizard, title)
    wizard.draft = dataclasses.replace(wizard.draft, title=title)
    return await _ask_lead(update, context, scope, wizard)


async def on_lead(update: Update, context: Ctx) -> int:
    """The lead agency's name, typed."""
    answer = await _answer(update, context)
    if answer is None:
        return END
    scope, wizard, text = answer
    store = _store(scope, wizard)
    assert store is not None
    agency = read_lead(text, store.agencies())
    if isinstance(agency, Problem):
        return await _ask_lead(update, context, scope, wizard, agency)
    await _drop_buttons(context, scope, wizard)
    wizard.draft = with_lead(wizard.draft, agency.code, store.members())
    return await _after_lead(update, context, scope, wizard)


async def on_deadline(update: Update, context: Ctx) -> int:
    """The deadline, typed; a bad one is asked again with an example."""
    answer = await _answer(update, context)
    if answer is None:
        return END
    scope, wizard, text = answer
    store = _store(scope, wizard)
    assert store is not None
    deadline = read_deadline(text, now=scope.now, tz=store.workspace.tz, lang=scope.lang)
    if isinstance(deadline, Problem):
        return await _ask_deadline(update, context, scope, wizard, deadline)
    wizard.draft = with_deadline(wizard.draft, deadline)
    return await _ask_plan(update, context, scope, wizard)


async def on_plan(update: Update, context: Ctx) -> int:
    """A new plan's name, typed."""
    answer = await _answer(update, context)
    if answer is None:
        return END
    scope, wizard, text = answer
    plan = clean_text(text, "plan")
    if isinstance(plan, Problem) or not plan:
        return await _ask_plan(update, context, scope, wizard,
                               plan if isinstance(plan, Problem) else None)
    await _drop_buttons(context, scope, wizard)
    wizard.draft = dataclasses.replace(wizard.draft, plan=plan)
    store = _store(scope, wizard)
    assert store is not None
    return await _confirm(update, context, scope, wizard, duplicates(wizard.draft, store.tasks()))


# --- buttons ------------------------------------------------------------------------------


async def _pressed(update: Update, context: Ctx) -> tuple[Scope, Wizard, str, str] | None:
    """(scope, wizard, verb, argument) of a press on this user's wizard; else he is told."""
    query = update.callback_query
    assert query is not None
    scope = await resolve(update, context)
    wizard = _wizard(context, scope)
    found = _CALLBACK.match(query.data or "")
    if wizard is None or found is None or int(found.group(1)) != wizard.wid:
        await query.answer(_label(scope, "stray"), show_alert=True)
        return None
    if not await _still_allowed(update, context, scope, wizard):
        await query.answer()
        await _end(context, scope, wizard)
        return None
    await query.answer()
    return scope, wizard, found.group(2), found.group(3) or ""


async def on_lead_button(update: Update, context: Ctx) -> int | None:
    """`new:<wid>:ag:<i>`: the lead picked among the buttons."""
    pressed = await _pressed(update, context)
    if pressed is None:
        return None
    scope, wizard, _, arg = pressed
    store = _store(scope, wizard)
    assert store is not None
    index = int(arg) if arg.isdigit() else -1
    agency = store.agency(wizard.lead_codes[index]) if 0 <= index < len(wizard.lead_codes) else None
    if agency is None:  # removed meanwhile
        return await _ask_lead(update, context, scope, wizard)
    wizard.draft = with_lead(wizard.draft, agency.code, store.members())
    if not wizard.oneliner:
        # The question keeps a trace of the answer; the next one needs a ForceReply in a
        # group, which an edited message cannot carry, so it is a new message.
        await edit_or_send(update, context, scope, "newtask_lead_chosen", None, agency=agency)
        wizard.with_buttons = None
    return await _after_lead(update, context, scope, wizard)


async def on_plan_button(update: Update, context: Ctx) -> int | None:
    """`new:<wid>:pl:<i>|-|+`: an existing plan, no plan, or a new one to type."""
    pressed = await _pressed(update, context)
    if pressed is None:
        return None
    scope, wizard, _, arg = pressed
    store = _store(scope, wizard)
    assert store is not None
    if arg == "+":
        await _drop_buttons(context, scope, wizard)
        await _ask(update, context, scope, wizard, "newtask_ask_plan_name")
        return PLAN
    if arg == "-":
        plan = ""
    elif arg.isdigit() and int(arg) < len(wizard.plans):
        plan = wizard.plans[int(arg)]
    else:
        return await _ask_plan(update, context, scope, wizard)
    wizard.draft = dataclasses.replace(wizard.draft, plan=plan)
    return await _confirm(update, context, scope, wizard, duplicates(wizard.draft, store.tasks()))


async def on_confirm_button(update: Update, context: Ctx) -> int | None:
    """`new:<wid>:ok|no`: create the task, or drop it."""
    pressed = await _pressed(update, context)
    if pressed is None:
        return None
    scope, wizard, verb, _ = pressed
    if verb == "ok":
        return await _create(update, context, scope, wizard)
    wizard.with_buttons = None
    await edit_or_send(update, context, scope, "newtask_cancelled", None)
    return await _end(context, scope, wizard)


async def on_stray_button(update: Update, context: Ctx) -> int | None:
    """A `new:` button of another user's wizard, an old one, or one from before a restart."""
    query = update.callback_query
    assert query is not None
    scope = await resolve(update, context)
    await query.answer(_label(scope, "stray"), show_alert=True)
    return None


# --- leaving ------------------------------------------------------------------------------


async def cancel(update: Update, context: Ctx) -> int:
    """`/cancel`: leave the wizard; nothing is saved."""
    scope = await resolve(update, context)
    await _end(context, scope, _wizard(context, scope))
    await send(context, scope.chat_id, render(scope, "newtask_cancelled"))
    return END


async def on_timeout(update: Update, context: Ctx) -> None:
    """Fifteen minutes without an answer: say so, take the buttons away, forget the draft."""
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    scope = await resolve(update, context)
    wizard = _wizard(context, scope)
    await _end(context, scope, wizard)
    await send(context, scope.chat_id, render(scope, "newtask_timeout"))


# --- wiring -------------------------------------------------------------------------------


class _AnswerFilter(filters.MessageFilter):
    """Text that answers the sender's open wizard: anything in private, a reply in a group.

    In a group, only a reply to one of the wizard's own questions counts: with privacy mode
    off the bot also sees the group's chatter, which must not become a task's title.
    """

    def __init__(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        super().__init__(name="newtask_answer")
        self.application = application

    def filter(self, message: Message) -> bool:
        if message.chat.type == ChatType.PRIVATE:
            return True
        replied = message.reply_to_message
        user = message.from_user
        if replied is None or user is None:
            return False
        wizard = self.application.user_data.get(user.id, {}).get(KEY, {}).get(message.chat.id)
        return isinstance(wizard, Wizard) and replied.message_id in wizard.prompts


def conversation(application: Application[Any, Any, Any, Any, Any, Any]) -> ConversationHandler:
    """The /newtask conversation, one per user and chat.

    per_user and per_chat (not per_message): the steps mix typed answers and buttons, and
    in a group each member's answers must drive his own wizard only. The buttons' data
    carry the wizard's id, so a press on someone else's or an old wizard is refused.
    """
    answer = filters.TEXT & ~filters.COMMAND & _AnswerFilter(application)

    def pattern(verbs: str) -> str:
        return rf"^{PREFIX}:\d+:(?:{verbs})(?::|$)"

    fallbacks: list[BaseHandler[Update, Any, Any]] = [
        CommandHandler(["cancel", "huy"], cancel),
        CallbackQueryHandler(on_stray_button, pattern=rf"^{PREFIX}:"),
    ]
    with warnings.catch_warnings():
        # PTB warns that per_message=False does not track buttons per message; that is
        # intended here (see above), and the wizard id in the data does the tracking.
        warnings.filterwarnings("ignore", message=".*per_message=False.*",
                                category=PTBUserWarning)
        return ConversationHandler(
            entry_points=[CommandHandler(["newtask", "giaoviec"], start)],
            states={
                TITLE: [MessageHandler(answer, on_title)],
                LEAD: [MessageHandler(answer, on_lead),
                       CallbackQueryHandler(on_lead_button, pattern=pattern("ag"))],
                DEADLINE: [MessageHandler(answer, on_deadline)],
                PLAN: [MessageHandler(answer, on_plan),
                       CallbackQueryHandler(on_plan_button, pattern=pattern("pl"))],
                CONFIRM: [CallbackQueryHandler(on_confirm_button, pattern=pattern("ok|no"))],
                ConversationHandler.TIMEOUT: [TypeHandler(Update, on_timeout)],
            },
            fallbacks=fallbacks,
            per_chat=True,
            per_user=True,
            per_message=False,
            allow_reentry=True,
            conversation_timeout=TIMEOUT_SECONDS,
            name="newtask",
        )


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add the /newtask conversation, and an answer for its buttons when none is open."""
    application.add_handler(conversation(application))
    application.add_handler(
        CallbackQueryHandler(on_stray_button, pattern=rf"^{PREFIX}:")
    )
