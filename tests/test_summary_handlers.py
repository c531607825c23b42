"""/summary through the real Application: message, chart, .docx and PDF; choices; refusals."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import io
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from docx import Document
from pypdf import PdfReader

from bot.chart import chart_size
from bot.model import Task, TaskStatus
from tests.conftest import Harness, buttons_of, texts
from tests.factories import CHAIR, NOW, OTHER_OWNER, OWNER, SECRETARY, STRANGER, make_task
from tests.fakes import Call, UploadedFile
from tests.test_summary import APR, MEETING_4, MEETING_5, summary_tasks

ROOT = Path(__file__).resolve().parent.parent


def fill(h: Harness, tasks: list[Task] | None = None) -> None:
    with h.store.transaction():
        for task in summary_tasks() if tasks is None else tasks:
            h.store.add_task(task, actor=SECRETARY, at=task.created_at)
        h.store.add_meeting(MEETING_4, actor=SECRETARY, at=NOW)
        h.store.add_meeting(MEETING_5, actor=SECRETARY, at=NOW)


def upload(calls: list[Call], method: str, field: str, suffix: str = "") -> UploadedFile:
    files = [c.params[field] for c in calls if c.method == method and c.ok]
    [value] = [f for f in files if isinstance(f, UploadedFile) and f.filename.endswith(suffix)]
    return value


def caption(calls: list[Call], filename: str) -> str:
    [call] = [c for c in calls if c.method == "sendDocument" and c.ok
              and c.params["document"].filename == filename]
    return str(call.params["caption"])


def methods(calls: list[Call]) -> list[str]:
    return [c.method for c in calls]


async def test_chair_asks_in_the_group_and_gets_message_chart_docx_and_pdf(
        seeded: Harness) -> None:
    fill(seeded)
    calls = await seeded.send("/tomtat", user=CHAIR)
    assert methods(calls) == ["sendChatAction", "sendMessage", "sendPhoto", "sendChatAction",
                              "sendDocument", "sendChatAction", "sendDocument"]
    assert calls[0].params["action"] == "upload_document"
    assert all(c.chat_id == seeded.store.workspace.chat_id for c in calls)
    [message] = texts(calls)
    assert "Hoàn thành đúng hạn: <b>3</b> (23,08%), +2" in message
    photo = upload(calls, "sendPhoto", "photo")
    assert photo.filename == "tom-tat-2024-07-31.png"
    width, height = int.from_bytes(photo.data[16:20], "big"), int.from_bytes(photo.data[20:24],
                                                                               "big")
    assert (width, height) == chart_size(5)
    document = upload(calls, "sendDocument", "document", ".docx")
    assert document.filename == "tom-tat-2024-07-31.docx"
    doc = Document(io.BytesIO(document.data))
    totals = next(t for t in doc.tables if t.rows[0].cells[0].text == "Chỉ tiêu")
    assert [c.text for c in totals.rows[1].cells][:3] == ["Tổng số nhiệm vụ", "13", "100%"]
    # The PDF comes right after the .docx, for reading on a phone: same report, same figures.
    assert calls[-1].params["document"].filename == "tom-tat-2024-07-31.pdf"
    pdf = upload(calls, "sendDocument", "document", ".pdf")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Tổng số nhiệm vụ 13 100% 11 +2" in text and "Thừa Thiên Huế" in text
    assert caption(calls, "tom-tat-2024-07-31.pdf").startswith("📑 Bản PDF của báo cáo")


async def test_secretary_may_ask_in_english_and_gets_english_files(seeded: Harness) -> None:
    fill(seeded)
    await seeded.send("/lang en", user=SECRETARY)
    calls = await seeded.send("/summary", user=SECRETARY)
    assert "Completed on time: <b>3</b> (23.08%), +2" in texts(calls)[0]
    assert upload(calls, "sendDocument", "document", ".docx").filename == (
        "summary-2024-07-31.docx")
    pdf = upload(calls, "sendDocument", "document", ".pdf")
    assert pdf.filename == "summary-2024-07-31.pdf"
    first_page = PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    assert "Completed on time 3 23.08% 1 +2" in first_page
    assert caption(calls, "summary-2024-07-31.pdf").startswith("📑 The same report as PDF")


@pytest.mark.parametrize("user", [OWNER, OTHER_OWNER])
async def test_member_who_is_not_chair_or_secretary_is_refused(seeded: Harness, user: int
                                                               ) -> None:
    fill(seeded)
    calls = await seeded.send("/tomtat", user=user)
    assert methods(calls) == ["sendMessage"]
    [text] = texts(calls)
    assert "Bạn không có quyền làm việc này" in text
    assert "dành cho chủ trì và thư ký" in text
    assert "TÓM TẮT" not in text


async def test_stranger_is_told_to_join_first(seeded: Harness) -> None:
    fill(seeded)
    [text] = texts(await seeded.send("/summary", user=STRANGER))
    assert "chưa là thành viên" in text


async def test_empty_workspace_gets_a_clear_message_and_no_files(seeded: Harness) -> None:
    calls = await seeded.send("/tomtat", user=CHAIR)
    assert "sendPhoto" not in methods(calls) and "sendDocument" not in methods(calls)
    [text] = texts(calls)
    assert "Không có nhiệm vụ nào trong kỳ này" in text


async def test_second_summary_reports_what_changed_since_the_first(seeded: Harness) -> None:
    fill(seeded)
    await seeded.send("/tomtat", user=CHAIR)
    seeded.clock.advance(hours=6)
    with seeded.store.transaction():
        seeded.store.update_task(6, _done_now(seeded), actor=OWNER, at=seeded.clock(),
                                 action="done")
    [text] = texts(await seeded.send("/tomtat", user=CHAIR))
    assert "<b>7. Từ lần tóm tắt trước (09:00 31/07/2024)</b>" in text
    assert "Mới hoàn thành (1): #6" in text
    assert "Mới quá hạn (0)" in text


async def test_after_the_meeting_day_the_period_starts_at_that_meeting(seeded: Harness) -> None:
    fill(seeded)
    seeded.clock.advance(days=2)
    [text] = texts(await seeded.send("/tomtat", user=CHAIR))
    assert "Kỳ báo cáo: từ sau Phiên họp thứ năm (31/07/2024) đến 02/08/2024" in text
    assert "<b>7. Từ đầu kỳ (31/07/2024)</b>" in text
    assert "Mới quá hạn (1): #8" in text  # due 31/7, not done by the end of that day


def _done_now(h: Harness) -> Callable[[Task], None]:
    def change(task: Task) -> None:
        task.status = TaskStatus.DONE
        task.completed_at = h.clock()

    return change


async def test_summary_of_a_meeting_counts_its_conclusions(seeded: Harness) -> None:
    fill(seeded)
    calls = await seeded.send("/tomtat phiên 4", user=CHAIR)
    [text] = texts(calls)
    assert "Kỳ báo cáo: kết luận của Phiên họp thứ tư (15/04/2024)" in text
    assert "<b>1. Kết quả chung</b>: 4 nhiệm vụ" in text
    assert "sendDocument" in methods(calls)


async def test_unknown_meeting_offers_the_recorded_ones(seeded: Harness) -> None:
    fill(seeded)
    calls = await seeded.send("/tomtat phiên 9", user=CHAIR)
    assert methods(calls) == ["sendMessage"]
    assert "Chưa có phiên họp số 9" in texts(calls)[0]
    assert [d for _, d in buttons_of(calls[0])] == ["sum:mtg:5", "sum:mtg:4"]
    pressed = await seeded.press("sum:mtg:4", user=CHAIR)
    assert "sendDocument" in methods(pressed)


async def test_summary_button_under_a_meeting_card(seeded: Harness) -> None:
    fill(seeded)
    await seeded.send("/cuochop 4", user=CHAIR)
    calls = await seeded.press("sum:mtg:4", user=CHAIR)
    assert "kết luận của Phiên họp thứ tư" in texts(calls)[0]


async def test_member_pressing_a_summary_button_is_refused(seeded: Harness) -> None:
    fill(seeded)
    await seeded.send("/cuochop 4", user=CHAIR)
    calls = await seeded.press("sum:mtg:4", user=OWNER)
    assert "sendDocument" not in methods(calls)
    assert "không có quyền" in texts(calls)[0]


async def test_plan_summary_by_name_without_diacritics(seeded: Harness) -> None:
    fill(seeded)
    [text] = texts(await seeded.send("/tomtat ke hoach cchc 6 thang", user=CHAIR))
    assert f"kế hoạch «{APR}»" in text
    assert "<b>1. Kết quả chung</b>: 4 nhiệm vụ" in text


async def test_ambiguous_plan_is_chosen_with_a_button(seeded: Harness) -> None:
    fill(seeded)
    calls = await seeded.send("/tomtat kế hoạch", user=CHAIR)
    assert methods(calls) == ["sendMessage"]
    choices = buttons_of(calls[0])
    assert len(choices) == 2 and all(d.startswith("sum:plan:") for _, d in choices)
    data = next(d for label, d in choices if label == APR)
    pressed = await seeded.press(data, user=CHAIR)
    assert f"kế hoạch «{APR}»" in texts(pressed)[0]


async def test_unknown_plan_lists_the_plans_and_the_other_choices(seeded: Harness) -> None:
    fill(seeded)
    calls = await seeded.send("/tomtat dự án xyz", user=CHAIR)
    [text] = texts(calls)
    assert "Không có kế hoạch nào tên «dự án xyz»" in text
    assert "<code>/tomtat 1/6/2024-30/6/2024</code>" in text  # last month, computed
    assert len(buttons_of(calls[0])) == 2


async def test_date_range_summary(seeded: Harness) -> None:
    fill(seeded)
    [text] = texts(await seeded.send("/tomtat 1/6/2024-30/6/2024", user=CHAIR))[:1]
    assert "Kỳ báo cáo: từ 01/06/2024 đến 30/06/2024" in text


@pytest.mark.parametrize(("args", "wanted"), [
    ("32/7/2024", "Không hiểu ngày «32/7/2024»"),
    ("31/7/2024-1/7/2024", "Ngày đầu kỳ ở sau ngày cuối kỳ"),
    ("1/9/2024", "chưa bắt đầu"),
    ("phiên", "Thiếu số phiên họp"),
])
async def test_bad_period_is_explained_and_nothing_is_sent(seeded: Harness, args: str,
                                                           wanted: str) -> None:
    fill(seeded)
    calls = await seeded.send(f"/tomtat {args}", user=CHAIR)
    assert methods(calls) == ["sendMessage"]
    assert wanted in texts(calls)[0]


async def test_files_failing_still_leave_the_message_and_a_clear_word(
        seeded: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    import handlers.summary_job

    def broken(*_args: object, **_kwargs: object) -> tuple[bytes, bytes, bytes]:
        raise RuntimeError("no fonts today")

    monkeypatch.setattr(handlers.summary_job, "build_files", broken)
    fill(seeded)
    calls = await seeded.send("/tomtat", user=CHAIR)
    sent = texts(calls)
    assert len(sent) == 2 and "Chưa tạo được biểu đồ và tài liệu" in sent[1]
    assert "Traceback" not in "".join(sent)


async def test_pdf_failing_still_sends_the_chart_and_the_docx(
        seeded: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    import handlers.summary_job

    def broken(*_args: object, **_kwargs: object) -> bytes:
        raise RuntimeError("no fonts today")

    monkeypatch.setattr(handlers.summary_job, "build_pdf", broken)
    fill(seeded)
    calls = await seeded.send("/tomtat", user=CHAIR)
    assert methods(calls) == ["sendChatAction", "sendMessage", "sendPhoto", "sendChatAction",
                              "sendDocument"]
    assert upload(calls, "sendDocument", "document").filename.endswith(".docx")
    assert len(texts(calls)) == 1  # the .docx holds it all: no alarm about a missing copy


def test_start_up_does_not_import_matplotlib_docx_or_fpdf() -> None:
    code = (
        "import sys\n"
        "import handlers.application, handlers.meetings, handlers.summary\n"
        "import bot.chart, bot.report_doc, bot.report_pdf, bot.summary\n"
        "heavy = sorted(m for m in ('matplotlib', 'docx', 'fpdf') if m in sys.modules)\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=60, check=True)
    assert result.stdout.strip() == ""


async def test_a_thousand_tasks_still_fit_one_message(seeded: Harness) -> None:
    tasks = [make_task(f"Nhiệm vụ {n}", ["nghe-an", "hue"][n % 2],
                       NOW.date() + dt.timedelta(days=(n % 60) - 30)) for n in range(1000)]
    fill(seeded, tasks)
    calls = await seeded.send("/tomtat", user=CHAIR)
    assert methods(calls).count("sendMessage") == 1



HOSTILE_PLAN = 'Kế hoạch <2024> & <a href="https://lua-dao.example">bấm vào đây</a>'
HOSTILE_MEETING = '<b>Phiên 6</b> <a href="https://lua-dao.example">xem</a>'


@pytest.mark.parametrize(("command", "shown"), [
    ("/tomtat kế hoạch 2024", HOSTILE_PLAN),
    ("/tomtat phiên 6", HOSTILE_MEETING),
])
async def test_plan_names_and_meeting_titles_stay_text_in_the_files_captions(
        seeded: Harness, command: str, shown: str) -> None:
    # Telegram rejects "<2024>" as an unknown tag; an unescaped <a href> would be a live link.
    fill(seeded, [make_task("Số hóa hồ sơ", plan=HOSTILE_PLAN, meeting=6)])
    meeting = dataclasses.replace(MEETING_5, number=6, title=HOSTILE_MEETING)
    seeded.store.add_meeting(meeting, actor=SECRETARY, at=NOW)
    calls = await seeded.send(command, user=CHAIR)
    files = [c for c in calls if c.method in ("sendPhoto", "sendDocument")]
    assert [(c.method, c.ok) for c in files] == [
        ("sendPhoto", True), ("sendDocument", True), ("sendDocument", True)]
    for call in files:
        caption_html = str(call.params["caption"])
        assert "<a" not in caption_html and "<b>" not in caption_html
        assert shown in html.unescape(caption_html)  # shown as typed, as text
