"""In-memory fake Telegram Bot API that rejects what Telegram rejects, for tests and demos."""

from __future__ import annotations

import asyncio
import copy
import json
import math
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, NoReturn, TypeVar
from urllib.parse import urlsplit

from telegram.error import NetworkError
from telegram.request import BaseRequest, RequestData

__all__ = [
    "BotAPIError",
    "Call",
    "ConnectionDropped",
    "Fault",
    "FaultHook",
    "Limits",
    "LocalBotAPI",
    "LocalRequest",
    "ManualClock",
    "Member",
    "UploadedFile",
    "callback_update",
    "decode_params",
    "encode_error",
    "encode_result",
    "fail_calls",
    "long_poll",
    "message_update",
    "my_chat_member_update",
    "parse_html",
    "utf16_len",
]

T = TypeVar("T")

# Limits documented at https://core.telegram.org/bots/api
MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_COMMANDS = 100
MAX_COMMAND_LENGTH = 32
MAX_COMMAND_DESCRIPTION_LENGTH = 256
# A message older than this can no longer be deleted by a bot.
DELETE_WINDOW_SECONDS = 48 * 3600

CHAT_TYPES = ("private", "group", "supergroup", "channel")
MEMBER_STATUSES = ("creator", "administrator", "member", "restricted", "left", "kicked")
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
# getUpdates leaves these out unless allowed_updates names them explicitly.
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_SEND_METHODS = frozenset({"sendmessage", "sendphoto", "senddocument"})

_CONFLICT_POLL = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
_CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
# nginx in front of api.telegram.org answers gateway errors with HTML, not the JSON envelope.
_NGINX_PAGE = (
    "<html>\r\n<head><title>{code} {phrase}</title></head>\r\n<body>\r\n"
    "<center><h1>{code} {phrase}</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n"
    "</body>\r\n</html>\r\n"
)


# --------------------------------------------------------------------------- errors and records


