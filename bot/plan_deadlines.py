"""Deadlines as plans write them: a day, a quarter or a half-year, ongoing, or periodic.

A plan's "Thời hạn" column holds more than dates: "Thường xuyên" (ongoing: no deadline at
all) and "hằng quý" (a deadline every quarter) besides "Quý I/2025", "6 tháng đầu năm 2025" or
"trước ngày 15/12". :func:`parse_plan_deadline` reads them all; the day forms are
:func:`bot.dates.parse_deadline`'s, which typed commands use too, with past days accepted and
a day written without a year taken in the plan's year.
"""

from __future__ import annotations

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
    if _YEAR.fullmatch(stripped):
        # A year alone is its last day in a plan's deadline column; typed in a chat, a lone
        # number is too likely something else for the day parser to take.
        return Deadline(dt.date(int(stripped), 12, 31))
    deadline = parse_deadline(stripped, today=today, lang=lang, allow_past=True)
    if year is not None and not _YEAR.search(folded) and _YEARLESS.search(folded):
        deadline = Deadline(_in_year(deadline.day, year), deadline.time)
    return deadline


def _in_year(day: dt.date, year: int) -> dt.date:
    try:
        return day.replace(year=year)
    except ValueError:  # 29/2 in a year without one
        return day.replace(year=year, day=28)
