"""Workspaces: the bot joining a group, /start, /help, /lang and choosing a workspace in private."""

from __future__ import annotations

import dataclasses
from typing import Any

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
)

from bot.permissions import Action, is_leader
from bot.render import LANGUAGES
from bot.timeliness import rule_named
from handlers.common import (
    Ctx,
    Scope,
    allowed,
    buttons,
    command_args,
    ensure_workspace,
    reply,
    require,
    resolve,
)
from handlers.services import services
from store.workspace import WorkspaceStore

_JOINED = (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR)


async def bot_added(update: Update, context: Ctx) -> None:
    """When the bot is added to a group, open the group's workspace and say hello."""
    change = update.my_chat_member
    if change is None or change.chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP):
        return
    was = change.old_chat_member.status
    now = change.new_chat_member.status
    if now not in _JOINED or was in _JOINED:
        return
    await ensure_workspace(change.chat, context, actor=change.from_user.id)
    scope = await resolve(update, context)
    assert scope.store is not None
    await reply(update, context, scope, "welcome_group", members=scope.store.members())


async def start(update: Update, context: Ctx) -> None:
    """Greet the user; in private, remember that the bot may now write to him."""
    scope = await resolve(update, context)
    if not scope.is_group and not scope.prefs.has_private_chat:
        svc = services(context)
        svc.registry.users.save(dataclasses.replace(scope.prefs, has_private_chat=True))
    if scope.is_group:
        assert scope.store is not None
        await reply(update, context, scope, "welcome_group", members=scope.store.members())
        return
    await reply(update, context, scope, "welcome_private",
                workspaces=services(context).registry.workspaces_of(scope.user_id))


async def help_command(update: Update, context: Ctx) -> None:
    """The list of commands with examples, in the user's language."""
    scope = await resolve(update, context)
    await reply(update, context, scope, "help", leader=is_leader(scope.member))


async def lang(update: Update, context: Ctx) -> None:
    """`/lang en` for oneself; `/lang group en` (chair, secretary) for the whole workspace."""
    scope = await resolve(update, context)
    words = command_args(update).lower().split()
    svc = services(context)
    if not words or words[-1] not in LANGUAGES or len(words) > 2:
        markup = buttons([[("Tiếng Việt", "ws:lang:vi"), ("English", "ws:lang:en")]])
        await reply(update, context, scope, "lang_usage", markup, given=" ".join(words))
        return
    choice = words[-1]
    if len(words) == 2:
        if words[0] not in ("group", "nhom", "nhóm") or scope.store is None:
            await reply(update, context, scope, "lang_usage", given=" ".join(words))
            return
        if not is_leader(scope.member):
            await reply(update, context, scope, "not_allowed", action="manage", task=None)
            return
        ws = dataclasses.replace(scope.store.workspace, lang=choice)
        scope.store.save_workspace(ws, actor=scope.user_id, at=scope.now)
        scope = await resolve(update, context)
        await reply(update, context, scope, "lang_set", group=True)
        return
    svc.registry.users.save(dataclasses.replace(scope.prefs, lang=choice))
    scope = await resolve(update, context)
    await reply(update, context, scope, "lang_set", group=False)


async def choose(update: Update, context: Ctx) -> None:
    """Buttons `ws:<chat_id>` (workspace for private chats) and `ws:lang:<code>`."""
    query = update.callback_query
    assert query is not None and query.data is not None
    svc = services(context)
    user_id = query.from_user.id
    prefs = svc.registry.users.get(user_id)
    _, _, rest = query.data.partition(":")
    if rest.startswith("lang:"):
        code = rest.removeprefix("lang:")
        if code in LANGUAGES:
            svc.registry.users.save(dataclasses.replace(prefs, lang=code))
        await query.answer()
        scope = await resolve(update, context)
        await reply(update, context, scope, "lang_set", group=False)
        return
    mine = {s.workspace.chat_id: s for s in svc.registry.workspaces_of(user_id)}
    try:
        chat_id = int(rest)
    except ValueError:
        chat_id = 0
    if chat_id not in mine:
        await query.answer("⛔", show_alert=False)
        return
    svc.registry.users.save(dataclasses.replace(prefs, current_workspace=chat_id))
    await query.answer()
    scope = await resolve(update, context)
    await reply(update, context, scope, "workspace_chosen")


async def workspace(update: Update, context: Ctx) -> None:
    """In private: show and switch the workspace the chat acts on."""
    scope = await resolve(update, context)
    mine = services(context).registry.workspaces_of(scope.user_id)
    markup = (
        buttons([[(s.workspace.title[:60], f"ws:{s.workspace.chat_id}")] for s in mine])
        if mine and not scope.is_group else None
    )
    await reply(update, context, scope, "workspace_info", markup, workspaces=mine)


@allowed(Action.READ)
async def deadline_rule(update: Update, context: Ctx, scope: Scope, store: WorkspaceStore) -> None:
    """`/deadlinerule [adjusted | first]`: which deadline judges on time or late (leaders set)."""
    given = command_args(update)
    rule = rule_named(given) if given else None
    if rule is None:
        await reply(update, context, scope, "deadline_rule", saved=False,
                    leader=is_leader(scope.member), given=given)
        return
    if not await require(update, context, scope, Action.MANAGE):
        return
    ws = dataclasses.replace(store.workspace, deadline_rule=rule)
    store.save_workspace(ws, actor=scope.user_id, at=scope.now)
    await reply(update, context, scope, "deadline_rule", saved=True, leader=True, given="")


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add the workspace handlers."""
    application.add_handler(ChatMemberHandler(bot_added, ChatMemberHandler.MY_CHAT_MEMBER))
    application.add_handler(CommandHandler(["start", "batdau"], start))
    application.add_handler(CommandHandler(["help", "trogiup"], help_command))
    application.add_handler(CommandHandler(["lang", "ngonngu"], lang))
    application.add_handler(CommandHandler(["workspace", "tocongtac"], workspace))
    application.add_handler(CommandHandler(["deadlinerule", "cachtinhhan"], deadline_rule))
    application.add_handler(CallbackQueryHandler(choose, pattern=r"^ws:"))
