"""The Bot API's error answers, and the faults tests inject into it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any


class BotAPIError(Exception):
    """An error answer of the Bot API: ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(self, error_code: int, description: str, retry_after: int | None = None,
                 migrate_to_chat_id: int | None = None) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after
        self.migrate_to_chat_id = migrate_to_chat_id

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        if self.migrate_to_chat_id is not None:
            body["parameters"] = {"migrate_to_chat_id": self.migrate_to_chat_id}
        return body

    def __repr__(self) -> str:
        return f"BotAPIError({self.error_code}, {self.description!r})"


class ConnectionDropped(Exception):
    """Raised by LocalBotAPI.call when a Fault says the connection closes without an answer."""


def bad_request(message: str) -> BotAPIError:
    return BotAPIError(400, f"Bad Request: {message}")


def forbidden(message: str) -> BotAPIError:
    return BotAPIError(403, f"Forbidden: {message}")


def chat_migrated(new_chat_id: int) -> BotAPIError:
    """What Telegram answers a message to a group that was upgraded to a supergroup."""
    return BotAPIError(400, "Bad Request: group chat was upgraded to a supergroup chat",
                       migrate_to_chat_id=new_chat_id)


def too_many_requests(retry_after: int) -> BotAPIError:
    return BotAPIError(429, f"Too Many Requests: retry after {retry_after}", retry_after)

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
            return too_many_requests(self.retry_after or 1)
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
