"""Tests of the summary's document and chart: read back, same numbers, Vietnamese intact."""

from __future__ import annotations

import io
import re
import warnings
import zipfile

import pytest
from docx import Document
from docx.oxml.ns import qn

from bot.chart import MAX_BARS, ChartText, chart_size, parse_chart_text, render_chart
from bot.render import Renderer
from bot.report_doc import build_docx, parse_blocks
from bot.reports import Tally
from bot.summary import Summary
from tests.factories import NOW, TZ
from tests.test_summary import make_summary, render_message, summary_store

CLASSES = ("done_on_time", "done_late", "in_progress", "overdue")
LABELS_VI = {
    "done_on_time": "Hoàn thành đúng hạn", "done_late": "Hoàn thành quá hạn",
    "in_progress": "Đang thực hiện trong hạn", "overdue": "Đang thực hiện quá hạn",
}


def _values(summary: Summary, lang: str) -> dict[str, object]:
    return {"summary": summary, "workspace": summary_store().workspace, "tz": TZ, "now": NOW,
            "today": NOW.date()}


def chart_text(summary: Summary, lang: str = "vi") -> ChartText:
    return parse_chart_text(Renderer().render("summary_chart", lang, hidden=0,
                                              **_values(summary, lang)))


def document(summary: Summary, lang: str = "vi", chart: bytes | None = None) -> bytes:
    blocks = parse_blocks(Renderer().render("summary_document", lang, **_values(summary, lang)))
    return build_docx(blocks, chart)


def tables(data: bytes) -> list[list[list[str]]]:
    doc = Document(io.BytesIO(data))
    return [[[cell.text for cell in row.cells] for row in table.rows] for table in doc.tables]


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


# -- the document ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def summary() -> Summary:
    return make_summary()


@pytest.fixture(scope="module")
def docx_vi(summary: Summary) -> bytes:
    return document(summary, "vi", render_chart([(r.label, r.tally) for r in summary.by_agency],
                                                chart_text(summary)))


def test_totals_table_has_the_same_numbers_as_the_message(summary: Summary, docx_vi: bytes
                                                          ) -> None:
    message = render_message(summary, "vi")
    totals = next(t for t in tables(docx_vi) if t[0][0] == "Chỉ tiêu")
    assert totals[0] == ["Chỉ tiêu", "Số lượng", "Tỷ lệ", "Đầu kỳ", "Thay đổi"]
    rows = {row[0]: row[1:] for row in totals[1:]}
    assert rows["Tổng số nhiệm vụ"][0] == "13"
    for cls in CLASSES:
        count, rate, before, change = rows[LABELS_VI[cls]]
        assert count == str(getattr(summary.totals, cls))
        # The message shows the same count, rate and change on the class's line.
        assert f"{LABELS_VI[cls]}: <b>{count}</b> ({rate}), {change}" in message
        assert before == str(getattr(summary.previous, cls))


def test_agency_table_has_the_same_counts_as_the_message_worst_first(
        summary: Summary, docx_vi: bytes) -> None:
    message = render_message(summary, "vi")
    agencies = next(t for t in tables(docx_vi) if t[0][0] == "Đơn vị")
    assert [row[0] for row in agencies[1:]] == [r.label for r in summary.by_agency]
    for name, total, on_time, late, within, overdue, late_tasks in agencies[1:]:
        line = f"• {name}: {on_time} · {late} · {within} · <b>{overdue}</b>"
        assert line in message
        assert int(total) == sum(int(n) for n in (on_time, late, within, overdue))
        if late_tasks:
            assert f"{line} — quá hạn {late_tasks}" in message


def test_overdue_table_lists_days_late_and_owners(docx_vi: bytes) -> None:
    overdue = next(t for t in tables(docx_vi) if t[0][-1] == "Số ngày quá hạn")
    assert [(r[0], r[2], r[5]) for r in overdue[1:]] == [
        ("10", "Bộ Tư pháp", "21"), ("3", "Thừa Thiên Huế", "16"), ("14", "Hà Tĩnh", "5")]


def test_conclusions_table_says_what_came_of_each(docx_vi: bytes) -> None:
    conclusions = next(t for t in tables(docx_vi) if t[0][1] == "Kết luận")
    assert [(r[0], r[4]) for r in conclusions[1:]] == [
        ("7", "Hoàn thành quá hạn"), ("8", "Đang thực hiện trong hạn"),
        ("9", "Đang thực hiện trong hạn"), ("10", "Đang thực hiện quá hạn (21 ngày)")]


def test_obstacles_and_proposals_are_in_their_table(docx_vi: bytes) -> None:
    notes = next(t for t in tables(docx_vi) if t[0][0] == "Loại")
    assert [(r[0], r[3]) for r in notes[1:]] == [
        ("Đề xuất", "gia hạn đến 30/9/2024"), ("Vướng mắc", "chưa bố trí được kinh phí")]


