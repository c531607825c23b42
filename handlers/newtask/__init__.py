"""Creating tasks: the one-line /newtask and the step-by-step wizard, in groups and in private.

`wizard.py` the wizard's state and plumbing, `questions.py` what it asks and the creation,
`answers.py` its steps (typed answers, buttons, leaving); the decisions are in bot/newtask.py.
"""

from __future__ import annotations

import warnings
from typing import Any

from telegram import Message, Update
from telegram.constants import ChatType
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

from handlers.newtask.answers import (
    cancel,
    on_confirm_button,
    on_deadline,
    on_lead,
    on_lead_button,
    on_plan,
    on_plan_button,
    on_stray_button,
    on_timeout,
    on_title,
    start,
)
from handlers.newtask.wizard import (
    CONFIRM,
    DEADLINE,
    KEY,
    LEAD,
    PLAN,
    PREFIX,
    TIMEOUT_SECONDS,
    TITLE,
    Wizard,
)


class AnswerFilter(filters.MessageFilter):
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
    answer = filters.TEXT & ~filters.COMMAND & AnswerFilter(application)

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
