"""How requests and answers travel: typed parameters, uploaded files, JSON and nginx pages."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tests.fakes.errors import BotAPIError, bad_request

# nginx in front of api.telegram.org answers gateway errors with HTML, not the JSON envelope.
_NGINX_PAGE = (
    "<html>\r\n<head><title>{code} {phrase}</title></head>\r\n<body>\r\n"
    "<center><h1>{code} {phrase}</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n"
    "</body>\r\n</html>\r\n"
)


@dataclass(frozen=True)
class UploadedFile:
    """One multipart file part as Telegram received it."""

    filename: str
    mime_type: str
    data: bytes

    def __repr__(self) -> str:
        return f"UploadedFile({self.filename!r}, {self.mime_type!r}, {len(self.data)} bytes)"


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
INT_RE = re.compile(r"-?\d+")


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
            params[name] = int(value) if INT_RE.fullmatch(value) else value
        elif name in _JSON_FIELDS:
            try:
                params[name] = json.loads(value)
            except ValueError:
                params[name] = value  # left for the method to refuse
        elif name in _INT_FIELDS:
            params[name] = int(value) if INT_RE.fullmatch(value.strip()) else value
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


def int_param(params: Mapping[str, Any], name: str, missing: str) -> int:
    value = params.get(name)
    if value is None or value == "":
        raise bad_request(missing)
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise bad_request(f"invalid {name} specified")
    if isinstance(value, str):
        if not INT_RE.fullmatch(value.strip()):
            raise bad_request(f"invalid {name} specified")
        return int(value)
    return value
