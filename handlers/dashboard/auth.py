"""Who is asking: the Mini App's initData, checked as Telegram documents it.

Telegram signs the data it hands a Mini App (``Telegram.WebApp.initData``, a query string) with
a key derived from the bot's token: ``secret_key = HMAC_SHA256(key="WebAppData", msg=token)``,
then ``hash = hex(HMAC_SHA256(key=secret_key, msg=data_check_string))``, where the
data-check-string is every received field but ``hash``, sorted by name, as ``name=value``
lines joined by a line feed. ``auth_date`` (Unix seconds) says when it was signed, so data
older than a chosen age is refused. See https://core.telegram.org/bots/webapps
("Validating data received via the Mini App").
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import parse_qsl, urlencode

MAX_INIT_DATA = 4096  # Telegram's initData is well under 1 KB; anything far longer is not it


class AuthFailure(StrEnum):
    """Why a request's initData was refused (all answered with 401)."""

    MISSING = "missing"
    MALFORMED = "malformed"
    BAD_HASH = "bad_hash"
    EXPIRED = "expired"
    NO_USER = "no_user"


class AuthError(Exception):
    """The initData does not prove who is asking."""

    def __init__(self, reason: AuthFailure) -> None:
        super().__init__(reason.value)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class WebAppUser:
    """The Telegram user a valid initData names."""

    id: int
    first_name: str
    last_name: str = ""
    username: str | None = None
    language_code: str | None = None
    signed_at: dt.datetime | None = None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


def secret_key(token: str) -> bytes:
    """The key of a bot's initData signatures: HMAC-SHA-256 of the token, keyed "WebAppData"."""
    return hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()


def _check_string(fields: list[tuple[str, str]]) -> bytes:
    return "\n".join(f"{name}={value}" for name, value in sorted(fields)).encode()


def sign(fields: dict[str, str], token: str) -> str:
    """initData for `fields`, signed as Telegram signs it (for tests and the console's sign-in)."""
    pairs = sorted(fields.items())
    digest = hmac.new(secret_key(token), _check_string(pairs), hashlib.sha256).hexdigest()
    return urlencode([*pairs, ("hash", digest)])


def check(init_data: str | None, token: str, *, now: dt.datetime, max_age: dt.timedelta
          ) -> WebAppUser:
    """The user `init_data` was signed for; AuthError when it is missing, forged or too old."""
    if not init_data:
        raise AuthError(AuthFailure.MISSING)
    if len(init_data) > MAX_INIT_DATA:
        raise AuthError(AuthFailure.MALFORMED)
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise AuthError(AuthFailure.MALFORMED) from None
    names = [name for name, _ in pairs]
    if len(names) != len(set(names)):
        # A field given twice could be read one way here and another way by the signer.
        raise AuthError(AuthFailure.MALFORMED)
    fields = dict(pairs)
    given = fields.pop("hash", "")
    expected = hmac.new(secret_key(token), _check_string(list(fields.items())),
                        hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, given.lower()):
        raise AuthError(AuthFailure.BAD_HASH)
    try:
        signed_at = dt.datetime.fromtimestamp(int(fields["auth_date"]), dt.UTC)
    except (KeyError, ValueError, OverflowError, OSError):
        raise AuthError(AuthFailure.MALFORMED) from None
    if now - signed_at > max_age:
        raise AuthError(AuthFailure.EXPIRED)
    return _user(fields.get("user"), signed_at)


def _user(text: str | None, signed_at: dt.datetime) -> WebAppUser:
    if not text:
        raise AuthError(AuthFailure.NO_USER)
    try:
        data = json.loads(text)
        user_id = data["id"]
    except (ValueError, TypeError, KeyError):
        raise AuthError(AuthFailure.NO_USER) from None
    if not isinstance(user_id, int) or isinstance(user_id, bool):
        raise AuthError(AuthFailure.NO_USER)
    return WebAppUser(
        id=user_id,
        first_name=str(data.get("first_name") or ""),
        last_name=str(data.get("last_name") or ""),
        username=data.get("username") if isinstance(data.get("username"), str) else None,
        language_code=(data.get("language_code")
                       if isinstance(data.get("language_code"), str) else None),
        signed_at=signed_at,
    )


def init_data_for(user_id: int, first_name: str, token: str, *, at: dt.datetime,
                  language_code: str = "vi", **extra: str) -> str:
    """A signed initData naming one user, as Telegram would hand it to the Mini App."""
    user = json.dumps({"id": user_id, "first_name": first_name, "language_code": language_code},
                      ensure_ascii=False, separators=(",", ":"))
    fields = {"auth_date": str(int(at.timestamp())), "user": user, **extra}
    return sign(fields, token)
