"""Settings from the environment and an optional .env file, checked before anything starts."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import load_dotenv

from bot.render import LANGUAGES

DEFAULT_API_URL = "https://api.telegram.org/bot"
DEFAULT_FILE_URL = "https://api.telegram.org/file/bot"
# BotFather's tokens are "<bot id>:<secret>"; the secret's length is not documented.
TOKEN_SHAPE = re.compile(r"[0-9]+:[A-Za-z0-9_-]+")
# What Telegram accepts as a webhook's secret_token (setWebhook).
SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,256}")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class SettingError(ValueError):
    """A setting that cannot be used.

    `variable` is the environment variable, `reason` names the explanation in the
    startup_bad_setting template, `value` is what was given (empty for secrets), and `lang`
    the language to say it in (DONDOC_LANG when that one is valid).
    """

    def __init__(self, variable: str, reason: str, value: str = "", lang: str = "vi") -> None:
        super().__init__(f"{variable}: {reason}")
        self.variable = variable
        self.reason = reason
        self.value = value
        self.lang = lang


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the bot reads from its environment."""

    token: str | None = None
    data_dir: Path = Path("data")
    api_url: str = DEFAULT_API_URL
    file_url: str = DEFAULT_FILE_URL
    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    webhook_secret: str | None = None
    default_lang: str = "vi"
    default_tz: str = "Asia/Ho_Chi_Minh"
    # For end-to-end tests and rehearsals: the bot's clock starts at this instant.
    fake_now: dt.datetime | None = None
    log_level: str = "INFO"
    # False: no reminder jobs run. The console on real data leaves them to the real bot,
    # which would otherwise find them logged as sent and never send them.
    reminders: bool = True
    # The dashboard (a Telegram Mini App): its public https URL, and where its server listens.
    web_url: str | None = None
    web_listen: str = "127.0.0.1"
    web_port: int = 8080
    web_auth_max_age: int = 3600  # seconds an initData stays valid after Telegram signed it
    web_requests_per_minute: int = 120  # each user's budget of dashboard requests

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, dotenv: Path | None = None
                 ) -> Settings:
        """Read settings from `env` (default: os.environ, after loading `.env` if present).

        Raises :class:`SettingError` for the first setting that cannot be used.
        """
        if env is None:
            load_dotenv(dotenv or Path(".env"), override=False)
            env = dict(os.environ)
        return _Reader(env).settings()

    def require_webhook_secret(self) -> None:
        """Webhook mode needs a secret: without one, anyone who finds the URL can post
        updates as any user."""
        if self.webhook_url and not self.webhook_secret:
            raise SettingError("DONDOC_WEBHOOK_SECRET", "webhook_secret_missing",
                               lang=self.default_lang)


class _Reader:
    """Reads and checks one environment; the first bad setting raises SettingError."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        lang = env.get("DONDOC_LANG", "vi")
        self.lang = lang if lang in LANGUAGES else "vi"

    def fail(self, variable: str, reason: str, value: str = "") -> SettingError:
        return SettingError(variable, reason, value, self.lang)

    def settings(self) -> Settings:
        return Settings(
            token=self.token(),
            data_dir=Path(self.env.get("DONDOC_DATA_DIR") or "data"),
            api_url=self.env.get("TELEGRAM_API_URL") or DEFAULT_API_URL,
            file_url=self.env.get("TELEGRAM_FILE_URL") or DEFAULT_FILE_URL,
            webhook_url=self.webhook_url(),
            webhook_listen=self.env.get("DONDOC_WEBHOOK_LISTEN") or "0.0.0.0",
            webhook_port=self.port("DONDOC_WEBHOOK_PORT", 8443),
            webhook_secret=self.secret(),
            default_lang=self.language(),
            default_tz=self.zone(),
            fake_now=self.fake_now(),
            log_level=self.log_level(),
            web_url=self.web_url(),
            web_listen=self.env.get("DONDOC_WEB_LISTEN") or "127.0.0.1",
            web_port=self.port("DONDOC_WEB_PORT", 8080, lowest=0),  # 0: any free port
            web_auth_max_age=self.number("DONDOC_WEB_AUTH_MAX_AGE", 3600),
            web_requests_per_minute=self.number("DONDOC_WEB_REQUESTS_PER_MINUTE", 120),
        )

    def token(self) -> str | None:
        # A space or a line end copied with the token is a slip, not a different token.
        token = self.env.get("TELEGRAM_BOT_TOKEN", "").strip()
        if token and not TOKEN_SHAPE.fullmatch(token):
            raise self.fail("TELEGRAM_BOT_TOKEN", "token")  # never echo a secret
        return token or None

    def language(self) -> str:
        lang = self.env.get("DONDOC_LANG") or "vi"
        if lang not in LANGUAGES:
            raise self.fail("DONDOC_LANG", "lang", lang)
        return lang

    def zone(self) -> str:
        name = self.env.get("DONDOC_TZ") or "Asia/Ho_Chi_Minh"
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise self.fail("DONDOC_TZ", "tz", name) from None
        return name

    def port(self, variable: str, default: int, *, lowest: int = 1) -> int:
        text = self.env.get(variable) or str(default)
        if not (text.isascii() and text.isdigit() and lowest <= int(text) <= 65535):
            raise self.fail(variable, "port", text)
        return int(text)

    def number(self, variable: str, default: int) -> int:
        text = self.env.get(variable) or str(default)
        if not (text.isascii() and text.isdigit() and int(text) > 0):
            raise self.fail(variable, "number", text)
        return int(text)

    def web_url(self) -> str | None:
        url = self.env.get("DONDOC_WEB_URL") or None
        if url is not None and not (url.startswith("https://") and urlsplit(url).hostname):
            # Telegram opens Mini Apps over https only; a plain http URL would fail in the app.
            raise self.fail("DONDOC_WEB_URL", "web_url_https", url)
        return url

    def webhook_url(self) -> str | None:
        url = self.env.get("DONDOC_WEBHOOK_URL") or None
        if url is not None:
            parts = urlsplit(url)
            if parts.scheme not in ("https", "http") or not parts.hostname:
                raise self.fail("DONDOC_WEBHOOK_URL", "webhook_url", url)
        return url

    def secret(self) -> str | None:
        secret = self.env.get("DONDOC_WEBHOOK_SECRET") or None
        if secret is not None and not SECRET_SHAPE.fullmatch(secret):
            raise self.fail("DONDOC_WEBHOOK_SECRET", "webhook_secret")
        return secret

    def fake_now(self) -> dt.datetime | None:
        text = self.env.get("DONDOC_FAKE_NOW") or None
        if text is None:
            return None
        try:
            instant = dt.datetime.fromisoformat(text)
        except ValueError:
            raise self.fail("DONDOC_FAKE_NOW", "fake_now_format", text) from None
        if instant.tzinfo is None:
            # Without an offset the instant is ambiguous: the bot's clock would not know it.
            raise self.fail("DONDOC_FAKE_NOW", "fake_now_offset", text)
        return instant

    def log_level(self) -> str:
        text = self.env.get("DONDOC_LOG_LEVEL") or "INFO"
        if text.upper() not in LOG_LEVELS:
            raise self.fail("DONDOC_LOG_LEVEL", "log_level", text)
        return text.upper()
