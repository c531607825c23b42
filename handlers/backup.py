"""The workspace's data as a file and back: /backup (/saoluu) and /restore (/khoiphuc).

/backup sends a leader, in his private chat, the workspace's file packed with its SHA-256
(store/backup.py); asked in the group, the group is told it went to the private chat. /restore
takes such a file in the private chat (as a caption, or in reply to the file), checks it
(format, checksums, that it opens, that it is this workspace's), says what will be replaced by
what, and restores only on a button: the current file is kept beside the restored one.

Buttons: `bak:<token>:ok` restore, `bak:<token>:x` cancel; the file waits in chat_data (a
restart forgets it, and the button says so), the last few offers of a chat only.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from telegram import InputFile, Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.permissions import Action
from bot.render import pairs
from handlers.common import (
    Ctx,
    Scope,
    allowed,
    buttons,
    edit_or_send,
    keep_offer,
    render,
    reply,
    require,
    resolve,
)
from handlers.imports import attached_document
from store.backup import (
    Backup,
    BackupError,
    Contents,
    chat_of,
    checksum,
    contents,
    read_backup,
    workspace_backup,
)
from store.workspace import WorkspaceStore

log = logging.getLogger(__name__)

PREFIX = "bak"
KEY = "restores"  # chat_data[KEY][token]: a Pending restore
COMMANDS = ("restore", "khoiphuc")
MAX_BYTES = 20 * 1024 * 1024  # what the Bot API lets a bot download
# Offers waiting per chat: each holds a whole data file, and an offer nobody answers would
# otherwise stay for the life of the process. An older offer's buttons then say it expired.
OFFERS_KEPT = 3


@dataclass(slots=True)
class Pending:
    """A backup checked and waiting for the leader's confirmation."""

    token: str
    chat_id: int  # the workspace it restores
    data: bytes  # the workspace file inside the backup
    made_at: Any


def _summary(scope: Scope) -> Contents:
    store = scope.store
    assert store is not None
    return Contents(store.workspace.title, len(store.tasks()), len(store.agencies()),
                    len(store.members()), len(store.meetings()))


@allowed(Action.MANAGE)
async def backup(update: Update, context: Ctx, scope: Scope, store: WorkspaceStore) -> None:
    """`/backup`: the workspace's data file, with its checksum, in the leader's private chat."""
    data = workspace_backup(store, made_at=scope.now)
    names = pairs(render(scope, "backup_files"))
    caption = render(scope, "backup_sent", digest=checksum(data), contents=_summary(scope))
    try:
        await context.bot.send_document(
            scope.user_id, InputFile(data, filename=f"{names['file']}.zip"), caption=caption,
        )
    except Forbidden:
        # He has not started the bot in private: the group must not get the file instead.
        await reply(update, context, scope, "backup_private", sent=False)
        return
    if scope.is_group:
        await reply(update, context, scope, "backup_private", sent=True)


async def restore(update: Update, context: Ctx) -> None:
    """`/restore` with a backup file (caption or reply), in private: check it, then ask."""
    scope = await resolve(update, context)
    if scope.is_group:
        await reply(update, context, scope, "restore_refused", reason="in_group")
        return
    document = attached_document(update.effective_message)
    if document is None:
        await reply(update, context, scope, "restore_usage")
        return
    if (document.file_size or 0) > MAX_BYTES:
        await reply(update, context, scope, "restore_refused", reason="too_large")
        return
    try:
        data = bytes(await (await context.bot.get_file(document.file_id)).download_as_bytearray())
    except TelegramError as exc:
        log.warning("could not download a backup: %s", exc)
        await reply(update, context, scope, "restore_refused", reason="download")
        return
    try:
        found = await asyncio.get_running_loop().run_in_executor(None, _check, data)
    except BackupError as exc:
        await reply(update, context, scope, "restore_refused", reason=exc.reason)
        return
    checked, chat_id, workspace_file, incoming = found
    target = scope.in_workspace(chat_id)
    if target is None or target.store is None:
        await reply(update, context, scope, "restore_refused", reason="other_workspace")
        return
    if not await require(update, context, target, Action.MANAGE):
        return
    pending = Pending(secrets.token_hex(3), chat_id, workspace_file, checked.made_at)
    keep_offer(context.chat_data, KEY, pending.token, pending, OFFERS_KEPT)
    label = pairs(render(target, "backup_buttons"))
    markup = buttons([[(label["restore"], f"{PREFIX}:{pending.token}:ok"),
                       (label["cancel"], f"{PREFIX}:{pending.token}:x")]])
    await reply(update, context, target, "restore_confirm", markup, current=_summary(target),
                incoming=incoming, made_at=checked.made_at, digest=checksum(data))


def _check(data: bytes) -> tuple[Backup, int, bytes, Contents]:
    """A one-workspace backup read and checked: its workspace's id, file and contents."""
    checked = read_backup(data)
    files = checked.workspace_files()
    if checked.chat_id is None or len(files) != 1:
        raise BackupError("not_a_backup", "not one workspace's backup")
    (workspace_file,) = files.values()
    if chat_of(workspace_file) != checked.chat_id:
        raise BackupError("damaged", "the manifest names another workspace")
    return checked, checked.chat_id, workspace_file, contents(workspace_file)


async def on_button(update: Update, context: Ctx) -> None:
    """Restore, or cancel, a backup shown for confirmation."""
    query = update.callback_query
    assert query is not None
    _, token, action = ((query.data or "") + "::").split(":")[:3]
    scope = await resolve(update, context)
    pending = (context.chat_data or {}).get(KEY, {}).pop(token, None)
    if not isinstance(pending, Pending):
        await query.answer(pairs(render(scope, "backup_buttons"))["stale"], show_alert=True)
        return
    await query.answer()
    target = scope.in_workspace(pending.chat_id)
    if target is None or target.store is None:
        return
    if action != "ok":
        await edit_or_send(update, context, target, "restore_done", None, cancelled=True)
        return
    if not await require(update, context, target, Action.MANAGE):
        return
    registry = scope.services.registry
    kept = registry.restore_workspace(pending.chat_id, pending.data, at=scope.now)
    restored = target.in_workspace(pending.chat_id)
    assert restored is not None and restored.store is not None
    with restored.store.transaction():
        restored.store.record(scope.user_id, scope.now, "restored", after={
            "backup_made_at": pending.made_at.isoformat(), "kept": kept.name,
        })
    _after_restore(context, pending.chat_id)
    await edit_or_send(update, context, restored, "restore_done", None, cancelled=False,
                       contents=_summary(restored), made_at=pending.made_at, kept=kept.name)


def _after_restore(context: Ctx, chat_id: int) -> None:
    """The reminders follow the restored tasks (their schedule was the old file's)."""
    from handlers.reminders import reschedule

    try:
        reschedule(context.application, chat_id, keep_due=False)
    except Exception:  # the data is restored; the next wake-up reschedules anyway
        log.exception("could not reschedule reminders after a restore of %s", chat_id)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add /backup (/saoluu), /restore (/khoiphuc) as a command or a file's caption."""
    application.add_handler(CommandHandler(["backup", "saoluu"], backup))
    application.add_handler(CommandHandler(list(COMMANDS), restore))
    caption = filters.CaptionRegex(rf"^/(?:{'|'.join(COMMANDS)})(?:@\w+)?(?:\s|$)")
    application.add_handler(MessageHandler(filters.Document.ALL & caption, restore))
    application.add_handler(CallbackQueryHandler(on_button, pattern=rf"^{PREFIX}:"))
