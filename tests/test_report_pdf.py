"""Tests of the summary's PDF: read back with pypdf, same numbers as the message, Vietnamese
intact, tables that fit the page and repeat their header on every page."""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass
from typing import Any

import pytest
from fpdf import FPDF
from pypdf import PdfReader

from bot.chart import render_chart
from bot.render import Renderer
from bot.report_doc import Block, Table, parse_blocks
from bot.report_pdf import build_pdf, font_dir
from bot.summary import Summary
from tests.test_report_doc import LABELS_VI, _values, chart_text
from tests.test_summary import make_summary, render_message, summary_store

CLASSES = ("done_on_time", "done_late", "in_progress", "overdue")
A4_POINTS = (595.28, 841.89)
MM = 72 / 25.4  # points


def pdf_of(summary: Summary, lang: str = "vi", chart: bytes | None = None) -> bytes:
    blocks = parse_blocks(Renderer().render("summary_document", lang, **_values(summary, lang)))
    return build_pdf(blocks, chart)


def read(data: bytes) -> PdfReader:
    # strict: a malformed cross-reference table or object raises instead of being repaired.
    return PdfReader(io.BytesIO(data), strict=True)


def pages_text(data: bytes) -> list[str]:
    return [page.extract_text() for page in read(data).pages]


def lines(data: bytes) -> list[str]:
    return [line.strip() for text in pages_text(data) for line in text.splitlines()]


@pytest.fixture(scope="module")
def summary() -> Summary:
    return make_summary()


@pytest.fixture(scope="module")
def pdf_vi(summary: Summary) -> bytes:
    return pdf_of(summary, "vi", render_chart([(r.label, r.tally) for r in summary.by_agency],
                                              chart_text(summary)))


def test_pdf_is_a_valid_a4_document_of_a_few_pages(pdf_vi: bytes) -> None:
    assert pdf_vi.startswith(b"%PDF-") and pdf_vi.rstrip().endswith(b"%%EOF")
    reader = read(pdf_vi)
    assert 2 <= len(reader.pages) <= 3
    for page in reader.pages:
        size = (float(page.mediabox.width), float(page.mediabox.height))
        assert size == pytest.approx(A4_POINTS, abs=0.1)


def test_totals_table_has_the_same_numbers_as_the_message(summary: Summary, pdf_vi: bytes
                                                          ) -> None:
    message = render_message(summary, "vi")
    text = lines(pdf_vi)
    assert "Chỉ tiêu Số lượng Tỷ lệ Đầu kỳ Thay đổi" in text
    assert "Tổng số nhiệm vụ 13 100% 11 +2" in text
    for cls in CLASSES:
        label = LABELS_VI[cls]
        [row] = [line for line in text if line.startswith(label + " ")]
        count, rate, before, change = row.removeprefix(label + " ").split(" ")
        assert count == str(getattr(summary.totals, cls))
        assert before == str(getattr(summary.previous, cls))
        # The message shows the same count, rate and change on the class's line.
        assert f"{label}: <b>{count}</b> ({rate}), {change}" in message


def test_agency_table_has_the_same_counts_as_the_message_worst_first(
        summary: Summary, pdf_vi: bytes) -> None:
    message = render_message(summary, "vi")
    text = lines(pdf_vi)
    rows = [next(line for line in text if line.startswith(r.label + " "))
            for r in summary.by_agency]
    for agency, row in zip(summary.by_agency, rows, strict=True):
        total, on_time, late, within, overdue, *late_tasks = row.removeprefix(
            agency.label + " ").split(" ")
        assert f"• {agency.label}: {on_time} · {late} · {within} · <b>{overdue}</b>" in message
        assert int(total) == agency.tally.total
        assert " ".join(late_tasks) == ", ".join(f"#{o.task.number}" for o in agency.overdue)
    assert text.index(rows[0]) < text.index(rows[-1])


def test_pdf_keeps_vietnamese_names_and_the_national_heading_intact(pdf_vi: bytes) -> None:
    text = "\n".join(pages_text(pdf_vi))
    assert "Thừa Thiên Huế" in text  # precomposed, as typed, every mark in place
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "Số: …/BC-…" in text  # the document's number, for the office to fill in
    assert "Ngày 31 tháng 7 năm 2024" in text
    assert "Kỳ báo cáo: từ sau Phiên họp thứ tư (15/04/2024) đến 31/07/2024" in text


