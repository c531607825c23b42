"""The columns of a plan's task table, recognised by their names, and where its header is.

A heading is folded (no case, no diacritics, punctuation as spaces) and matched against the
names plans use in Vietnamese and English, whatever the columns' order. A header may be one
row or two, when a merged heading ("Cơ quan thực hiện") stands over its parts ("Chủ trì",
"Phối hợp").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.names import fold
from bot.plan_table import Table

__all__ = ["Column", "Header", "column_of", "find_header"]

_HEAD_ROWS = 30  # rows of a table searched for its header


class Column(StrEnum):
    """What a column of a plan's table holds."""

    REF = "ref"  # STT: the task's number in the plan
    TITLE = "title"
    LEAD = "lead"
    COORDINATORS = "coordinators"
    DEADLINE = "deadline"
    OUTPUT = "output"
    STATUS = "status"
    PROGRESS = "progress"
    COMPLETED = "completed"  # the day it was completed
    RECURRENCE = "recurrence"
    PLAN = "plan"
    SECTION = "section"
    NOTE = "note"
    IGNORED = "ignored"  # known columns dondoc does not read (its own task number, people)


# Column names, folded (no case, no diacritics, punctuation as spaces). A heading matches a
# name exactly or starts with it ("thoi han hoan thanh du kien"); the longest name wins.
_NAMES: dict[Column, tuple[str, ...]] = {
    Column.REF: ("stt", "tt", "so tt", "so thu tu", "thu tu", "ref", "no", "item", "muc so"),
    Column.TITLE: (
        "noi dung nhiem vu", "noi dung cong viec", "ten nhiem vu", "nhiem vu", "noi dung",
        "cong viec", "ten cong viec", "nhiem vu giai phap", "noi dung cong tac", "task",
        "tasks", "title", "task title", "description", "content", "activity", "activities",
    ),
    Column.LEAD: (
        "co quan chu tri", "don vi chu tri", "chu tri", "co quan thuc hien chu tri",
        "don vi thuc hien chu tri", "co quan chu tri thuc hien", "don vi chu tri thuc hien",
        "co quan thuc hien", "don vi thuc hien", "co quan don vi chu tri",
        "co quan don vi thuc hien", "lead", "lead agency", "owner", "owner agency",
        "responsible agency", "agency in charge", "in charge", "implementing agency",
    ),
    Column.COORDINATORS: (
        "co quan phoi hop", "don vi phoi hop", "phoi hop", "co quan thuc hien phoi hop",
        "don vi thuc hien phoi hop", "co quan don vi phoi hop", "coordinating agencies",
        "coordinating agency", "coordinating", "coordination", "in coordination with",
        "supporting agencies", "support",
    ),
    Column.DEADLINE: (
        "thoi han hoan thanh", "thoi han", "han hoan thanh", "thoi gian hoan thanh",
        "thoi gian thuc hien", "thoi gian", "han", "tien do hoan thanh", "deadline", "due",
        "due date", "time limit", "timeline", "completion time", "time frame",
    ),
    Column.OUTPUT: (
        "san pham", "san pham dau ra", "san pham du kien", "ket qua du kien",
        "ket qua dau ra", "hinh thuc san pham", "hinh thuc van ban", "output",
        "expected output", "outputs", "deliverable", "deliverables", "product",
    ),
    Column.STATUS: (
        "tinh trang", "trang thai", "tinh hinh thuc hien", "ket qua thuc hien", "ket qua",
        "phan loai", "status", "result", "results", "class",
    ),
    Column.PROGRESS: (
        "tien do", "ty le hoan thanh", "hoan thanh %", "progress", "percent complete",
        "complete %",
    ),
    Column.COMPLETED: (
        "ngay hoan thanh", "hoan thanh ngay", "thoi diem hoan thanh", "completed on",
        "completion date", "date completed", "done on",
    ),
    Column.RECURRENCE: ("lap lai", "dinh ky", "recurrence", "repeats", "periodic"),
    Column.PLAN: ("ke hoach", "plan"),
    Column.SECTION: ("muc", "phan", "section", "nhom nhiem vu"),
    Column.NOTE: ("ghi chu", "ghi chu gan nhat", "note", "notes", "last note", "remarks"),
    Column.IGNORED: (
        "so", "task no", "so nhiem vu", "phu trach", "nguoi phu trach", "can bo phu trach",
        "responsible", "responsible officials", "so lan cap nhat", "updates", "han ban dau",
        "first deadline",
    ),
}  # fmt: skip
_BY_LENGTH = sorted(
    ((name, column) for column, names in _NAMES.items() for name in names),
    key=lambda pair: -len(pair[0]),
)
_EXACT = {name: column for name, column in _BY_LENGTH}


def _heading_words(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9%]+", " ", fold(text)).split())


def column_of(heading: str) -> Column | None:
    """The column a heading names, or None."""
    words = _heading_words(heading)
    if not words:
        return None
    if words in _EXACT:
        return _EXACT[words]
    for name, column in _BY_LENGTH:
        if len(name) >= 4 and words.startswith(name + " "):
            return column
    return None


# -- the header -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Header:
    """Where the header is and which column holds what."""

    table: int  # index in the file's tables
    first_row: int  # index in the table's rows of the header's first row
    height: int  # 1 or 2 rows
    columns: dict[Column, int]  # column -> index in a row's cells

    @property
    def score(self) -> int:
        return len(set(self.columns) - {Column.IGNORED})


def _columns(headings: Sequence[Sequence[str]]) -> dict[Column, int]:
    """Each recognised column's index; a column named twice keeps its first place."""
    found: dict[Column, int] = {}
    width = max((len(h) for h in headings), default=0)
    for index in range(width):
        for text in _heading_candidates(headings, index):
            column = column_of(text)
            if column is not None:
                found.setdefault(column, index)
                break
    found.pop(Column.IGNORED, None)
    return found


def _heading_candidates(headings: Sequence[Sequence[str]], index: int) -> list[str]:
    cells = [row[index] if index < len(row) else "" for row in headings]
    if len(cells) == 1:
        return [cells[0]]
    upper, lower = cells
    if not lower or lower == upper:  # a heading merged down its two rows
        return [upper]
    # "Cơ quan thực hiện" over "Chủ trì": the pair names the column, or the lower part alone.
    return [f"{upper} {lower}", lower, upper]


def _usable(columns: dict[Column, int]) -> bool:
    return Column.TITLE in columns and (Column.LEAD in columns or Column.DEADLINE in columns)


def find_header(tables: Sequence[Table]) -> Header | None:
    """The best header of any table: the one that recognises the most columns (a document's
    other tables, such as its signature block, have none)."""
    best: Header | None = None
    for t, table in enumerate(tables):
        rows = table.rows[:_HEAD_ROWS]
        for i, row in enumerate(rows):
            one = _columns([row.cells])
            candidates = [Header(t, i, 1, one)]
            if i + 1 < len(rows):
                two = _columns([row.cells, rows[i + 1].cells])
                candidates.append(Header(t, i, 2, two))
            for header in candidates:
                if not _usable(header.columns):
                    continue
                if best is None or header.score > best.score:
                    best = header
    return best
