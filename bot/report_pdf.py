"""The summary as a PDF, from the same blocks as the .docx, for officials reading on a phone.

Telegram previews a PDF in the chat but not a .docx. The blocks are those parse_blocks() reads
from templates/<lang>/summary_document.html, so the PDF and the .docx say the same words and
numbers; this module only lays them out like bot/report_doc.py does (A4, the administrative
heading, sections, ruled tables whose header repeats, the chart). fpdf2 is imported when a PDF
is built, so that start-up does not pay for it. The font is DejaVu Sans, which ships with
matplotlib (already a dependency) and has every Vietnamese letter precomposed.

Text is set here with fpdf2's plain text(), line by line, rather than with multi_cell() or
table(): fpdf2 breaks lines character by character in Python and lays out each table cell
twice, which took 1.4 s for a 1,000-task report against about 0.2 s this way.
"""

from __future__ import annotations

import importlib.util
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.report_doc import HEADING_KINDS, Block, Table, is_number

_PAGE_W, _PAGE_H = 210.0, 297.0  # A4, in mm like everything below
_LEFT, _RIGHT, _TOP, _BOTTOM = 30.0, 20.0, 20.0, 20.0  # the .docx's margins (Decree 30/2020)
_WIDTH = _PAGE_W - _LEFT - _RIGHT
# DejaVu Sans runs about a fifth wider than the .docx's Times New Roman, hence smaller sizes.
_BODY_PT, _TITLE_PT, _HEADING_PT, _MOTTO_PT, _TABLE_PT = 11.0, 14.0, 10.0, 11.0, 8.5
_LEADING = 1.35  # line height / font size
_FAMILY = "DejaVu"
# The oblique face is DejaVu Sans slanted, so slanting the regular one looks the same and
# saves loading and subsetting a third font (about 25 ms a report).
_FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
_SLANT_DEG = 11.0  # DejaVu Sans Oblique's own angle
_HEADER_FILL = (230, 230, 230)
_PAD_X, _PAD_Y = 1.2, 0.9  # inside a table cell
_BULLET_INDENT = 4.0
_PT_MM = 25.4 / 72

Lines = list[tuple[str, float]]  # a text's lines, each with its width in mm


