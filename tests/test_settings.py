"""Settings: read from the environment, and every setting that cannot be used named at once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.render import Renderer, plain_text
from bot.settings import SettingError, Settings

GOOD = {"TELEGRAM_BOT_TOKEN": "123456789:AAE-abc_DEF"}


def test_a_full_environment_is_read() -> None:
    settings = Settings.from_env({
        **GOOD, "DONDOC_DATA_DIR": "/var/lib/dondoc", "DONDOC_LANG": "en",
        "DONDOC_TZ": "Asia/Bangkok", "DONDOC_WEBHOOK_URL": "https://bot.example.vn/hook",
        "DONDOC_WEBHOOK_PORT": "8080", "DONDOC_WEBHOOK_SECRET": "s3cret_-X",
        "DONDOC_FAKE_NOW": "2024-07-31T09:00:00+07:00", "DONDOC_LOG_LEVEL": "warning",
    })
    assert settings.token == "123456789:AAE-abc_DEF"
    assert settings.data_dir == Path("/var/lib/dondoc")
    assert (settings.default_lang, settings.default_tz) == ("en", "Asia/Bangkok")
    assert (settings.webhook_port, settings.webhook_secret) == (8080, "s3cret_-X")
    assert settings.fake_now == dt.datetime.fromisoformat("2024-07-31T09:00:00+07:00")
    assert settings.log_level == "WARNING"


def test_an_empty_environment_gives_the_defaults() -> None:
    assert Settings.from_env({}) == Settings()


def test_a_space_or_line_end_copied_with_the_token_is_dropped() -> None:
    assert Settings.from_env({"TELEGRAM_BOT_TOKEN": " 123:ABC\n"}).token == "123:ABC"


BAD = [
    ("DONDOC_FAKE_NOW", "2024-07-31T09:00", "fake_now_offset"),
    ("DONDOC_FAKE_NOW", "31/7/2024 9:00", "fake_now_format"),
    ("DONDOC_TZ", "Asia/Hanoi_City", "tz"),
    ("DONDOC_TZ", "../etc/passwd", "tz"),
    ("DONDOC_LANG", "fr", "lang"),
    ("TELEGRAM_BOT_TOKEN", "AAEabcdef", "token"),
    ("TELEGRAM_BOT_TOKEN", "123456:AAE abc", "token"),
    ("TELEGRAM_BOT_TOKEN", "TELEGRAM_BOT_TOKEN=123:ABC", "token"),
    ("DONDOC_WEBHOOK_PORT", "port", "port"),
    ("DONDOC_WEBHOOK_PORT", "70000", "port"),
    ("DONDOC_WEBHOOK_URL", "bot.example.vn/hook", "webhook_url"),
    ("DONDOC_WEBHOOK_SECRET", "bí mật", "webhook_secret"),
    ("DONDOC_WEBHOOK_SECRET", "x" * 257, "webhook_secret"),
    ("DONDOC_LOG_LEVEL", "LOUD", "log_level"),
    ("DONDOC_WEB_URL", "http://bot.example.vn/dashboard/", "web_url_https"),
    ("DONDOC_WEB_PORT", "8o8o", "port"),
    ("DONDOC_WEB_AUTH_MAX_AGE", "-5", "number"),
    ("DONDOC_WEB_REQUESTS_PER_MINUTE", "0", "number"),
]


@pytest.mark.parametrize(("variable", "value", "reason"), BAD)
def test_a_setting_that_cannot_be_used_is_named(variable: str, value: str, reason: str
                                                ) -> None:
    with pytest.raises(SettingError) as raised:
        Settings.from_env({**GOOD, variable: value})
    assert (raised.value.variable, raised.value.reason) == (variable, reason)


@pytest.mark.parametrize(("variable", "value", "reason"), BAD)
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_each_bad_setting_is_explained_in_one_line_naming_it(
        variable: str, value: str, reason: str, lang: str) -> None:
    with pytest.raises(SettingError) as raised:
        Settings.from_env({**GOOD, "DONDOC_LANG": lang, variable: value})
    error = raised.value
    text = plain_text(Renderer().render("startup_bad_setting", error.lang, reason=error.reason,
                                        variable=error.variable, value=error.value))
    assert "\n" not in text and variable in text
    said_in = "vi" if variable == "DONDOC_LANG" else lang  # the language itself is wrong
    assert ("Invalid setting" if said_in == "en" else "Cấu hình không hợp lệ") in text
    if variable in ("TELEGRAM_BOT_TOKEN", "DONDOC_WEBHOOK_SECRET"):
        assert value not in text  # a secret is never printed, even a malformed one
    else:
        assert f"{variable}={value}" in text


def test_a_message_is_in_vietnamese_when_the_language_itself_is_wrong() -> None:
    with pytest.raises(SettingError) as raised:
        Settings.from_env({"DONDOC_LANG": "english"})
    assert raised.value.lang == "vi"


def test_a_naive_fake_now_is_shown_with_the_offset_to_add() -> None:
    with pytest.raises(SettingError) as raised:
        Settings.from_env({"DONDOC_FAKE_NOW": "2024-07-31T09:00", "DONDOC_LANG": "en"})
    text = Renderer().render("startup_bad_setting", "en", reason=raised.value.reason,
                             variable=raised.value.variable, value=raised.value.value)
    assert "DONDOC_FAKE_NOW=2024-07-31T09:00+07:00" in text
    assert dt.datetime.fromisoformat("2024-07-31T09:00+07:00").tzinfo is not None


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_webhook_mode_without_a_secret_says_how_to_make_one(lang: str) -> None:
    settings = Settings.from_env({**GOOD, "DONDOC_LANG": lang,
                                  "DONDOC_WEBHOOK_URL": "https://bot.example.vn/hook"})
    with pytest.raises(SettingError) as raised:
        settings.require_webhook_secret()
    error = raised.value
    text = plain_text(Renderer().render("startup_bad_setting", error.lang, reason=error.reason,
                                        variable=error.variable, value=error.value))
    assert "\n" not in text and "DONDOC_WEBHOOK_SECRET" in text
    assert 'python -c "import secrets; print(secrets.token_urlsafe(32))"' in text


def test_polling_needs_no_webhook_secret() -> None:
    Settings.from_env(GOOD).require_webhook_secret()