class BotAPIError(Exception):
    """An error answer of the Bot API: ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(self, error_code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body

    def __repr__(self) -> str:
        return f"BotAPIError({self.error_code}, {self.description!r})"


class ConnectionDropped(Exception):
    """Raised by LocalBotAPI.call when a Fault says the connection closes without an answer."""


def _bad(message: str) -> BotAPIError:
    return BotAPIError(400, f"Bad Request: {message}")


def _forbidden(message: str) -> BotAPIError:
    return BotAPIError(403, f"Forbidden: {message}")


def _too_many(retry_after: int) -> BotAPIError:
    return BotAPIError(429, f"Too Many Requests: retry after {retry_after}", retry_after)


@dataclass(frozen=True)
class UploadedFile:
    """One multipart file part as Telegram received it."""

    filename: str
    mime_type: str
    data: bytes

    def __repr__(self) -> str:
        return f"UploadedFile({self.filename!r}, {self.mime_type!r}, {len(self.data)} bytes)"


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


@dataclass(frozen=True)
class Fault:
    """What an injected failure does to one call.

    ``status``: answer with this HTTP status (429 adds ``retry_after``; 502/504 answer with
    nginx's HTML page like the real gateway). ``drop``: close the connection without answering.
    ``after_processing``: carry the call out first, then fail - the message is sent but the
    client does not learn it (the classic cause of duplicate deliveries on retry).
    """

    status: int | None = None
    retry_after: int | None = None
    drop: bool = False
    after_processing: bool = False
    description: str | None = None

    @classmethod
    def too_many_requests(cls, retry_after: int = 3, *, after_processing: bool = False) -> Fault:
        return cls(status=429, retry_after=retry_after, after_processing=after_processing)

    @classmethod
    def bad_gateway(cls, *, after_processing: bool = False) -> Fault:
        return cls(status=502, after_processing=after_processing)

    @classmethod
    def drop_connection(cls, *, after_processing: bool = False) -> Fault:
        return cls(drop=True, after_processing=after_processing)

    def to_error(self) -> BotAPIError:
        status = self.status or 500
        if status == 429:
            return _too_many(self.retry_after or 1)
        if self.description:
            return BotAPIError(status, self.description)
        try:
            return BotAPIError(status, HTTPStatus(status).phrase)
        except ValueError:
            return BotAPIError(status, f"Error {status}")


FaultHook = Callable[[str, dict[str, Any]], Fault | None]


def fail_calls(fault: Fault, *, method: str | None = None, times: int = 1) -> FaultHook:
    """A fault hook failing the next ``times`` calls (of ``method``, case-insensitive, if given)."""
    remaining = [times]

    def hook(called: str, _params: dict[str, Any]) -> Fault | None:
        if remaining[0] <= 0 or (method is not None and called.lower() != method.lower()):
            return None
        remaining[0] -= 1
        return fault

    return hook


@dataclass
class Limits:
    """Flood limits (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this).

    Private chats: a token bucket refilling ``private_per_second`` with ``private_burst``
    capacity (Telegram tolerates short bursts). Groups/channels: at most ``group_per_minute``
    messages in any 60 s window. Everything: at most ``global_per_second`` in any 1 s window.
    Only send* methods count.
    """

    enabled: bool = True
    private_per_second: float = 1.0
    private_burst: int = 10
    group_per_minute: int = 20
    global_per_second: int = 30

    @classmethod
    def unlimited(cls) -> Limits:
        return cls(enabled=False)


class ManualClock:
    """A clock tests advance by hand, for ``LocalBotAPI(clock=...)``/``wall_clock=...``."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Member:
    """A chat member for ``add_chat(members=...)``; status is one of MEMBER_STATUSES."""

    user_id: int
    first_name: str
    status: str = "member"
    username: str | None = None
    last_name: str | None = None
    is_bot: bool = False


@dataclass
class _User:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False
    blocked: bool = False

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data


@dataclass
class _Chat:
    id: int
    type: str
    title: str | None = None
    username: str | None = None
    bot_status: str = "member"
    members: dict[int, str] = field(default_factory=dict)
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    # The full markup (also reply keyboards, which Telegram does not echo) per bot message.
    markups: dict[int, dict[str, Any]] = field(default_factory=dict)
    next_message_id: int = 1
    menu_button: dict[str, Any] | None = None


# --------------------------------------------------------------------------- text handling


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's limits and entity offsets."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


_ALLOWED_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
_SPACE = frozenset(b" \t\r\n\v\0")
_NAMED_ENTITIES = {b"lt": 0x3C, b"gt": 0x3E, b"amp": 0x26, b"quot": 0x22}
_STRICT_NOTE = " [strict_html: Telegram itself would show it literally]"


def _html_error(message: str) -> BotAPIError:
    return _bad(f"can't parse entities: {message}")


def _decode_entity(src: bytes, pos: int) -> tuple[int, int]:
    """Port of tdlib's decode_html_entity: (code point, end) or (0, pos) if not an entity."""

    def at(i: int) -> int:
        return src[i] if i < len(src) else 0

    end = pos + 1
    code = 0
    if at(pos + 1) == 0x23:  # '#'
        end += 1
        if at(pos + 2) == 0x78:  # 'x' (tdlib accepts only the lower-case form)
            end += 1
            while chr(at(end)) in "0123456789abcdefABCDEF":
                code = code * 16 + int(chr(at(end)), 16)
                end += 1
        else:
            while 0x30 <= at(end) <= 0x39:
                code = code * 10 + at(end) - 0x30
                end += 1
        if code == 0 or code >= 0x10FFFF or end - pos >= 10:
            return 0, pos
    else:
        while chr(at(end)).isascii() and chr(at(end)).isalpha():
            end += 1
        code = _NAMED_ENTITIES.get(src[pos + 1 : end], 0)
        if not code:
            return 0, pos
    if at(end) == 0x3B:  # ';' is optional, as in tdlib
        end += 1
    return code, end


@dataclass
class _OpenTag:
    name: str
    argument: str
    utf16_offset: int
    out_pos: int


def parse_html(text: str, *, strict: bool = True) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram HTML into (plain text, entities), raising BotAPIError like Telegram.

    A port of tdlib's parse_html (td/telegram/MessageEntity.cpp), so error descriptions and
    byte offsets match. ``strict`` additionally refuses a bare ``&``/``>`` and unknown named
    entities: Telegram shows those literally, but the Bot API docs require escaping, and a bot
    that does not escape them does not escape ``<`` either.
    """
    try:
        src = text.encode("utf-8")
    except UnicodeEncodeError:
        raise _bad("strings must be encoded in UTF-8") from None
    n = len(src)

    def at(i: int) -> int:
        return src[i] if i < n else 0

    out = bytearray()
    entities: list[dict[str, Any]] = []
    stack: list[_OpenTag] = []
    utf16 = 0
    has_surrogate = False
    i = 0
    while i < n:
        c = src[i]
        if c == 0x26:  # '&'
            code, end = _decode_entity(src, i)
            if code:
                utf16 += 2 if code > 0xFFFF else 1
                has_surrogate = has_surrogate or 0xD800 <= code <= 0xDFFF
                out += chr(code).encode("utf-8", "surrogatepass")
                i = end
                continue
            if strict:
                name = re.match(rb"&#?[A-Za-z0-9]+;", src[i:])
                if name:
                    entity = name.group().decode()
                    raise _html_error(
                        f'Unsupported HTML entity "{entity}" at byte offset {i}{_STRICT_NOTE}'
                    )
                raise _html_error(f'Unescaped "&" at byte offset {i}{_STRICT_NOTE}')
        if c != 0x3C:  # not '<'
            if strict and c == 0x3E:
                raise _html_error(f'Unescaped ">" at byte offset {i}{_STRICT_NOTE}')
            if c & 0xC0 != 0x80:  # first byte of a character
                utf16 += 2 if c >= 0xF0 else 1
            out.append(c)
            i += 1
            continue

        begin = i
        i += 1
        if at(i) != 0x2F:  # start tag
            while at(i) not in _SPACE and at(i) != 0x3E:
                i += 1
            if at(i) == 0:
                raise _html_error(f"Unclosed start tag at byte offset {begin}")
            tag = src[begin + 1 : i].lower().decode("utf-8", "replace")
            if tag not in _ALLOWED_TAGS:
                raise _html_error(f'Unsupported start tag "{tag}" at byte offset {begin}')
            argument = ""
            while at(i) != 0x3E:
                while at(i) != 0 and at(i) in _SPACE:
                    i += 1
                if at(i) == 0x3E:
                    break
                attr_begin = i
                # Newer tdlib also stops at '>' so that a bare <blockquote expandable> parses.
                while at(i) not in _SPACE and at(i) not in (0x3D, 0x3E):
                    i += 1
                attr_name = src[attr_begin:i].decode("utf-8", "replace")
                if not attr_name:
                    raise _html_error(
                        f'Empty attribute name in the tag "{tag}" at byte offset {begin}'
                    )
                while at(i) != 0 and at(i) in _SPACE:
                    i += 1
                if at(i) != 0x3D:  # '='
                    if tag == "blockquote" and attr_name == "expandable":
                        argument = "expandable"
                        continue
                    raise _html_error(
                        "Expected equal sign in declaration of an attribute of the tag "
                        f'"{tag}" at byte offset {begin}'
                    )
                i += 1
                while at(i) != 0 and at(i) in _SPACE:
                    i += 1
                if at(i) == 0:
                    raise _html_error(f'Unclosed start tag "{tag}" at byte offset {begin}')
                value = bytearray()
                if at(i) not in (0x22, 0x27):  # an unquoted name token
                    token_begin = i
                    while chr(at(i)).isascii() and (chr(at(i)).isalnum() or at(i) in b".-"):
                        i += 1
                    value += src[token_begin:i].lower()
                    if at(i) not in _SPACE and at(i) != 0x3E:
                        raise _html_error(
                            f"Unexpected end of name token at byte offset {token_begin}"
                        )
                else:
                    quote = at(i)
                    i += 1
                    while at(i) != quote and at(i) != 0:
                        if at(i) == 0x26:
                            code, end = _decode_entity(src, i)
                            if code:
                                value += chr(code).encode("utf-8", "surrogatepass")
                                i = end
                                continue
                        value.append(at(i))
                        i += 1
                    if at(i) == quote:
                        i += 1
                if at(i) == 0:
                    raise _html_error(f"Unclosed start tag at byte offset {begin}")
                attr_value = value.decode("utf-8", "replace")
                if tag == "a" and attr_name == "href":
                    argument = attr_value
                elif tag == "code" and attr_name == "class" and attr_value.startswith("language-"):
                    argument = attr_value[len("language-") :]
                elif tag == "span" and attr_name == "class" and attr_value.startswith("tg-"):
                    argument = attr_value[len("tg-") :]
                elif tag == "tg-emoji" and attr_name == "emoji-id":
                    argument = attr_value
            if tag == "span" and argument != "spoiler":
                raise _html_error(f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
            stack.append(_OpenTag(tag, argument, utf16, len(out)))
            i += 1  # skip '>'
            continue

        # end tag
        if not stack:
            raise _html_error(f"Unexpected end tag at byte offset {begin}")
        while at(i) not in _SPACE and at(i) != 0x3E:
            i += 1
        end_name = src[begin + 2 : i].lower().decode("utf-8", "replace")
        while at(i) != 0 and at(i) in _SPACE:
            i += 1
        if at(i) != 0x3E:
            raise _html_error(f"Unclosed end tag at byte offset {begin}")
        open_tag = stack.pop()
        if end_name and end_name != open_tag.name:
            raise _html_error(
                f'Unmatched end tag at byte offset {begin}, expected "</{open_tag.name}>", '
                f'found "</{end_name}>"'
            )
        i += 1
        if utf16 > open_tag.utf16_offset:
            found = _html_entity(open_tag, utf16, bytes(out[open_tag.out_pos :]))
            if found:
                entities.append(found)
    if stack:
        raise _html_error(f"Can't find end tag corresponding to start tag {stack[-1].name}")
    if has_surrogate:
        raise _html_error(
            "Text contains invalid Unicode characters after decoding HTML entities, check for "
            "unmatched surrogate code units"
        )
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return out.decode("utf-8"), entities


_SIMPLE_ENTITY = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "code": "code",
}


def _html_entity(tag: _OpenTag, utf16_end: int, inner: bytes) -> dict[str, Any] | None:
    entity: dict[str, Any] = {"offset": tag.utf16_offset, "length": utf16_end - tag.utf16_offset}
    if tag.name in _SIMPLE_ENTITY:
        entity["type"] = _SIMPLE_ENTITY[tag.name]
    elif tag.name == "pre":
        entity["type"] = "pre"
    elif tag.name == "blockquote":
        entity["type"] = "expandable_blockquote" if tag.argument else "blockquote"
    elif tag.name == "tg-emoji":
        if not tag.argument.isdigit() or int(tag.argument) == 0:
            raise _html_error("Invalid custom emoji identifier specified")
        entity.update(type="custom_emoji", custom_emoji_id=tag.argument)
    else:  # "a": Telegram silently drops links it cannot use
        url = tag.argument or inner.decode("utf-8", "replace")
        if not url.strip() or any(ch.isspace() for ch in url.strip()):
            return None
        entity.update(type="text_link", url=url.strip())
    return entity


def _trim(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Telegram strips leading/trailing whitespace; entities are shifted and clipped to match."""
    stripped = text.lstrip(" \t\r\n")
    shift = utf16_len(text) - utf16_len(stripped)
    stripped = stripped.rstrip(" \t\r\n")
    limit = utf16_len(stripped)
    kept = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, limit)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return stripped, kept


