"""What each Bot API method does to the fake's chats, and the checks they share."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from tests.fakes.chats import ChatState, UserState, member_json
from tests.fakes.errors import BotAPIError, bad_request, chat_migrated, forbidden
from tests.fakes.html_parser import formatted, utf16_len
from tests.fakes.limits import Limits, RateLimiter
from tests.fakes.wire import INT_RE, UploadedFile, int_param

# Limits documented at https://core.telegram.org/bots/api
MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024  # getFile refuses bigger files ("file is too big")
MAX_COMMANDS = 100
MAX_COMMAND_LENGTH = 32
MAX_COMMAND_DESCRIPTION_LENGTH = 256
# A message older than this can no longer be deleted by a bot.
DELETE_WINDOW_SECONDS = 48 * 3600

CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)


class BotMethods:
    """The methods of LocalBotAPI that answer requests (``_m_<method>``), over its state."""

    # The state LocalBotAPI keeps (see its __init__); declared here for the methods.
    bot_id: int
    username: str
    first_name: str
    limits: Limits
    clock: Callable[[], float]
    wall_clock: Callable[[], float]
    strict_html: bool
    commands: dict[tuple[str, str], list[dict[str, str]]]
    default_menu_button: dict[str, Any]
    _rate: RateLimiter
    _users: dict[int, UserState]
    _chats: dict[int, ChatState]
    _callback_queries: dict[str, bool]
    _files: dict[str, dict[str, Any]]
    _paths: dict[str, bytes]  # getFile's file_path -> the file's bytes
    _next_file_id: int

    @property
    def bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.username,
        }

    # ------------------------------------------------------------------ shared checks

    def _chat_for(self, params: Mapping[str, Any]) -> ChatState:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise bad_request("chat_id is empty")
        if isinstance(chat_id, str):
            if chat_id.startswith("@"):
                for candidate in self._chats.values():
                    if candidate.type != "private" and candidate.username == chat_id[1:]:
                        return candidate
                raise bad_request("chat not found")
            if not INT_RE.fullmatch(chat_id):
                raise bad_request("chat not found")
            chat_id = int(chat_id)
        if not isinstance(chat_id, int) or isinstance(chat_id, bool):
            raise bad_request("chat not found")
        chat = self._chats.get(chat_id)
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def _check_can_write(self, chat: ChatState) -> None:
        if chat.migrated_to is not None:
            raise chat_migrated(chat.migrated_to)
        if chat.type == "private":
            if self._users[chat.id].blocked:
                raise forbidden("bot was blocked by the user")
            return
        if chat.bot_status == "kicked":
            raise forbidden(f"bot was kicked from the {chat.type} chat")
        if chat.bot_status == "left":
            raise forbidden(f"bot is not a member of the {chat.type} chat")

    def _chat_json(self, chat: ChatState) -> dict[str, Any]:
        data: dict[str, Any] = {"id": chat.id, "type": chat.type}
        if chat.type == "private":
            user = self._users[chat.id]
            data["first_name"] = user.first_name
            if user.last_name:
                data["last_name"] = user.last_name
            if user.username:
                data["username"] = user.username
        else:
            data["title"] = chat.title
            if chat.username:
                data["username"] = chat.username
        return data

    def _check_markup(self, value: Any, chat: ChatState) -> dict[str, Any] | None:
        if value is None:
            return None
        if not isinstance(value, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in value:
            rows = value["inline_keyboard"]
            if not isinstance(rows, list):
                raise bad_request(
                    'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array'
                )
            for row in rows:
                if not isinstance(row, list):
                    raise bad_request(
                        'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array '
                        "of Arrays"
                    )
                for button in row:
                    self._check_button(button)
                    if "web_app" in button and chat.type != "private":
                        # Mini App buttons open only from the private chat with the bot.
                        raise bad_request("BUTTON_TYPE_INVALID")
        elif not {"keyboard", "remove_keyboard", "force_reply"} & value.keys():
            raise bad_request("can't parse reply keyboard markup JSON object")
        return value

    @staticmethod
    def _check_button(button: Any) -> None:
        prefix = "can't parse inline keyboard button: "
        if not isinstance(button, dict):
            raise bad_request(prefix + "InlineKeyboardButton must be an Object")
        if not isinstance(button.get("text"), str):
            raise bad_request(prefix + 'Field "text" must be of type String')
        actions = {
            "url",
            "callback_data",
            "switch_inline_query",
            "switch_inline_query_current_chat",
            "switch_inline_query_chosen_chat",
            "copy_text",
            "callback_game",
            "pay",
            "login_url",
            "web_app",
        }
        if not actions & button.keys():
            raise bad_request(prefix + "Text buttons are unallowed in the inline keyboard")
        if "callback_data" in button:
            data = button["callback_data"]
            if not isinstance(data, str):
                raise bad_request(prefix + 'Field "callback_data" must be of type String')
            if not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
                raise bad_request("BUTTON_DATA_INVALID")
        if "url" in button:
            url = button["url"]
            if not isinstance(url, str) or not url.strip() or any(ch.isspace() for ch in url):
                raise bad_request("BUTTON_URL_INVALID")

    def _reply_to(self, chat: ChatState, params: Mapping[str, Any]) -> dict[str, Any] | None:
        reply = params.get("reply_parameters")
        if isinstance(reply, dict):
            message_id = reply.get("message_id")
            lenient = bool(reply.get("allow_sending_without_reply"))
            if reply.get("chat_id") not in (None, chat.id):
                # Replies across chats are not modelled.
                raise bad_request("message to be replied not found")
        else:
            message_id = params.get("reply_to_message_id")
            lenient = bool(params.get("allow_sending_without_reply"))
        if message_id is None:
            return None
        target = chat.messages.get(message_id) if isinstance(message_id, int) else None
        if target is None:
            if lenient:
                return None
            raise bad_request("message to be replied not found")
        quoted = copy.deepcopy(target)
        quoted.pop("reply_to_message", None)  # Telegram nests replies one level deep only
        return quoted

    def _new_message(
        self,
        chat: ChatState,
        params: Mapping[str, Any],
        body: dict[str, Any],
        markup: dict[str, Any] | None,
    ) -> dict[str, Any]:
        message_id = chat.next_message_id
        chat.next_message_id += 1
        message: dict[str, Any] = {
            "message_id": message_id,
            "from": self.bot_user,
            "chat": self._chat_json(chat),
            "date": int(self.wall_clock()),
        }
        reply = self._reply_to(chat, params)
        if reply is not None:
            message["reply_to_message"] = reply
        message.update(body)
        if markup is not None:
            chat.markups[message_id] = markup
            if "inline_keyboard" in markup:  # reply keyboards are not echoed back
                message["reply_markup"] = markup
        chat.messages[message_id] = message
        return message

    def _text_body(self, params: Mapping[str, Any], key: str, limit: int) -> dict[str, Any]:
        plain, entities = formatted(
            params.get(key),
            params.get("parse_mode"),
            params.get("entities" if key == "text" else "caption_entities"),
            self.strict_html,
        )
        if key == "text" and not plain:
            raise bad_request("message text is empty")
        if utf16_len(plain) > limit:
            raise bad_request(
                "message is too long" if key == "text" else "message caption is too long"
            )
        body: dict[str, Any] = {key: plain} if plain else {}
        if entities:
            body["entities" if key == "text" else "caption_entities"] = entities
        return body

    # ------------------------------------------------------------------ methods

    def _m_getMe(self, params: dict[str, Any]) -> Any:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    @staticmethod
    def _scope_key(scope: Any) -> str:
        if not isinstance(scope, Mapping) or not scope:
            return json.dumps({"type": "default"})
        return json.dumps(dict(scope), sort_keys=True)

    def _check_scope(self, scope: Any) -> None:
        if not isinstance(scope, Mapping):
            return
        if scope.get("type") in ("chat", "chat_administrators", "chat_member"):
            chat = self._chat_for(scope)
            if chat.type == "private" and scope["type"] != "chat":
                raise bad_request("can't use specified scope in private chats")

    def _m_setMyCommands(self, params: dict[str, Any]) -> Any:
        commands = params.get("commands", [])
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON object")
        if len(commands) > MAX_COMMANDS:
            raise bad_request("BOT_COMMANDS_TOO_MUCH")
        clean: list[dict[str, str]] = []
        for item in commands:
            if not isinstance(item, dict):
                raise bad_request("can't parse BotCommand")
            name = item.get("command")
            description = item.get("description")
            if not isinstance(name, str) or not name:
                raise bad_request("command must be non-empty")
            if len(name) > MAX_COMMAND_LENGTH:
                raise bad_request(f"command length must not exceed {MAX_COMMAND_LENGTH}")
            if not isinstance(description, str) or not description.strip():
                raise bad_request("command description must be non-empty")
            if len(description) > MAX_COMMAND_DESCRIPTION_LENGTH:
                raise bad_request(
                    f"command description length must not exceed {MAX_COMMAND_DESCRIPTION_LENGTH}"
                )
            # Telegram lower-cases commands but refuses anything outside [a-z0-9_].
            name = name.lower().removeprefix("/")
            if not re.fullmatch(r"[a-z0-9_]+", name):
                raise bad_request("BOT_COMMAND_INVALID")
            clean.append({"command": name, "description": description})
        scope = params.get("scope")
        self._check_scope(scope)
        language = params.get("language_code") or ""
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise bad_request("invalid language code specified")
        self.commands[(self._scope_key(scope), language)] = clean
        return True

    def _m_getMyCommands(self, params: dict[str, Any]) -> Any:
        self._check_scope(params.get("scope"))
        key = (self._scope_key(params.get("scope")), params.get("language_code") or "")
        return copy.deepcopy(self.commands.get(key, []))

    def _m_deleteMyCommands(self, params: dict[str, Any]) -> Any:
        self._check_scope(params.get("scope"))
        key = (self._scope_key(params.get("scope")), params.get("language_code") or "")
        self.commands.pop(key, None)
        return True

    def _m_sendMessage(self, params: dict[str, Any]) -> Any:
        chat = self._chat_for(params)
        body = self._text_body(params, "text", MAX_TEXT_LENGTH)
        markup = self._check_markup(params.get("reply_markup"), chat)
        self._check_can_write(chat)
        self._reply_to(chat, params)  # refuse before spending rate budget
        self._rate.take(chat, self.limits, self.clock())
        return copy.deepcopy(self._new_message(chat, params, body, markup))

    def _file_param(self, params: Mapping[str, Any], key: str, kind: str) -> dict[str, Any]:
        value = params.get(key)
        if isinstance(value, str) and value.startswith("attach://"):
            value = params.get(value[len("attach://") :])
        if value is None or value == "":
            raise bad_request(f"there is no {kind} in the request")
        if isinstance(value, UploadedFile):
            if not value.data:
                raise bad_request("file must be non-empty")
            if len(value.data) > MAX_UPLOAD_BYTES:
                raise BotAPIError(413, "Request Entity Too Large")
            stored: dict[str, Any] = {"upload": value}
        elif isinstance(value, str) and value in self._files:
            return self._files[value]
        elif isinstance(value, str) and urlsplit(value).scheme in ("http", "https"):
            stored = {"url": value}
        else:
            raise bad_request("wrong file identifier/HTTP URL specified")
        number = self._next_file_id
        self._next_file_id += 1
        stored.update(file_id=f"fake-{kind}-{number}", file_unique_id=f"u{kind}{number}")
        return stored

    def _register_file(self, stored: dict[str, Any]) -> None:
        self._files[stored["file_id"]] = stored

    def user_file(self, data: bytes, filename: str, mime_type: str = "") -> dict[str, Any]:
        """A file a user sends: its Document object for a message, its bytes for getFile."""
        number = self._next_file_id
        self._next_file_id += 1
        stored: dict[str, Any] = {
            "file_id": f"fake-user-document-{number}",
            "file_unique_id": f"uud{number}",
            "upload": UploadedFile(filename, mime_type, data),
        }
        self._register_file(stored)
        document = {
            "file_id": stored["file_id"], "file_unique_id": stored["file_unique_id"],
            "file_name": filename, "file_size": len(data),
        }
        if mime_type:
            document["mime_type"] = mime_type
        return document

    def _m_getFile(self, params: dict[str, Any]) -> Any:
        file_id = params.get("file_id")
        stored = self._files.get(file_id) if isinstance(file_id, str) else None
        if stored is None:
            raise bad_request("invalid file_id")
        upload = stored.get("upload")
        result: dict[str, Any] = {
            "file_id": stored["file_id"], "file_unique_id": stored["file_unique_id"],
        }
        if isinstance(upload, UploadedFile):
            if len(upload.data) > MAX_DOWNLOAD_BYTES:
                raise bad_request("file is too big")
            result["file_size"] = len(upload.data)
            # Telegram's paths look like "documents/file_12.xlsx"; the file lives an hour.
            suffix = upload.filename.rsplit(".", 1)[-1] if "." in upload.filename else "bin"
            path = f"documents/file_{stored['file_unique_id']}.{suffix}"
            stored["file_path"] = path
            self._paths[path] = upload.data
            result["file_path"] = path
        return result

    def download(self, file_path: str) -> bytes | None:
        """The bytes behind a getFile path (GET <file url><token>/<file_path>), None if none."""
        return self._paths.get(file_path)

    def _m_sendPhoto(self, params: dict[str, Any]) -> Any:
        chat = self._chat_for(params)
        stored = self._file_param(params, "photo", "photo")
        upload = stored.get("upload")
        width = height = 1
        if isinstance(upload, UploadedFile):
            data = upload.data
            # Telegram re-encodes photos and refuses bytes that are not an image.
            if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
                width = int.from_bytes(data[16:20], "big")
                height = int.from_bytes(data[20:24], "big")
            elif not (
                data.startswith((b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"BM"))
                or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")
            ):
                raise bad_request("IMAGE_PROCESS_FAILED")
        body = self._text_body(params, "caption", MAX_CAPTION_LENGTH)
        markup = self._check_markup(params.get("reply_markup"), chat)
        self._check_can_write(chat)
        self._reply_to(chat, params)
        self._rate.take(chat, self.limits, self.clock())
        self._register_file(stored)
        size = {
            "file_id": stored["file_id"],
            "file_unique_id": stored["file_unique_id"],
            "width": width,
            "height": height,
        }
        if isinstance(upload, UploadedFile):
            size["file_size"] = len(upload.data)
        body["photo"] = [size]
        return copy.deepcopy(self._new_message(chat, params, body, markup))

    def _m_sendDocument(self, params: dict[str, Any]) -> Any:
        chat = self._chat_for(params)
        stored = self._file_param(params, "document", "document")
        body = self._text_body(params, "caption", MAX_CAPTION_LENGTH)
        markup = self._check_markup(params.get("reply_markup"), chat)
        self._check_can_write(chat)
        self._reply_to(chat, params)
        self._rate.take(chat, self.limits, self.clock())
        self._register_file(stored)
        document: dict[str, Any] = {
            "file_id": stored["file_id"],
            "file_unique_id": stored["file_unique_id"],
        }
        upload = stored.get("upload")
        if isinstance(upload, UploadedFile):
            document.update(
                file_name=upload.filename, mime_type=upload.mime_type, file_size=len(upload.data)
            )
        body["document"] = document
        return copy.deepcopy(self._new_message(chat, params, body, markup))

    def _message_for_edit(self, params: Mapping[str, Any]) -> tuple[ChatState, dict[str, Any]]:
        if params.get("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")  # inline messages are not modelled
        if params.get("chat_id") in (None, "") or params.get("message_id") in (None, ""):
            raise bad_request("message identifier is not specified")
        chat = self._chat_for(params)
        message_id = int_param(params, "message_id", "message identifier is not specified")
        message = chat.messages.get(message_id)
        if message is None:
            raise bad_request("message to edit not found")
        if message.get("from", {}).get("id") != self.bot_id:
            raise bad_request("message can't be edited")
        self._check_can_write(chat)
        return chat, message

    def _apply_edit(
        self,
        chat: ChatState,
        message: dict[str, Any],
        body: dict[str, Any] | None,
        markup: dict[str, Any] | None,
    ) -> dict[str, Any]:
        """Edit in place; ``body`` None leaves the text alone (editMessageReplyMarkup)."""
        message_id = message["message_id"]
        same_text = body is None or (
            body["text"] == message.get("text") and body.get("entities") == message.get("entities")
        )
        if same_text and chat.markups.get(message_id) == markup:
            raise BotAPIError(400, _NOT_MODIFIED)
        if body is not None:
            message.pop("entities", None)
            message.update(body)
        message["edit_date"] = int(self.wall_clock())
        # An edit without reply_markup removes the inline keyboard, exactly like Telegram.
        message.pop("reply_markup", None)
        chat.markups.pop(message_id, None)
        if markup is not None:
            chat.markups[message_id] = markup
            if "inline_keyboard" in markup:
                message["reply_markup"] = markup
        return copy.deepcopy(message)

    def _m_editMessageText(self, params: dict[str, Any]) -> Any:
        chat, message = self._message_for_edit(params)
        if "text" not in message:
            raise bad_request("there is no text in the message to edit")
        body = self._text_body(params, "text", MAX_TEXT_LENGTH)
        markup = self._check_markup(params.get("reply_markup"), chat)
        return self._apply_edit(chat, message, body, markup)

    def _m_editMessageReplyMarkup(self, params: dict[str, Any]) -> Any:
        chat, message = self._message_for_edit(params)
        markup = self._check_markup(params.get("reply_markup"), chat)
        return self._apply_edit(chat, message, None, markup)

    def _m_deleteMessage(self, params: dict[str, Any]) -> Any:
        chat = self._chat_for(params)
        message_id = int_param(params, "message_id", "message identifier is not specified")
        message = chat.messages.get(message_id)
        if message is None:
            raise bad_request("message to delete not found")
        outgoing = message.get("from", {}).get("id") == self.bot_id
        too_old = self.wall_clock() - message["date"] > DELETE_WINDOW_SECONDS
        may_delete = (
            outgoing or chat.type == "private" or chat.bot_status in ("administrator", "creator")
        )
        if too_old or not may_delete:
            raise bad_request("message can't be deleted")
        del chat.messages[message_id]
        chat.markups.pop(message_id, None)
        return True

    def _m_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        query_id = str(params.get("callback_query_id") or "")
        if self._callback_queries.get(query_id, True):  # missing, unknown or already answered
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        self._callback_queries[query_id] = True
        return True

    def _m_sendChatAction(self, params: dict[str, Any]) -> Any:
        chat = self._chat_for(params)
        if params.get("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        self._check_can_write(chat)
        return True

    def _m_getChat(self, params: dict[str, Any]) -> Any:
        chat = self._chat_for(params)
        return {
            **self._chat_json(chat),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    def _roster(self, chat: ChatState) -> dict[int, str]:
        roster = {chat.id: "member"} if chat.type == "private" else dict(chat.members)
        roster[self.bot_id] = chat.bot_status
        return roster

    def _user_json(self, user_id: int) -> dict[str, Any]:
        if user_id == self.bot_id:
            return self.bot_user
        return self._users[user_id].to_json()

    def _m_getChatMember(self, params: dict[str, Any]) -> Any:
        chat = self._chat_for(params)
        user_id = int_param(params, "user_id", "user not found")
        roster = self._roster(chat)
        if user_id in roster:
            return member_json(self._user_json(user_id), roster[user_id])
        if user_id in self._users and chat.type != "private":
            return member_json(self._user_json(user_id), "left")
        raise bad_request("user not found")

    def _m_getChatAdministrators(self, params: dict[str, Any]) -> Any:
        chat = self._chat_for(params)
        if chat.type == "private":
            raise bad_request("there are no administrators in the private chat")
        if chat.bot_status in ("left", "kicked"):
            self._check_can_write(chat)
        return [
            member_json(self._user_json(user_id), status)
            for user_id, status in self._roster(chat).items()
            if status in ("creator", "administrator")
        ]

    def _m_getChatMemberCount(self, params: dict[str, Any]) -> Any:
        chat = self._chat_for(params)
        present = ("creator", "administrator", "member", "restricted")
        return sum(1 for status in self._roster(chat).values() if status in present)

    def _m_setChatMenuButton(self, params: dict[str, Any]) -> Any:
        button = params.get("menu_button") or {"type": "default"}
        if not isinstance(button, dict) or button.get("type") not in (
            "default",
            "commands",
            "web_app",
        ):
            raise bad_request("can't parse menu button")
        if params.get("chat_id") in (None, ""):
            self.default_menu_button = button
            return True
        chat = self._chat_for(params)
        if chat.type != "private":
            raise bad_request("invalid chat_id specified")
        chat.menu_button = button
        return True

    def _m_getChatMenuButton(self, params: dict[str, Any]) -> Any:
        if params.get("chat_id") in (None, ""):
            return copy.deepcopy(self.default_menu_button)
        chat = self._chat_for(params)
        return copy.deepcopy(chat.menu_button or self.default_menu_button)
