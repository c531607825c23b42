"""The console's Bot API: answers the methods dondoc calls, in memory, and keeps what it shows."""

from __future__ import annotations

import json
import logging
import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from telegram.request import BaseRequest, RequestData

from bot.render import plain_text

log = logging.getLogger(__name__)

# tdlib's rule: a command is not followed by a word character, '/', '<', '>' or a bad @mention.
_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/<>@])")
# An administrator's rights, which python-telegram-bot requires in ChatMemberAdministrator.
_ADMIN_RIGHTS = dict.fromkeys(
    (
        "can_manage_chat", "can_delete_messages", "can_manage_video_chats",
        "can_restrict_members", "can_change_info", "can_invite_users", "can_pin_messages",
    ),
    True,
) | dict.fromkeys(
    ("can_be_edited", "is_anonymous", "can_promote_members", "can_post_stories",
     "can_edit_stories", "can_delete_stories"),
    False,
)
_NOT_MODIFIED = "Bad Request: message is not modified"


class ConsoleAPIError(Exception):
    """A refusal, answered in the Bot API's shape (the console shows none; the log has them)."""

    def __init__(self, description: str, code: int = 400) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


@dataclass(frozen=True, slots=True)
class Upload:
    """A file the bot sent: its name as sent, and its bytes."""

    filename: str
    data: bytes


@dataclass(slots=True)
class Shown:
    """One thing the bot did that the console prints.

    ``kind``: "sent" (a new message), "edited", or "notice" (the short text after a button).
    ``markup`` is the reply_markup as sent (a ForceReply is not echoed in the message).
    """

    kind: str
    chat_id: int
    message: dict[str, Any] = field(default_factory=dict)
    markup: dict[str, Any] | None = None
    uploads: list[Upload] = field(default_factory=list)
    text: str = ""
    alert: bool = False


@dataclass(slots=True)
class _Chat:
    json: dict[str, Any]
    members: dict[int, str] = field(default_factory=dict)
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    next_message_id: int = 1