def test_pdf_has_the_sections_lists_and_notes_of_the_docx(pdf_vi: bytes) -> None:
    text = lines(pdf_vi)
    for heading in ("I. KẾT QUẢ CHUNG", "IV. NHIỆM VỤ QUÁ HẠN (3)",
                    "VI. KẾT LUẬN PHIÊN HỌP THỨ TƯ (15/04/2024)",
                    "VIII. VƯỚNG MẮC, ĐỀ XUẤT CỦA CÁC ĐƠN VỊ"):
        assert heading in text
    assert "10 Sửa đổi Nghị định 61/2018/NĐ-CP Bộ Tư pháp 10/07/2024 21" in text
    assert "• ✗ #14 Tổng hợp ý kiến doanh nghiệp — Hà Tĩnh — quá hạn 5 ngày" in text
    joined = " ".join(text)
    assert "Vướng mắc #3 Triển khai thanh toán trực tuyến" in joined
    assert "chưa bố trí được kinh phí" in joined


def test_pdf_states_the_rate_over_the_tasks_fallen_due(pdf_vi: bytes) -> None:
    text = " ".join(lines(pdf_vi))
    assert "5/8 nhiệm vụ đến hạn đã hoàn thành, đạt 62,50%" in text
    assert "bằng 37,50% số nhiệm vụ đến hạn" in text


def test_pdf_rules_the_body_and_the_motto(pdf_vi: bytes) -> None:
    # Two rules in the heading, before any table's: a short one under the issuing body, one as
    # long as the motto under it (PDF drawing: "x y m x y l S").
    page = read(pdf_vi).pages[0].get_contents()
    assert page is not None
    content = page.get_data().decode("latin-1")
    rules = [(float(x1), float(x2)) for x1, y, x2 in
             re.findall(r"([\d.]+) ([\d.]+) m ([\d.]+) \2 l S", content) if float(y) > 740]
    lengths = [x2 - x1 for x1, x2 in rules]
    assert len(lengths) == 2 and 0 < lengths[0] < lengths[1]


def _filler(lines: int) -> list[Block]:
    return [Block("p", f"Đoạn {i}: nội dung báo cáo.") for i in range(lines)]


def _page_of(data: bytes, text: str) -> int:
    return next(i for i, page in enumerate(pages_text(data)) if text in page)


@pytest.mark.parametrize("filler", range(28, 38))
def test_a_heading_is_never_left_alone_at_the_foot_of_a_page(filler: int) -> None:
    # Whatever room is left at the foot of the page, a heading goes with the table it heads,
    # whose first row (a long title) is tall.
    table = Table(["Số", "Nhiệm vụ"], [["1", "Rà soát thủ tục hành chính nội bộ " * 12]])
    blocks = [*_filler(filler), Block("h1", "IV. NHIỆM VỤ QUÁ HẠN"), Block("table", table=table)]
    data = build_pdf(blocks)
    assert _page_of(data, "IV. NHIỆM VỤ QUÁ HẠN") == _page_of(data, "Nhiệm vụ")


def test_a_heading_and_its_introduction_go_over_with_the_chart(summary: Summary) -> None:
    rows = [(f"{r.label} {i}", r.tally) for i in range(4) for r in summary.by_agency]
    png = render_chart(rows, chart_text(summary))  # a tall chart, for twenty agencies
    for filler in range(4, 38, 3):
        blocks = [*_filler(filler), Block("h1", "III. THEO ĐƠN VỊ"), Block("p", "Xếp trước."),
                  Block("chart")]
        data = build_pdf(blocks, png)
        page = read(data).pages[_page_of(data, "III. THEO ĐƠN VỊ")].get_contents()
        assert page is not None and b" Do" in page.get_data(), filler  # the chart is there


def test_pdf_embeds_the_chart_once(pdf_vi: bytes) -> None:
    assert sum(len(page.images) for page in read(pdf_vi).pages) == 1


def test_pdf_without_a_chart_has_no_image(summary: Summary) -> None:
    assert sum(len(page.images) for page in read(pdf_of(summary)).pages) == 0


def test_english_pdf_uses_english_words_and_numbers(summary: Summary) -> None:
    text = lines(pdf_of(summary, "en"))
    assert "Completed on time 3 23.08% 1 +2" in text
    assert "SOCIALIST REPUBLIC OF VIET NAM" in text[:4]
    assert "No.: …/BC-…" in text[:4]