def _formatted(
    text: Any, parse_mode: Any, entities: Any, strict: bool
) -> tuple[str, list[dict[str, Any]]]:
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    mode = parse_mode.lower() if isinstance(parse_mode, str) else ""
    if mode == "html":
        plain, found = parse_html(text, strict=strict)
    elif mode in ("", "markdown", "markdownv2"):
        # Markdown is passed through unvalidated: dondoc formats with HTML only.
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise _bad("strings must be encoded in UTF-8") from None
        plain = text
        found = list(entities) if isinstance(entities, list) and not mode else []
    else:
        raise _bad("unsupported parse_mode")
    return _trim(plain, found)


# --------------------------------------------------------------------------- params


_JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "commands",
        "scope",
        "allowed_updates",
        "menu_button",
        "reply_parameters",
        "link_preview_options",
        "media",
        "permissions",
        "rights",
    }
)
_INT_FIELDS = frozenset(
    {
        "message_id",
        "offset",
        "limit",
        "user_id",
        "reply_to_message_id",
        "message_thread_id",
        "cache_time",
        "max_connections",
        "from_chat_id",
        "until_date",
        "duration",
        "width",
        "height",
    }
)
_FLOAT_FIELDS = frozenset({"timeout"})
_BOOL_FIELDS = frozenset(
    {
        "disable_notification",
        "protect_content",
        "show_alert",
        "drop_pending_updates",
        "allow_sending_without_reply",
        "disable_web_page_preview",
        "has_spoiler",
        "disable_content_type_detection",
        "show_caption_above_media",
        "for_channels",
        "only_if_banned",
        "revoke_messages",
        "allow_paid_broadcast",
    }
)
_INT_RE = re.compile(r"-?\d+")


