"""Start-up: the first call to Telegram (getMe), waiting out a network that is down, then
long polling or the webhook until SIGTERM or Ctrl-C."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any
from urllib.parse import urlsplit

from telegram import Update
from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter
from telegram.ext import Application

from bot.render import plain_text
from bot.settings import Settings
from handlers.delivery import retry_after_seconds
from handlers.services import services

log = logging.getLogger("dondoc")

FIRST_DELAY = 1.0  # seconds; doubled after each failure
LONGEST_DELAY = 60.0  # a network may be down for hours: keep trying, once a minute at most

Sleep = Callable[[float], Awaitable[Any]]
App = Application[Any, Any, Any, Any, Any, Any]


def serve(application: App, settings: Settings) -> None:
    """Connect, then serve updates until stopped; InvalidToken when Telegram refuses the token.

    PTB's run_polling/run_webhook run on the current event loop: connecting on that loop
    first leaves them an Application already initialized, so their own initialize is a no-op.
    """
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        if _until_stopped(loop, connect(application)):
            _run(application, settings)
    finally:
        asyncio.set_event_loop(None)
        if not loop.is_closed():  # PTB closes it after serving, but not if start-up stopped
            loop.close()


def _run(application: App, settings: Settings) -> None:
    if settings.webhook_url:
        # The local server listens on the URL's path: a reverse proxy forwards it unchanged.
        url_path = urlsplit(settings.webhook_url).path.strip("/")
        log.info("dondoc: webhook at %s, listening on %s:%s", settings.webhook_url,
                 settings.webhook_listen, settings.webhook_port)
        application.run_webhook(
            listen=settings.webhook_listen, port=settings.webhook_port, url_path=url_path,
            webhook_url=settings.webhook_url, secret_token=settings.webhook_secret,
            allowed_updates=Update.ALL_TYPES,
        )
    else:
        log.info("dondoc: long polling, data in %s", settings.data_dir)
        application.run_polling(allowed_updates=Update.ALL_TYPES)


def _until_stopped(loop: asyncio.AbstractEventLoop, work: Coroutine[Any, Any, None]) -> bool:
    """Run `work` on `loop`; False when SIGTERM or Ctrl-C stopped it first."""
    task = loop.create_task(work)
    stops = (signal.SIGINT, signal.SIGTERM)
    for stop in stops:
        loop.add_signal_handler(stop, task.cancel)
    try:
        loop.run_until_complete(task)
        return True
    except asyncio.CancelledError:
        return False
    finally:
        for stop in stops:
            loop.remove_signal_handler(stop)


async def connect(application: App, *, sleep: Sleep = asyncio.sleep) -> None:
    """Initialize the Application, whose first step asks Telegram who the bot is (getMe).

    A network error, a timeout or a 5xx is retried with backoff, with one log line each
    time; a 429 waits what Telegram asks. A rejected token raises InvalidToken at once:
    retrying would not make it valid. PTB's own bootstrap retries are not used because they
    log a traceback for a rejected token and nothing at INFO for a retry.
    """
    svc = services(application)
    delay = FIRST_DELAY
    while True:
        try:
            await application.initialize()
            return
        except (InvalidToken, BadRequest):
            raise  # asking again would get the same answer
        except RetryAfter as exc:
            wait = retry_after_seconds(exc)
            error = str(exc)
        except NetworkError as exc:  # timeouts, refused connections, 5xx answers
            wait, delay = delay, min(delay * 2, LONGEST_DELAY)
            error = f"{type(exc).__name__}: {exc}"
        token = application.bot.token
        text = svc.renderer.render("startup_telegram_unreachable", svc.settings.default_lang,
                                   error=error.replace(token, "…"), delay=round(wait))
        log.warning("%s", plain_text(text))
        await sleep(wait)