def test_pdf_of_an_empty_period_says_so() -> None:
    data = pdf_of(make_summary(summary_store([])), "vi")
    assert len(read(data).pages) == 1
    assert "Không có nhiệm vụ nào trong kỳ này" in pages_text(data)[0]


# -- tables ---------------------------------------------------------------------------------


def long_table(rows: int) -> list[Block]:
    table = Table(header=["Số", "Nhiệm vụ", "Đơn vị chủ trì", "Hạn"],
                  rows=[[str(n), f"Nhiệm vụ {n}: rà soát, đơn giản hóa thủ tục hành chính "
                         "về đất đai, xây dựng và đầu tư", "Thừa Thiên Huế", "31/07/2024"]
                        for n in range(1, rows + 1)])
    return [Block("h1", "IV. NHIỆM VỤ QUÁ HẠN"), Block("table", table=table)]


def test_long_table_repeats_its_header_on_every_page_and_loses_no_row() -> None:
    texts = pages_text(build_pdf(long_table(120)))
    assert len(texts) >= 3
    for text in texts:
        assert text.splitlines()[int(text.startswith("IV."))] == "Số Nhiệm vụ Đơn vị chủ trì Hạn"
    numbers = [int(m) for text in texts for m in re.findall(r"^(\d+) Nhiệm vụ", text, re.M)]
    assert numbers == list(range(1, 121))


@dataclass(frozen=True)
class Drawn:
    """A piece of text as the PDF draws it: where (points from the bottom left), how wide."""

    page: int
    text: str
    x: float
    y: float
    width: float


def drawn(data: bytes) -> list[Drawn]:
    """Every piece of text with its position, read by pypdf, measured by a separate fpdf2."""
    measure = FPDF(unit="pt")
    for style, name in (("", "DejaVuSans.ttf"), ("B", "DejaVuSans-Bold.ttf")):
        measure.add_font("DejaVu", style, str(font_dir() / name))
    found: list[Drawn] = []
    for number, page in enumerate(read(data).pages):
        def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float,
                  number: int = number) -> None:
            text = text.strip()
            if text and font is not None:
                measure.set_font("DejaVu", "B" if "Bold" in font["/BaseFont"] else "", size)
                found.append(Drawn(number, text, tm[4], tm[5], measure.get_string_width(text)))
        page.extract_text(visitor_text=visit)
    return found


def test_text_stays_within_the_margins_even_in_the_widest_tables(pdf_vi: bytes) -> None:
    right = A4_POINTS[0] - 20 * MM  # the margins of the .docx: 3 cm left, 2 cm right
    pieces = drawn(pdf_vi) + drawn(build_pdf(long_table(40)))
    assert len(pieces) > 200
    for piece in pieces:
        assert piece.x >= 30 * MM - 0.5 and piece.x + piece.width <= right + 0.5, piece


def test_long_title_wraps_in_its_column_while_names_and_dates_stay_whole() -> None:
    pieces = drawn(build_pdf(long_table(30)))
    first = next(i for i, p in enumerate(pieces) if p.text.startswith("Nhiệm vụ 1:"))
    start, rest = pieces[first], pieces[first + 1]
    assert rest.text == "dựng và đầu tư"  # the title's second line, under its first
    assert rest.x == start.x and rest.y < start.y
    assert {p.text for p in pieces} >= {"Thừa Thiên Huế", "31/07/2024", "Đơn vị chủ trì"}


def test_a_word_wider_than_the_page_is_cut_not_lost() -> None:
    word = "x" * 400
    text = "".join(lines(build_pdf([Block("table", table=Table(["A", "B"], [[word, "1"]]))])))
    assert text.count("x") == 400


@pytest.mark.parametrize(("name", "drawable"), [("Thừa Thiên Huế", True), ("漢字", False)])
def test_font_has_every_vietnamese_glyph(caplog: pytest.LogCaptureFixture, name: str,
                                         drawable: bool) -> None:
    # fpdf2 logs "Font ... is missing the following glyphs" for a character it cannot draw;
    # the CJK row shows that the check would catch a missing glyph.
    with caplog.at_level(logging.WARNING, logger="fpdf"):
        build_pdf([Block("p", name), Block("table", table=Table([name], [[name]]))])
    missing = [r for r in caplog.records if "missing the following glyphs" in r.getMessage()]
    assert (not missing) is drawable
