"""People and agencies: members and roles, join requests, the owner agencies' list."""

from __future__ import annotations

import dataclasses
from typing import Any

from telegram import Update, User
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.model import Member
from bot.people import find_agency, leaves_no_leader, parse_agency, parse_role
from bot.permissions import Action, is_leader
from handlers.common import (
    Ctx,
    Scope,
    allowed,
    buttons,
    command_args,
    render,
    reply,
    resolve,
)
from store.workspace import WorkspaceStore


def _target_user(update: Update) -> User | None:
    """The person a command is about: the author of the message it replies to."""
    message = update.effective_message
    if message is None:
        return None
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and not replied.from_user.is_bot:
        return replied.from_user
    for entity in message.entities or ():
        if entity.type == "text_mention" and entity.user is not None:
            return entity.user
    return None


async def _agency_or_ask(update: Update, context: Ctx, scope: Scope, text: str,
                         callback: str) -> str | None:
    """The code of the agency `text` names; otherwise the user is told or asked with buttons."""
    assert scope.store is not None
    found = find_agency(text, scope.store.agencies())
    if len(found) == 1:
        return found[0].code
    if not found:
        await reply(update, context, scope, "agency_unknown", given=text)
        return None
    markup = buttons([[(a.label[:60], f"{callback}:{a.code}")] for a in found[:8]])
    await reply(update, context, scope, "agency_ambiguous", markup, given=text, choices=found)
    return None


@allowed(Action.READ)
async def members(update: Update, context: Ctx, scope: Scope, store: WorkspaceStore) -> None:
    """List the working group's members by role, with their agencies."""
    agencies = {a.code: a for a in store.agencies()}
    await reply(update, context, scope, "members", members=store.members(),
                agencies=agencies)


@allowed(Action.MANAGE)
async def add_member(update: Update, context: Ctx, scope: Scope, store: WorkspaceStore) -> None:
    """`/addmember [agency]` as a reply to someone's message: he becomes a member."""
    target = _target_user(update)
    if target is None:
        await reply(update, context, scope, "addmember_usage")
        return
    args = command_args(update)
    code: str | None = None
    if args:
        code = await _agency_or_ask(update, context, scope, args, f"ppl:add:{target.id}")
        if code is None:
            return
    await _save_member(update, context, scope, target.id, target.full_name, target.username,
                       code)


async def _save_member(update: Update, context: Ctx, scope: Scope, user_id: int, name: str,
                       username: str | None, code: str | None) -> None:
    assert scope.store is not None
    old = scope.store.member(user_id)
    member = (
        dataclasses.replace(old, agency=code or old.agency) if old
        else Member(user_id=user_id, name=name, username=username, agency=code)
    )
    scope.store.save_member(member, actor=scope.user_id, at=scope.now)
    agency = scope.store.agency(member.agency) if member.agency else None
    await reply(update, context, scope, "member_saved", person=member, agency=agency,
                existed=old is not None)


@allowed(Action.MANAGE)
async def set_role(update: Update, context: Ctx, scope: Scope, store: WorkspaceStore) -> None:
    """`/setrole chair|secretary|member` as a reply to a member's message."""
    target = _target_user(update)
    given = command_args(update)
    role = parse_role(given)
    if target is None or role is None:
        # A known role without a reply is the common slip: say that the reply is missing.
        await reply(update, context, scope, "setrole_usage", given=given,
                    role=role.value if role else None, replied=target is not None,
                    in_group=scope.is_group)
        return
    old = store.member(target.id)
    if leaves_no_leader(store.members(), target.id, role):
        await reply(update, context, scope, "last_leader")
        return
    member = (
        dataclasses.replace(old, role=role) if old
        else Member(user_id=target.id, name=target.full_name, username=target.username,
                    role=role)
    )
    store.save_member(member, actor=scope.user_id, at=scope.now)
    await reply(update, context, scope, "role_set", person=member)


