"""Deadlines as plans write them: a day, a quarter or a half-year, ongoing, or periodic.

A plan's "Thời hạn" column holds more than dates: "Quý I/2025", "6 tháng đầu năm 2025",
"trước ngày 15/12", "Thường xuyên" (ongoing: no deadline at all) and "hằng quý" (a deadline
every quarter). :func:`parse_plan_deadline` reads them all; the day forms are
:func:`bot.dates.parse_deadline`'s, which typed commands use too.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from bot.dates import Deadline, DeadlineError, parse_deadline
from bot.names import fold
from bot.recurrence import Recurrence, parse_recurrence

__all__ = ["ONGOING", "Ongoing", "PlanDeadline", "parse_plan_deadline", "years_named"]


@dataclass(frozen=True, slots=True)
class Ongoing:
    """"Thường xuyên": work that never ends, so it has no deadline and is never overdue."""


ONGOING = Ongoing()
PlanDeadline = Deadline | Recurrence | Ongoing

_ONGOING_WORDS = re.compile(r"\b(?:thuong xuyen|lien tuc|ongoing|continuous(?:ly)?)\b")
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
# A day and month written without a year ("15/12", "tháng 9", "quý II"), which a plan means
# in its own year; relative forms ("tuần sau") are left to the day parser.
_YEARLESS = re.compile(r"\d{1,2}\s*[/.-]\s*\d{1,2}(?!\s*[/.-]\s*\d)|\bthang \d{1,2}\b|\bquy\b")


def years_named(texts: list[str]) -> int | None:
    """The year most of a plan's deadlines name, to complete the ones that name none."""
    counts: dict[int, int] = {}
    for text in texts:
        for found in _YEAR.findall(text):
            counts[int(found)] = counts.get(int(found), 0) + 1
    return max(counts, key=lambda y: (counts[y], y)) if counts else None


def parse_plan_deadline(
    text: str, *, today: dt.date, year: int | None = None, lang: str = "vi",
) -> PlanDeadline:
    """A deadline cell: a day (past ones accepted), a recurrence, or ONGOING.

    `year` completes a day or month written without one ("15/12" in a plan for 2025); without
    it, such a day is the next one on or after `today`. Raises DeadlineError ("empty" or
    "unparseable").
    """
    stripped = " ".join(text.split())
    if not stripped:
        raise DeadlineError("empty", text)
    if len(stripped) > 100:
        raise DeadlineError("unparseable", text)
    recurrence = parse_recurrence(stripped)
    if recurrence is not None:
        return recurrence
    folded = fold(stripped)
    if _ONGOING_WORDS.search(folded):
        return ONGOING
    day_text = _without_lead_words(stripped)
    plan_day = _plan_day(fold(day_text), today, year)
    if plan_day is not None:
        return Deadline(plan_day)
    deadline = parse_deadline(day_text, today=today, lang=lang, allow_past=True)
    if year is not None and not _YEAR.search(folded) and _YEARLESS.search(fold(day_text)):
        deadline = Deadline(_in_year(deadline.day, year), deadline.time)
    return deadline


_LEAD = re.compile(
    r"^(?:cham nhat|han chot|truoc ngay|truoc|trong vong|trong|ket thuc|hoan thanh|"
    r"before|by|no later than|in|during)\s+(?=\S)"
)


def _without_lead_words(text: str) -> str:
    """The cell without "trước (ngày)", "chậm nhất", "trong" before the day itself."""
    folded = fold(text)
    found = _LEAD.match(folded)
    if not found or (found.group(0).startswith("trong") and not _AFTER_TRONG.match(
        folded[found.end():]
    )):
        return text
    # fold() keeps one character per character of the NFC text it folds, but drops spaces it
    # merges; the lead words are plain ASCII words with single spaces, so count words.
    words = found.group(0).split()
    return " ".join(text.split()[len(words):])


# "trong 3 ngày" is a duration, which the day parser reads itself; "trong tháng 9" is a month.
_AFTER_TRONG = re.compile(r"(?:thang|quy|nam|tuan)\b")

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_QUARTER = re.compile(
    r"(?:quy|q|quarter)\s*(?P<q>iv|i{1,3}|[1-4])(?:(?:\s+nam\s+|\s*[/,-]\s*|\s+)(?P<y>\d{4}))?"
    r"|(?P<q2>first|second|third|fourth) quarter(?: (?:of )?(?P<y2>\d{4}))?"
)
_EN_ORDINAL = {"first": 1, "second": 2, "third": 3, "fourth": 4}
_PART_OF_YEAR = re.compile(
    r"(?P<n>\d{1,2}|sau|chin) thang (?P<part>dau|cuoi) nam(?: (?P<y>\d{4}))?"
    r"|nua (?P<half>dau|cuoi) nam(?: (?P<y2>\d{4}))?"
    r"|(?P<en>first|second) half(?: of)?(?: (?:the )?year)?(?: (?P<y3>\d{4}))?"
    r"|h(?P<h>[12])[ /-]?(?P<y4>\d{4})"
)
_BARE_YEAR = re.compile(r"(?:nam )?(?P<y>(?:19|20)\d{2})")


def _plan_day(folded: str, today: dt.date, year: int | None) -> dt.date | None:
    """The forms plans use that the day parser has no rule for: quarters, parts of a year, a
    bare year; None for anything else. Without a year in the text, `year`; without that, the
    first such day on or after `today`."""
    found = _QUARTER.fullmatch(folded)
    if found:
        quarter = _ROMAN.get(found["q"] or "") or _EN_ORDINAL[found["q2"]]
        named = int(found["y"] or found["y2"] or 0) or year
        return _month_end(named, quarter * 3, today)
    found = _PART_OF_YEAR.fullmatch(folded)
    if found:
        named = int(found["y"] or found["y2"] or found["y3"] or found["y4"] or 0) or year
        if found["n"]:
            months = int(found["n"]) if found["n"].isdigit() else {"sau": 6, "chin": 9}[found["n"]]
            if not 1 <= months <= 12:
                return None
            return _month_end(named, months if found["part"] == "dau" else 12, today)
        first = found["half"] == "dau" or found["en"] == "first" or found["h"] == "1"
        return _month_end(named, 6 if first else 12, today)
    found = _BARE_YEAR.fullmatch(folded)
    if found:
        return dt.date(int(found["y"]), 12, 31)
    return None


def _month_end(year: int | None, month: int, today: dt.date) -> dt.date:
    if year is not None:
        return dt.date(year, month, calendar.monthrange(year, month)[1])
    this_year = _month_end(today.year, month, today)
    return this_year if this_year >= today else _month_end(today.year + 1, month, today)


def _in_year(day: dt.date, year: int) -> dt.date:
    try:
        return day.replace(year=year)
    except ValueError:  # 29/2 in a year without one
        return day.replace(year=year, day=28)
