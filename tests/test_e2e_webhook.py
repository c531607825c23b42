"""End to end in webhook mode: `python bot.py` serves updates posted to it, with its secret."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.fake_server import FakeTelegramServer
from tests.fakes import LocalBotAPI, Member, message_update

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "515151:WEBHOOK-TOKEN"
GROUP = -1004444444444
SECRETARY = 301
SECRET = "bi-mat_2024"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_listening(port: int, proc: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    """Until the bot's webhook server accepts connections (PTB sets the webhook first)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            # Another process is starting up; there is no event to wait on, so poll briefly.
            time.sleep(0.02)
    raise AssertionError("the bot's webhook server never started listening")


def _post(url: str, update: dict[str, object], secret: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(url, json.dumps(update).encode(), headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_webhook_mode_answers_posted_updates_and_refuses_a_wrong_secret(tmp_path: Path) -> None:
    api = LocalBotAPI(TOKEN)
    api.add_chat(GROUP, "supergroup", "Tổ công tác", [Member(SECRETARY, "Thư", "administrator")])
    port = _free_port()
    with FakeTelegramServer(api) as server:
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_URL": server.api_url,
            "DONDOC_DATA_DIR": str(tmp_path / "data"),
            "DONDOC_WEBHOOK_URL": "https://bot.example.vn/dondoc/hook",
            "DONDOC_WEBHOOK_LISTEN": "127.0.0.1",
            "DONDOC_WEBHOOK_PORT": str(port),
            "DONDOC_WEBHOOK_SECRET": SECRET,
        }
        log = (tmp_path / "bot.log").open("wb")
        proc = subprocess.Popen([sys.executable, "bot.py"], cwd=ROOT, env=env, stdout=log,
                                stderr=log)
        try:
            # The bot registers its public URL with Telegram once its server is up.
            api.wait_for(lambda: api.webhook_url, timeout=20)
            assert api.webhook_url == "https://bot.example.vn/dondoc/hook"
            _wait_listening(port, proc)
            local = f"http://127.0.0.1:{port}/dondoc/hook"
            update = message_update(api, chat_id=GROUP, user_id=SECRETARY, text="/trangthai",
                                    first_name="Thư")
            assert _post(local, update, "sai") == 403
            assert _post(local, update, SECRET) == 200
            reply = api.wait_for(lambda: api.texts(GROUP), timeout=15)
            assert "Tình hình" in reply[0] or "nhiệm vụ" in reply[0]
            assert len(api.texts(GROUP)) == 1  # the refused post was not processed
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            log.close()