def font_dir() -> Path:
    """matplotlib's own TrueType folder, found without importing matplotlib."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("matplotlib is not installed, so neither is DejaVu Sans")
    return Path(next(iter(spec.submodule_search_locations))) / "mpl-data" / "fonts" / "ttf"


def build_pdf(blocks: list[Block], chart_png: bytes | None = None) -> bytes:
    """The report as PDF bytes: A4, the administrative heading, sections, tables, the chart."""
    from fpdf import FPDF

    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_margins(_LEFT, _TOP, _RIGHT)
    pdf.set_auto_page_break(True, margin=_BOTTOM)
    folder = font_dir()
    for style, name in _FONT_FILES.items():
        pdf.add_font(_FAMILY, style, str(folder / name))
    pdf.add_page()
    report = _Report(pdf)

    heading = {b.kind: b.text for b in blocks if b.kind in HEADING_KINDS}
    if heading:
        report.heading(heading)
    for index, block in enumerate(blocks):
        if block.kind == "table" and block.table is not None:
            report.table(block.table)
        elif block.kind == "chart":
            if chart_png:
                report.chart(chart_png)
        elif block.kind == "figure":
            if block.image:
                report.chart(block.image)
        elif block.kind == "title":
            report.paragraph(block.text, "B", _TITLE_PT, "C", before=5)
        elif block.kind == "subtitle":
            report.paragraph(block.text, "B", _BODY_PT, "C")
        elif block.kind == "meta":
            report.paragraph(block.text, "I", _BODY_PT, "C")
        elif block.kind == "h1":
            # A section heading is never left alone at the foot of a page: it goes over with
            # the start of what follows it (a short introduction, and the first lines, the
            # table's header and first row, or the chart).
            keep = report.following(blocks[index + 1:], chart_png)
            report.paragraph(block.text, "B", _BODY_PT, "L", before=4, keep=keep)
        elif block.kind == "bullet":
            report.paragraph(block.text, "", _BODY_PT, "L", bullet=True, after=0.6)
        elif block.kind not in HEADING_KINDS:
            report.paragraph(block.text, "", _BODY_PT, "J")
    return bytes(pdf.output())


def _line_height(size: float) -> float:
    return size * _PT_MM * _LEADING


def _baseline(top: float, size: float) -> float:
    """Where text of `size` points sits in a line starting at `top`, centred in it."""
    return top + _line_height(size) / 2 + size * _PT_MM * 0.35


class _Measure:
    """Text widths in one face and size, from each character's width measured once.

    fpdf2 adds up its characters' widths too (no kerning without text shaping), so this is
    exact, and spares a call into fpdf2 for each of the thousands of words of a report.
    """

    def __init__(self, pdf: Any, style: str, size: float) -> None:
        self.pdf, self.style, self.size = pdf, style, size
        self.chars: dict[str, float] = {}
        self.space = self.width(" ")

    def width(self, text: str) -> float:
        chars = self.chars
        total = 0.0
        for char in text:
            known = chars.get(char)
            if known is None:
                self.pdf.set_font(_FAMILY, self.style, self.size)
                known = chars[char] = self.pdf.get_string_width(char)
            total += known
        return total

    def text_width(self, text: str) -> float:
        words = text.split()
        return sum(map(self.width, words)) + self.space * max(len(words) - 1, 0)

    def longest_word(self, text: str) -> float:
        return max(map(self.width, text.split()), default=0.0)

    def wrap(self, text: str, width: float) -> Lines:
        """The lines of `text` within `width`; a word wider than that is cut."""
        width += 0.01  # a column made exactly as wide as a word must still hold it
        lines: Lines = []
        words: list[str] = []
        used = 0.0
        for word in text.split():
            size = self.width(word)
            if size > width:  # only when a table's longest words alone overflow the page
                if words:
                    lines.append((" ".join(words), used))
                    words, used = [], 0.0
                lines.extend((piece, self.width(piece)) for piece in self._cut(word, width))
                continue
            if words and used + self.space + size > width:
                lines.append((" ".join(words), used))
                words, used = [], 0.0
            used += (self.space if words else 0.0) + size
            words.append(word)
        if words or not lines:
            lines.append((" ".join(words), used))
        return lines

    def _cut(self, word: str, width: float) -> list[str]:
        pieces, piece = [], ""
        for char in word:
            if piece and self.width(piece + char) > width:
                pieces.append(piece)
                piece = ""
            piece += char
        return [*pieces, piece]


class _Report:
    """The document being written: its fpdf2 object and the widths measured so far."""

    def __init__(self, pdf: Any) -> None:
        self.pdf = pdf
        self.measures: dict[tuple[str, float], _Measure] = {}
        self.grids: dict[int, tuple[Table, _Grid | None]] = {}

    def measure(self, style: str, size: float) -> _Measure:
        face = style.replace("I", "")  # slanted text is as wide as upright text
        key = (face, size)
        if key not in self.measures:
            self.measures[key] = _Measure(self.pdf, face, size)
        return self.measures[key]

    def write(self, text: str, x: float, baseline: float, style: str, size: float) -> None:
        pdf = self.pdf
        pdf.set_font(_FAMILY, style.replace("I", ""), size)
        if "I" in style:
            with pdf.skew(ax=_SLANT_DEG, x=x, y=baseline):
                pdf.text(x, baseline, text)
        else:
            pdf.text(x, baseline, text)

    def paragraph(self, text: str, style: str, size: float, align: str, *, left: float = _LEFT,
                  width: float = _WIDTH, before: float = 0.0, after: float = 1.4,
                  keep: float = 0.0, bullet: bool = False) -> None:
        """Lines of text aligned L, C, R or J (justified but for the last line)."""
        pdf = self.pdf
        measure = self.measure(style, size)
        indent = 2 * _BULLET_INDENT if bullet else 0.0
        lines = measure.wrap(text, width - indent)
        line = _line_height(size)
        pdf.set_y(pdf.get_y() + before)
        # What is kept with the lines comes after their own space below.
        if pdf.get_y() + line * len(lines) + (after + keep if keep else 0.0) > (
                pdf.page_break_trigger):
            pdf.add_page()
        for index, (words, used) in enumerate(lines):
            if pdf.get_y() + line > pdf.page_break_trigger:
                pdf.add_page()
            baseline = _baseline(pdf.get_y(), size)
            if bullet and index == 0:
                self.write("•", left + _BULLET_INDENT, baseline, style, size)
            x = left + indent
            if align == "C":
                x += (width - indent - used) / 2
            elif align == "R":
                x += width - indent - used
            if align == "J" and index < len(lines) - 1 and " " in words:
                parts = words.split(" ")
                gap = (width - indent - used) / (len(parts) - 1) + measure.space
                for part in parts:
                    self.write(part, x, baseline, style, size)
                    x += measure.width(part) + gap
            else:
                self.write(words, x, baseline, style, size)
            pdf.set_y(pdf.get_y() + line)
        pdf.set_y(pdf.get_y() + after)

    def heading(self, heading: dict[str, str]) -> None:
        """The issuing body, a short rule and the document's number on the left; the national
        name and the motto with a rule as long as it on the right (as bot/report_doc.py)."""
        pdf = self.pdf
        top = pdf.get_y()
        left_width = _WIDTH * 0.42
        right, right_width = _LEFT + left_width, _WIDTH - left_width
        org = heading.get("org", "")
        self.paragraph(org, "B", _HEADING_PT, "C", width=left_width, after=0)
        # A third of the body's name, centred under it.
        self._rule(_LEFT + left_width / 2, self.measure("B", _HEADING_PT).text_width(org) / 3)
        if heading.get("number"):
            self.paragraph(heading["number"], "", _BODY_PT, "C", width=left_width, before=1.5,
                           after=0)
        bottom = pdf.get_y()
        pdf.set_y(top)
        self.paragraph(heading.get("national", ""), "B", _HEADING_PT, "C", left=right,
                       width=right_width, after=0)
        motto = heading.get("motto", "")
        if motto:
            self.paragraph(motto, "B", _MOTTO_PT, "C", left=right, width=right_width, after=0)
            self._rule(right + right_width / 2, self.measure("B", _MOTTO_PT).text_width(motto))
        pdf.set_y(max(bottom, pdf.get_y()) + 3)
        if heading.get("place"):
            self.paragraph(heading["place"], "I", _BODY_PT, "R")

    def _rule(self, centre: float, length: float) -> None:
        """A rule of `length` centred at `centre`, just under the line above."""
        pdf = self.pdf
        y = pdf.get_y() + 0.2
        pdf.set_line_width(0.3)
        pdf.line(centre - length / 2, y, centre + length / 2, y)
        pdf.set_line_width(0.2)

    def following(self, blocks: list[Block], chart_png: bytes | None) -> float:
        """The height that must follow a heading on its page: a short introduction (up to
        three lines), then the start of the next block."""
        need = 0.0
        for block in blocks[:2]:
            if block.kind in ("p", "bullet"):
                lines = self.measure("", _BODY_PT).wrap(block.text, _WIDTH)
                height = min(len(lines), 3) * _line_height(_BODY_PT) + 1.4
                need += height
                if len(lines) <= 3:
                    continue  # an introduction: what it introduces goes over with it too
            elif block.kind == "table" and block.table is not None:
                need += self.table_start(block.table)
            elif block.kind in ("chart", "figure"):
                png = chart_png if block.kind == "chart" else block.image
                need += _image_size(png)[1] + 2 if png else 0.0
            else:
                need += _line_height(_BODY_PT)
            break
        return need

    def chart(self, png: bytes) -> None:
        """The chart, full width or shrunk to fit one page, never split."""
        pdf = self.pdf
        width, height = _image_size(png)
        if pdf.get_y() + height > pdf.page_break_trigger:
            pdf.add_page()
        pdf.image(io.BytesIO(png), x=_LEFT + (_WIDTH - width) / 2, y=pdf.get_y(), w=width,
                  h=height)
        pdf.set_y(pdf.get_y() + height + 2)

    def grid(self, table: Table) -> _Grid | None:
        """A table's cells and column widths, None when it has no column; worked out once,
        though a heading above the table asks for its first row's height before it is set."""
        key = id(table)
        if key in self.grids:
            return self.grids[key][1]
        columns = max([len(table.header), *(len(r) for r in table.rows)], default=0)
        grid = None
        if columns:
            body, bold = self.measure("", _TABLE_PT), self.measure("B", _TABLE_PT)
            header = _padded(table.header, columns)
            rows = [_padded(r, columns) for r in table.rows]
            grid = _Grid(body, bold, header, rows, _column_widths(body, bold, header, rows))
        self.grids[key] = (table, grid)  # the table is kept with it, so its id stays its own
        return grid

    def table_start(self, table: Table) -> float:
        """The height of a table's header and first row, which are never split."""
        grid = self.grid(table)
        if grid is None:
            return 0.0
        first = grid.layout(grid.rows[0], grid.body)[1] if grid.rows else 0.0
        return grid.layout(grid.header, grid.bold)[1] + first

    def table(self, table: Table) -> None:
        """A ruled table whose header row repeats on every page; a row is never split."""
        pdf = self.pdf
        grid = self.grid(table)
        if grid is None:
            return
        widths, header, rows, columns = grid.widths, grid.header, grid.rows, len(grid.header)
        edges = [_LEFT + sum(widths[:c]) for c in range(columns + 1)]
        # Figures are centred, as in the .docx; a column is a figure column if all its are.
        centred = [bool(rows) and all(is_number(r[c]) or not r[c] for r in rows)
                   for c in range(columns)]
        line = _line_height(_TABLE_PT)

        def draw(lines: list[Lines], height: float, is_header: bool) -> None:
            top = pdf.get_y()
            if is_header:
                pdf.rect(_LEFT, top, edges[-1] - _LEFT, height, style="DF")
            pdf.set_font(_FAMILY, "B" if is_header else "", _TABLE_PT)
            for c, cell in enumerate(lines):
                # Vertically centred in the row, as the .docx's cells are.
                y = _baseline(top + (height - len(cell) * line) / 2, _TABLE_PT)
                for text, text_width in cell:
                    if is_header or centred[c]:
                        pdf.text(edges[c] + (widths[c] - text_width) / 2, y, text)
                    else:
                        pdf.text(edges[c] + _PAD_X, y, text)
                    y += line
            pdf.set_y(top + height)
            pdf.line(_LEFT, top + height, edges[-1], top + height)

        def rule_columns(top: float) -> None:
            # One line per column and page, rather than a box per cell: far fewer operators.
            for x in edges:
                pdf.line(x, top, x, pdf.get_y())

        pdf.set_draw_color(0)
        pdf.set_line_width(0.2)
        pdf.set_fill_color(*_HEADER_FILL)
        head, head_height = grid.layout(header, grid.bold)
        # The header is never left alone at the bottom of a page.
        if pdf.get_y() + self.table_start(table) > pdf.page_break_trigger:
            pdf.add_page()
        page_top = pdf.get_y()
        draw(head, head_height, True)
        for values in rows:
            lines, height = grid.layout(values, grid.body)
            if pdf.get_y() + height > pdf.page_break_trigger:
                rule_columns(page_top)
                pdf.add_page()
                page_top = pdf.get_y()
                draw(head, head_height, True)
            draw(lines, height, False)
        rule_columns(page_top)
        pdf.set_fill_color(0)  # the text colour again, so that text() needs no colour change
        pdf.set_y(pdf.get_y() + 2.5)