@allowed(Action.MANAGE)
async def remove_member(update: Update, context: Ctx, scope: Scope, store: WorkspaceStore) -> None:
    """`/removemember` as a reply to a member's message."""
    target = _target_user(update)
    old = store.member(target.id) if target else None
    if target is None or old is None:
        await reply(update, context, scope, "removemember_usage")
        return
    if leaves_no_leader(store.members(), target.id, None):
        await reply(update, context, scope, "last_leader")
        return
    store.remove_member(target.id, actor=scope.user_id, at=scope.now)
    await reply(update, context, scope, "member_removed", person=old)


async def join(update: Update, context: Ctx) -> None:
    """`/join [agency]`: ask the secretaries to be let in (they get Approve/Decline buttons)."""
    scope = await resolve(update, context)
    if scope.store is None:
        await reply(update, context, scope, "join_in_group")
        return
    if scope.member is not None:
        await reply(update, context, scope, "join_already")
        return
    args = command_args(update)
    code = ""
    if args:
        found = find_agency(args, scope.store.agencies())
        if len(found) != 1:
            await reply(update, context, scope, "agency_unknown" if not found
                        else "join_agency_ambiguous", given=args, choices=found)
            return
        code = found[0].code
    markup = buttons([[("✅", f"ppl:ok:{scope.user_id}:{code}"),
                       ("❌", f"ppl:no:{scope.user_id}")]])
    agency = scope.store.agency(code) if code else None
    await reply(update, context, scope, "join_request", markup, person_name=scope.user_name,
                agency=agency)


async def on_button(update: Update, context: Ctx) -> None:
    """`ppl:ok|no|add:<user>[:<agency>]`: approve a join request or pick an agency."""
    query = update.callback_query
    assert query is not None and query.data is not None
    scope = await resolve(update, context)
    if scope.store is None or not is_leader(scope.member):
        await query.answer(render(scope, "toast_leaders_only"), show_alert=True)
        return
    await query.answer()
    parts = query.data.split(":")
    action, user_id = parts[1], int(parts[2])
    code = parts[3] if len(parts) > 3 and parts[3] else None
    if action == "no":
        await query.edit_message_reply_markup(None)
        await reply(update, context, scope, "join_declined")
        return
    # Callback data has room for the id only; Telegram tells us the person's name.
    person = (await context.bot.get_chat_member(scope.chat_id, user_id)).user
    await query.edit_message_reply_markup(None)
    await _save_member(update, context, scope, user_id, person.full_name, person.username, code)


@allowed(Action.READ)
async def agencies(update: Update, context: Ctx, scope: Scope, store: WorkspaceStore) -> None:
    """List the owner agencies with their short names and aliases."""
    await reply(update, context, scope, "agencies", agencies=store.agencies())


@allowed(Action.MANAGE)
async def add_agency(update: Update, context: Ctx, scope: Scope, store: WorkspaceStore) -> None:
    """`/addagency Full name | short name | alias, alias`."""
    draft = parse_agency(command_args(update), store.agencies())
    if draft.agency is None:
        await reply(update, context, scope, "addagency_error", error=draft.error,
                    existing=draft.existing)
        return
    store.save_agency(draft.agency, actor=scope.user_id, at=scope.now)
    await reply(update, context, scope, "agency_saved", agency=draft.agency)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add the people and agency handlers."""
    add = application.add_handler
    add(CommandHandler(["members", "thanhvien"], members))
    add(CommandHandler(["addmember", "themthanhvien"], add_member))
    add(CommandHandler(["setrole", "vaitro"], set_role))
    add(CommandHandler(["removemember", "xoathanhvien"], remove_member))
    add(CommandHandler(["join", "thamgia"], join))
    add(CommandHandler(["agencies", "dsdonvi"], agencies))
    add(CommandHandler(["addagency", "themdonvi"], add_agency))
    add(CallbackQueryHandler(on_button, pattern=r"^ppl:"))

