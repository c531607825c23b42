"""One task: its card with buttons, and the commands that update it (done, progress, notes, ...).

`card.py` the card and its buttons' data, `updates.py` the one save of an update (the
reminders' buttons use it too), `commands.py` and `reassign.py` the commands, `buttons.py`
the card's buttons, `notes.py` a note typed in reply to the bot's question.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from handlers.tasks import commands
from handlers.tasks.buttons import on_button
from handlers.tasks.card import PREFIX
from handlers.tasks.notes import ReplyToNotePrompt, note_reply
from handlers.tasks.reassign import reassign

# A group before the others (0), for the note replies only: a wizard waiting for text in
# group 0 must not swallow the note; note_reply stops the update there.
NOTE_GROUP = -1


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add the task card, update commands, their buttons and the note replies."""
    add = application.add_handler
    add(CommandHandler(["task", "viec"], commands.card))
    add(CommandHandler(["done", "xong"], commands.done))
    add(CommandHandler(["progress", "tiendo"], commands.progress))
    add(CommandHandler(["note", "ghichu"], commands.note))
    add(CommandHandler(["reopen", "molai"], commands.reopen))
    add(CommandHandler(["deadline", "doihan"], commands.deadline))
    add(CommandHandler(["reassign", "giaolai"], reassign))
    add(CommandHandler(["canceltask", "huyviec"], commands.cancel_task))
    add(CommandHandler(["history", "lichsu"], commands.history))
    add(CallbackQueryHandler(on_button, pattern=rf"^{PREFIX}:"))
    add(MessageHandler(
        # New messages only: editing the reply later must not add the note a second time.
        filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND
        & ReplyToNotePrompt(application.bot_data),
        note_reply,
    ), group=NOTE_GROUP)