@dataclass(frozen=True, slots=True)
class _Grid:
    """A table's cells, padded to its columns, and the columns' widths."""

    body: _Measure
    bold: _Measure
    header: list[str]
    rows: list[list[str]]
    widths: list[float]

    def layout(self, cells: list[str], measure: _Measure) -> tuple[list[Lines], float]:
        """A row's cells wrapped to their columns, and the row's height."""
        lines = [measure.wrap(text, width - 2 * _PAD_X)
                 for text, width in zip(cells, self.widths, strict=True)]
        return lines, max(len(cell) for cell in lines) * _line_height(_TABLE_PT) + 2 * _PAD_Y


def _image_size(png: bytes) -> tuple[float, float]:
    """A picture's width and height on the page: the text's width, or shrunk to one page."""
    width_px = int.from_bytes(png[16:20], "big")  # PNG's IHDR: width, then height
    height_px = int.from_bytes(png[20:24], "big")
    width = _WIDTH
    height = width * height_px / max(width_px, 1)
    room = _PAGE_H - _TOP - _BOTTOM
    if height > room:
        width, height = width * room / height, room
    return width, height


def _padded(values: list[str], columns: int) -> list[str]:
    return [*values, *[""] * (columns - len(values))]


def _column_widths(body: _Measure, bold: _Measure, header: list[str], rows: list[list[str]]
                   ) -> list[float]:
    """Column widths that fill the page, giving up, in this order, as the content needs:
    headers on one line, then long cells on one line (the widest columns are cut down to one
    common width, so that names and figures stay whole and only long titles wrap).

    No column is made narrower than its longest word or than its header set on two lines, so
    words are not cut unless those alone are wider than the page.
    """
    columns = len(header)
    whole, cells, words = [], [], []  # widths wanted: header and cells unwrapped; cells; words
    for c in range(columns):
        word = max([_two_lines(bold, header[c]), *(body.longest_word(r[c]) for r in rows)])
        cell = max([word, *(body.text_width(r[c]) for r in rows)])
        words.append(word + 2 * _PAD_X)
        cells.append(cell + 2 * _PAD_X)
        whole.append(max(cell, bold.text_width(header[c])) + 2 * _PAD_X)
    if sum(whole) <= _WIDTH:
        spare = (_WIDTH - sum(whole)) / columns  # a narrow table is as wide as the page
        return [w + spare for w in whole]
    if sum(cells) <= _WIDTH:
        return _fill(whole, cells)
    if sum(words) < _WIDTH:
        return _fill(cells, words)
    return [w * _WIDTH / sum(words) for w in words]


