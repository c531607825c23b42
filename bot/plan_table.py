"""Reading the tables of a plan file (.docx, .xlsx, .csv) into rows of text, refusing bad files.

Only the reading is here: which rows are the header, which are sections and what a cell means
is decided by :mod:`bot.plan_import`. Merged cells are filled in as the reader sees them: a
cell merged over several rows or columns gives its text to every row and column it covers,
which is how a merged agency cell is "carried down" to each task beside it.

The file's kind is taken from its content, never from its name: a renamed file is read for
what it is. python-docx and openpyxl are imported only when such a file is read.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = [
    "MAX_BYTES",
    "MAX_ROWS",
    "FileKind",
    "Row",
    "Table",
    "TableError",
    "read_tables",
    "sniff",
]

MAX_BYTES = 5 * 1024 * 1024  # refused before download (the document's file_size)
MAX_ROWS = 2000  # task rows; a few more are read for headers and sections
MAX_COLUMNS = 40  # a plan's table has 5 to 15; wider sheets are cut, not refused
MAX_CELL = 4000  # characters kept of one cell; a task title is a few hundred
_ROW_SLACK = 200  # header, numbering and section rows beyond MAX_ROWS tasks
# A zip whose parts unpack to more than this is a bomb, not a plan (a 2,000-row sheet is
# about 1 MB of XML).
_MAX_UNPACKED = 40 * 1024 * 1024
_MAX_PARTS = 2000
_BLANK_RUN = 1000  # blank rows after which a sheet is taken to have ended


class FileKind(StrEnum):
    DOCX = "docx"
    XLSX = "xlsx"
    CSV = "csv"


class TableError(ValueError):
    """Why a file cannot be read; each reason has its explanation in the templates.

    Reasons: "broken" (damaged or not what its name says), "password" (encrypted),
    "old_format" (.doc/.xls), "wrong_type" (not a table file at all), "too_large"
    (unpacks to too much), "too_many_rows", "no_table" (no table in it).
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Row:
    """One row of a table: its number as the secretary sees it, and its cells' text."""

    number: int  # the sheet's row number, the table's row (from 1), or the CSV line
    cells: tuple[str, ...]

    def cell(self, index: int) -> str:
        return self.cells[index] if index < len(self.cells) else ""

    @property
    def blank(self) -> bool:
        return not any(self.cells)


@dataclass(frozen=True, slots=True)
class Table:
    """The rows of one table: a Word table, a sheet, or a whole CSV file."""

    name: str  # the sheet's name, "1" for a document's first table, "" for a CSV
    rows: list[Row]


# -- kinds ----------------------------------------------------------------------------------

_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE compound file: .doc, .xls, or encrypted
_ENCRYPTED_MARK = "EncryptionInfo".encode("utf-16-le")


def sniff(data: bytes, filename: str = "") -> FileKind:
    """The kind of a file from its content (the name only breaks the tie for plain text)."""
    if data.startswith(_CFB_MAGIC):
        # Office keeps a password-protected .docx/.xlsx inside an OLE file with an
        # "EncryptionInfo" stream; an OLE file without one is a .doc or .xls of old.
        raise TableError("password" if _ENCRYPTED_MARK in data else "old_format")
    if data.startswith(b"PK"):
        names = _zip_names(data)
        if "word/document.xml" in names:
            return FileKind.DOCX
        if "xl/workbook.xml" in names:
            return FileKind.XLSX
        raise TableError("wrong_type")
    if _looks_like_text(data):
        return FileKind.CSV
    raise TableError("wrong_type")


def _zip_names(data: bytes) -> set[str]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise TableError("broken") from exc
    if len(infos) > _MAX_PARTS or sum(i.file_size for i in infos) > _MAX_UNPACKED:
        raise TableError("too_large")
    return {i.filename for i in infos}


def _looks_like_text(data: bytes) -> bool:
    sample = data[:4096]
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    if b"\x00" in sample:
        return False
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 13))
    return controls <= len(sample) // 100


# -- entry point ----------------------------------------------------------------------------


