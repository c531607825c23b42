"""Start-up's first call to Telegram: a network that is down is waited out, a bad token is not."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from telegram.error import InvalidToken
from telegram.ext import Application

from bot.clock import FixedClock
from bot.render import Renderer, plain_text
from bot.settings import Settings
from handlers.application import build_application
from handlers.startup import connect
from tests.conftest import TOKEN
from tests.factories import NOW
from tests.fakes import Fault, LocalBotAPI, LocalRequest, fail_calls


class Waits:
    """A sleep that returns at once and remembers each wait."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


def _app(tmp_path: Path, api: LocalBotAPI, token: str = TOKEN, lang: str = "vi"
         ) -> Application[Any, Any, Any, Any, Any, Any]:
    settings = Settings(token=token, data_dir=tmp_path / "data", default_lang=lang)
    return build_application(settings, clock=FixedClock(NOW), request=LocalRequest(api),
                              rate_limiter=False)


def _lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "dondoc"]


async def test_a_network_that_is_down_is_retried_with_backoff_one_line_each_time(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    api = LocalBotAPI(TOKEN)
    api.faults = fail_calls(Fault.drop_connection(), method="getMe", times=8)
    app = _app(tmp_path, api)
    waits = Waits()
    with caplog.at_level(logging.INFO):
        await connect(app, sleep=waits)
    assert waits.seconds == [1, 2, 4, 8, 16, 32, 60, 60]
    lines = _lines(caplog)
    assert len(lines) == 8
    assert all("\n" not in line and "Chưa kết nối được Telegram" in line for line in lines)
    assert "thử lại sau 4 giây" in lines[2]
    assert TOKEN not in "".join(lines)
    assert app.bot.username  # getMe answered at last: the Application is ready to poll
    await app.shutdown()


async def test_a_gateway_error_is_retried_and_a_flood_wait_is_honoured(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    api = LocalBotAPI(TOKEN)
    faults = [Fault.bad_gateway(), Fault.too_many_requests(retry_after=7)]
    api.faults = lambda method, _params: faults.pop(0) if faults and method == "getMe" else None
    app = _app(tmp_path, api, lang="en")
    waits = Waits()
    with caplog.at_level(logging.INFO):
        await connect(app, sleep=waits)
    assert waits.seconds == [1, 7]
    assert [line.split(";")[1] for line in _lines(caplog)] == [
        " trying again in 1 s.", " trying again in 7 s."]
    await app.shutdown()


async def test_a_token_telegram_rejects_is_not_retried(tmp_path: Path) -> None:
    app = _app(tmp_path, LocalBotAPI(TOKEN), token="999:WRONG")
    waits = Waits()
    with pytest.raises(InvalidToken):
        await connect(app, sleep=waits)
    assert waits.seconds == []


@pytest.mark.parametrize(("lang", "said"), [("vi", "Telegram từ chối token"),
                                            ("en", "Telegram rejected the token")])
def test_a_rejected_token_is_explained_in_one_line(lang: str, said: str) -> None:
    text = plain_text(Renderer().render("startup_token_rejected", lang))
    assert "\n" not in text and said in text
    assert "TELEGRAM_BOT_TOKEN" in text and "@BotFather" in text