def _two_lines(measure: _Measure, text: str) -> float:
    """The narrowest width that sets `text` on at most two lines, broken between words."""
    words = text.split()
    if len(words) < 2:
        return measure.text_width(text)
    return min(max(measure.text_width(" ".join(words[:k])),
                   measure.text_width(" ".join(words[k:]))) for k in range(1, len(words)))


def _fill(wanted: list[float], least: list[float]) -> list[float]:
    """Widths between `least` and `wanted` that add up to the page: every column wider than a
    common cap is cut to it (never below its `least`), the cap found by bisection."""

    def capped(cap: float) -> list[float]:
        return [max(m, min(w, cap)) for w, m in zip(wanted, least, strict=True)]

    low, high = 0.0, max(wanted)
    for _ in range(40):  # to well under a thousandth of a millimetre
        cap = (low + high) / 2
        low, high = (cap, high) if sum(capped(cap)) <= _WIDTH else (low, cap)
    widths = capped(low)
    # The hair that bisection leaves over goes to the columns that were cut.
    cut = [c for c, (w, n) in enumerate(zip(widths, wanted, strict=True)) if w < n]
    leftover = (_WIDTH - sum(widths)) / max(len(cut), 1)
    return [w + leftover if c in cut else w for c, w in enumerate(widths)]