def read_tables(data: bytes, filename: str = "") -> tuple[FileKind, list[Table]]:
    """Every table of a file with its rows, merged cells filled in; TableError if unreadable."""
    if len(data) > MAX_BYTES:
        raise TableError("too_large")
    kind = sniff(data, filename)
    if kind is FileKind.DOCX:
        tables = _docx_tables(data)
    elif kind is FileKind.XLSX:
        tables = _xlsx_tables(data)
    else:
        tables = [_csv_table(data)]
    tables = [t for t in tables if any(not r.blank for r in t.rows)]
    if not tables:
        raise TableError("no_table")
    return kind, tables


def _text(value: Any) -> str:
    """A cell's value as the text a person reads in it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        value = value.date() if value.time() == dt.time(0) else value
        if isinstance(value, dt.datetime):
            return f"{value:%d/%m/%Y %H:%M}"
    if isinstance(value, dt.date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    # NFC: text from code page 1258 or some keyboards has its tone marks as separate
    # characters, which would not compare equal to the same name typed in the chat.
    text = unicodedata.normalize("NFC", str(value))
    return _SPACES.sub(" ", text.replace("\r", "")).strip()[:MAX_CELL]


_SPACES = re.compile(r"[ \t\u00a0]+")


def _limited(rows: Iterable[Row]) -> list[Row]:
    """The rows, refusing a table with more than MAX_ROWS (and a few heading rows)."""
    kept: list[Row] = []
    for row in rows:
        if row.blank:
            continue
        kept.append(row)
        if len(kept) > MAX_ROWS + _ROW_SLACK:
            raise TableError("too_many_rows")
    return kept


# -- Word -----------------------------------------------------------------------------------


def _docx_tables(data: bytes) -> list[Table]:
    try:
        import docx  # imported here: only plan files need python-docx's XML reader
        from docx.oxml.ns import qn

        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many kinds on a damaged file
        raise TableError("broken") from exc
    tables = []
    for index, table in enumerate(document.tables, start=1):
        tables.append(Table(str(index), _limited(_docx_rows(table._tbl, qn))))
    return tables


def _docx_rows(tbl: Any, qn: Any) -> Iterator[Row]:
    """Rows of a Word table on its layout grid: a cell spanning columns repeats its text, a
    cell merged down ("vMerge continue") repeats the text of the cell it continues."""
    above: list[str] = []
    p_tag, t_tag, tab_tag, br_tag = qn("w:p"), qn("w:t"), qn("w:tab"), qn("w:br")
    for number, tr in enumerate(tbl.tr_lst, start=1):
        cells: list[str] = [""] * tr.grid_before
        for tc in tr.tc_lst:
            span = tc.grid_span
            if tc.vMerge == "continue":
                col = len(cells)
                text = above[col] if col < len(above) else ""
            else:
                text = _tc_text(tc, p_tag, t_tag, tab_tag, br_tag)
            cells.extend([text] * span)
            if len(cells) >= MAX_COLUMNS:
                break
        above = cells
        yield Row(number, tuple(cells[:MAX_COLUMNS]))


def _tc_text(tc: Any, p_tag: str, t_tag: str, tab_tag: str, br_tag: str) -> str:
    """A cell's paragraphs, one line each (text of nested tables included)."""
    lines = []
    for paragraph in tc.iter(p_tag):
        parts = []
        for node in paragraph.iter(t_tag, tab_tag, br_tag):
            if node.tag == t_tag:
                parts.append(node.text or "")
            else:
                parts.append(" " if node.tag == tab_tag else "\n")
        lines.append("".join(parts))
    text = "\n".join(line.strip() for line in "\n".join(lines).split("\n"))
    return _text(text.strip("\n"))


# -- Excel ----------------------------------------------------------------------------------


def _xlsx_tables(data: bytes) -> list[Table]:
    try:
        # Imported here: only plan files need openpyxl. It reads XML through defusedxml when
        # that is installed (it is a dependency), which stops entity-expansion bombs.
        import openpyxl

        workbook = openpyxl.load_workbook(
            io.BytesIO(data), read_only=True, data_only=True, keep_links=False,
        )
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise TableError("broken") from exc
    try:
        tables = []
        for sheet in workbook.worksheets:
            if getattr(sheet, "sheet_state", "visible") != "visible":
                continue
            try:
                tables.append(Table(sheet.title, _limited(_xlsx_rows(sheet))))
            except TableError:
                raise
            except Exception as exc:
                raise TableError("broken") from exc
        return tables
    finally:
        workbook.close()


