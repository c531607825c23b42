"""End to end: a plan's file uploaded to `python bot.py` over HTTP, previewed, confirmed, and
the new plan in /trangthai; the file goes through getFile and the file URL like Telegram's."""

from __future__ import annotations

from tests.fakes import LocalBotAPI, callback_update, document_update
from tests.plan_files import build_docx
from tests.test_e2e import GROUP, SECRETARY, Bot
from tests.test_e2e import bot as bot  # the running bot, as test_e2e starts it


def _buttons(api: LocalBotAPI) -> list[str]:
    message = api.messages(GROUP)[-1]
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return [b["callback_data"] for row in rows for b in row]


def _press(api: LocalBotAPI, message_id: int, data: str) -> None:
    api.push_update(callback_update(api, chat_id=GROUP, user_id=SECRETARY,
                                    message_id=message_id, data=data))


def test_upload_preview_confirm_and_status_shows_the_plan(bot: Bot) -> None:
    api = bot.api
    bot.join_group()
    for agency in ("Bộ Tư pháp", "UBND tỉnh Nghệ An | Nghệ An", "UBND tỉnh Hà Tĩnh | Hà Tĩnh",
                   "UBND tỉnh Thừa Thiên Huế | Thừa Thiên Huế | Huế",
                   "Văn phòng Chính phủ | VPCP"):
        bot.say(f"/themdonvi {agency}", user=SECRETARY, expect=agency.split(" | ")[0])
    before = len(api.texts(GROUP))
    api.push_update(document_update(
        api, chat_id=GROUP, user_id=SECRETARY, data=build_docx(), filename="Phu-luc.docx",
        caption="/nhapkehoach Kế hoạch CCHC năm 2025", first_name="Thư",
    ))
    preview = bot._wait_reply(GROUP, before, "Xem trước")
    assert "Đọc được 40 nhiệm vụ" in preview
    assert "«Bộ Nội vụ»" in preview
    assert any(c.method == "getFile" for c in api.sent())
    message_id = api.messages(GROUP)[-1]["message_id"]
    _press(api, message_id, next(d for d in _buttons(api) if d.split(":")[2] == "c"))
    # The preview is edited in place: the unknown agency settled, the write button appears.
    api.wait_for(lambda: any(d.split(":")[2] == "w" for d in _buttons(api)), timeout=15)
    _press(api, message_id, next(d for d in _buttons(api) if d.split(":")[2] == "w"))
    done = api.wait_for(lambda: next(
        (m["text"] for m in api.messages(GROUP)
         if m["message_id"] == message_id and "Đã nhập" in m.get("text", "")), None,
    ), timeout=15)
    assert "Đã nhập 40 nhiệm vụ" in done
    status = bot.say("/trangthai", user=SECRETARY, expect="Kế hoạch CCHC năm 2025")
    assert "Nhiệm vụ thường xuyên, tính riêng: 2" in status
