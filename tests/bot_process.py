"""`python bot.py` as a process against the fake Bot API server, for end-to-end tests."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from bot.model import Agency, AgencyKind, Member, Role
from store.registry import Registry
from tests.factories import TZ, make_task
from tests.fake_server import FakeTelegramServer
from tests.fakes import LocalBotAPI

ROOT = Path(__file__).resolve().parent.parent


class BotProcess:
    """The bot with its clock starting at a chosen instant; its log beside the data."""

    def __init__(self, server: FakeTelegramServer, data_dir: Path, token: str) -> None:
        self.server = server
        self.data_dir = data_dir
        self.token = token
        self.log = data_dir.parent / "bot.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, fake_now: str) -> None:
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": self.token,
            "TELEGRAM_API_URL": self.server.api_url,
            "TELEGRAM_FILE_URL": self.server.api_url.replace("/bot", "/file/bot"),
            "DONDOC_DATA_DIR": str(self.data_dir),
            "DONDOC_FAKE_NOW": fake_now,
        }
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen([sys.executable, "bot.py"], cwd=ROOT, env=env,
                                         stdout=log, stderr=log)

    def kill(self) -> None:
        """Killed outright: no clean shutdown, as on a power cut."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
        self.proc = None

    def stop(self) -> None:
        """SIGTERM, as systemd stops it (killed if it has not exited in 15 s)."""
        if self.proc is not None and self.proc.poll() is None:
            self.stop_timed(signal.SIGTERM, timeout=15)
        self.proc = None

    def stop_timed(self, sig: signal.Signals, timeout: float = 60) -> float:
        """Send `sig`; the seconds until the process has exited (killed after `timeout`)."""
        assert self.proc is not None
        began = time.monotonic()
        self.proc.send_signal(sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=timeout)
        elapsed = time.monotonic() - began
        self.kill()
        return elapsed

    def tail(self, chars: int = 3000) -> str:
        """The end of the bot's log, to show when a test fails."""
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""


MADE = dt.datetime(2024, 7, 1, 9, tzinfo=dt.timezone(dt.timedelta(hours=7)))


def write_group(data_dir: Path, chat_id: int, title: str, chair: int, owners: tuple[int, ...],
                deadline: dt.date) -> Registry:
    """A group made on 1 July 2024 as the bot would have left it: Nghệ An, its chair, and one
    task due `deadline` for each owner. The registry is returned open: close it before the
    bot's process opens the directory."""
    registry = Registry(data_dir)
    store = registry.create(chat_id, title, lang="vi", tz=TZ, at=MADE)
    with store.transaction():
        store.save_agency(Agency("nghe-an", "UBND tỉnh Nghệ An", "Nghệ An", (),
                                 AgencyKind.PROVINCE), actor=chair, at=MADE)
        store.save_member(Member(chair, "Chủ trì", Role.CHAIR), actor=chair, at=MADE)
        for user in owners:
            store.save_member(Member(user, f"Cán bộ {user}", Role.MEMBER, agency="nghe-an"),
                              actor=chair, at=MADE)
            store.add_task(make_task(f"Nhiệm vụ của {user}", deadline=deadline,
                                     responsible=(user,)), actor=chair, at=MADE)
    return registry


@contextlib.contextmanager
def running(api: LocalBotAPI, data_dir: Path, token: str, *,
            gently: bool = False) -> Iterator[BotProcess]:
    """A bot process (not yet started) served by `api` over HTTP; at the end stopped with
    SIGTERM if `gently`, else killed outright."""
    with FakeTelegramServer(api) as server:
        bot = BotProcess(server, data_dir, token)
        try:
            yield bot
        finally:
            if gently:
                bot.stop()
            else:
                bot.kill()