class ConsoleBotAPI:
    """The chats of a console session: the group, the private chats people opened, messages.

    ``call(method, params, uploads)`` answers like Telegram for the methods dondoc calls and
    appends what is worth printing to ``shown``.
    """

    def __init__(self, bot_id: int, username: str, first_name: str,
                 wall_clock: Callable[[], float]) -> None:
        self.bot_id = bot_id
        self.bot_user = {"id": bot_id, "is_bot": True, "first_name": first_name,
                         "username": username}
        self.wall_clock = wall_clock
        self.shown: list[Shown] = []
        self._users: dict[int, dict[str, Any]] = {}
        self._chats: dict[int, _Chat] = {}
        self._next_update_id = 1
        self._next_file_id = 1
        self._files: dict[str, Upload] = {}  # file_id -> what people sent, for getFile
        self._methods: dict[str, Callable[[dict[str, Any], dict[str, Upload]], Any]] = {
            "getme": lambda _p, _u: {**self.bot_user, "can_join_groups": True},
            "setmycommands": lambda _p, _u: True,
            "sendchataction": lambda p, _u: bool(self._chat(p)),
            "answercallbackquery": self._answer_callback_query,
            "sendmessage": self._send_message,
            "sendphoto": self._send_photo,
            "senddocument": self._send_document,
            "editmessagetext": self._edit_message,
            "editmessagereplymarkup": self._edit_message,
            "getchatadministrators": self._administrators,
            "getchatmember": self._chat_member,
            "getfile": self._get_file,
        }

    # -- the people and chats of the session --------------------------------------------------

    def add_user(self, user_id: int, name: str, username: str | None = None) -> None:
        """Register (or rename) a person; Telegram gives "first last" as first_name here."""
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": name,
                                "language_code": "vi"}
        if username:
            user["username"] = username
        self._users[user_id] = user

    def add_group(self, chat_id: int, title: str, members: dict[int, str]) -> None:
        """A group chat with its members' statuses ("creator", "member" …); the bot is admin."""
        chat_type = "supergroup" if str(chat_id).startswith("-100") else "group"
        self._chats[chat_id] = _Chat({"id": chat_id, "type": chat_type, "title": title},
                                     {**members, self.bot_id: "administrator"})

    def group_type(self, chat_id: int) -> str:
        return str(self._chats[chat_id].json["type"])

    def messages(self, chat_id: int, *, from_bot: bool = True) -> list[dict[str, Any]]:
        """The chat as it looks now (edits applied), oldest first; [] for a chat not opened."""
        chat = self._chats.get(chat_id)
        if chat is None:
            return []
        return [m for _, m in sorted(chat.messages.items())
                if not from_bot or m["from"]["id"] == self.bot_id]

    def message(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        chat = self._chats.get(chat_id)
        return chat.messages.get(message_id) if chat else None

    def next_message_id(self, chat_id: int) -> int:
        """The number the next message in the chat gets (1 in a private chat not opened)."""
        chat = self._chats.get(chat_id)
        return chat.next_message_id if chat else 1

    def take_shown(self) -> list[Shown]:
        """What is to be printed since the last call, oldest first; it is then forgotten."""
        taken, self.shown = self.shown, []
        return taken

    def last_message(self, chat_id: int) -> dict[str, Any] | None:
        found = self.messages(chat_id)
        return found[-1] if found else None

    # -- updates: what people do --------------------------------------------------------------

    def message_update(self, chat_id: int, user_id: int, text: str,
                       reply_to: int | None = None) -> dict[str, Any]:
        """A person's text message, stored in the chat (a private chat opens with it)."""
        return self._person_message(chat_id, user_id, {"text": text, **_commands(text)},
                                    reply_to)

    def document_update(self, chat_id: int, user_id: int, upload: Upload, mime_type: str,
                        caption: str = "") -> dict[str, Any]:
        """A person's file, sent as a document with an optional caption; the bot downloads
        it with getFile and the file URL, as from Telegram."""
        ids = self._file_ids()
        self._files[ids["file_id"]] = upload
        document = {**ids, "file_name": upload.filename, "mime_type": mime_type,
                    "file_size": len(upload.data)}
        fields: dict[str, Any] = {"document": document}
        if caption:
            fields |= {"caption": caption, **{
                f"caption_{key}": value for key, value in _commands(caption).items()}}
        return self._person_message(chat_id, user_id, fields)

    def download(self, file_path: str) -> bytes | None:
        """The bytes at a path getFile gave, or None (Telegram answers 404)."""
        upload = self._files.get(file_path.partition("/")[2])
        return upload.data if upload else None

    def _person_message(self, chat_id: int, user_id: int, fields: dict[str, Any],
                        reply_to: int | None = None) -> dict[str, Any]:
        if chat_id == user_id and chat_id not in self._chats:
            user = self._users[user_id]
            self._chats[chat_id] = _Chat({"id": chat_id, "type": "private",
                                          "first_name": user["first_name"]})
        chat = self._chats[chat_id]
        if chat_id != user_id:
            chat.members.setdefault(user_id, "member")  # whoever writes in a group is in it
        if reply_to is not None:
            if reply_to not in chat.messages:
                raise KeyError(reply_to)
            fields["reply_to_message"] = _quoted(chat.messages[reply_to])
        message = self._store(chat, self._users[user_id], fields)
        return {"update_id": self._update_id(), "message": message}

    def callback_update(self, chat_id: int, user_id: int, message_id: int,
                        data: str) -> dict[str, Any]:
        """A press on a button of one of the bot's messages."""
        query = {
            "id": f"{self._update_id()}", "from": self._users[user_id],
            "message": self._chats[chat_id].messages[message_id],
            "chat_instance": str(chat_id), "data": data,
        }
        return {"update_id": self._update_id(), "callback_query": query}

    def bot_added_update(self, chat_id: int, user_id: int) -> dict[str, Any]:
        """The bot added to the group, as an administrator, by `user_id`."""
        event = {
            "chat": self._chats[chat_id].json, "from": self._users[user_id],
            "date": int(self.wall_clock()),
            "old_chat_member": {"status": "left", "user": self.bot_user},
            "new_chat_member": _member(self.bot_user, "administrator"),
        }
        return {"update_id": self._update_id(), "my_chat_member": event}

    # -- requests: what the bot does ----------------------------------------------------------

    def call(self, method: str, params: dict[str, Any],
             uploads: dict[str, Upload] | None = None) -> Any:
        """The result Telegram would give, or ConsoleAPIError."""
        answer = self._methods.get(method.lower())
        if answer is None:
            raise ConsoleAPIError(f"Bad Request: the console does not answer {method}")
        return answer(params, uploads or {})

    def _chat(self, params: dict[str, Any]) -> _Chat:
        chat = self._chats.get(_int(params.get("chat_id")))
        if chat is None:  # a private chat its person never opened, as Telegram refuses it
            raise ConsoleAPIError("Bad Request: chat not found")
        return chat

    def _send(self, params: dict[str, Any], body: dict[str, Any],
              uploads: list[Upload]) -> dict[str, Any]:
        chat = self._chat(params)
        reply = params.get("reply_parameters") or {}
        reply_to = reply.get("message_id", params.get("reply_to_message_id"))
        if reply_to is not None:
            if reply_to in chat.messages:
                body["reply_to_message"] = _quoted(chat.messages[reply_to])
            elif not reply.get("allow_sending_without_reply"):
                raise ConsoleAPIError("Bad Request: message to be replied not found")
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            body["reply_markup"] = markup  # Telegram echoes inline keyboards only
        message = self._store(chat, self.bot_user, body)
        self.shown.append(Shown("sent", chat.json["id"], message, markup, uploads))
        return message

    def _send_message(self, params: dict[str, Any], _uploads: dict[str, Upload]) -> Any:
        text = _text(params.get("text"))
        if not text:
            raise ConsoleAPIError("Bad Request: message text is empty")
        return self._send(params, {"text": text}, [])

    def _send_photo(self, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
        upload = _upload(params, uploads, "photo")
        size = {**self._file_ids(), "width": 1, "height": 1, "file_size": len(upload.data)}
        return self._send(params, {"photo": [size], **_caption(params)}, [upload])

    def _send_document(self, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
        upload = _upload(params, uploads, "document")
        document = {**self._file_ids(), "file_name": upload.filename,
                    "file_size": len(upload.data)}
        return self._send(params, {"document": document, **_caption(params)}, [upload])

    def _edit_message(self, params: dict[str, Any], _uploads: dict[str, Upload]) -> Any:
        chat = self._chat(params)
        message = chat.messages.get(_int(params.get("message_id")))
        if message is None or message["from"]["id"] != self.bot_id:
            raise ConsoleAPIError("Bad Request: message to edit not found")
        edited = dict(message)
        if "text" in params:
            edited["text"] = _text(params["text"])
        markup = params.get("reply_markup")
        edited.pop("reply_markup", None)  # an edit without a keyboard removes it
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            edited["reply_markup"] = markup
        if edited == message:
            raise ConsoleAPIError(_NOT_MODIFIED)
        edited["edit_date"] = int(self.wall_clock())
        chat.messages[message["message_id"]] = edited
        self.shown.append(Shown("edited", chat.json["id"], edited, markup))
        return edited

    def _answer_callback_query(self, params: dict[str, Any], _uploads: dict[str, Upload]) -> Any:
        if params.get("text"):
            self.shown.append(Shown("notice", 0, text=str(params["text"]),
                                    alert=bool(params.get("show_alert"))))
        return True

    def _get_file(self, params: dict[str, Any], _uploads: dict[str, Upload]) -> Any:
        file_id = str(params.get("file_id", ""))
        upload = self._files.get(file_id)
        if upload is None:
            raise ConsoleAPIError("Bad Request: invalid file_id")
        return {"file_id": file_id, "file_unique_id": "c" + file_id.rsplit("-", 1)[-1],
                "file_size": len(upload.data), "file_path": f"documents/{file_id}"}

    def _administrators(self, params: dict[str, Any], _uploads: dict[str, Upload]) -> Any:
        chat = self._chat(params)
        return [self._member_json(user_id, status) for user_id, status in chat.members.items()
                if status in ("creator", "administrator")]

    def _chat_member(self, params: dict[str, Any], _uploads: dict[str, Upload]) -> Any:
        chat = self._chat(params)
        user_id = _int(params.get("user_id"))
        if user_id not in self._users and user_id != self.bot_id:
            raise ConsoleAPIError("Bad Request: user not found")
        return self._member_json(user_id, chat.members.get(user_id, "left"))

    def _member_json(self, user_id: int, status: str) -> dict[str, Any]:
        return _member(self.bot_user if user_id == self.bot_id else self._users[user_id], status)

    # -- bookkeeping --------------------------------------------------------------------------

    def _store(self, chat: _Chat, sender: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
        message = {"message_id": chat.next_message_id, "from": sender, "chat": chat.json,
                   "date": int(self.wall_clock()), **fields}
        chat.messages[chat.next_message_id] = message
        chat.next_message_id += 1
        return message

    def _update_id(self) -> int:
        self._next_update_id += 1
        return self._next_update_id - 1

    def _file_ids(self) -> dict[str, str]:
        number = self._next_file_id
        self._next_file_id += 1
        return {"file_id": f"console-{number}", "file_unique_id": f"c{number}"}


class ConsoleRequest(BaseRequest):
    """python-telegram-bot's transport to a ConsoleBotAPI, in-process.

    ``after_call`` runs after every request: jobs send at any time, and the console shows
    what they sent while the user is at the prompt.
    """

    def __init__(self, api: ConsoleBotAPI, file_url: str) -> None:
        self.api = api
        self.file_url = file_url  # where getFile's paths are downloaded from, token included
        self.after_call: Callable[[], None] | None = None

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        """Nothing to open: there is no connection."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        plain_url = urllib.parse.unquote(url)  # PTB quotes a file URL's path, token and all
        if plain_url.startswith(self.file_url):
            data = self.api.download(plain_url[len(self.file_url):])
            return (200, data) if data is not None else (404, b"Not Found")
        api_method = url.rstrip("/").rsplit("/", 1)[-1]
        params: dict[str, Any] = dict(request_data.parameters) if request_data else {}
        uploads: dict[str, Upload] = {}
        if request_data is not None:
            for part, (filename, content, _mime) in request_data.multipart_data.items():
                data = content if isinstance(content, bytes) else content.read()
                uploads[part] = Upload(filename or part, data)
        try:
            result = self.api.call(api_method, params, uploads)
            status, body = 200, {"ok": True, "result": result}
        except ConsoleAPIError as error:
            log.info("the console refused %s: %s", api_method, error.description)
            status = error.code
            body = {"ok": False, "error_code": error.code, "description": error.description}
        finally:
            if self.after_call is not None:
                self.after_call()
        return status, json.dumps(body, ensure_ascii=False).encode("utf-8")


def _commands(text: str) -> dict[str, Any]:
    """The entities Telegram gives a text that starts with a command."""
    command = _COMMAND.match(text)
    if not command:
        return {}
    length = len(command.group().encode("utf-16-le")) // 2
    return {"entities": [{"type": "bot_command", "offset": 0, "length": length}]}


def _member(user: dict[str, Any], status: str) -> dict[str, Any]:
    """ChatMember JSON with the fields python-telegram-bot requires for `status`."""
    member: dict[str, Any] = {"status": status, "user": user}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        member.update(_ADMIN_RIGHTS)
    return member


def _quoted(message: dict[str, Any]) -> dict[str, Any]:
    """A message as quoted in a reply (Telegram nests replies one level deep only)."""
    return {key: value for key, value in message.items() if key != "reply_to_message"}


def _text(html_text: Any) -> str:
    """What Telegram shows for a text sent in HTML parse mode, as Telegram trims it."""
    return plain_text(str(html_text or "")).strip()


def _caption(params: dict[str, Any]) -> dict[str, Any]:
    caption = _text(params.get("caption"))
    return {"caption": caption} if caption else {}


def _upload(params: dict[str, Any], uploads: dict[str, Upload], key: str) -> Upload:
    value = params.get(key)
    part = value[len("attach://"):] if isinstance(value, str) and value.startswith(
        "attach://") else key
    upload = uploads.get(part)
    if upload is None:
        raise ConsoleAPIError(f"Bad Request: there is no {key} in the request")
    return upload


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
