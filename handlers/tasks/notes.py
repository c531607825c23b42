"""A note typed in reply to the bot's "type your note" question (the card's Note button)."""

from __future__ import annotations

import html
from typing import Any

from telegram import ForceReply, Message, Update
from telegram.ext import ApplicationHandlerStop, filters

from bot import taskops
from bot.model import Task
from bot.permissions import Action
from handlers.common import Ctx, Scope, render, reply, require, resolve, send
from handlers.services import services
from handlers.tasks.updates import apply

_PROMPTS = "task_note_prompts"  # bot_data key: (chat, prompt message) -> (workspace, task)
_PROMPTS_KEPT = 200  # older note prompts are forgotten; a late reply gets no special meaning


async def ask_note(context: Ctx, scope: Scope, task: Task) -> None:
    """Ask for the note with a forced reply: in a group with privacy mode on, a reply to the
    bot is one of the few messages Telegram delivers to it."""
    assert scope.store is not None
    placeholder = html.unescape(render(scope, "task_toast", kind="note_placeholder", task=task))
    prompt = await send(
        context, scope.chat_id,
        render(scope, "task_note_prompt", task=task, user_id=scope.user_id,
               user_name=scope.user_name),
        force_reply=ForceReply(selective=True, input_field_placeholder=placeholder[:64]),
    )
    prompts: dict[tuple[int, int], tuple[int, int]] = context.bot_data.setdefault(_PROMPTS, {})
    prompts[(scope.chat_id, prompt.message_id)] = (scope.store.workspace.chat_id, task.number)
    while len(prompts) > _PROMPTS_KEPT:
        prompts.pop(next(iter(prompts)))


class ReplyToNotePrompt(filters.MessageFilter):
    """Messages that answer one of the bot's "type your note" questions."""

    def __init__(self, bot_data: dict[str, Any]) -> None:
        super().__init__(name="task_note_reply")
        self.bot_data = bot_data

    def filter(self, message: Message) -> bool:
        answered = message.reply_to_message
        if answered is None:
            return False
        return (message.chat_id, answered.message_id) in self.bot_data.get(_PROMPTS, {})


async def note_reply(update: Update, context: Ctx) -> None:
    """A reply to the note question becomes the task's note; no other handler answers it."""
    await _save_replied_note(update, context)
    raise ApplicationHandlerStop


async def _save_replied_note(update: Update, context: Ctx) -> None:
    message = update.effective_message
    assert message is not None and message.reply_to_message is not None
    key = (message.chat_id, message.reply_to_message.message_id)
    asked = context.bot_data.get(_PROMPTS, {}).get(key)
    if asked is None:
        return
    ws, number = asked
    base = await resolve(update, context)
    scope = base.in_workspace(ws)
    if scope is None or scope.store is None:
        await reply(update, context, base, "no_workspace",
                    choices=services(context).registry.workspaces_of(base.user_id))
        return
    task = scope.store.task(number)
    if task is None:
        await reply(update, context, scope, "task_unknown", number=number)
        return
    if not await require(update, context, scope, Action.UPDATE_TASK, task):
        return
    text = message.text or ""
    saved = await apply(
        update, context, scope, task,
        lambda t: taskops.add_note(t, text, now=scope.now, actor=scope.user_id),
    )
    if saved is not None:
        context.bot_data[_PROMPTS].pop(key, None)
