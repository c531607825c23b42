"""Importing a plan's task table from a .docx, .xlsx or .csv: /import (/nhapkehoach).

A leader sends the file with the command in its caption (in the group or in private), or
replies to a file with the command. The file is refused before download above 5 MB, read off
the event loop, and answered with a preview; nothing is written until a leader confirms, and
then everything is written in one transaction with its audit entries.

Buttons: `imp:<token>:<action>[:<name key>[:<agency code>]]` — `c` create the agency a name
means, `m` map the name to an existing agency, `ca` create every unknown one, `w` write all
tasks, `wn` write only those the workspace does not have yet, `x` cancel. The pending import
is kept in chat_data, so a restart forgets it: its buttons then say so.
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import logging
import secrets
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from telegram import Document, Message, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.model import Agency
from bot.people import parse_agency
from bot.permissions import Action
from bot.plan_import import (
    ImportError_,
    ParsedPlan,
    Preview,
    duplicates,
    preview,
    read_plan,
    resolve_agencies,
    to_tasks,
)
from bot.plan_table import MAX_BYTES, TableError
from handlers.common import (
    Ctx,
    Scope,
    buttons,
    command_args,
    edit_or_send,
    keep_offer,
    render,
    reply,
    require,
    resolve,
)

log = logging.getLogger(__name__)

PREFIX = "imp"
KEY = "imports"  # chat_data[KEY][token]: a Pending import
COMMANDS = ("import", "nhapkehoach")
MAX_PENDING = 5  # per chat; an older preview's buttons then say it expired
_BUTTON_NAMES = 8  # unknown names offered with buttons


@dataclass(slots=True)
class Pending:
    """An import read and previewed, waiting for the leaders' answers."""

    token: str
    filename: str
    parsed: ParsedPlan
    chosen: dict[str, str] = field(default_factory=dict)  # name as written -> agency code
    created: list[Agency] = field(default_factory=list)  # agencies to create on writing


def _name_key(name: str) -> str:
    return hashlib.blake2s(name.encode(), digest_size=4).hexdigest()


def attached_document(message: Message | None) -> Document | None:
    """The file a message carries, or the file it replies to."""
    if message is None:
        return None
    if message.document is not None:
        return message.document
    replied = message.reply_to_message
    return replied.document if replied is not None else None


def _label(scope: Scope, which: str, **values: Any) -> str:
    return html.unescape(render(scope, "import_button", which=which, **values))


async def import_plan(update: Update, context: Ctx) -> None:
    """`/import [plan name]` in a file's caption or in reply to a file: read it, preview it."""
    scope = await resolve(update, context)
    if not await _leader(update, context, scope):
        return
    document = attached_document(update.effective_message)
    if document is None:
        await reply(update, context, scope, "import_usage")
        return
    filename = document.file_name or document.file_unique_id
    if (document.file_size or 0) > MAX_BYTES:
        await reply(update, context, scope, "import_refused", reason="too_large", filename=filename)
        return
    try:
        telegram_file = await context.bot.get_file(document.file_id)
        data = bytes(await telegram_file.download_as_bytearray())
    except TelegramError as exc:
        log.warning("could not download %s: %s", filename, exc)
        await reply(update, context, scope, "import_refused", reason="download", filename=filename)
        return
    plan = command_args(update) or PurePath(filename).stem
    loop = asyncio.get_running_loop()
    try:
        parsed = await loop.run_in_executor(None, lambda: read_plan(
            data, today=scope.today, plan=plan, lang=scope.lang, filename=filename,
        ))
    except (TableError, ImportError_) as exc:
        await reply(update, context, scope, "import_refused", reason=exc.reason,
                    filename=filename)
        return
    if not parsed.drafts and not parsed.problems:
        await reply(update, context, scope, "import_refused", reason="empty", filename=filename)
        return
    pending = Pending(secrets.token_hex(3), filename, parsed)
    keep_offer(context.chat_data, KEY, pending.token, pending, MAX_PENDING)
    await _show(update, context, scope, pending)


async def _leader(update: Update, context: Ctx, scope: Scope) -> bool:
    return await require(update, context, scope, Action.MANAGE)


def _pending(context: Ctx, token: str) -> Pending | None:
    found = (context.chat_data or {}).get(KEY, {}).get(token)
    return found if isinstance(found, Pending) else None


def _agencies(scope: Scope, pending: Pending) -> list[Agency]:
    assert scope.store is not None
    return [*scope.store.agencies(), *pending.created]


def _preview(scope: Scope, pending: Pending) -> Preview:
    assert scope.store is not None
    return preview(pending.parsed, agencies=_agencies(scope, pending), chosen=pending.chosen,
                   tasks=scope.store.tasks(), today=scope.today)


