"""Settings from the environment and an optional .env file."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from dotenv import load_dotenv

DEFAULT_API_URL = "https://api.telegram.org/bot"
DEFAULT_FILE_URL = "https://api.telegram.org/file/bot"


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
    def from_env(cls, env: dict[str, str] | None = None, dotenv: Path | None = None) -> Settings:
        """Read settings from `env` (default: os.environ, after loading `.env` if present)."""
        if env is None:
            load_dotenv(dotenv or Path(".env"), override=False)
            env = dict(os.environ)
        fake_now = env.get("DONDOC_FAKE_NOW")
        web_url = env.get("DONDOC_WEB_URL") or None
        if web_url is not None and not web_url.startswith("https://"):
            # Telegram opens Mini Apps over https only; a plain http URL would fail in the app.
            raise ValueError(f"DONDOC_WEB_URL must start with https:// (given: {web_url})")
        return cls(
            token=env.get("TELEGRAM_BOT_TOKEN") or None,
            data_dir=Path(env.get("DONDOC_DATA_DIR", "data")),
            api_url=env.get("TELEGRAM_API_URL") or DEFAULT_API_URL,
            file_url=env.get("TELEGRAM_FILE_URL") or DEFAULT_FILE_URL,
            webhook_url=env.get("DONDOC_WEBHOOK_URL") or None,
            webhook_listen=env.get("DONDOC_WEBHOOK_LISTEN", "0.0.0.0"),
            webhook_port=int(env.get("DONDOC_WEBHOOK_PORT", "8443")),
            webhook_secret=env.get("DONDOC_WEBHOOK_SECRET") or None,
            default_lang=env.get("DONDOC_LANG", "vi"),
            default_tz=env.get("DONDOC_TZ", "Asia/Ho_Chi_Minh"),
            fake_now=dt.datetime.fromisoformat(fake_now) if fake_now else None,
            log_level=env.get("DONDOC_LOG_LEVEL", "INFO"),
            web_url=web_url,
            web_listen=env.get("DONDOC_WEB_LISTEN", "127.0.0.1"),
            web_port=int(env.get("DONDOC_WEB_PORT", "8080")),
            web_auth_max_age=int(env.get("DONDOC_WEB_AUTH_MAX_AGE", "3600")),
            web_requests_per_minute=int(env.get("DONDOC_WEB_REQUESTS_PER_MINUTE", "120")),
        )
