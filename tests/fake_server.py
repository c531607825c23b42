"""A fake api.telegram.org on 127.0.0.1 serving a LocalBotAPI, for end-to-end tests."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self, TypeVar

from aiohttp import web

from tests.fakes import (
    BotAPIError,
    ConnectionDropped,
    LocalBotAPI,
    UploadedFile,
    decode_params,
    encode_error,
    encode_result,
    long_poll,
)

T = TypeVar("T")

# Above the Bot API's 50 MB upload limit so that LocalBotAPI, not aiohttp, answers 413.
_MAX_BODY = 60 * 1024 * 1024
_STARTUP_TIMEOUT = 10.0


def _json_response(status: int, body: bytes) -> web.Response:
    # Gateway errors carry nginx's HTML page, the rest the JSON envelope (see encode_error).
    is_html = body.startswith(b"<html>")
    return web.Response(
        status=status,
        body=body,
        content_type="text/html" if is_html else "application/json",
    )


class FakeTelegramServer:
    """Serve ``api`` over HTTP at ``http://127.0.0.1:<free port>/bot<TOKEN>/<method>``.

    Runs its own event loop in a daemon thread so plain synchronous tests can drive a bot
    process against it::

        with FakeTelegramServer() as srv:
            env["TELEGRAM_API_URL"] = srv.api_url
            srv.api.push_update(message_update(srv.api, chat_id=1, user_id=1, text="/start"))
            srv.wait_for(lambda: srv.api.texts(1))
    """

    def __init__(self, api: LocalBotAPI | None = None, *, host: str = "127.0.0.1",
                 port: int = 0) -> None:
        self.api = api or LocalBotAPI()
        self.host = host
        self.port = port  # 0: a free one, chosen at start
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._closing = False
        self._startup_error: BaseException | None = None

    @property
    def api_url(self) -> str:
        """Base URL in PTB's form: the token is appended, e.g. ``Bot(token, base_url=...)``."""
        return f"http://{self.host}:{self.port}/bot"

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> Self:
        # Binding here, before the thread starts, makes the port known to the caller at once.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        ready = threading.Event()
        self._thread = threading.Thread(
            target=self._serve, args=(sock, ready), name="fake-telegram", daemon=True
        )
        self._thread.start()
        if not ready.wait(_STARTUP_TIMEOUT):
            raise RuntimeError("fake Telegram server did not start")
        if self._startup_error is not None:
            raise RuntimeError("fake Telegram server failed to start") from self._startup_error
        return self

    def _serve(self, sock: socket.socket, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        try:
            loop.run_until_complete(self._start_site(sock))
        except BaseException as exc:  # reported to start() in the caller's thread
            self._startup_error = exc
            ready.set()
            loop.close()
            return
        ready.set()
        try:
            loop.run_forever()
        finally:
            loop.close()

    async def _start_site(self, sock: socket.socket) -> None:
        app = web.Application(client_max_size=_MAX_BODY)
        app.router.add_route("*", "/{prefix}/{method}", self._handle)
        # File downloads: TELEGRAM_FILE_URL is the API's URL with /file before /bot<token>.
        app.router.add_get("/file/{prefix}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        await web.SockSite(self._runner, sock).start()

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        # Release waiting long polls first, so shutting down does not wait out their timeouts.
        self._closing = True
        self.api.wake()
        if self._runner is not None and loop.is_running():
            future = asyncio.run_coroutine_threadsafe(self._runner.cleanup(), loop)
            future.result(timeout=_STARTUP_TIMEOUT)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=_STARTUP_TIMEOUT)
        self._loop = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def wait_for(self, predicate: Callable[[], T], timeout: float = 10.0) -> T:
        """Block until ``predicate()`` is truthy; woken by every call the bot makes."""
        return self.api.wait_for(predicate, timeout)

    # ------------------------------------------------------------------ HTTP

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        prefix = request.match_info["prefix"]
        method = request.match_info["method"]
        if not prefix.startswith("bot"):
            return _json_response(*encode_error(BotAPIError(404, "Not Found")))
        token = prefix[len("bot") :]
        try:
            params = decode_params(await self._read_fields(request))
        except ValueError:
            error = BotAPIError(400, "Bad Request: can't parse request body")
            return _json_response(*encode_error(error))
        try:
            if method.lower() == "getupdates":
                result = await long_poll(
                    self.api, params, token=token, should_stop=lambda: self._closing
                )
            else:
                result = self.api.call(method, params, token=token)
        except BotAPIError as error:
            return _json_response(*encode_error(error))
        except ConnectionDropped:
            # Hang up without a status line: the client sees a closed connection.
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError from None
        return _json_response(200, encode_result(result))

    async def _download(self, request: web.Request) -> web.StreamResponse:
        prefix = request.match_info["prefix"]
        data = (
            self.api.download(request.match_info["path"])
            if prefix == f"bot{self.api.token}" else None
        )
        if data is None:
            return _json_response(*encode_error(BotAPIError(404, "Not Found")))
        return web.Response(body=data, content_type="application/octet-stream")

    @staticmethod
    async def _read_fields(request: web.Request) -> dict[str, Any]:
        """Query string plus body, as JSON, form-encoded or multipart (files become uploads)."""
        fields: dict[str, Any] = dict(request.query)
        if not request.body_exists:
            return fields
        if request.content_type == "application/json":
            body = json.loads(await request.text() or "{}")
            if not isinstance(body, dict):
                raise ValueError("JSON body must be an object")
            fields.update(body)
            return fields
        form = await request.post()
        for name, value in form.items():
            if isinstance(value, web.FileField):
                fields[name] = UploadedFile(value.filename, value.content_type, value.file.read())
            else:
                fields[name] = value
        return fields