def _markup(scope: Scope, pending: Pending, shown: Preview) -> Any:
    names = {a.code: a.label for a in _agencies(scope, pending)}
    token = pending.token
    rows: list[list[tuple[str, str]]] = []
    for unknown in shown.unresolved[:_BUTTON_NAMES]:
        key = _name_key(unknown.name)
        row = [(_label(scope, "create", unknown=unknown.name), f"{PREFIX}:{token}:c:{key}")]
        row += [
            (_label(scope, "map", unknown=unknown.name, agency=names.get(code, code)),
             f"{PREFIX}:{token}:m:{key}:{code}")
            for code in unknown.candidates[:2]
        ]
        rows.append(row)
    if len(shown.unresolved) > 1:
        rows.append([(_label(scope, "create_all", count=len(shown.unresolved)),
                      f"{PREFIX}:{token}:ca")])
    if shown.ready:
        skipped = len(shown.problems)
        if shown.duplicates:
            fresh = shown.tasks - shown.duplicates
            if fresh:
                rows.append([(_label(scope, "write_new", count=fresh, skipped=skipped),
                              f"{PREFIX}:{token}:wn")])
            rows.append([(_label(scope, "write_all", count=shown.tasks,
                                 skipped=shown.duplicates), f"{PREFIX}:{token}:w")])
        else:
            rows.append([(_label(scope, "write", count=shown.tasks, skipped=skipped),
                          f"{PREFIX}:{token}:w")])
    rows.append([(_label(scope, "cancel"), f"{PREFIX}:{token}:x")])
    return buttons(rows)


async def _show(update: Update, context: Ctx, scope: Scope, pending: Pending) -> None:
    shown = _preview(scope, pending)
    names = {a.code: a.label for a in _agencies(scope, pending)}
    values = {"p": shown, "filename": pending.filename, "agencies": names}
    markup = _markup(scope, pending, shown)
    if update.callback_query is not None:
        await edit_or_send(update, context, scope, "import_preview", markup, **values)
    else:
        await reply(update, context, scope, "import_preview", markup, **values)


async def on_button(update: Update, context: Ctx) -> None:
    """A button of a preview: settle an agency name, write, or cancel."""
    query = update.callback_query
    assert query is not None
    _, token, action, *args = (query.data or "").split(":")
    scope = await resolve(update, context)
    pending = _pending(context, token)
    if pending is None:
        await query.answer(_label(scope, "stale"), show_alert=True)
        return
    await query.answer()
    if not await _leader(update, context, scope):
        return
    if action == "x":
        _drop(context, token)
        await edit_or_send(update, context, scope, "import_done", None, cancelled=True,
                           filename=pending.filename)
        return
    if action in ("w", "wn"):
        await _write(update, context, scope, pending, only_new=action == "wn")
        return
    shown = _preview(scope, pending)
    by_key = {_name_key(u.name): u.name for u in shown.unresolved}
    if action == "ca":
        for name in by_key.values():
            _create(scope, pending, name)
    elif action == "c" and args and args[0] in by_key:
        _create(scope, pending, by_key[args[0]])
    elif (action == "m" and len(args) == 2 and args[0] in by_key
          and any(a.code == args[1] for a in _agencies(scope, pending))):
        pending.chosen[by_key[args[0]]] = args[1]
    await _show(update, context, scope, pending)


def _create(scope: Scope, pending: Pending, name: str) -> None:
    """The agency a name means, created on writing (an existing one if the name is one)."""
    draft = parse_agency(name, _agencies(scope, pending))
    if draft.agency is not None:
        pending.created.append(draft.agency)
        pending.chosen[name] = draft.agency.code
    elif draft.existing is not None:
        pending.chosen[name] = draft.existing.code


def _drop(context: Ctx, token: str) -> None:
    (context.chat_data or {}).get(KEY, {}).pop(token, None)


async def _write(update: Update, context: Ctx, scope: Scope, pending: Pending,
                 only_new: bool) -> None:
    """Every task of the import, its new agencies and an audit entry, in one transaction."""
    store = scope.store
    assert store is not None
    drafts = pending.parsed.drafts
    if only_new:
        seen = {id(d) for d in duplicates(drafts, store.tasks())}
        drafts = [d for d in drafts if id(d) not in seen]
    codes, unresolved = resolve_agencies(drafts, _agencies(scope, pending), pending.chosen)
    if unresolved or not drafts:
        await _show(update, context, scope, pending)
        return
    tasks = to_tasks(drafts, codes, now=scope.now, tz=scope.tz, actor=scope.user_id,
                     source=pending.filename)
    used = {t.lead for t in tasks} | {c for t in tasks for c in t.coordinators}
    new_agencies = [a for a in pending.created if a.code in used]
    _drop(context, pending.token)  # a second press finds nothing to write twice
    with store.transaction():
        for agency in new_agencies:
            store.save_agency(agency, actor=scope.user_id, at=scope.now)
        added = [store.add_task(t, actor=scope.user_id, at=scope.now) for t in tasks]
        store.record(scope.user_id, scope.now, "plan_imported", after={
            "file": pending.filename, "tasks": len(added),
            "rows_skipped": len(pending.parsed.problems) + len(pending.parsed.drafts) - len(drafts),
            "first": added[0].number, "last": added[-1].number,
        })
    await edit_or_send(
        update, context, scope, "import_done", None, cancelled=False, filename=pending.filename,
        count=len(added), first=added[0].number, last=added[-1].number,
        plan=added[0].plan, agencies=[a.label for a in new_agencies],
        skipped=len(pending.parsed.problems) + len(pending.parsed.drafts) - len(drafts),
    )


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add /import (/nhapkehoach), as a command, a file's caption, or a reply to a file."""
    application.add_handler(CommandHandler(list(COMMANDS), import_plan))
    caption = filters.CaptionRegex(rf"^/(?:{'|'.join(COMMANDS)})(?:@\w+)?(?:\s|$)")
    application.add_handler(MessageHandler(filters.Document.ALL & caption, import_plan))
    application.add_handler(CallbackQueryHandler(on_button, pattern=rf"^{PREFIX}:"))
