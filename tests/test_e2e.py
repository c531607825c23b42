"""End to end: `python bot.py` as a process against a fake Bot API server on 127.0.0.1."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fake_server import FakeTelegramServer
from tests.fakes import (
    LocalBotAPI,
    Member,
    callback_update,
    message_update,
    my_chat_member_update,
)

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "424242:E2E-TOKEN"
GROUP = -1009876543210
SECRETARY, OWNER, STRANGER = 201, 202, 203


class Bot:
    """A running bot process and the fake server it talks to."""

    def __init__(self, server: FakeTelegramServer, data_dir: Path) -> None:
        self.server = server
        self.api = server.api
        self.data_dir = data_dir
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_URL": self.server.api_url,
            "TELEGRAM_FILE_URL": self.server.api_url.replace("/bot", "/file/bot"),
            "DONDOC_DATA_DIR": str(self.data_dir),
            "DONDOC_FAKE_NOW": "2024-07-31T09:00:00+07:00",
        }
        self.log = self.data_dir.parent / "bot.log"
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "bot.py"], cwd=ROOT, env=env, stdout=log, stderr=log,
            )
        # Polling: a long poll is waiting (a finished one shows only after its timeout).
        self.api.wait_for(lambda: self.api.waiting_polls > 0, timeout=20)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def join_group(self) -> None:
        """The secretary adds the bot to the group; wait for its greeting."""
        self.api.push_update(my_chat_member_update(
            self.api, chat_id=GROUP, user_id=SECRETARY, chat_type="supergroup",
            title="Tổ công tác CCTTHC",
        ))
        self._wait_reply(GROUP, 0, "dondoc")

    def say(
        self, text: str, *, user: int, chat: int = GROUP, name: str = "Cán bộ", expect: str
    ) -> str:
        """Send a message and wait for a bot reply in that chat containing `expect`."""
        before = len(self.api.texts(chat))
        self.api.push_update(
            message_update(self.api, chat_id=chat, user_id=user, text=text, first_name=name)
        )
        return self._wait_reply(chat, before, expect)

    def press(self, data: str, *, user: int, expect: str, chat: int = GROUP) -> str:
        before = len(self.api.texts(chat))
        message_id = next(
            m["message_id"]
            for m in reversed(self.api.messages(chat))
            if any(
                b.get("callback_data") == data
                for row in m.get("reply_markup", {}).get("inline_keyboard", [])
                for b in row
            )
        )
        self.api.push_update(
            callback_update(self.api, chat_id=chat, user_id=user, message_id=message_id, data=data)
        )
        return self._wait_reply(chat, before, expect)

    def _wait_reply(self, chat: int, before: int, expect: str) -> str:
        def found() -> str | None:
            return next((t for t in self.api.texts(chat)[before:] if expect in t), None)

        try:
            return self.api.wait_for(found, timeout=15)
        except TimeoutError:
            log = self.log.read_text(errors="replace")[-3000:]
            pytest.fail(f"no reply containing {expect!r}; got {self.api.texts(chat)[before:]}"
                        f"\n--- bot log ---\n{log}")


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[Bot]:
    api = LocalBotAPI(TOKEN)
    api.add_chat(
        GROUP,
        "supergroup",
        "Tổ công tác CCTTHC",
        [
            Member(SECRETARY, "Thư", "administrator"),
            Member(OWNER, "Nghệ", "member"),
            Member(STRANGER, "Lạ", "member"),
        ],
    )
    with FakeTelegramServer(api) as server:
        running = Bot(server, tmp_path / "data")
        running.start()
        try:
            yield running
        finally:
            running.stop()


def test_group_life_from_arrival_to_status_across_a_restart(bot: Bot) -> None:
    api = bot.api
    bot.join_group()
    bot.say("/themdonvi UBND tỉnh Nghệ An | Nghệ An", user=SECRETARY, expect="Nghệ An")
    bot.say(
        "/giaoviec Rà soát TTHC nội bộ | nghe an | 30/9/2024",
        user=SECRETARY,
        expect="Rà soát TTHC nội bộ",
    )
    bot.say("/thamgia Nghe An", user=OWNER, expect="xin tham gia")
    bot.press(f"ppl:ok:{OWNER}:nghe-an", user=SECRETARY, expect="Nghệ")
    bot.say("/xong 1 Đã ban hành quyết định", user=OWNER, expect="1")
    bot.say("/trangthai", user=SECRETARY, expect="1/1")
    refused = bot.say("/trangthai", user=STRANGER, expect="thành viên")
    assert "1/1" not in refused
    bot.say("/viectoi", user=OWNER, chat=OWNER, expect="1/1")
    assert api.errors() == [], api.errors()

    bot.stop()
    bot.start()
    bot.say("/trangthai", user=SECRETARY, expect="1/1")
    # The stopped process's last long poll is superseded by the new one (409), as on Telegram.
    assert [c for c in api.errors() if c.method != "getUpdates"] == []


def test_bad_input_gets_clear_replies_and_nothing_written(bot: Bot) -> None:
    api = bot.api
    bot.join_group()
    bot.say("/themdonvi UBND tỉnh Nghệ An | Nghệ An", user=SECRETARY, expect="Nghệ An")
    bot.say("/giaoviec Việc | Nghệ An | 30/2/2023", user=SECRETARY, expect="30/2/2023")
    bot.say("/viec 99", user=SECRETARY, expect="99")
    bot.say("/lenhkhongco", user=SECRETARY, expect="/trogiup")
    bot.say(
        "/giaoviec <b>bẫy</b> & thử | Nghệ An | 30/9/2025",
        user=SECRETARY,
        expect="<b>bẫy</b> & thử",
    )  # shown as typed: escaped, not parsed
    assert api.errors() == [], api.errors()


def test_the_secretary_gets_the_summary_with_chart_and_documents_over_http(bot: Bot) -> None:
    from tests.fakes import UploadedFile

    api = bot.api
    bot.join_group()
    bot.say("/themdonvi UBND tỉnh Thừa Thiên Huế | Thừa Thiên Huế", user=SECRETARY,
            expect="Thừa Thiên Huế")
    bot.say("/giaoviec Số hóa hồ sơ | Huế | 30/9/2024", user=SECRETARY, expect="Số hóa hồ sơ")
    bot.say("/tomtat", user=SECRETARY, expect="TÓM TẮT")

    def files() -> list[UploadedFile] | None:
        sent = [c for c in api.sent(chat_id=GROUP) if c.method in ("sendPhoto", "sendDocument")]
        uploads = [v for c in sent for v in c.params.values() if isinstance(v, UploadedFile)]
        return uploads if len(uploads) == 3 else None

    uploads = api.wait_for(files, timeout=30)
    names = [u.filename for u in uploads]
    assert [n.rsplit(".", 1)[1] for n in names] == ["png", "docx", "pdf"]
    assert uploads[0].data[:8] == b"\x89PNG\r\n\x1a\n"
    assert uploads[2].data[:5] == b"%PDF-"
    assert [c for c in api.errors() if c.method != "getUpdates"] == []
    # At the default level (INFO) the log has no library chatter (fontTools wrote 75 lines).
    log = bot.log.read_text(errors="replace")
    assert [line for line in log.splitlines()
            if any(f" {name}" in line for name in ("fontTools", "matplotlib", "PIL", "fpdf"))
            ] == []
