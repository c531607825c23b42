"""Shared handler plumbing: who is asking, in which workspace, and replying in his language."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from telegram import (
    Chat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardRemove,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

from bot.model import DeadlineRule, Member, Role, UserPrefs
from bot.permissions import Action, may
from bot.render import normalize_lang, pairs, split_message
from handlers.services import Services, services
from store.workspace import WorkspaceStore

log = logging.getLogger(__name__)

Ctx = ContextTypes.DEFAULT_TYPE
Markup = InlineKeyboardMarkup | ReplyKeyboardRemove | Any


@dataclass(slots=True)
class Scope:
    """Who is asking, from which chat, about which workspace, and in which language."""

    services: Services
    user_id: int
    user_name: str
    chat_id: int
    is_group: bool
    store: WorkspaceStore | None
    member: Member | None
    prefs: UserPrefs
    lang: str
    now: dt.datetime  # in the workspace's time zone

    @property
    def tz(self) -> str:
        return self.store.workspace.tz if self.store else self.services.settings.default_tz

    @property
    def rule(self) -> DeadlineRule:
        """Which deadline judges on time or late in this workspace."""
        return self.store.workspace.deadline_rule if self.store else DeadlineRule.ADJUSTED

    @property
    def today(self) -> dt.date:
        return self.now.date()

    def may(self, action: Action, task: Any = None) -> bool:
        return may(self.member, action, task)

    def in_workspace(self, chat_id: int | None) -> Scope | None:
        """The same person acting on workspace `chat_id` (a button sent in private names it).

        None when that workspace does not exist; `chat_id` None means this scope's own.
        """
        store = self.store if chat_id is None else self.services.registry.get(chat_id)
        if store is None:
            return None
        if store is self.store:
            return self
        return dataclasses.replace(
            self, store=store, member=store.member(self.user_id),
            lang=normalize_lang(self.prefs.lang or store.workspace.lang),
            now=self.now.astimezone(ZoneInfo(store.workspace.tz)),
        )


def lang_for(svc: Services, prefs: UserPrefs, store: WorkspaceStore | None,
              telegram_lang: str | None) -> str:
    """The user's own choice, else the workspace's language, else his Telegram's (en or vi)."""
    if prefs.lang:
        return normalize_lang(prefs.lang)
    if store is not None:
        return normalize_lang(store.workspace.lang)
    if telegram_lang and telegram_lang.startswith("en"):
        return "en"
    return normalize_lang(svc.settings.default_lang)


async def ensure_workspace(chat: Chat, context: Ctx, actor: int = 0) -> WorkspaceStore:
    """The workspace of a group chat; created on first sight with its admins as secretaries."""
    svc = services(context)
    store = svc.registry.get(chat.id)
    if store is not None:
        return store
    now = svc.clock()
    store = svc.registry.create(
        chat.id, chat.title or str(chat.id), lang=svc.settings.default_lang,
        tz=svc.settings.default_tz, at=now, actor=actor,
    )
    try:
        admins = await context.bot.get_chat_administrators(chat.id)
    except TelegramError as exc:
        log.warning("could not read the administrators of chat %s: %s", chat.id, exc)
        admins = ()
    with store.transaction():
        for admin in admins:
            user = admin.user
            if user.is_bot or admin.status not in (
                ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR,
            ):
                continue
            store.save_member(
                Member(user_id=user.id, name=user.full_name, role=Role.SECRETARY,
                       username=user.username),
                actor=actor, at=now,
            )
    return store


async def resolve(update: Update, context: Ctx) -> Scope:
    """Build the Scope of an update: its workspace (group, or the user's chosen one in private)."""
    svc = services(context)
    user = update.effective_user
    chat = update.effective_chat
    assert user is not None and chat is not None
    prefs = svc.registry.users.get(user.id)
    is_group = chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)
    store: WorkspaceStore | None
    if is_group:
        store = await ensure_workspace(chat, context, actor=user.id)
    else:
        store = None
        mine = svc.registry.workspaces_of(user.id)
        if len(mine) == 1:
            store = mine[0]
        elif prefs.current_workspace is not None:
            store = next((s for s in mine if s.workspace.chat_id == prefs.current_workspace),
                         None)
    member = store.member(user.id) if store else None
    tz = store.workspace.tz if store else svc.settings.default_tz
    return Scope(
        services=svc,
        user_id=user.id,
        user_name=user.full_name,
        chat_id=chat.id,
        is_group=is_group,
        store=store,
        member=member,
        prefs=prefs,
        lang=lang_for(svc, prefs, store, user.language_code),
        now=svc.clock().astimezone(ZoneInfo(tz)),
    )


def template_values(scope: Scope) -> dict[str, Any]:
    """The values every template is rendered with (see :func:`render`)."""
    return {"tz": scope.tz, "now": scope.now, "today": scope.today,
            "workspace": scope.store.workspace if scope.store else None, "member": scope.member}


def render(scope: Scope, template: str, **values: Any) -> str:
    """A template in the scope's language, with the usual context."""
    return scope.services.renderer.render(template, scope.lang, **template_values(scope),
                                          **values)


