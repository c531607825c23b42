"""The last resort: unknown commands get a hint instead of silence."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from handlers.common import Ctx, reply, resolve


async def unknown_command(update: Update, context: Ctx) -> None:
    """Say that the command is unknown and how to see the list."""
    message = update.effective_message
    if message is None or not message.text:
        return
    word, _, addressee = message.text.split()[0].partition("@")
    if addressee and addressee.casefold() != (context.bot.username or "").casefold():
        return  # "/done@other_bot 2" is for another bot in the group: not ours to answer
    scope = await resolve(update, context)
    await reply(update, context, scope, "unknown_command", command=word[:40])


async def nothing_to_cancel(update: Update, context: Ctx) -> None:
    """/cancel when no wizard is open (an open one takes /cancel before this)."""
    scope = await resolve(update, context)
    await reply(update, context, scope, "nothing_to_cancel")


async def private_text(update: Update, context: Ctx) -> None:
    """Plain text in private that no conversation expected: point to the commands."""
    scope = await resolve(update, context)
    await reply(update, context, scope, "private_text_hint")


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add the fallback handlers; registered last in group 0, so they see only what nobody took."""
    application.add_handler(CommandHandler(["cancel", "huy"], nothing_to_cancel))
    # Edited messages are left alone, as the commands themselves leave them (application.py).
    application.add_handler(
        MessageHandler(filters.COMMAND & filters.UpdateType.MESSAGE, unknown_command)
    )
    application.add_handler(
        MessageHandler(
            filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND
            & filters.UpdateType.MESSAGE,
            private_text,
        ),
    )
