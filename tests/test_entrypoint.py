"""bot.py: how it starts, what it says when it cannot, and that it never harms a bad data file."""

from __future__ import annotations

import importlib.util
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from telegram import Update
from telegram.ext import Application

from store.lock import LOCK_FILE
from tests.fake_server import FakeTelegramServer
from tests.fakes import LocalBotAPI, message_update

ROOT = Path(__file__).resolve().parent.parent
BOT_PY = ROOT / "bot.py"
# Nothing here may reach Telegram: a port where nothing listens.
NOWHERE = "http://127.0.0.1:9/bot"


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """A clean environment: no token, no dondoc settings but those given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DONDOC_"))}
    env.update(
        DONDOC_DATA_DIR=str(tmp_path / "data"),
        TELEGRAM_API_URL=NOWHERE,
        TELEGRAM_FILE_URL=NOWHERE,
        PYTHONIOENCODING="utf-8",
    )
    env.update(extra)
    return env


def _run(
    tmp_path: Path, *args: str, stdin: str = "", **env: str
) -> subprocess.CompletedProcess[str]:
    # cwd is the test's directory, so that a developer's own .env is not read.
    return subprocess.run(
        [sys.executable, str(BOT_PY), *args],
        cwd=tmp_path,
        env=_env(tmp_path, **env),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("lang", "hint"),
    [("vi", "Chưa có token"), ("en", "No Telegram bot token")],
)
def test_without_a_token_it_explains_botfather_and_the_console_and_fails(
    tmp_path: Path,
    lang: str,
    hint: str,
) -> None:
    result = _run(tmp_path, DONDOC_LANG=lang)
    assert result.returncode == 2
    assert hint in result.stderr
    assert "@BotFather" in result.stderr and "/newbot" in result.stderr
    assert "TELEGRAM_BOT_TOKEN=" in result.stderr
    assert "python bot.py console --demo" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize(("setting", "value", "shown"), [
    ("DONDOC_WEBHOOK_PORT", "port", "DONDOC_WEBHOOK_PORT=port"),
    ("DONDOC_FAKE_NOW", "2024-07-31T09:00", "DONDOC_FAKE_NOW=2024-07-31T09:00+07:00"),
    ("DONDOC_TZ", "Asia/Hanoi", "DONDOC_TZ=Asia/Ho_Chi_Minh"),
    ("DONDOC_LANG", "fr", "DONDOC_LANG=fr"),
    ("TELEGRAM_BOT_TOKEN", "123456 AAE", "@BotFather"),
    ("DONDOC_WEBHOOK_URL", "https://bot.example.vn/hook", "secrets.token_urlsafe(32)"),
])
def test_a_setting_that_cannot_be_used_is_named_in_one_line_and_fails(
        tmp_path: Path, setting: str, value: str, shown: str) -> None:
    result = _run(tmp_path, **{"TELEGRAM_BOT_TOKEN": "123:ABC", setting: value})
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr  # one line
    assert setting in result.stderr and shown in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "data").exists()


CORRUPT = [
    ("workspaces/-1001234567890.json", b'{"meta": {"1": {"chat_id": -100'),
    ("workspaces/-1001234567890.json", b"[1, 2, 3]"),
    ("workspaces/-1001234567890.json", b"\x00\x00\x00\x00"),
    ("users.json", b"{not json at all"),
]


def _corrupt(tmp_path: Path, relative: str, content: bytes) -> tuple[Path, int]:
    path = tmp_path / "data" / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    return path, path.stat().st_mtime_ns


@pytest.mark.parametrize("mode", [[], ["console", "--data", "data"]], ids=["bot", "console"])
@pytest.mark.parametrize(("relative", "content"), CORRUPT)
def test_a_corrupt_data_file_stops_it_by_name_and_is_left_untouched(
    tmp_path: Path,
    relative: str,
    content: bytes,
    mode: list[str],
) -> None:
    path, mtime = _corrupt(tmp_path, relative, content)
    data = tmp_path / "data"
    before = sorted(p for p in data.rglob("*") if p.is_file())
    result = _run(tmp_path, *mode, stdin="/status\n", TELEGRAM_BOT_TOKEN="123:ABC")
    assert result.returncode == 3, result.stderr
    assert str(path) in result.stderr or relative in result.stderr
    assert "không ghi gì vào tệp này" in result.stderr
    assert "Traceback" not in result.stderr
    assert path.read_bytes() == content
    assert path.stat().st_mtime_ns == mtime
    # Nothing written but the lock file, which says who has the directory open.
    assert sorted(p for p in data.rglob("*") if p.is_file() and p.name != LOCK_FILE) == before


def test_the_console_demo_answers_through_a_pipe_and_leaves_real_data_alone(
    tmp_path: Path,
) -> None:
    result = _run(tmp_path, "console", "--demo", stdin="/status\n:as hung\n:quit\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert ":as hung" in out and "Lê Văn Hùng" in out
    assert "Hoa@nhóm (1)> /status\n🤖 (2) " in out
    assert "Hùng@nhóm (3)> :quit" in out
    assert not (tmp_path / "data").exists()


# -- run modes, in-process with the network calls replaced ---------------------------------


@pytest.fixture
def entry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """bot.py loaded as a module, in an empty directory with a clean environment."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith(("TELEGRAM_", "DONDOC_")):
            monkeypatch.delenv(name)
    # load_dotenv may set these from a .env file: monkeypatch then removes them again.
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.setenv("DONDOC_DATA_DIR", str(tmp_path / "data"))
    spec = importlib.util.spec_from_file_location("dondoc_entry", BOT_PY)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any, dict[str, Any]]]:
    """Calls of run_polling/run_webhook, which are replaced (with start-up's initialize) so
    that nothing is contacted."""
    calls: list[tuple[str, Any, dict[str, Any]]] = []

    def recorder(name: str) -> Any:
        def run(self: Application[Any, Any, Any, Any, Any, Any], **kwargs: Any) -> None:
            calls.append((name, self, kwargs))

        return run

    async def initialize(self: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """Start-up's getMe, answered without a network."""

    monkeypatch.setattr(Application, "initialize", initialize)
    monkeypatch.setattr(Application, "run_polling", recorder("polling"))
    monkeypatch.setattr(Application, "run_webhook", recorder("webhook"))
    return calls


def test_with_a_token_it_long_polls_for_every_update_type(
    entry: ModuleType,
    runs: list[Any],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:ABC")
    assert entry.main([]) == 0
    [(mode, app, kwargs)] = runs
    assert mode == "polling"
    assert kwargs == {"allowed_updates": Update.ALL_TYPES}
    assert app.bot.token == "123:ABC"
    assert app.bot_data["dondoc"].registry.data_dir == tmp_path / "data"


def test_another_bot_api_server_is_used_in_base_url_form(
    entry: ModuleType,
    runs: list[Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:ABC")
    monkeypatch.setenv("TELEGRAM_API_URL", "http://127.0.0.1:8081/bot")
    monkeypatch.setenv("TELEGRAM_FILE_URL", "http://127.0.0.1:8081/file/bot")
    assert entry.main([]) == 0
    bot = runs[0][1].bot
    assert bot.base_url == "http://127.0.0.1:8081/bot123:ABC"
    assert bot.base_file_url == "http://127.0.0.1:8081/file/bot123:ABC"


def test_with_a_webhook_url_it_serves_the_webhook_with_its_secret(
    entry: ModuleType,
    runs: list[Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:ABC")
    monkeypatch.setenv("DONDOC_WEBHOOK_URL", "https://bot.example.vn/dondoc/hook")
    monkeypatch.setenv("DONDOC_WEBHOOK_PORT", "8080")
    monkeypatch.setenv("DONDOC_WEBHOOK_LISTEN", "127.0.0.1")
    monkeypatch.setenv("DONDOC_WEBHOOK_SECRET", "s3cret-token_1")
    assert entry.main([]) == 0
    [(mode, _, kwargs)] = runs
    assert mode == "webhook"
    assert kwargs == {
        "listen": "127.0.0.1",
        "port": 8080,
        "url_path": "dondoc/hook",
        "webhook_url": "https://bot.example.vn/dondoc/hook",
        "secret_token": "s3cret-token_1",
        "allowed_updates": Update.ALL_TYPES,
    }


def test_the_token_may_come_from_a_dotenv_file(
    entry: ModuleType,
    runs: list[Any],
    tmp_path: Path,
) -> None:
    (tmp_path / ".env").write_text("TELEGRAM_BOT_TOKEN=456:FROMFILE\n", encoding="utf-8")
    assert entry.main([]) == 0
    assert runs[0][1].bot.token == "456:FROMFILE"


@pytest.mark.parametrize(
    ("argv", "expected"),
    [(["console"], False), (["console", "--with-reminders"], True), (["console", "--demo"], False)],
)
def test_the_console_sends_reminders_on_real_data_only_when_asked(
    entry: ModuleType, monkeypatch: pytest.MonkeyPatch, argv: list[str], expected: bool
) -> None:
    seen: dict[str, Any] = {}

    async def console_loop(*args: Any, **kwargs: Any) -> None:
        seen.update(kwargs)

    monkeypatch.setattr("handlers.console.run_console", console_loop)
    assert entry.main(argv) == 0
    assert seen["with_reminders"] is expected


def test_an_unknown_argument_is_refused_with_usage(
    entry: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        entry.main(["consol"])
    assert stopped.value.code == 2
    assert "console" in capsys.readouterr().err


# -- reaching Telegram at start-up, as a process against the fake Bot API --------------------


class Running:
    """`python bot.py` with its stderr read line by line as it comes."""

    def __init__(self, tmp_path: Path, **env: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(BOT_PY)], cwd=tmp_path, env=_env(tmp_path, **env),
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def wait_line(self, text: str, timeout: float = 20.0) -> str:
        """The first new stderr line containing `text`."""
        while True:
            line = self.lines.get(timeout=timeout)
            if line is None:
                raise AssertionError(f"bot.py exited without {text!r}: {self.seen}")
            self.seen.append(line)
            if text in line:
                return line

    def stop(self) -> int:
        """SIGTERM, then the exit status; the rest of stderr is in `seen`."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        status = self.proc.wait(timeout=15)
        while (line := self.lines.get(timeout=5)) is not None:
            self.seen.append(line)
        return status


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_token_telegram_rejects_stops_it_with_one_line_and_status_4(tmp_path: Path) -> None:
    with FakeTelegramServer(LocalBotAPI("123456:RIGHT-TOKEN")) as server:
        result = _run(tmp_path, TELEGRAM_BOT_TOKEN="123456:WRONG-TOKEN", DONDOC_LANG="en",
                      TELEGRAM_API_URL=server.api_url)
    assert result.returncode == 4
    assert "Telegram rejected the token" in result.stderr and "@BotFather" in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert "WRONG-TOKEN" not in result.stderr  # the token is a secret, even a wrong one
    assert "Traceback" not in result.stderr


def test_a_network_down_at_start_is_waited_out_then_the_bot_answers(tmp_path: Path) -> None:
    token = "123456:NETWORK-TOKEN"
    port = _free_port()  # nothing listens there yet: Telegram is out of reach
    bot = Running(tmp_path, TELEGRAM_BOT_TOKEN=token,
                  TELEGRAM_API_URL=f"http://127.0.0.1:{port}/bot")
    try:
        first = bot.wait_line("Chưa kết nối được Telegram")
        assert "thử lại sau 1 giây" in first and token not in first
        api = LocalBotAPI(token)
        with FakeTelegramServer(api, port=port):
            api.wait_for(lambda: api.waiting_polls > 0, timeout=20)
            api.push_update(message_update(api, chat_id=7, user_id=7, text="/start"))
            api.wait_for(lambda: api.texts(7), timeout=15)
            status = bot.stop()
    finally:
        if bot.proc.poll() is None:
            bot.proc.kill()
    assert status == 0
    assert "Traceback" not in "\n".join(bot.seen), bot.seen
    retries = [line for line in bot.seen if "Chưa kết nối được Telegram" in line]
    assert len(retries) >= 1 and all(line.count("WARNING dondoc:") == 1 for line in retries)


def test_sigterm_while_waiting_for_the_network_stops_it_cleanly(tmp_path: Path) -> None:
    bot = Running(tmp_path, TELEGRAM_BOT_TOKEN="123456:NETWORK-TOKEN",
                  TELEGRAM_API_URL=f"http://127.0.0.1:{_free_port()}/bot")
    bot.wait_line("Chưa kết nối được Telegram")
    assert bot.stop() == 0
    assert "Traceback" not in "\n".join(bot.seen), bot.seen


# -- one writer per data directory ----------------------------------------------------------


def _holder(tmp_path: Path) -> subprocess.Popen[str]:
    """`python bot.py console` on the real data directory, left waiting for input."""
    proc = subprocess.Popen(
        [sys.executable, str(BOT_PY), "console"], cwd=tmp_path, env=_env(tmp_path),
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    lock = tmp_path / "data" / LOCK_FILE
    # The holder writes its pid into the lock file once it has the lock; its prompt follows.
    assert proc.stdout is not None
    proc.stdout.read(1)
    assert lock.read_text().strip() == str(proc.pid)
    return proc


@pytest.mark.parametrize("mode", [[], ["console"]], ids=["bot", "console"])
def test_a_second_process_on_the_same_data_is_refused_and_names_the_first(
    tmp_path: Path, mode: list[str],
) -> None:
    holder = _holder(tmp_path)
    try:
        files = {p: p.read_bytes() for p in (tmp_path / "data").rglob("*.json")}
        result = _run(tmp_path, *mode, stdin="/status\n", TELEGRAM_BOT_TOKEN="123:ABC")
        assert result.returncode == 5, result.stderr
        assert f"{tmp_path / 'data'}" in result.stderr and str(holder.pid) in result.stderr
        assert "Traceback" not in result.stderr
        assert {p: p.read_bytes() for p in (tmp_path / "data").rglob("*.json")} == files
        # The demo has a directory of its own: it runs beside the holder.
        demo = _run(tmp_path, "console", "--demo", stdin="/status\n:quit\n")
        assert demo.returncode == 0, demo.stderr
    finally:
        holder.communicate(":quit\n", timeout=60)
    assert holder.returncode == 0
    # Once the holder is gone, its lock file (with its pid still in it) stops nobody.
    after = _run(tmp_path, "console", stdin="/status\n:quit\n")
    assert after.returncode == 0, after.stderr
