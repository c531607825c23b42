"""A fake Telegram Bot API for tests: in-memory, strict like Telegram, with faults on demand.

``LocalBotAPI`` answers the methods dondoc uses and refuses what Telegram refuses (bad HTML,
messages over 4,096 characters, callback data over 64 bytes, floods); ``LocalRequest`` plugs it
into python-telegram-bot in-process and ``tests/fake_server.py`` serves it over HTTP.
"""

from tests.fakes.api import Call, LocalBotAPI
from tests.fakes.chats import Member
from tests.fakes.errors import BotAPIError, ConnectionDropped, Fault, FaultHook, fail_calls
from tests.fakes.html_parser import parse_html, utf16_len
from tests.fakes.limits import Limits, ManualClock
from tests.fakes.transport import LocalRequest, file_download_path, long_poll
from tests.fakes.updates import (
    callback_update,
    document_update,
    message_update,
    migration_updates,
    my_chat_member_update,
)
from tests.fakes.wire import UploadedFile, decode_params, encode_error, encode_result

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
    "document_update",
    "encode_error",
    "encode_result",
    "fail_calls",
    "file_download_path",
    "long_poll",
    "message_update",
    "migration_updates",
    "my_chat_member_update",
    "parse_html",
    "utf16_len",
]
