"""The /newtask wizard's state (one per user and chat) and its plumbing: asking, ending."""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass, field
from typing import Any

from telegram import ForceReply, InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError
from telegram.ext import ConversationHandler

from bot.newtask import Draft
from bot.permissions import Action
from handlers.common import Ctx, Scope, render, require, send
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
CALLBACK = re.compile(rf"^{PREFIX}:(\d+):(\w+)(?::(.*))?$")


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


def wizards(context: Ctx) -> dict[int, Wizard]:
    assert context.user_data is not None
    found: dict[int, Wizard] = context.user_data.setdefault(KEY, {})
    return found


def wizard_of(context: Ctx, scope: Scope) -> Wizard | None:
    return wizards(context).get(scope.chat_id)


def store_of(scope: Scope, wizard: Wizard) -> WorkspaceStore | None:
    return scope.services.registry.get(wizard.workspace)


def data(wizard: Wizard, verb: str, arg: str = "") -> str:
    text = f"{PREFIX}:{wizard.wid}:{verb}" + (f":{arg}" if arg else "")
    assert len(text.encode()) <= 64, text
    return text


def label(scope: Scope, which: str) -> str:
    # Buttons are plain text: the template's HTML escaping must not show up on them.
    return html.unescape(render(scope, "newtask_button", which=which))


def short(text: str) -> str:
    return text if len(text) <= LABEL_MAX else text[: LABEL_MAX - 1] + "…"


def card_values(store: WorkspaceStore) -> dict[str, Any]:
    return {
        "agencies": {a.code: a for a in store.agencies()},
        "members": {m.user_id: m for m in store.members()},
    }


async def ask(update: Update, context: Ctx, scope: Scope, wizard: Wizard, template: str,
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
        await drop_buttons(context, scope, wizard)
        wizard.with_buttons = sent.message_id
    return sent


async def drop_buttons(context: Ctx, scope: Scope, wizard: Wizard) -> None:
    """Take the buttons off the wizard's last question so that they cannot be pressed later."""
    if wizard.with_buttons is None:
        return
    message_id, wizard.with_buttons = wizard.with_buttons, None
    try:
        await context.bot.edit_message_reply_markup(scope.chat_id, message_id, reply_markup=None)
    except TelegramError as exc:
        log.info("could not remove the wizard's buttons: %s", exc)


async def end(context: Ctx, scope: Scope, wizard: Wizard | None) -> int:
    if wizard is not None:
        await drop_buttons(context, scope, wizard)
    wizards(context).pop(scope.chat_id, None)
    return END


async def still_allowed(update: Update, context: Ctx, scope: Scope, wizard: Wizard) -> bool:
    """Whether the asker still manages the workspace the wizard writes to (roles can change)."""
    store = store_of(scope, wizard)
    scope.store = store
    scope.member = store.member(scope.user_id) if store is not None else None
    return await require(update, context, scope, Action.MANAGE)
