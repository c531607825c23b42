"""Incoming updates as Telegram delivers them: messages, button presses, membership changes."""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from tests.fakes.api import LocalBotAPI
from tests.fakes.chats import MEMBER_STATUSES, member_json
from tests.fakes.html_parser import utf16_len

# tdlib's rule: a command is not followed by a word character, '/', '<', '>' or a bad @mention.
_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/<>@])")


def _infer_chat_type(api: LocalBotAPI, chat_id: int, user_id: int) -> str:
    chat = api._chats.get(chat_id)
    if chat is not None:
        return chat.type
    if chat_id == user_id:
        return "private"
    return "supergroup" if str(chat_id).startswith("-100") else "group"


def message_update(
    api: LocalBotAPI,
    *,
    chat_id: int,
    user_id: int,
    text: str,
    chat_type: str | None = None,
    first_name: str = "Nguyễn Văn A",
    username: str | None = None,
    last_name: str | None = None,
    language_code: str | None = "vi",
    title: str | None = None,
    reply_to_message_id: int | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """An incoming text message as Telegram delivers it (not queued: see push_update).

    The message is stored in the chat when built, as the user has sent it by then: replies to
    it and deletions work whether the test pushes the update or feeds it to process_update.
    ``chat_type`` defaults to the known chat's type, else private when chat_id == user_id.
    A leading /command (also /command@SomeBot) gets its bot_command entity like Telegram.
    Sending anything to a private chat also unblocks the bot, as pressing Start does.
    For a document or photo, pass text="" and the fields in ``extra``.
    """
    with api._changed:
        chat_type = chat_type or _infer_chat_type(api, chat_id, user_id)
        if chat_type == "private" and chat_id != user_id:
            raise ValueError("in a private chat, chat_id is the user's id")
        api.add_user(
            user_id,
            first_name,
            username=username,
            last_name=last_name,
            language_code=language_code,
        )
        if chat_id not in api._chats:
            api.add_chat(chat_id, chat_type, title)
        chat = api._chats[chat_id]
        if chat_type == "private":
            api.unblock(user_id)
        elif user_id not in chat.members:
            chat.members[user_id] = "member"
        fields: dict[str, Any] = {"text": text} if text else {}
        command = _COMMAND_RE.match(text)
        if command:
            fields["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_len(command.group())}
            ]
        if reply_to_message_id is not None:
            target = chat.messages.get(reply_to_message_id)
            if target is None:
                raise ValueError(f"no message {reply_to_message_id} in chat {chat_id}")
            quoted = copy.deepcopy(target)
            quoted.pop("reply_to_message", None)
            fields["reply_to_message"] = quoted
        fields.update(extra or {})
        message = api._incoming_message(chat, api._users[user_id].to_json(), fields)
        api._changed.notify_all()
        return {"update_id": api.next_update_id(), "message": copy.deepcopy(message)}


def document_update(
    api: LocalBotAPI,
    *,
    chat_id: int,
    user_id: int,
    data: bytes,
    filename: str,
    caption: str = "",
    mime_type: str = "",
    first_name: str = "Nguyễn Văn A",
    username: str | None = None,
    language_code: str | None = "vi",
    reply_to_message_id: int | None = None,
) -> dict[str, Any]:
    """A user sends a file, with a caption that may start with a /command (Telegram marks it
    in caption_entities, as it marks a text's command in entities)."""
    extra: dict[str, Any] = {"document": api.user_file(data, filename, mime_type)}
    if caption:
        extra["caption"] = caption
        command = _COMMAND_RE.match(caption)
        if command:
            extra["caption_entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_len(command.group())}
            ]
    return message_update(
        api, chat_id=chat_id, user_id=user_id, text="", first_name=first_name,
        username=username, language_code=language_code,
        reply_to_message_id=reply_to_message_id, extra=extra,
    )


def migration_updates(api: LocalBotAPI, *, chat_id: int, user_id: int) -> list[dict[str, Any]]:
    """The two service messages of an upgrade (after api.migrate_chat): ``migrate_to_chat_id``
    in the old group, then ``migrate_from_chat_id`` in the new supergroup."""
    with api._changed:
        old = api._chats[chat_id]
        if old.migrated_to is None:
            raise ValueError(f"chat {chat_id} was not upgraded: call migrate_chat first")
        new = api._chats[old.migrated_to]
        sender = api._users[user_id].to_json()
        leaving = api._incoming_message(old, sender, {"migrate_to_chat_id": new.id})
        arriving = api._incoming_message(new, sender, {"migrate_from_chat_id": old.id})
        api._changed.notify_all()
        return [{"update_id": api.next_update_id(), "message": copy.deepcopy(message)}
                for message in (leaving, arriving)]


def callback_update(
    api: LocalBotAPI,
    *,
    chat_id: int,
    user_id: int,
    message_id: int,
    data: str,
    first_name: str = "Nguyễn Văn A",
    username: str | None = None,
    check_button: bool = True,
) -> dict[str, Any]:
    """A press on an inline button of a message the bot sent.

    Refuses (ValueError) a message the bot did not send or, with ``check_button``, data that is
    on none of the message's current buttons: a Telegram client cannot produce those.
    """
    with api._changed:
        chat = api._chats.get(chat_id)
        message = chat.messages.get(message_id) if chat else None
        if chat is None or message is None:
            raise ValueError(f"no message {message_id} in chat {chat_id}")
        if message.get("from", {}).get("id") != api.bot_id:
            raise ValueError("callback queries only come from the bot's own messages")
        if check_button:
            rows = message.get("reply_markup", {}).get("inline_keyboard", [])
            if data not in [button.get("callback_data") for row in rows for button in row]:
                raise ValueError(f"message {message_id} has no button with callback_data {data!r}")
        if user_id not in api._users:
            api.add_user(user_id, first_name, username=username)
        query = {
            "id": api._register_callback_query(),
            "from": api._users[user_id].to_json(),
            "message": copy.deepcopy(message),
            "chat_instance": str(abs(hash((api.bot_id, chat_id)))),
            "data": data,
        }
        return {"update_id": api.next_update_id(), "callback_query": query}


def my_chat_member_update(
    api: LocalBotAPI,
    *,
    chat_id: int,
    user_id: int,
    chat_type: str = "group",
    title: str = "Tổ công tác",
    first_name: str = "Trần Thị B",
    username: str | None = None,
    new_status: str = "member",
    old_status: str = "left",
) -> dict[str, Any]:
    """The bot's own membership changing, e.g. being added to a group by ``user_id``.

    Applies the change (chat registered, bot status set, adder kept in the roster as at least
    a member) so later sends behave accordingly. In a private chat (chat_id == user_id),
    new_status "kicked" means the user blocked the bot and "member" that they unblocked it.
    """
    if new_status not in MEMBER_STATUSES or old_status not in MEMBER_STATUSES:
        raise ValueError(f"statuses must be among {MEMBER_STATUSES}")
    with api._changed:
        api.add_user(user_id, first_name, username=username)
        if chat_id not in api._chats:
            api.add_chat(chat_id, chat_type, title, bot_status=new_status)
        chat = api._chats[chat_id]
        if chat.type == "private":
            # In a private chat "kicked" is how Telegram reports that the user blocked the bot.
            api._users[chat_id].blocked = new_status == "kicked"
        else:
            chat.bot_status = new_status
            chat.members.setdefault(user_id, "member")
        event = {
            "chat": api._chat_json(chat),
            "from": api._users[user_id].to_json(),
            "date": int(api.wall_clock()),
            "old_chat_member": member_json(api.bot_user, old_status),
            "new_chat_member": member_json(api.bot_user, new_status),
        }
        api._changed.notify_all()
        return {"update_id": api.next_update_id(), "my_chat_member": event}
