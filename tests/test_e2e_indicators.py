"""End to end over HTTP: a secretary pastes the ten provinces' digitization rates into
`python bot.py`, and the ranked table, the bar chart and the summary's section show exactly
the Government Office's figures of 11 October 2024."""

from __future__ import annotations

import io

from docx import Document
from PIL import Image

from tests.fakes import UploadedFile
from tests.test_e2e import GROUP, SECRETARY, Bot, bot
from tests.test_indicators import DIGITIZATION

__all__ = ["bot"]  # the fixture, shared with tests/test_e2e.py

ROWS = [
    "1. ✅ Bình Định — 89,51% (+9,51 điểm %)",
    "2. ✅ Hải Dương — 88,32% (+8,32 điểm %)",
    "3. ✅ Hà Giang — 85,86% (+5,86 điểm %)",
    "4. ✅ Cà Mau — 84,70% (+4,70 điểm %)",
    "5. ❌ Điện Biên — 75,60% (−4,40 điểm %)",
    "6. ❌ Quảng Bình — 74,02% (−5,98 điểm %)",
    "7. ❌ Quảng Nam — 73,44% (−6,56 điểm %)",
    "8. ❌ Nghệ An — 72,47% (−7,53 điểm %)",
    "9. ❌ Bắc Ninh — 65,67% (−14,33 điểm %)",
    "10. ❌ Thừa Thiên Huế — 55,15% (−24,85 điểm %)",
]


def _uploads(bot: Bot, method: str) -> list[UploadedFile]:
    calls = bot.api.sent(method, chat_id=GROUP)
    return [v for c in calls for v in c.params.values() if isinstance(v, UploadedFile)]


def test_a_pasted_table_of_ten_provinces_comes_out_ranked_charted_and_summed_up(
        bot: Bot) -> None:
    api = bot.api
    bot.join_group()
    for name in DIGITIZATION:
        bot.say(f"/themdonvi UBND tỉnh {name} | {name}", user=SECRETARY, expect=name)
    bot.say("/themchiso Tỷ lệ số hóa hồ sơ, kết quả giải quyết TTHC | Số hóa hồ sơ, số hóa | "
            "≥ 80% | 9 tháng | tỉnh | nguồn: Bộ chỉ số 766", user=SECRETARY,
            expect="Đã thêm chỉ số số 1")
    paste = "/baocaochiso số hóa | 9 tháng 2024\n" + "\n".join(
        f"{name} {value:.2f}".replace(".", ",") for name, value in DIGITIZATION.items())
    saved = bot.say(paste, user=SECRETARY, expect="Đã ghi 10 giá trị")
    assert "Kỳ này: đạt 4/10 (yêu cầu ≥ 80,00%)." in saved

    table = bot.say("/chiso số hóa", user=SECRETARY, expect="Đạt 4/10")
    assert "Đạt 4/10 · chưa đạt 6 · bình quân nhóm 76,47%" in table
    assert [line for line in table.splitlines() if line[:1].isdigit()] == ROWS

    [message] = [m for m in api.messages(GROUP) if "Đạt 4/10" in m.get("text", "")]
    [chart_data] = [b["callback_data"] for row in message["reply_markup"]["inline_keyboard"]
                    for b in row if b["callback_data"].startswith("ind:ch:")]
    before = len(_uploads(bot, "sendPhoto"))
    bot.api.push_update(_press(bot, message["message_id"], chart_data))
    [png] = api.wait_for(lambda: _uploads(bot, "sendPhoto")[before:] or None, timeout=30)
    description = Image.open(io.BytesIO(png.data)).info["Description"].splitlines()
    assert description[2:] == [f"{row.split('. ', 1)[1].split(' — ')[0][2:]}: "
                               f"{row.split(' — ')[1].split(' ')[0]}" for row in ROWS]
    assert "đạt 4/10" in description[1]

    summary = bot.say("/tomtat", user=SECRETARY, expect="Chỉ số so với yêu cầu")
    assert "Số hóa hồ sơ (9 tháng 2024): đạt 4/10, yêu cầu ≥ 80,00%" in summary
    assert "Chưa đạt: Thừa Thiên Huế 55,15% (−24,85 điểm %), Bắc Ninh 65,67%" in summary

    def report() -> UploadedFile | None:
        docs = [u for u in _uploads(bot, "sendDocument") if u.filename.endswith(".docx")]
        return docs[-1] if docs else None

    doc = Document(io.BytesIO(api.wait_for(report, timeout=30).data))
    table_rows = next(t for t in doc.tables if t.rows[0].cells[0].text == "Hạng").rows[1:]
    assert [(r.cells[1].text, r.cells[2].text, r.cells[4].text) for r in table_rows] == [
        (row.split(" — ")[0].split(" ", 2)[2], row.split(" — ")[1].split(" ")[0],
         "Đạt" if "✅" in row else "Chưa đạt") for row in ROWS
    ]
    assert [c for c in api.errors() if c.method != "getUpdates"] == []


def _press(bot: Bot, message_id: int, data: str) -> dict[str, object]:
    from tests.fakes import callback_update

    return callback_update(bot.api, chat_id=GROUP, user_id=SECRETARY, message_id=message_id,
                           data=data)
