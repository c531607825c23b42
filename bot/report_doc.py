"""The summary as a .docx laid out like an official report, built from a rendered template.

The template (templates/<lang>/summary_document.html) writes the report as one block per
line, "kind text": the words and numbers come from the same Summary and filters as the chat
message, and this module only lays them out. python-docx is imported when a document is
built, so that start-up does not pay for it.

Kinds: org, national, motto, number, place (the heading of a Vietnamese administrative
document: the issuing body, the national name and motto, the document's number left blank
for the office to fill in, the place and date),
title, subtitle, meta, h1, p, bullet, chart (where the chart goes), figure <key> (where
another picture goes, e.g. an indicator's chart: its PNG is put in `Block.image` before the
document is built, and a figure without one is left out), and tables written as
"table", "th <header cell>"..., then per row "tr" and "td <cell>"..., closed by "end".
"""

from __future__ import annotations

import html
import io
from dataclasses import dataclass, field
from typing import Any

HEADING_KINDS = frozenset({"org", "national", "motto", "number", "place"})  # report_pdf too
_TEXT_KINDS = frozenset({"title", "subtitle", "meta", "h1", "p", "bullet"})
_FONT = "Times New Roman"  # what Vietnamese administrative documents use (Decree 30/2020)


@dataclass(slots=True)
class Table:
    """A table: its header cells and its rows of cells."""

    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


@dataclass(slots=True)
class Block:
    """One block of the report: a heading or paragraph (`text`), the chart, or a table."""

    kind: str
    text: str = ""
    table: Table | None = None
    image: bytes | None = None  # a "figure" block's PNG


def parse_blocks(rendered: str) -> list[Block]:
    """Read the template's "kind text" lines into blocks; text is unescaped back to plain.

    A line of an unknown kind continues the previous block's text, so a stray line break in
    a user's text cannot lose words.
    """
    blocks: list[Block] = []
    table: Table | None = None
    for raw in rendered.splitlines():
        line = raw.strip()
        if not line:
            continue
        kind, _, rest = line.partition(" ")
        text = html.unescape(rest.strip())
        if kind == "table":
            table = Table()
            blocks.append(Block("table", table=table))
        elif kind == "end":
            table = None
        elif table is not None and kind == "th":
            table.header.append(text)
        elif table is not None and kind == "tr":
            table.rows.append([])
        elif table is not None and kind == "td" and table.rows:
            table.rows[-1].append(text)
        elif kind in _TEXT_KINDS or kind in HEADING_KINDS:
            blocks.append(Block(kind, text))
        elif kind == "chart":
            blocks.append(Block("chart"))
        elif kind == "figure":
            blocks.append(Block("figure", text))
        elif table is not None and table.rows and table.rows[-1]:
            table.rows[-1][-1] += " " + html.unescape(line)
        elif blocks and blocks[-1].kind != "table":
            blocks[-1].text += " " + html.unescape(line)
    return blocks


def build_docx(blocks: list[Block], chart_png: bytes | None = None) -> bytes:
    """The report as .docx bytes: A4, Times New Roman, the administrative heading, tables."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin = section.bottom_margin = Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(2)
    normal = document.styles["Normal"]
    normal.font.name = _FONT
    normal.font.size = Pt(13)
    normal.paragraph_format.space_after = Pt(4)

    heading = {b.kind: b.text for b in blocks if b.kind in HEADING_KINDS}
    if heading:
        _heading(document, heading)
    for block in blocks:
        if block.kind in HEADING_KINDS:
            continue
        if block.kind == "table" and block.table is not None:
            _table(document, block.table)
        elif block.kind in ("chart", "figure"):
            picture = chart_png if block.kind == "chart" else block.image
            if picture:
                document.add_picture(io.BytesIO(picture), width=Cm(16))
                document.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif block.kind == "bullet":
            document.add_paragraph(block.text, style="List Bullet")
        else:
            paragraph = document.add_paragraph()
            run = paragraph.add_run(block.text)
            if block.kind in ("title", "subtitle", "meta"):
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            if block.kind == "title":
                run.bold, run.font.size = True, Pt(15)
                paragraph.paragraph_format.space_before = Pt(12)
            elif block.kind == "subtitle":
                run.bold = True
            elif block.kind == "meta":
                run.italic = True
            elif block.kind == "h1":
                run.bold = True
                paragraph.paragraph_format.space_before = Pt(12)
                paragraph.paragraph_format.keep_with_next = True
            else:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _heading(document: Any, heading: dict[str, str]) -> None:
    """The two-column heading of an administrative document (Decree 30/2020): on the left the
    issuing body, a short rule under it and the document's number; on the right the national
    name and the motto with a rule as long as it under it; then the place and date."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    grid = document.add_table(rows=1, cols=2)
    left, right = grid.rows[0].cells
    _centred(left.paragraphs[0], heading.get("org", ""), bold=True, size=12)
    _rule(left.add_paragraph(), Cm(2.8))  # about a third of the body's name
    if heading.get("number"):
        _centred(left.add_paragraph(), heading["number"], bold=False, size=13)
    _centred(right.paragraphs[0], heading.get("national", ""), bold=True, size=12)
    if heading.get("motto"):
        _centred(right.add_paragraph(), heading["motto"], bold=True, size=13)
        _rule(right.add_paragraph(), Cm(0.9))  # as long as the motto
    if heading.get("place"):
        place = document.add_paragraph()
        place.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        run = place.add_run(heading["place"])
        run.italic, run.font.size = True, Pt(13)


def _rule(paragraph: Any, indent: Any) -> None:
    """A thin horizontal rule: the bottom border of an empty paragraph indented on both sides,
    set in a tiny size so that it sits right under the line above."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    layout = paragraph.paragraph_format
    layout.left_indent = layout.right_indent = indent
    layout.space_before = layout.space_after = Pt(0)
    layout.line_spacing = Pt(2)
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for name, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"),
                        ("w:color", "000000")):
        bottom.set(qn(name), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)


def _centred(paragraph: Any, text: str, *, bold: bool, size: int) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(text)
    run.bold, run.font.size = bold, Pt(size)


def _table(document: Any, table: Table) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    columns = max([len(table.header), *(len(r) for r in table.rows)], default=0)
    if not columns:
        return
    grid = document.add_table(rows=1 + len(table.rows), cols=columns)
    grid.style = "Table Grid"
    # Rows are reached through the XML once: python-docx's cell lookup is slow on big tables.
    for index, (tr, values) in enumerate(zip(grid._tbl.tr_lst, [table.header, *table.rows],
                                             strict=True)):
        for tc, value in zip(tr.tc_lst, values, strict=False):
            paragraph = tc.p_lst[0]
            run = paragraph.add_r()
            run.text = value
            properties = run.get_or_add_rPr()
            properties.sz_val = Pt(11)
            if index == 0:
                properties.b_val = True
            if index == 0 or is_number(value):
                paragraph.get_or_add_pPr().jc_val = WD_ALIGN_PARAGRAPH.CENTER
    # The header row repeats on every page of a long table.
    from docx.oxml import OxmlElement

    grid._tbl.tr_lst[0].get_or_add_trPr().append(OxmlElement("w:tblHeader"))


def is_number(text: str) -> bool:
    """Whether a cell holds a figure (count, rate, change), which is centred in its column."""
    return bool(text) and text.replace("%", "").replace(",", "").replace(".", "").replace(
        "+", "").replace("−", "").replace("±", "").strip().isdigit()
