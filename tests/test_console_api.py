"""The console's own Bot API: the methods dondoc calls, what it records to show, its refusals."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from handlers.console_api import ConsoleAPIError, ConsoleBotAPI, Upload

BOT = 1000000000
GROUP = -100123
HOA, HUNG = 1001, 1003
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def api() -> ConsoleBotAPI:
    made = ConsoleBotAPI(BOT, "dondoc_console_bot", "dondoc", wall_clock=lambda: 1_700_000_000)
    made.add_user(HOA, "Nguyễn Thị Hoa", "hoa")
    made.add_user(HUNG, "Lê Văn Hùng")
    made.add_group(GROUP, "Tổ công tác", {HOA: "creator", HUNG: "member"})
    return made


def test_the_product_never_imports_the_test_equipment() -> None:
    code = (
        "import sys, bot, handlers.application, handlers.console, store.registry\n"
        "from handlers.application import feature_modules\n"
        "feature_modules()\n"
        "print(sorted(m for m in sys.modules if m == 'tests' or m.startswith('tests.')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    assert done.stdout.strip() == "[]"
    assert not (ROOT / "handlers" / "local_api.py").exists()


def test_a_message_is_shown_as_telegram_shows_its_html(api: ConsoleBotAPI) -> None:
    message = api.call("sendMessage", {"chat_id": GROUP, "text": " <b>Chọn</b> A &amp; B\n"})
    assert message["text"] == "Chọn A & B"
    assert [(s.kind, s.chat_id, s.message["message_id"]) for s in api.shown] == [
        ("sent", GROUP, 1)
    ]


def test_a_private_chat_nobody_opened_is_refused_and_nothing_is_shown(
    api: ConsoleBotAPI,
) -> None:
    with pytest.raises(ConsoleAPIError, match="chat not found"):
        api.call("sendMessage", {"chat_id": HUNG, "text": "Nhắc việc"})
    api.message_update(HUNG, HUNG, "/start")
    api.call("sendMessage", {"chat_id": HUNG, "text": "Nhắc việc"})
    assert [s.message["chat"]["first_name"] for s in api.shown] == ["Lê Văn Hùng"]


def test_a_method_dondoc_never_calls_is_refused_by_name(api: ConsoleBotAPI) -> None:
    with pytest.raises(ConsoleAPIError, match="does not answer banChatMember"):
        api.call("banChatMember", {"chat_id": GROUP, "user_id": HUNG})


def test_an_edit_that_changes_nothing_is_refused_like_telegram(api: ConsoleBotAPI) -> None:
    markup = {"inline_keyboard": [[{"text": "Xong", "callback_data": "task:done:1"}]]}
    api.call("sendMessage", {"chat_id": GROUP, "text": "Việc 1", "reply_markup": markup})
    with pytest.raises(ConsoleAPIError, match="not modified"):
        api.call("editMessageText", {"chat_id": GROUP, "message_id": 1, "text": "Việc 1",
                                     "reply_markup": markup})
    edited = api.call("editMessageText", {"chat_id": GROUP, "message_id": 1, "text": "Việc 1"})
    assert "reply_markup" not in edited, "an edit without a keyboard removes it"
    assert [s.kind for s in api.shown] == ["sent", "edited"]


def test_a_reply_quotes_its_message_and_a_missing_one_is_refused(api: ConsoleBotAPI) -> None:
    asked = api.message_update(GROUP, HOA, "/themthanhvien")["message"]
    answer = api.call("sendMessage", {"chat_id": GROUP, "text": "Đã thêm",
                                      "reply_parameters": {"message_id": asked["message_id"]}})
    assert answer["reply_to_message"]["text"] == "/themthanhvien"
    with pytest.raises(ConsoleAPIError, match="replied not found"):
        api.call("sendMessage", {"chat_id": GROUP, "text": "x",
                                 "reply_parameters": {"message_id": 99}})


def test_a_document_keeps_its_name_and_bytes_for_the_console(api: ConsoleBotAPI) -> None:
    upload = Upload("tom-tat.docx", b"PK\x03\x04 docx")
    message = api.call("sendDocument", {"chat_id": GROUP, "caption": "Báo cáo"},
                       {"document": upload})
    assert message["document"]["file_name"] == "tom-tat.docx"
    assert message["caption"] == "Báo cáo"
    assert api.shown[-1].uploads == [upload]


def test_the_group_admins_are_its_creator_and_the_bot(api: ConsoleBotAPI) -> None:
    admins = api.call("getChatAdministrators", {"chat_id": GROUP})
    assert {(a["user"]["id"], a["status"]) for a in admins} == {
        (HOA, "creator"), (BOT, "administrator"),
    }
    assert api.call("getChatMember", {"chat_id": GROUP, "user_id": HUNG})["status"] == "member"


def test_messages_are_numbered_per_chat_as_telegram_does(api: ConsoleBotAPI) -> None:
    assert api.next_message_id(HUNG) == 1  # a private chat not opened yet
    api.message_update(GROUP, HUNG, "xin chào")
    api.call("sendMessage", {"chat_id": GROUP, "text": "Chào anh"})
    assert api.next_message_id(GROUP) == 3
    assert [s.message["message_id"] for s in api.take_shown()] == [2]
    assert api.take_shown() == [], "what was taken is not shown twice"