def _xlsx_rows(sheet: Any) -> Iterator[Row]:
    """A sheet's rows, each merged range's value (kept in its top-left cell) filled into
    every cell it covers; the top-left cell always comes first in reading order."""
    covered: dict[tuple[int, int], tuple[int, int]] = {}
    for min_row, min_col, max_row, max_col in _xlsx_merges(sheet):
        for r in range(min_row, max_row + 1):
            for c in range(min_col, min(max_col, MAX_COLUMNS) + 1):
                covered[(r, c)] = (min_row, min_col)
    values: dict[tuple[int, int], str] = {}
    last_filled = 0
    for cells in sheet.iter_rows(max_col=MAX_COLUMNS):
        number = next((c.row for c in cells if getattr(c, "row", None)), None)
        if number is None:
            continue
        if number - last_filled > _BLANK_RUN:
            break  # the rest is the padding of a sheet whose stated size is a lie
        texts = [_xlsx_text(c) for c in cells]
        for col in range(1, len(texts) + 1):
            origin = covered.get((number, col))
            if origin == (number, col):
                values[origin] = texts[col - 1]
            elif origin is not None and not texts[col - 1]:
                texts[col - 1] = values.get(origin, "")
        if any(texts):
            last_filled = number
        yield Row(number, tuple(texts))


def _xlsx_text(cell: Any) -> str:
    value = getattr(cell, "value", None)
    if isinstance(value, int | float) and not isinstance(value, bool):
        number_format = getattr(cell, "number_format", "") or ""
        if "%" in number_format:
            return f"{value * 100:g}%"
    return _text(value)


def _xlsx_merges(sheet: Any) -> list[tuple[int, int, int, int]]:
    """The merged ranges of a read-only sheet, (min row, min col, max row, max col).

    openpyxl keeps them only in its full mode, which holds every cell in memory; they are
    read here from the sheet's XML, where they follow the rows.
    """
    from openpyxl.utils.cell import range_boundaries
    from openpyxl.xml.functions import iterparse

    found = []
    source = sheet._get_source()
    try:
        for _event, element in iterparse(source):
            if element.tag.endswith("}mergeCell"):
                try:
                    min_col, min_row, max_col, max_row = range_boundaries(element.get("ref"))
                except (TypeError, ValueError):
                    continue
                if None not in (min_col, min_row, max_col, max_row):
                    found.append((min_row, min_col, max_row, max_col))
            elif element.tag.endswith("}row"):
                element.clear()  # the rows are read by openpyxl; only keep memory flat here
    finally:
        source.close()
    # A range larger than any table is not a merged cell of one; skipping it keeps the
    # filling above bounded.
    limit = (MAX_ROWS + _ROW_SLACK) * 4
    return [m for m in found if (m[2] - m[0] + 1) * (m[3] - m[1] + 1) <= limit]


# -- CSV ------------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # Excel on a Vietnamese Windows saves "CSV (comma delimited)" in code page 1258.
        return data.decode("cp1258", errors="replace")


def _csv_table(data: bytes) -> Table:
    text = _decode(data)
    sample = text[:8192]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    rows = []
    try:
        for cells in reader:
            rows.append(Row(reader.line_num, tuple(_text(c) for c in cells[:MAX_COLUMNS])))
    except csv.Error as exc:  # e.g. a field larger than the csv module's limit
        raise TableError("broken") from exc
    # A CSV row's number is the line it starts on, which is what a text editor shows; Excel
    # shows the same for files without line breaks inside cells.
    return Table("", _limited(_renumbered(rows)))


def _renumbered(rows: list[Row]) -> Iterator[Row]:
    previous_end = 0
    for row in rows:
        # csv.reader's line_num is the line the row *ends* on; a quoted cell with line breaks
        # spans several, and the row starts just after the previous one ended.
        yield Row(previous_end + 1, row.cells)
        previous_end = row.number
