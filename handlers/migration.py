"""A group upgraded to a supergroup keeps its workspace: the new chat id takes over its data.

Telegram gives the upgraded group a new id and says so twice, with a service message in the
old group (`migrate_to_chat_id`) and one in the new supergroup (`migrate_from_chat_id`); a
message sent to the old id fails with ChatMigrated, which the delivery reports here too.
Whichever comes first moves the workspace (store.registry.Registry.migrate: the file is
renamed, the old id remembered for late updates and old buttons) and its reminders.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.ext import Application, MessageHandler, filters

from handlers import reminders
from handlers.common import Ctx
from handlers.delivery import delivery_of
from handlers.services import services

log = logging.getLogger(__name__)

App = Application[Any, Any, Any, Any, Any, Any]


async def move(app: App, old: int, new: int) -> None:
    """Move the workspace of chat `old` to chat `new`, if it has not moved already."""
    svc = services(app)
    try:
        moved = svc.registry.migrate(old, new, at=svc.clock())
    except ValueError as exc:  # both ids have data: keep both, and say so
        log.warning("group %s was upgraded to %s: %s", old, new, exc)
        return
    if moved is None:
        return
    log.info("group %s was upgraded to supergroup %s: its workspace moved", old, new)
    reminders.moved(app, old, new)


async def on_migration(update: Update, context: Ctx) -> None:
    """The service message of an upgrade, in the old group or in the new supergroup."""
    message = update.effective_message
    assert message is not None
    if message.migrate_to_chat_id:
        await move(context.application, message.chat.id, message.migrate_to_chat_id)
    elif message.migrate_from_chat_id:
        await move(context.application, message.migrate_from_chat_id, message.chat.id)


def register(application: App) -> None:
    """Watch for upgrades: the service messages, and ChatMigrated on any send."""
    application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, on_migration))

    async def migrated(old: int, new: int) -> None:
        await move(application, old, new)

    delivery_of(application.bot).on_migrated = migrated
