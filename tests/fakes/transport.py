"""Ways to reach a LocalBotAPI: long polling, and an in-process PTB transport."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote, urlsplit

from telegram.error import NetworkError
from telegram.request import BaseRequest, RequestData

from tests.fakes.api import CONFLICT_POLL, LocalBotAPI
from tests.fakes.errors import BotAPIError, ConnectionDropped
from tests.fakes.wire import UploadedFile, decode_params, encode_error, encode_result


async def long_poll(
    api: LocalBotAPI,
    params: dict[str, Any],
    *,
    token: str | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Any:
    """getUpdates with Telegram's long polling: wait up to ``timeout`` s for an update.

    A newer getUpdates while this one waits ends this one with 409 Conflict, as Telegram does
    when two bot instances poll. Runs on whatever event loop calls it; pushes may come from
    any thread.
    """
    timeout = params.get("timeout")
    timeout = float(timeout) if isinstance(timeout, (int, float)) else 0.0
    generation = api.begin_poll()
    if timeout > 0 and token in (None, api.token) and not api.webhook_url:
        loop = asyncio.get_running_loop()
        event = asyncio.Event()

        def wake() -> None:
            loop.call_soon_threadsafe(event.set)

        api.add_listener(wake)
        api._count_waiting_poll(+1)
        try:
            deadline = loop.time() + timeout
            while True:
                event.clear()
                if (
                    api.has_updates(params.get("offset"))
                    or api.poll_superseded(generation)
                    or (should_stop is not None and should_stop())
                ):
                    break
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                try:
                    await asyncio.wait_for(event.wait(), remaining)
                except TimeoutError:
                    break
        finally:
            api._count_waiting_poll(-1)
            api.remove_listener(wake)
    if api.poll_superseded(generation):
        api.fail("getUpdates", params, BotAPIError(409, CONFLICT_POLL))
    return api.call("getUpdates", params, token=token)


def _split_url(url: str) -> tuple[str | None, str]:
    """'https://host/bot<TOKEN>/<method>' -> (token, method)."""
    parts = urlsplit(url).path.rstrip("/").split("/")
    method = parts[-1] if parts else ""
    prefix = parts[-2] if len(parts) >= 2 else ""
    token = prefix[3:] if prefix.startswith("bot") else None
    return token, method


def file_download_path(url: str) -> tuple[str | None, str]:
    """'https://host/file/bot<TOKEN>/documents/file_1.xlsx' -> (token, 'documents/file_1.xlsx')."""
    path = unquote(urlsplit(url).path)  # PTB percent-encodes the path (the token's colon)
    marker = "/file/bot"
    start = path.find(marker)
    if start < 0:
        return None, ""
    token, _, file_path = path[start + len(marker) :].partition("/")
    return token, file_path


class LocalRequest(BaseRequest):
    """A python-telegram-bot transport that hands requests to a LocalBotAPI in-process.

    Parameters are decoded from the same form PTB would put on the wire (RequestData's
    json_parameters and multipart_data), so the fake sees exactly what the HTTP server would.
    """

    def __init__(self, api: LocalBotAPI, *, read_timeout: float | None = 5.0) -> None:
        self.api = api
        self._read_timeout = read_timeout

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        """Nothing to open: there is no connection."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    def _download(self, url: str) -> tuple[int, bytes]:
        """A file download: <file url>/bot<token>/<file_path>, as getFile gave it."""
        token, path = file_download_path(url)
        data = self.api.download(path) if token == self.api.token else None
        if data is None:
            return 404, json.dumps(BotAPIError(404, "Not Found").to_json()).encode()
        return 200, data

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if method == "GET":
            return self._download(url)
        token, api_method = _split_url(url)
        if method != "POST" or token is None:
            return 404, json.dumps(BotAPIError(404, "Not Found").to_json()).encode()
        fields: dict[str, Any] = {}
        if request_data is not None:
            fields.update(request_data.json_parameters)
            for part, (filename, content, mime) in request_data.multipart_data.items():
                data = content if isinstance(content, bytes) else content.read()
                fields[part] = UploadedFile(filename, mime, data)
        params = decode_params(fields)
        try:
            if api_method.lower() == "getupdates":
                result = await long_poll(self.api, params, token=token)
            else:
                result = self.api.call(api_method, params, token=token)
        except BotAPIError as error:
            return encode_error(error)
        except ConnectionDropped as exc:
            # What httpx reports when the server hangs up: PTB turns it into NetworkError.
            raise NetworkError(f"httpx.RemoteProtocolError: {exc}") from exc
        return 200, encode_result(result)
