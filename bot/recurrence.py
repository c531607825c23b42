"""Periodic deadlines ("hằng tháng trước ngày 20", "hằng quý", "định kỳ 6 tháng", "hằng năm").

A periodic task has one deadline per period: the given day of the period's last month, or the
period's last day when no day is given ("hằng quý" is due on 31/3, 30/6, 30/9 and 31/12). This
is how the reporting regime writes it: "báo cáo định kỳ hằng quý, gửi trước ngày 20 của tháng
cuối quý". Each occurrence is chased and judged on its own deadline; completing one opens the
next (see :func:`next_occurrence`).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Cadence", "Recurrence", "first_occurrence", "next_occurrence", "parse_recurrence"]


class Cadence(StrEnum):
    """How often a periodic task falls due; the value is the period's length in months."""

    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    HALF_YEARLY = "half_yearly"
    YEARLY = "yearly"

    @property
    def months(self) -> int:
        return _MONTHS[self]


_MONTHS = {Cadence.MONTHLY: 1, Cadence.QUARTERLY: 3, Cadence.HALF_YEARLY: 6, Cadence.YEARLY: 12}


@dataclass(frozen=True, slots=True)
class Recurrence:
    """A periodic deadline: every `cadence`, on `day` of the period's last month (its last day
    when None); a yearly one may name its `month` ("hằng năm trước ngày 15/12")."""

    cadence: Cadence
    day: int | None = None
    month: int | None = None  # yearly only: the month it falls due (December when None)

    def due_in(self, year: int, last_month: int) -> dt.date:
        """The deadline of the period that ends with month `last_month` of `year`."""
        length = calendar.monthrange(year, last_month)[1]
        return dt.date(year, last_month, min(self.day or length, length))

    def text(self) -> str:
        """A compact form kept in the data file and in exports: "monthly:20", "yearly:15/12"."""
        if self.cadence is Cadence.YEARLY and self.month:
            return f"{self.cadence.value}:{self.day or ''}/{self.month}"
        return f"{self.cadence.value}:{self.day or ''}"

    @classmethod
    def from_text(cls, text: str) -> Recurrence:
        """The inverse of :meth:`text`; ValueError when it is not one."""
        name, _, rest = text.partition(":")
        cadence = Cadence(name)
        day_text, _, month_text = rest.partition("/")
        day = int(day_text) if day_text else None
        month = int(month_text) if month_text else None
        if (day is not None and not 1 <= day <= 31) or (month is not None and not 1 <= month <= 12):
            raise ValueError(text)
        return cls(cadence, day, month if cadence is Cadence.YEARLY else None)


def _period_ends(recurrence: Recurrence, year: int) -> list[int]:
    """The last months of the periods of one year."""
    if recurrence.cadence is Cadence.YEARLY:
        return [recurrence.month or 12]
    step = recurrence.cadence.months
    return list(range(step, 13, step))


def first_occurrence(recurrence: Recurrence, on_or_after: dt.date) -> dt.date:
    """The first deadline of the recurrence on or after a day (the day a task starts)."""
    for year in (on_or_after.year, on_or_after.year + 1):
        for month in _period_ends(recurrence, year):
            due = recurrence.due_in(year, month)
            if due >= on_or_after:
                return due
    raise AssertionError("a recurrence falls due at least once a year")  # pragma: no cover


def next_occurrence(recurrence: Recurrence, after: dt.date) -> dt.date:
    """The deadline of the period after the one due on `after`."""
    return first_occurrence(recurrence, after + dt.timedelta(days=1))


# -- reading the words plans use -------------------------------------------------------------


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", re.sub(r"[(),.;:]", " ", plain)).strip()


# "hằng" and its common misspelling "hàng"; "định kỳ" ("periodic") may come before either.
_EVERY = r"(?:(?:dinh ky|bao cao dinh ky|periodic(?:ally)?) )?(?:hang|moi|every|each)"
_CADENCES: list[tuple[re.Pattern[str], Cadence]] = [
    (re.compile(p), c)
    for p, c in [
        (rf"\b{_EVERY} thang\b|\bmonthly\b|\bdinh ky thang\b", Cadence.MONTHLY),
        (rf"\b{_EVERY} quy\b|\bquarterly\b|\bdinh ky quy\b|\bmoi quy\b", Cadence.QUARTERLY),
        (
            r"\bdinh ky 6 thang\b|\b6 thang (?:mot|1) lan\b|\bhang 6 thang\b|\bmoi 6 thang\b"
            r"|\bnua nam (?:mot|1) lan\b|\bhalf[- ]?yearly\b|\bsemi[- ]?annual(?:ly)?\b"
            r"|\bevery (?:6|six) months\b|\bbiannual(?:ly)?\b",
            Cadence.HALF_YEARLY,
        ),
        (
            rf"\b{_EVERY} nam\b|\bannual(?:ly)?\b|\byearly\b|\bdinh ky nam\b",
            Cadence.YEARLY,
        ),
    ]
]
_DAY = re.compile(
    r"\b(?:truoc|trc|before|by|vao|on)? ?(?:ngay|the|day) ?(?P<d>\d{1,2})(?:st|nd|rd|th)?"
    r"(?:[/-](?P<m>\d{1,2}))?\b"
)


def parse_recurrence(text: str) -> Recurrence | None:
    """The recurrence a deadline cell names ("hằng tháng trước ngày 20"), or None."""
    folded = _fold(text)
    if len(folded) > 120:
        return None
    cadence = next((c for pattern, c in _CADENCES if pattern.search(folded)), None)
    if cadence is None:
        return None
    day = month = None
    found = _DAY.search(folded)
    if found:
        day = int(found["d"])
        if found["m"]:
            month = int(found["m"])
        if not 1 <= day <= 31 or (month is not None and not 1 <= month <= 12):
            return None
    if cadence is not Cadence.YEARLY:
        month = None
    return Recurrence(cadence, day, month)
