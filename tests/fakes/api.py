"""LocalBotAPI: an in-memory Telegram Bot API that rejects what Telegram rejects."""

from __future__ import annotations

import copy
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn, TypeVar
from urllib.parse import urlsplit

from tests.fakes.chats import CHAT_TYPES, MEMBER_STATUSES, ChatState, Member, UserState
from tests.fakes.errors import BotAPIError, ConnectionDropped, Fault, FaultHook, bad_request
from tests.fakes.limits import Limits, RateLimiter
from tests.fakes.methods import BotMethods

T = TypeVar("T")

# getUpdates leaves these out unless allowed_updates names them explicitly.
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
CONFLICT_POLL = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
_CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)


@dataclass
class Call:
    """One request the fake received.

    ``processed`` means Telegram carried it out (the message exists); ``error``/``dropped`` say
    what the client saw, which can differ when a Fault hits after processing.
    """

    method: str
    params: dict[str, Any]
    result: Any = None
    error: BotAPIError | None = None
    dropped: bool = False
    processed: bool = False
    at: float = 0.0

    @property
    def ok(self) -> bool:
        """True when the client received a successful answer."""
        return self.error is None and not self.dropped

    @property
    def chat_id(self) -> int | str | None:
        value = self.params.get("chat_id")
        return value if isinstance(value, (int, str)) else None


def describe(call: Call) -> str:
    """One short line per call for timeout reports: method, chat, start of the text, outcome."""
    text = call.params.get("text") or call.params.get("caption") or ""
    shown = repr(text[:60] + ("…" if len(text) > 60 else "")) if isinstance(text, str) else ""
    outcome = call.error.description if call.error else "dropped" if call.dropped else "ok"
    return f"{call.method} chat={call.chat_id} {shown} -> {outcome}".replace("  ", " ")