def test_document_keeps_vietnamese_names_intact(docx_vi: bytes) -> None:
    cells = [c for table in tables(docx_vi) for row in table for c in row]
    assert "Thừa Thiên Huế" in cells
    with zipfile.ZipFile(io.BytesIO(docx_vi)) as archive:
        xml = archive.read("word/document.xml").decode("utf-8")
    assert "Thừa Thiên Huế" in xml  # precomposed, as typed, not escaped or decomposed
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in xml


def test_document_has_the_official_heading_title_and_period(docx_vi: bytes) -> None:
    doc = Document(io.BytesIO(docx_vi))
    texts = [p.text for p in doc.paragraphs]
    assert "BÁO CÁO" in texts
    assert "Ngày 31 tháng 7 năm 2024" in texts
    assert any(t.startswith("Kỳ báo cáo: từ sau Phiên họp thứ tư (15/04/2024)") for t in texts)
    left, right = doc.tables[0].rows[0].cells
    assert [p.text for p in left.paragraphs] == ["TỔ CÔNG TÁC CẢI CÁCH TTHC", "", "Số: …/BC-…"]
    assert [p.text for p in right.paragraphs] == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", ""]


def test_document_rules_the_body_and_the_motto_as_official_documents_do(docx_vi: bytes) -> None:
    # Decree 30/2020: a short rule under the issuing body, a rule under the national motto.
    left, right = Document(io.BytesIO(docx_vi)).tables[0].rows[0].cells
    for cell, wanted in ((left, 1), (right, 2)):
        ruled = [i for i, p in enumerate(cell.paragraphs)
                 if p._p.pPr is not None and p._p.pPr.find(qn("w:pBdr")) is not None]
        assert ruled == [wanted] and cell.paragraphs[wanted].text == ""
    # The rule under the body is the shorter: it is indented more.
    short, long = left.paragraphs[1], right.paragraphs[2]
    assert short.paragraph_format.left_indent > long.paragraph_format.left_indent


def test_document_states_the_rate_over_the_tasks_fallen_due(docx_vi: bytes) -> None:
    texts = [p.text for p in Document(io.BytesIO(docx_vi)).paragraphs]
    assert "5/8 nhiệm vụ đến hạn đã hoàn thành, đạt 62,50% (đúng hạn: 3, quá hạn: 2); chưa hoàn "\
        "thành: 8 (trong hạn: 5, quá hạn: 3, bằng 37,50% số nhiệm vụ đến hạn)." in texts


def test_document_embeds_the_chart(docx_vi: bytes) -> None:
    doc = Document(io.BytesIO(docx_vi))
    assert len(doc.inline_shapes) == 1


def test_english_document_uses_english_words_and_numbers(summary: Summary) -> None:
    data = document(summary, "en")
    totals = next(t for t in tables(data) if t[0][0] == "Indicator")
    assert ["Completed on time", "3", "23.08%", "1", "+2"] in totals


def test_document_of_an_empty_period_says_so() -> None:
    store = summary_store([])
    data = document(make_summary(store), "vi")
    doc = Document(io.BytesIO(data))
    assert any("Không có nhiệm vụ nào trong kỳ này" in p.text for p in doc.paragraphs)
    assert len(doc.tables) == 1  # only the heading


def test_blocks_unescape_user_text_and_join_stray_lines() -> None:
    blocks = parse_blocks("p Bộ A &amp; B &lt;tỉnh&gt;\nmột dòng lạc\ntable\nth X\ntr\ntd 1\nend")
    assert blocks[0].text == "Bộ A & B <tỉnh> một dòng lạc"
    assert blocks[1].table is not None and blocks[1].table.rows == [["1"]]


# -- the chart ------------------------------------------------------------------------------


def test_chart_is_a_png_of_the_expected_size(summary: Summary) -> None:
    rows = [(r.label, r.tally) for r in summary.by_agency]
    assert png_size(render_chart(rows, chart_text(summary))) == chart_size(len(rows))


def test_chart_of_no_agencies_is_a_png_not_a_crash(summary: Summary) -> None:
    assert png_size(render_chart([], chart_text(summary))) == chart_size(0)


def test_chart_of_many_agencies_is_capped_and_grows_with_them(summary: Summary) -> None:
    rows = [(f"Tỉnh số {n}", Tally(n % 3, 1, 2, n % 4)) for n in range(MAX_BARS + 20)]
    assert png_size(render_chart(rows, chart_text(summary))) == chart_size(MAX_BARS)
    assert chart_size(60)[1] > chart_size(10)[1] >= chart_size(0)[1]
    width, height = chart_size(MAX_BARS)
    assert width + height <= 10_000 and height / width <= 20  # Telegram's photo limits


@pytest.mark.parametrize(("name", "drawable"), [("Thừa Thiên Huế", True), ("漢字", False)])
def test_chart_font_has_every_vietnamese_glyph(summary: Summary, name: str, drawable: bool
                                               ) -> None:
    # matplotlib warns "Glyph ... missing from font(s)" for a character it cannot draw; the
    # CJK row shows that the check would catch a missing glyph.
    text = chart_text(summary)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        render_chart([(name, Tally(1, 1, 1, 1))], text)
    missing = [w for w in caught if re.search(r"[Gg]lyph .* missing", str(w.message))]
    assert (not missing) is drawable