def keep_offer(data: dict[Any, Any] | None, key: str, token: str, offer: Any,
               kept: int) -> None:
    """Keep `offer` under `token` in data[key] (a chat's or a user's data), the oldest dropped
    beyond `kept`: an offer nobody answers would otherwise stay for the life of the process,
    and an older offer's buttons then say it expired."""
    assert data is not None
    offers: dict[str, Any] = data.setdefault(key, {})
    offers[token] = offer
    while len(offers) > kept:
        offers.pop(next(iter(offers)))


def labels(scope: Scope, template: str, **values: Any) -> dict[str, str]:
    """The "key: label" lines of a template (button labels, file names), as plain text."""
    if values:
        return pairs(render(scope, template, **values))
    return scope.services.renderer.labels(template, scope.lang)


async def send(
    context: Ctx, chat_id: int, text: str, markup: Markup = None,
    reply_to: int | None = None, force_reply: Any = None,
) -> Message:
    """Send HTML, split under Telegram's limit; buttons go on the last part."""
    parts = split_message(text)
    message: Message | None = None
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        message = await context.bot.send_message(
            chat_id, part, parse_mode=ParseMode.HTML,
            reply_markup=(force_reply or markup) if last else None,
            reply_parameters=(
                ReplyParameters(reply_to, allow_sending_without_reply=True)
                if reply_to is not None and index == 0 else None
            ),
        )
    assert message is not None
    return message


async def reply(update: Update, context: Ctx, scope: Scope, template: str,
                markup: Markup = None, **values: Any) -> Message:
    """Answer an update in its chat with a rendered template."""
    return await send(context, scope.chat_id, render(scope, template, **values), markup)


async def edit_or_send(update: Update, context: Ctx, scope: Scope, template: str,
                       markup: InlineKeyboardMarkup | None = None, **values: Any) -> None:
    """Replace the message a button was pressed on; send anew when that is impossible."""
    text = render(scope, template, **values)
    query = update.callback_query
    parts = split_message(text)
    if query is not None and query.message is not None and len(parts) == 1:
        try:
            await query.edit_message_text(
                text, parse_mode=ParseMode.HTML, reply_markup=markup,
            )
            return
        except BadRequest as exc:
            # Too old to edit, or deleted: a new message. (Network failures were retried
            # below, in the delivery, and are not worth a second message that fails alike.)
            if "not modified" in str(exc):
                return
            log.info("could not edit message, sending anew: %s", exc)
    await send(context, scope.chat_id, text, markup)


async def require(update: Update, context: Ctx, scope: Scope, action: Action,
                  task: Any = None) -> bool:
    """Whether the scope may do `action`; if not, the user is told why and what to do."""
    if scope.store is None:
        choices = scope.services.registry.workspaces_of(scope.user_id)
        markup = workspace_buttons(choices) if choices else None
        await reply(update, context, scope, "no_workspace", markup, choices=choices)
        return False
    if scope.member is None:
        await reply(update, context, scope, "not_member")
        return False
    if not scope.may(action, task):
        await reply(update, context, scope, "not_allowed", action=action.value, task=task)
        return False
    return True


Handler = Callable[[Update, Ctx], Coroutine[Any, Any, None]]
WorkspaceCommand = Callable[[Update, Ctx, Scope, WorkspaceStore], Coroutine[Any, Any, None]]


def allowed(action: Action) -> Callable[[WorkspaceCommand], Handler]:
    """A command for those who may do `action` in the workspace: the function gets the scope
    and the workspace's store; anyone else gets :func:`require`'s answer and nothing more."""

    def wrap(command: WorkspaceCommand) -> Handler:
        @functools.wraps(command)
        async def checked(update: Update, context: Ctx) -> None:
            scope = await resolve(update, context)
            if await require(update, context, scope, action):
                assert scope.store is not None
                await command(update, context, scope, scope.store)

        return checked

    return wrap


async def answered(update: Update) -> tuple[str, list[str]]:
    """A button press answered at once (no toast): the action and arguments of its data,
    `<feature>:<action>:<args>`."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    _, action, *args = (query.data or "").split(":")
    return action, args


async def pressed_in(update: Update, context: Ctx, workspace: int | None,
                     toast: Callable[..., str]) -> Scope | None:
    """The scope of a press on a button that names its workspace (None: this chat's), for a
    member of it; anyone else gets an alert (`toast(scope, kind)`: no_workspace, not_member)."""
    query = update.callback_query
    assert query is not None
    base = await resolve(update, context)
    scope = base.in_workspace(workspace)
    if scope is None or scope.store is None:
        await query.answer(toast(base, "no_workspace"), show_alert=True)
        return None
    if scope.member is None:
        await query.answer(toast(scope, "not_member"), show_alert=True)
        return None
    return scope


def workspace_buttons(stores: list[WorkspaceStore]) -> InlineKeyboardMarkup:
    """One button per workspace, to choose which one a private chat acts on."""
    return buttons([[(s.workspace.title[:60], f"ws:{s.workspace.chat_id}")] for s in stores])


def buttons(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup:
    """An inline keyboard from rows of (label, callback_data)."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


def command_args(update: Update) -> str:
    """Everything after the command word, as typed (PTB's context.args loses the spacing)."""
    message = update.effective_message
    text = (message.text or message.caption or "") if message else ""
    parts = text.split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""