class LocalBotAPI(BotMethods):
    """An in-memory Telegram Bot API.

    ``call(method, params)`` returns the ``result`` Telegram would return or raises BotAPIError
    with Telegram's description. Thread-safe: the HTTP fake serves it from another thread.
    """

    def __init__(
        self,
        token: str = "123:ABC",
        *,
        username: str = "dondoc_test_bot",
        first_name: str = "Dondoc",
        limits: Limits | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        strict_html: bool = True,
        faults: FaultHook | None = None,
    ) -> None:
        bot_id = token.split(":", 1)[0]
        if not bot_id.isdigit():
            raise ValueError("a bot token looks like '<bot id>:<secret>'")
        self.token = token
        self.bot_id = int(bot_id)
        self.username = username
        self.first_name = first_name
        self.limits = limits or Limits()
        self.clock = clock
        self.wall_clock = wall_clock
        self.strict_html = strict_html
        self.faults = faults
        # Called (outside the lock) with every finished Call, e.g. to print a console demo.
        self.on_call: Callable[[Call], None] | None = None
        self.calls: list[Call] = []
        self.webhook_url = ""
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.default_menu_button: dict[str, Any] = {"type": "commands"}
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._listeners: list[Callable[[], None]] = []
        self._rate = RateLimiter()
        self._users: dict[int, UserState] = {}
        self._chats: dict[int, ChatState] = {}
        self._updates: deque[dict[str, Any]] = deque()
        self._next_update_id = 1
        self._allowed_updates: list[str] = []
        self._callback_queries: dict[str, bool] = {}  # id -> answered
        self._next_query_id = 1
        self._files: dict[str, dict[str, Any]] = {}
        self._paths: dict[str, bytes] = {}
        self._next_file_id = 1
        self._poll_generation = 0
        # Long polls currently waiting: lets e2e tests see that the bot has started polling.
        self.waiting_polls = 0
        self._methods: dict[str, Callable[[dict[str, Any]], Any]] = {
            name.lower(): getattr(self, f"_m_{name}")
            for name in (
                "getMe",
                "getUpdates",
                "setWebhook",
                "deleteWebhook",
                "getWebhookInfo",
                "setMyCommands",
                "getMyCommands",
                "deleteMyCommands",
                "sendMessage",
                "editMessageText",
                "editMessageReplyMarkup",
                "deleteMessage",
                "answerCallbackQuery",
                "sendChatAction",
                "sendPhoto",
                "sendDocument",
                "getFile",
                "getChat",
                "getChatMember",
                "getChatAdministrators",
                "getChatMemberCount",
                "setChatMenuButton",
                "getChatMenuButton",
            )
        }

    # ------------------------------------------------------------------ setup

    def add_user(
        self,
        user_id: int,
        first_name: str,
        *,
        username: str | None = None,
        last_name: str | None = None,
        language_code: str | None = None,
        is_bot: bool = False,
    ) -> None:
        """Register (or update) a Telegram user."""
        with self._lock:
            user = self._users.get(user_id)
            if user is None:
                self._users[user_id] = UserState(
                    user_id, first_name, last_name, username, language_code, is_bot
                )
            else:
                user.first_name = first_name
                user.username = username or user.username
                user.last_name = last_name or user.last_name
                user.language_code = language_code or user.language_code

    def add_chat(
        self,
        chat_id: int,
        type: str = "private",
        title: str | None = None,
        members: Iterable[Member] = (),
        *,
        first_name: str | None = None,
        username: str | None = None,
        bot_status: str = "member",
    ) -> None:
        """Make a chat known: private chats need the user's first_name (or a known user)."""
        if type not in CHAT_TYPES:
            raise ValueError(f"chat type must be one of {CHAT_TYPES}")
        if bot_status not in MEMBER_STATUSES:
            raise ValueError(f"bot_status must be one of {MEMBER_STATUSES}")
        with self._changed:
            if type == "private":
                if chat_id <= 0:
                    raise ValueError("a private chat's id is its user's (positive) id")
                if chat_id not in self._users:
                    self.add_user(chat_id, first_name or f"User {chat_id}", username=username)
            elif title is None and chat_id not in self._chats:
                title = f"Chat {chat_id}"
            chat = self._chats.get(chat_id)
            if chat is None:
                chat = self._chats[chat_id] = ChatState(chat_id, type, title, username, bot_status)
            else:
                chat.type = type
                chat.title = title or chat.title
                chat.username = username or chat.username
                chat.bot_status = bot_status
            for member in members:
                self.set_member(chat_id, member)
            self._changed.notify_all()

    def set_member(self, chat_id: int, member: Member) -> None:
        """Add a user to a chat's roster or change their status there."""
        if member.status not in MEMBER_STATUSES:
            raise ValueError(f"status must be one of {MEMBER_STATUSES}")
        with self._lock:
            self.add_user(
                member.user_id,
                member.first_name,
                username=member.username,
                last_name=member.last_name,
                is_bot=member.is_bot,
            )
            self._chat_or_raise(chat_id).members[member.user_id] = member.status

    def migrate_chat(self, chat_id: int, new_id: int | None = None) -> int:
        """Telegram upgrades basic group `chat_id` to a supergroup: a new chat, a new id, the
        same title and members; anything sent to the old id is refused with the new id
        (``migrate_to_chat_id``, which PTB raises as ChatMigrated). Returns the new id; see
        updates.migration_updates for the service messages the bot then receives."""
        with self._changed:
            old = self._chat_or_raise(chat_id)
            if old.type != "group" or old.migrated_to is not None:
                raise ValueError("only a basic group is upgraded, once")
            new_id = new_id if new_id is not None else int(f"-100{abs(chat_id)}")
            self._chats[new_id] = ChatState(new_id, "supergroup", old.title, old.username,
                                            old.bot_status, dict(old.members))
            old.migrated_to = new_id
            self._changed.notify_all()
        return new_id

    def set_bot_status(self, chat_id: int, status: str) -> None:
        """The bot's own membership: 'left'/'kicked' make sends fail with 403."""
        if status not in MEMBER_STATUSES:
            raise ValueError(f"status must be one of {MEMBER_STATUSES}")
        with self._lock:
            self._chat_or_raise(chat_id).bot_status = status

    def block(self, user_id: int) -> None:
        """The user blocks the bot: sends to their private chat fail with 403."""
        with self._lock:
            if user_id not in self._users:
                raise KeyError(f"unknown user {user_id}")
            self._users[user_id].blocked = True

    def unblock(self, user_id: int) -> None:
        with self._lock:
            if user_id in self._users:
                self._users[user_id].blocked = False

    def _chat_or_raise(self, chat_id: int) -> ChatState:
        chat = self._chats.get(chat_id)
        if chat is None:
            raise KeyError(f"unknown chat {chat_id}; add_chat() it first")
        return chat

    # ------------------------------------------------------------------ updates

    def next_update_id(self) -> int:
        with self._lock:
            update_id = self._next_update_id
            self._next_update_id += 1
            return update_id

    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an incoming update for getUpdates; learns the chats and users it mentions."""
        with self._changed:
            if "update_id" not in update:
                update["update_id"] = self.next_update_id()
            else:
                self._next_update_id = max(self._next_update_id, update["update_id"] + 1)
            self._learn(update)
            self._updates.append(update)
            self._changed.notify_all()
        self._wake_listeners()
        return update

    def _learn(self, update: Mapping[str, Any]) -> None:
        for key, value in update.items():
            if not isinstance(value, dict) or key == "update_id":
                continue
            message = value.get("message") if key == "callback_query" else value
            sender = value.get("from")
            chat = message.get("chat") if isinstance(message, dict) else None
            if isinstance(sender, dict):
                self.add_user(
                    sender["id"],
                    sender.get("first_name", ""),
                    username=sender.get("username"),
                    last_name=sender.get("last_name"),
                    is_bot=sender.get("is_bot", False),
                    language_code=sender.get("language_code"),
                )
            if not isinstance(chat, dict):
                continue
            if chat["id"] not in self._chats:
                self.add_chat(
                    chat["id"],
                    chat["type"],
                    chat.get("title"),
                    first_name=chat.get("first_name"),
                    username=chat.get("username"),
                )
            known = self._chats[chat["id"]]
            if (
                isinstance(sender, dict)
                and known.type != "private"
                and sender["id"] not in known.members
                and not sender.get("is_bot")
            ):
                known.members[sender["id"]] = "member"
            if isinstance(message, dict) and "message_id" in message and key != "callback_query":
                known.messages.setdefault(message["message_id"], message)
                known.next_message_id = max(known.next_message_id, message["message_id"] + 1)

    def _pending(self, offset: Any) -> list[dict[str, Any]]:
        """Confirm updates below ``offset`` (Telegram forgets them) and return the rest."""
        if isinstance(offset, int) and offset < 0:
            keep = list(self._updates)[offset:]
            self._updates = deque(keep)
        elif isinstance(offset, int) and offset:
            while self._updates and self._updates[0]["update_id"] < offset:
                self._updates.popleft()
        allowed = set(self._allowed_updates)
        kept = []
        for update in self._updates:
            kinds = set(update) - {"update_id"}
            if allowed and not kinds & allowed:
                continue
            if not allowed and kinds <= _OPT_IN_UPDATES:
                continue
            kept.append(update)
        return kept

    def has_updates(self, offset: Any = None) -> bool:
        with self._lock:
            return bool(self._pending(offset if isinstance(offset, int) else None))

    # ------------------------------------------------------------------ listeners & waiting

    def add_listener(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` (from any thread) whenever an update is pushed or state changes."""
        with self._lock:
            self._listeners.append(callback)

    def remove_listener(self, callback: Callable[[], None]) -> None:
        with self._lock:
            if callback in self._listeners:
                self._listeners.remove(callback)

    def _wake_listeners(self) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for callback in listeners:
            callback()

    def wake(self) -> None:
        """Wake every waiter (long polls, wait_for), e.g. when a server shuts down."""
        with self._changed:
            self._changed.notify_all()
        self._wake_listeners()

    def begin_poll(self) -> int:
        """Start a getUpdates long poll; an older poll still waiting gets 409 Conflict."""
        with self._lock:
            self._poll_generation += 1
            generation = self._poll_generation
        self._wake_listeners()
        return generation

    def _count_waiting_poll(self, delta: int) -> None:
        with self._changed:
            self.waiting_polls += delta
            self._changed.notify_all()

    def poll_superseded(self, generation: int) -> bool:
        with self._lock:
            return generation != self._poll_generation

    def wait_for(self, predicate: Callable[[], T | None], timeout: float = 10.0) -> T:
        """Block (a sync test thread) until ``predicate()`` is truthy; re-checked on every call.

        Raises TimeoutError listing the last calls, which is what one needs to debug a hang.
        """
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                value = predicate()
                if value:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    recent = "\n".join(f"  {describe(c)}" for c in self.calls[-10:])
                    raise TimeoutError(f"not met within {timeout}s; last calls:\n{recent}")
                self._changed.wait(remaining)

    # ------------------------------------------------------------------ calling

    def call(self, method: str, params: dict[str, Any], *, token: str | None = None) -> Any:
        """Perform one Bot API method; returns ``result`` or raises BotAPIError/ConnectionDropped.

        ``token``: when given (transports pass the one from the URL), a wrong one gives 401.
        """
        record = Call(method, dict(params))
        try:
            with self._changed:
                record.at = self.clock()
                self.calls.append(record)
                try:
                    return self._perform(record, token)
                except BotAPIError as error:
                    record.error = error
                    raise
                finally:
                    self._changed.notify_all()
        finally:
            if self.on_call is not None:
                self.on_call(record)

    def _perform(self, record: Call, token: str | None) -> Any:
        if token is not None and token != self.token:
            raise BotAPIError(401, "Unauthorized")
        fault = self.faults(record.method, record.params) if self.faults else None
        if fault is not None and not fault.after_processing:
            self._apply_fault(record, fault)
        handler = self._methods.get(record.method.lower())
        if handler is None:
            raise BotAPIError(404, "Not Found")
        result = handler(record.params)
        record.result = copy.deepcopy(result)
        record.processed = True
        if fault is not None:
            self._apply_fault(record, fault)
        return result

    def fail(self, method: str, params: dict[str, Any], error: BotAPIError) -> NoReturn:
        """Record a call that the transport itself refuses (e.g. a superseded long poll)."""
        record = Call(method, dict(params), error=error, at=self.clock())
        with self._changed:
            self.calls.append(record)
            self._changed.notify_all()
        if self.on_call is not None:
            self.on_call(record)
        raise error

    @staticmethod
    def _apply_fault(record: Call, fault: Fault) -> None:
        if fault.drop:
            record.dropped = True
            raise ConnectionDropped(f"{record.method}: connection closed by fault injection")
        raise fault.to_error()

    # ------------------------------------------------------------------ inspection helpers

    def sent(self, method: str | None = None, chat_id: int | str | None = None) -> list[Call]:
        """Calls Telegram carried out (even if a fault then lost the answer), oldest first."""
        with self._lock:
            return [
                c
                for c in self.calls
                if c.processed
                and (method is None or c.method.lower() == method.lower())
                and (chat_id is None or c.chat_id == chat_id)
            ]

    def errors(self, method: str | None = None) -> list[Call]:
        """Calls the client saw fail."""
        with self._lock:
            return [
                c
                for c in self.calls
                if c.error is not None and (method is None or c.method.lower() == method.lower())
            ]

    def texts(self, chat_id: int | str | None = None) -> list[str]:
        """Plain texts (after HTML parsing) of the messages sent with sendMessage."""
        return [c.result["text"] for c in self.sent("sendMessage", chat_id)]

    def messages(self, chat_id: int, *, from_bot: bool = True) -> list[dict[str, Any]]:
        """The chat as it looks now (edits applied, deletions gone), oldest first."""
        with self._lock:
            chat = self._chat_or_raise(chat_id)
            return [
                copy.deepcopy(m)
                for _, m in sorted(chat.messages.items())
                if not from_bot or m.get("from", {}).get("id") == self.bot_id
            ]

    def last_message(self, chat_id: int) -> dict[str, Any] | None:
        found = self.messages(chat_id)
        return found[-1] if found else None

    def last_markup(self, chat_id: int) -> dict[str, Any] | None:
        """reply_markup of the newest bot message in the chat that currently has one."""
        with self._lock:
            chat = self._chat_or_raise(chat_id)
            for message_id in sorted(chat.markups, reverse=True):
                if message_id in chat.messages:
                    return copy.deepcopy(chat.markups[message_id])
            return None

    def my_commands(
        self, scope: Mapping[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, str]]:
        """Commands stored by setMyCommands for this scope and language (no fallback)."""
        with self._lock:
            return copy.deepcopy(self.commands.get((self._scope_key(scope), language_code), []))

    def clear_calls(self) -> None:
        with self._lock:
            self.calls.clear()

    def forget_messages(self) -> None:
        """Drop the stored chat histories, the call log and the files sent: long benchmarks
        keep no state (a summary's chart, .docx and PDF would otherwise pile up here).

        Buttons on forgotten messages can no longer be pressed, replies to them fail, and
        forgotten files can no longer be fetched.
        """
        with self._lock:
            self.calls.clear()
            self._files.clear()
            self._paths.clear()
            for chat in self._chats.values():
                chat.messages.clear()
                chat.markups.clear()

    def _m_getUpdates(self, params: dict[str, Any]) -> Any:
        if self.webhook_url:
            raise BotAPIError(409, _CONFLICT_WEBHOOK)
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):  # Telegram remembers the last list it was given
            self._allowed_updates = [str(kind) for kind in allowed]
        limit = params.get("limit")
        limit = min(max(limit, 1), 100) if isinstance(limit, int) and limit else 100
        offset = params.get("offset")
        return copy.deepcopy(self._pending(offset if isinstance(offset, int) else None)[:limit])

    def _m_setWebhook(self, params: dict[str, Any]) -> Any:
        url = params.get("url") or ""
        if url and urlsplit(url).scheme != "https":
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        self.webhook_url = url
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _m_deleteWebhook(self, params: dict[str, Any]) -> Any:
        self.webhook_url = ""
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _m_getWebhookInfo(self, params: dict[str, Any]) -> Any:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    # ------------------------------------------------------------------ update building

    def _incoming_message(
        self, chat: ChatState, sender: dict[str, Any], fields: dict[str, Any]
    ) -> dict[str, Any]:
        message_id = chat.next_message_id
        chat.next_message_id += 1
        message = {
            "message_id": message_id,
            "from": sender,
            "chat": self._chat_json(chat),
            "date": int(self.wall_clock()),
            **fields,
        }
        chat.messages[message_id] = message
        return message

    def _register_callback_query(self) -> str:
        query_id = f"{self.bot_id}{self._next_query_id:08d}"
        self._next_query_id += 1
        self._callback_queries[query_id] = False
        return query_id