def decode_params(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Type request fields the way the Bot API does for form/multipart bodies.

    Form and multipart values arrive as strings (PTB JSON-encodes non-string values); Telegram
    types them per parameter, so a text of "123" stays a string while chat_id "123" is a
    number. JSON bodies may already carry typed values, which pass through.
    """
    params: dict[str, Any] = {}
    for name, value in fields.items():
        if not isinstance(value, str):
            params[name] = value
            continue
        if name == "chat_id":
            params[name] = int(value) if _INT_RE.fullmatch(value) else value
        elif name in _JSON_FIELDS:
            try:
                params[name] = json.loads(value)
            except ValueError:
                params[name] = value  # left for the method to refuse
        elif name in _INT_FIELDS:
            params[name] = int(value) if _INT_RE.fullmatch(value.strip()) else value
        elif name in _FLOAT_FIELDS:
            try:
                params[name] = float(value)
            except ValueError:
                params[name] = value
        elif name in _BOOL_FIELDS:
            params[name] = value.strip().lower() in ("true", "1")
        else:
            params[name] = value
    return params


def encode_result(result: Any) -> bytes:
    return json.dumps({"ok": True, "result": result}, ensure_ascii=False).encode("utf-8")


def encode_error(error: BotAPIError) -> tuple[int, bytes]:
    """HTTP status and body Telegram answers an error with."""
    if error.error_code in (502, 504):
        page = _NGINX_PAGE.format(code=error.error_code, phrase=error.description)
        return error.error_code, page.encode()
    body = json.dumps(error.to_json(), ensure_ascii=False).encode("utf-8")
    return error.error_code, body


def _int_param(params: Mapping[str, Any], name: str, missing: str) -> int:
    value = params.get(name)
    if value is None or value == "":
        raise _bad(missing)
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise _bad(f"invalid {name} specified")
    if isinstance(value, str):
        if not _INT_RE.fullmatch(value.strip()):
            raise _bad(f"invalid {name} specified")
        return int(value)
    return value


# --------------------------------------------------------------------------- rate limiting


class _RateLimiter:
    def __init__(self) -> None:
        self._global: deque[float] = deque()
        self._buckets: dict[int, tuple[float, float]] = {}
        self._windows: dict[int, deque[float]] = {}

    def take(self, chat: _Chat, limits: Limits, now: float) -> None:
        """Account for one message to ``chat`` or raise 429 without consuming anything."""
        if not limits.enabled:
            return
        wait = 0.0
        while self._global and self._global[0] <= now - 1.0:
            self._global.popleft()
        if len(self._global) >= limits.global_per_second:
            wait = self._global[0] + 1.0 - now
        tokens = 0.0
        window: deque[float] | None = None
        if chat.type == "private":
            tokens, last = self._buckets.get(chat.id, (float(limits.private_burst), now))
            refill = (now - last) * limits.private_per_second
            tokens = min(float(limits.private_burst), tokens + refill)
            if tokens < 1.0:
                wait = max(wait, (1.0 - tokens) / limits.private_per_second)
        else:
            window = self._windows.setdefault(chat.id, deque())
            while window and window[0] <= now - 60.0:
                window.popleft()
            if len(window) >= limits.group_per_minute:
                wait = max(wait, window[0] + 60.0 - now)
        if wait > 0:
            raise _too_many(max(1, math.ceil(wait - 1e-9)))
        self._global.append(now)
        if window is not None:
            window.append(now)
        else:
            self._buckets[chat.id] = (tokens - 1.0, now)


# --------------------------------------------------------------------------- the fake API


def _member_json(user: dict[str, Any], status: str) -> dict[str, Any]:
    """ChatMember JSON with every field Telegram (and PTB's de_json) requires for ``status``."""
    data: dict[str, Any] = {"status": status, "user": user}
    if status == "creator":
        data["is_anonymous"] = False
    elif status == "administrator":
        data.update(
            can_be_edited=False,
            is_anonymous=False,
            can_manage_chat=True,
            can_delete_messages=True,
            can_manage_video_chats=True,
            can_restrict_members=True,
            can_promote_members=False,
            can_change_info=True,
            can_invite_users=True,
            can_post_stories=False,
            can_edit_stories=False,
            can_delete_stories=False,
            can_pin_messages=True,
        )
    elif status == "restricted":
        data.update(
            is_member=True,
            can_change_info=False,
            can_invite_users=False,
            can_pin_messages=False,
            can_send_messages=False,
            can_send_polls=False,
            can_send_other_messages=False,
            can_add_web_page_previews=False,
            can_manage_topics=False,
            until_date=0,
            can_send_audios=False,
            can_send_documents=False,
            can_send_photos=False,
            can_send_videos=False,
            can_send_video_notes=False,
            can_send_voice_notes=False,
            can_edit_tag=False,
            can_react_to_messages=False,
        )
    elif status == "kicked":
        data["until_date"] = 0
    return data


def _describe(call: Call) -> str:
    """One short line per call for timeout reports: method, chat, start of the text, outcome."""
    text = call.params.get("text") or call.params.get("caption") or ""
    shown = repr(text[:60] + ("…" if len(text) > 60 else "")) if isinstance(text, str) else ""
    outcome = call.error.description if call.error else "dropped" if call.dropped else "ok"
    return f"{call.method} chat={call.chat_id} {shown} -> {outcome}".replace("  ", " ")


class LocalBotAPI:
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
        self._rate = _RateLimiter()
        self._users: dict[int, _User] = {}
        self._chats: dict[int, _Chat] = {}
        self._updates: deque[dict[str, Any]] = deque()
        self._next_update_id = 1
        self._allowed_updates: list[str] = []
        self._callback_queries: dict[str, bool] = {}  # id -> answered
        self._next_query_id = 1
        self._files: dict[str, dict[str, Any]] = {}
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
                "getChat",
                "getChatMember",
                "getChatAdministrators",
                "getChatMemberCount",
                "setChatMenuButton",
                "getChatMenuButton",
            )
        }

    # ------------------------------------------------------------------ setup

    @property
    def bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.username,
        }

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
                self._users[user_id] = _User(
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
                chat = self._chats[chat_id] = _Chat(chat_id, type, title, username, bot_status)
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

    def _chat_or_raise(self, chat_id: int) -> _Chat:
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

    def wait_for(self, predicate: Callable[[], T], timeout: float = 10.0) -> T:
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
                    recent = "\n".join(f"  {_describe(c)}" for c in self.calls[-10:])
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
        """Drop the stored chat histories (and the call log): long benchmarks keep no state.

        Buttons on forgotten messages can no longer be pressed, and replies to them fail.
        """
        with self._lock:
            self.calls.clear()
            for chat in self._chats.values():
                chat.messages.clear()
                chat.markups.clear()

    # ------------------------------------------------------------------ shared checks

    def _chat_for(self, params: Mapping[str, Any]) -> _Chat:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise _bad("chat_id is empty")
        if isinstance(chat_id, str):
            if chat_id.startswith("@"):
                for candidate in self._chats.values():
                    if candidate.type != "private" and candidate.username == chat_id[1:]:
                        return candidate
                raise _bad("chat not found")
            if not _INT_RE.fullmatch(chat_id):
                raise _bad("chat not found")
            chat_id = int(chat_id)
        if not isinstance(chat_id, int) or isinstance(chat_id, bool):
            raise _bad("chat not found")
        chat = self._chats.get(chat_id)
        if chat is None:
            raise _bad("chat not found")
        return chat

    def _check_can_write(self, chat: _Chat) -> None:
        if chat.type == "private":
            if self._users[chat.id].blocked:
                raise _forbidden("bot was blocked by the user")
            return
        if chat.bot_status == "kicked":
            raise _forbidden(f"bot was kicked from the {chat.type} chat")
        if chat.bot_status == "left":
            raise _forbidden(f"bot is not a member of the {chat.type} chat")

    def _chat_json(self, chat: _Chat) -> dict[str, Any]:
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

    def _check_markup(self, value: Any) -> dict[str, Any] | None:
        if value is None:
            return None
        if not isinstance(value, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in value:
            rows = value["inline_keyboard"]
            if not isinstance(rows, list):
                raise _bad('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array')
            for row in rows:
                if not isinstance(row, list):
                    raise _bad(
                        'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array '
                        "of Arrays"
                    )
                for button in row:
                    self._check_button(button)
        elif not {"keyboard", "remove_keyboard", "force_reply"} & value.keys():
            raise _bad("can't parse reply keyboard markup JSON object")
        return value

    @staticmethod
    def _check_button(button: Any) -> None:
        prefix = "can't parse inline keyboard button: "
        if not isinstance(button, dict):
            raise _bad(prefix + "InlineKeyboardButton must be an Object")
        if not isinstance(button.get("text"), str):
            raise _bad(prefix + 'Field "text" must be of type String')
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
            raise _bad(prefix + "Text buttons are unallowed in the inline keyboard")
        if "callback_data" in button:
            data = button["callback_data"]
            if not isinstance(data, str):
                raise _bad(prefix + 'Field "callback_data" must be of type String')
            if not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
                raise _bad("BUTTON_DATA_INVALID")
        if "url" in button:
            url = button["url"]
            if not isinstance(url, str) or not url.strip() or any(ch.isspace() for ch in url):
                raise _bad("BUTTON_URL_INVALID")

    def _reply_to(self, chat: _Chat, params: Mapping[str, Any]) -> dict[str, Any] | None:
        reply = params.get("reply_parameters")
        if isinstance(reply, dict):
            message_id = reply.get("message_id")
            lenient = bool(reply.get("allow_sending_without_reply"))
            if reply.get("chat_id") not in (None, chat.id):
                raise _bad("message to be replied not found")  # cross-chat replies: not modelled
        else:
            message_id = params.get("reply_to_message_id")
            lenient = bool(params.get("allow_sending_without_reply"))
        if message_id is None:
            return None
        target = chat.messages.get(message_id) if isinstance(message_id, int) else None
        if target is None:
            if lenient:
                return None
            raise _bad("message to be replied not found")
        quoted = copy.deepcopy(target)
        quoted.pop("reply_to_message", None)  # Telegram nests replies one level deep only
        return quoted

    def _new_message(
        self,
        chat: _Chat,
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
        plain, entities = _formatted(
            params.get(key),
            params.get("parse_mode"),
            params.get("entities" if key == "text" else "caption_entities"),
            self.strict_html,
        )
        if key == "text" and not plain:
            raise _bad("message text is empty")
        if utf16_len(plain) > limit:
            raise _bad("message is too long" if key == "text" else "message caption is too long")
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
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
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
                raise _bad("can't use specified scope in private chats")

    def _m_setMyCommands(self, params: dict[str, Any]) -> Any:
        commands = params.get("commands", [])
        if not isinstance(commands, list):
            raise _bad("can't parse commands JSON object")
        if len(commands) > MAX_COMMANDS:
            raise _bad("BOT_COMMANDS_TOO_MUCH")
        clean: list[dict[str, str]] = []
        for item in commands:
            if not isinstance(item, dict):
                raise _bad("can't parse BotCommand")
            name = item.get("command")
            description = item.get("description")
            if not isinstance(name, str) or not name:
                raise _bad("command must be non-empty")
            if len(name) > MAX_COMMAND_LENGTH:
                raise _bad(f"command length must not exceed {MAX_COMMAND_LENGTH}")
            if not isinstance(description, str) or not description.strip():
                raise _bad("command description must be non-empty")
            if len(description) > MAX_COMMAND_DESCRIPTION_LENGTH:
                raise _bad(
                    f"command description length must not exceed {MAX_COMMAND_DESCRIPTION_LENGTH}"
                )
            # Telegram lower-cases commands but refuses anything outside [a-z0-9_].
            name = name.lower().removeprefix("/")
            if not re.fullmatch(r"[a-z0-9_]+", name):
                raise _bad("BOT_COMMAND_INVALID")
            clean.append({"command": name, "description": description})
        scope = params.get("scope")
        self._check_scope(scope)
        language = params.get("language_code") or ""
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise _bad("invalid language code specified")
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
        markup = self._check_markup(params.get("reply_markup"))
        self._check_can_write(chat)
        self._reply_to(chat, params)  # refuse before spending rate budget
        self._rate.take(chat, self.limits, self.clock())
        return copy.deepcopy(self._new_message(chat, params, body, markup))

    def _file_param(self, params: Mapping[str, Any], key: str, kind: str) -> dict[str, Any]:
        value = params.get(key)
        if isinstance(value, str) and value.startswith("attach://"):
            value = params.get(value[len("attach://") :])
        if value is None or value == "":
            raise _bad(f"there is no {kind} in the request")
        if isinstance(value, UploadedFile):
            if not value.data:
                raise _bad("file must be non-empty")
            if len(value.data) > MAX_UPLOAD_BYTES:
                raise BotAPIError(413, "Request Entity Too Large")
            stored: dict[str, Any] = {"upload": value}
        elif isinstance(value, str) and value in self._files:
            return self._files[value]
        elif isinstance(value, str) and urlsplit(value).scheme in ("http", "https"):
            stored = {"url": value}
        else:
            raise _bad("wrong file identifier/HTTP URL specified")
        number = self._next_file_id
        self._next_file_id += 1
        stored.update(file_id=f"fake-{kind}-{number}", file_unique_id=f"u{kind}{number}")
        return stored

    def _register_file(self, stored: dict[str, Any]) -> None:
        self._files[stored["file_id"]] = stored

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
                raise _bad("IMAGE_PROCESS_FAILED")
        body = self._text_body(params, "caption", MAX_CAPTION_LENGTH)
        markup = self._check_markup(params.get("reply_markup"))
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
        markup = self._check_markup(params.get("reply_markup"))
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

    def _message_for_edit(self, params: Mapping[str, Any]) -> tuple[_Chat, dict[str, Any]]:
        if params.get("inline_message_id"):
            raise _bad("MESSAGE_ID_INVALID")  # inline messages are not modelled
        if params.get("chat_id") in (None, "") or params.get("message_id") in (None, ""):
            raise _bad("message identifier is not specified")
        chat = self._chat_for(params)
        message_id = _int_param(params, "message_id", "message identifier is not specified")
        message = chat.messages.get(message_id)
        if message is None:
            raise _bad("message to edit not found")
        if message.get("from", {}).get("id") != self.bot_id:
            raise _bad("message can't be edited")
        self._check_can_write(chat)
        return chat, message

    def _apply_edit(
        self,
        chat: _Chat,
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
            raise _bad("there is no text in the message to edit")
        body = self._text_body(params, "text", MAX_TEXT_LENGTH)
        markup = self._check_markup(params.get("reply_markup"))
        return self._apply_edit(chat, message, body, markup)

    def _m_editMessageReplyMarkup(self, params: dict[str, Any]) -> Any:
        chat, message = self._message_for_edit(params)
        markup = self._check_markup(params.get("reply_markup"))
        return self._apply_edit(chat, message, None, markup)

    def _m_deleteMessage(self, params: dict[str, Any]) -> Any:
        chat = self._chat_for(params)
        message_id = _int_param(params, "message_id", "message identifier is not specified")
        message = chat.messages.get(message_id)
        if message is None:
            raise _bad("message to delete not found")
        outgoing = message.get("from", {}).get("id") == self.bot_id
        too_old = self.wall_clock() - message["date"] > DELETE_WINDOW_SECONDS
        may_delete = (
            outgoing or chat.type == "private" or chat.bot_status in ("administrator", "creator")
        )
        if too_old or not may_delete:
            raise _bad("message can't be deleted")
        del chat.messages[message_id]
        chat.markups.pop(message_id, None)
        return True

    def _m_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        query_id = str(params.get("callback_query_id") or "")
        if self._callback_queries.get(query_id, True):  # missing, unknown or already answered
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        self._callback_queries[query_id] = True
        return True

    def _m_sendChatAction(self, params: dict[str, Any]) -> Any:
        chat = self._chat_for(params)
        if params.get("action") not in CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
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

    def _roster(self, chat: _Chat) -> dict[int, str]:
        roster = {chat.id: "member"} if chat.type == "private" else dict(chat.members)
        roster[self.bot_id] = chat.bot_status
        return roster

    def _user_json(self, user_id: int) -> dict[str, Any]:
        if user_id == self.bot_id:
            return self.bot_user
        return self._users[user_id].to_json()

    def _m_getChatMember(self, params: dict[str, Any]) -> Any:
        chat = self._chat_for(params)
        user_id = _int_param(params, "user_id", "user not found")
        roster = self._roster(chat)
        if user_id in roster:
            return _member_json(self._user_json(user_id), roster[user_id])
        if user_id in self._users and chat.type != "private":
            return _member_json(self._user_json(user_id), "left")
        raise _bad("user not found")

    def _m_getChatAdministrators(self, params: dict[str, Any]) -> Any:
        chat = self._chat_for(params)
        if chat.type == "private":
            raise _bad("there are no administrators in the private chat")
        if chat.bot_status in ("left", "kicked"):
            self._check_can_write(chat)
        return [
            _member_json(self._user_json(user_id), status)
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
            raise _bad("can't parse menu button")
        if params.get("chat_id") in (None, ""):
            self.default_menu_button = button
            return True
        chat = self._chat_for(params)
        if chat.type != "private":
            raise _bad("invalid chat_id specified")
        chat.menu_button = button
        return True

    def _m_getChatMenuButton(self, params: dict[str, Any]) -> Any:
        if params.get("chat_id") in (None, ""):
            return copy.deepcopy(self.default_menu_button)
        chat = self._chat_for(params)
        return copy.deepcopy(chat.menu_button or self.default_menu_button)

    # ------------------------------------------------------------------ update building

    def _incoming_message(
        self, chat: _Chat, sender: dict[str, Any], fields: dict[str, Any]
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


# --------------------------------------------------------------------------- incoming updates

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
            "old_chat_member": _member_json(api.bot_user, old_status),
            "new_chat_member": _member_json(api.bot_user, new_status),
        }
        api._changed.notify_all()
        return {"update_id": api.next_update_id(), "my_chat_member": event}


# --------------------------------------------------------------------------- transports


async def long_poll(
    api: LocalBotAPI,
    params: dict[str, Any],
    *,
    token: str | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Any:
    """getUpdates with Telegram's long polling: wait up to ``timeout`` s for an update.

    A newer getUpdates while this one waits ends this one with 409 Conflict, as Telegram does
    when two bot instances poll. Runs on whatever event loop calls it; pushes may come from
    any thread.
    """
    timeout = params.get("timeout")
    timeout = float(timeout) if isinstance(timeout, (int, float)) else 0.0
    generation = api.begin_poll()
    if timeout > 0 and token in (None, api.token) and not api.webhook_url:
        loop = asyncio.get_running_loop()
        event = asyncio.Event()

        def wake() -> None:
            loop.call_soon_threadsafe(event.set)

        api.add_listener(wake)
        api._count_waiting_poll(+1)
        try:
            deadline = loop.time() + timeout
            while True:
                event.clear()
                if (
                    api.has_updates(params.get("offset"))
                    or api.poll_superseded(generation)
                    or (should_stop is not None and should_stop())
                ):
                    break
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                try:
                    await asyncio.wait_for(event.wait(), remaining)
                except TimeoutError:
                    break
        finally:
            api._count_waiting_poll(-1)
            api.remove_listener(wake)
    if api.poll_superseded(generation):
        api.fail("getUpdates", params, BotAPIError(409, _CONFLICT_POLL))
    return api.call("getUpdates", params, token=token)


def _split_url(url: str) -> tuple[str | None, str]:
    """'https://host/bot<TOKEN>/<method>' -> (token, method)."""
    parts = urlsplit(url).path.rstrip("/").split("/")
    method = parts[-1] if parts else ""
    prefix = parts[-2] if len(parts) >= 2 else ""
    token = prefix[3:] if prefix.startswith("bot") else None
    return token, method


class LocalRequest(BaseRequest):
    """A python-telegram-bot transport that hands requests to a LocalBotAPI in-process.

    Parameters are decoded from the same form PTB would put on the wire (RequestData's
    json_parameters and multipart_data), so the fake sees exactly what the HTTP server would.
    """

    def __init__(self, api: LocalBotAPI, *, read_timeout: float | None = 5.0) -> None:
        self.api = api
        self._read_timeout = read_timeout

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

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
        token, api_method = _split_url(url)
        if method != "POST" or token is None:
            return 404, json.dumps(BotAPIError(404, "Not Found").to_json()).encode()
        fields: dict[str, Any] = {}
        if request_data is not None:
            fields.update(request_data.json_parameters)
            for part, (filename, content, mime) in request_data.multipart_data.items():
                data = content if isinstance(content, bytes) else content.read()
                fields[part] = UploadedFile(filename, mime, data)
        params = decode_params(fields)
        try:
            if api_method.lower() == "getupdates":
                result = await long_poll(self.api, params, token=token)
            else:
                result = self.api.call(api_method, params, token=token)
        except BotAPIError as error:
            return encode_error(error)
        except ConnectionDropped as exc:
            # What httpx reports when the server hangs up: PTB turns it into NetworkError.
            raise NetworkError(f"httpx.RemoteProtocolError: {exc}") from exc
        return 200, encode_result(result)
