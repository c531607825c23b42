"""Reporting periods and reported figures, typed the way officials write them.

A period is a run of whole months of one year: "tháng 7/2024" (July), "quý III/2024" (July to
September), "6 tháng đầu năm 2024" (January to June), "9 tháng 2024" and "7 tháng 2024"
(January to September, to July: Vietnamese reports count "N months" from January), "năm
2023". English works too ("Q3 2024", "first 9 months of 2024", "July 2024", "2023").
A figure is "89,51", "89.51" or "89,51%", with an optional unit word ("5 ngày", "94,44
điểm") that must agree with the indicator's unit.

Pure: `today` is passed in; the words shown to people come from the templates, which read
a period's `kind`, `year`, `first`, `last` and `quarter`.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from bot.names import fold

__all__ = [
    "FigureError",
    "Frequency",
    "PeriodError",
    "ReportPeriod",
    "Unit",
    "current_period",
    "example_periods",
    "parse_frequency",
    "parse_period",
    "parse_value",
    "periods_of",
    "read_number",
]


class Unit(StrEnum):
    """What an indicator's figures count. A percent's requirement is at most 100 (its chart
    ends there); a count may be typed with dots between thousands ("1.234")."""

    PERCENT = "percent"
    COUNT = "count"
    DAYS = "days"
    SCORE = "score"


class Frequency(StrEnum):
    """How often an indicator is reported: which periods it is asked for."""

    MONTH = "month"  # every month
    QUARTER = "quarter"  # quý I, II, III, IV
    HALF = "half"  # 6 tháng đầu năm, then the year
    CUMULATIVE = "cumulative"  # quý I, 6 tháng, 9 tháng, năm: counted from January
    YEAR = "year"


@dataclass(frozen=True, slots=True, order=True)
class ReportPeriod:
    """Months `first` to `last` of `year` (both included)."""

    year: int
    last: int  # compared before `first`: periods sort by where they end
    first: int

    def __post_init__(self) -> None:
        if not (1 <= self.first <= self.last <= 12) or not 1900 <= self.year <= 2999:
            raise ValueError(f"not a period: {self.year} {self.first}-{self.last}")

    @classmethod
    def months(cls, year: int, first: int, last: int) -> ReportPeriod:
        return cls(year=year, last=last, first=first)

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, self.first, 1)

    @property
    def end(self) -> dt.date:
        return dt.date(self.year, self.last, calendar.monthrange(self.year, self.last)[1])

    @property
    def length(self) -> int:
        """Number of months."""
        return self.last - self.first + 1

    @property
    def quarter(self) -> int:
        """The quarter number when the period is one quarter, else 0."""
        if self.length == 3 and self.first % 3 == 1:
            return (self.first + 2) // 3
        return 0

    @property
    def kind(self) -> str:
        """How the period is written: month, quarter, year, h1, h2, ytd (N tháng) or range."""
        if self.length == 1:
            return "month"
        if self.length == 12:
            return "year"
        if self.quarter:
            return "quarter"
        if self.first == 1:
            return "h1" if self.last == 6 else "ytd"
        if self.first == 7 and self.last == 12:
            return "h2"
        return "range"

    @property
    def key(self) -> str:
        """A short stable text for files and buttons: "2024.1-9"."""
        return f"{self.year}.{self.first}-{self.last}"

    @classmethod
    def from_key(cls, key: str) -> ReportPeriod | None:
        found = re.fullmatch(r"(\d{4})\.(\d{1,2})-(\d{1,2})", key)
        if found is None:
            return None
        try:
            return cls.months(int(found[1]), int(found[2]), int(found[3]))
        except ValueError:
            return None


# -- periods --------------------------------------------------------------------------------

PeriodReason = Literal["empty", "unparseable", "future", "month", "quarter"]


class PeriodError(ValueError):
    """A period that cannot be used; `.reason` says why, `.text` is what was typed."""

    def __init__(self, reason: PeriodReason, text: str = "") -> None:
        super().__init__(reason, text)
        self.reason: PeriodReason = reason
        self.text = text


_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_EN_MONTHS = {
    name: number
    for number, names in enumerate(
        [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
         ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
         ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
         ("dec", "december")], start=1)
    for name in names
}
_YEAR = r"(?:nam\s+|of\s+|in\s+|/\s*|-\s*|,\s*)?(?P<year>\d{4})"
_OPT_YEAR = rf"(?:\s*{_YEAR})?"
_Q = r"(?P<q>iv|iii|ii|i|v|\d)"
_MONTH_NAMES = "|".join(sorted(_EN_MONTHS, key=len, reverse=True))
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    # quý III/2024, quý 3 năm 2024, Q3 2024, Q3/2024, quarter 3 2024, 3rd quarter 2024
    ("quarter", re.compile(rf"^(?:quy|q|quarter)\s*{_Q}{_OPT_YEAR}$")),
    ("quarter", re.compile(rf"^{_Q}(?:st|nd|rd|th)?\s+quarter{_OPT_YEAR}$")),
    # 6 tháng đầu năm 2024, first half of 2024, H1 2024
    ("h1", re.compile(rf"^(?:6\s*thang\s+dau\s+nam|first\s+half|h1|half\s*1){_OPT_YEAR}$")),
    ("h2", re.compile(rf"^(?:6\s*thang\s+cuoi\s+nam|second\s+half|h2|half\s*2){_OPT_YEAR}$")),
    # tháng 7/2024, tháng 7 năm 2024, tháng 07-2024, month 7/2024
    ("month", re.compile(rf"^(?:thang|month)\s+(?P<m>\d{{1,2}}){_OPT_YEAR}$")),
    # 7/2024, 07/2024, 2024-07
    ("month", re.compile(r"^(?P<m>\d{1,2})\s*[/.\-]\s*(?P<year>\d{4})$")),
    ("month", re.compile(r"^(?P<year>\d{4})-(?P<m>\d{2})$")),
    # July 2024, Jul 2024
    ("month_name", re.compile(rf"^(?P<name>{_MONTH_NAMES})\.?,?{_OPT_YEAR}$")),
    # 9 tháng 2024, 9 tháng đầu năm 2024, 7 tháng năm 2024, first 9 months of 2024, 9M2024
    ("ytd", re.compile(
        rf"^(?:(?:first|the\s+first)\s+)?(?P<n>\d{{1,2}})\s*(?:thang|months?|m)"
        rf"(?:\s+dau\s+nam|\s+dau)?{_OPT_YEAR}$")),
    # năm 2023, cả năm 2023, year 2023, 2023
    ("year", re.compile(r"^(?:ca\s+)?(?:nam|year|fy)?\s*(?P<year>\d{4})$")),
]


def _year_of(found: re.Match[str]) -> int | None:
    year = found.groupdict().get("year")
    return int(year) if year else None


def parse_period(text: str, *, today: dt.date) -> ReportPeriod:
    """The period `text` names; PeriodError when it cannot be read or has not begun.

    Without a year ("quý III", "tháng 7") the latest such period that has begun is meant.
    A period still running is accepted (reports for "9 tháng" go out in September), one
    that has not started is not.
    """
    folded = fold(text).strip(" .")
    if not folded:
        raise PeriodError("empty", text)
    for kind, pattern in _PATTERNS:
        found = pattern.match(folded)
        if found is None:
            continue
        period = _build(kind, found, today, text)
        if period is None:
            continue
        if period.start > today:
            raise PeriodError("future", text.strip())
        return period
    raise PeriodError("unparseable", text.strip())


def _build(kind: str, found: re.Match[str], today: dt.date, text: str) -> ReportPeriod | None:
    year = _year_of(found)
    if kind == "quarter":
        q = found["q"]
        number = _ROMAN.get(q) or (int(q) if q.isdigit() else 0)
        if not 1 <= number <= 4:
            raise PeriodError("quarter", text.strip())
        return _dated(year, today, lambda y: ReportPeriod.months(y, 3 * number - 2, 3 * number))
    if kind == "h1":
        return _dated(year, today, lambda y: ReportPeriod.months(y, 1, 6))
    if kind == "h2":
        return _dated(year, today, lambda y: ReportPeriod.months(y, 7, 12))
    if kind in ("month", "month_name"):
        month = _EN_MONTHS[found["name"]] if kind == "month_name" else int(found["m"])
        if not 1 <= month <= 12:
            raise PeriodError("month", text.strip())
        return _dated(year, today, lambda y: ReportPeriod.months(y, month, month))
    if kind == "ytd":
        months = int(found["n"])
        if not 1 <= months <= 12:
            raise PeriodError("month", text.strip())
        return _dated(year, today, lambda y: ReportPeriod.months(y, 1, months))
    if kind == "year" and year is not None:
        return ReportPeriod.months(year, 1, 12)
    return None


def _dated(year: int | None, today: dt.date, make: Callable[[int], ReportPeriod]
           ) -> ReportPeriod:
    if year is not None:
        return make(year)
    this_year = make(today.year)
    return this_year if this_year.start <= today else make(today.year - 1)


# -- how often ------------------------------------------------------------------------------

_FREQUENCIES = {
    "thang": Frequency.MONTH, "hang thang": Frequency.MONTH, "month": Frequency.MONTH,
    "monthly": Frequency.MONTH,
    "quy": Frequency.QUARTER, "hang quy": Frequency.QUARTER, "quarter": Frequency.QUARTER,
    "quarterly": Frequency.QUARTER,
    "6 thang": Frequency.HALF, "nua nam": Frequency.HALF, "half": Frequency.HALF,
    "half year": Frequency.HALF, "half-yearly": Frequency.HALF, "6 months": Frequency.HALF,
    "9 thang": Frequency.CUMULATIVE, "luy ke": Frequency.CUMULATIVE,
    "quy luy ke": Frequency.CUMULATIVE, "3 6 9 thang": Frequency.CUMULATIVE,
    "9 months": Frequency.CUMULATIVE, "cumulative": Frequency.CUMULATIVE,
    "nam": Frequency.YEAR, "hang nam": Frequency.YEAR, "year": Frequency.YEAR,
    "yearly": Frequency.YEAR, "annual": Frequency.YEAR, "annually": Frequency.YEAR,
}
_FREQUENCY_FILLER = re.compile(r"^(?:ky|ky bao cao|bao cao|period|reported|every|moi)\s+")


def parse_frequency(text: str) -> Frequency | None:
    """"quý", "9 tháng", "hằng năm", "monthly" ...; None when it names no frequency."""
    folded = _FREQUENCY_FILLER.sub("", fold(text).replace(",", " "))
    return _FREQUENCIES.get(" ".join(folded.split()))


def periods_of(frequency: Frequency, year: int) -> list[ReportPeriod]:
    """The periods of one year an indicator of this frequency is reported for, in order."""
    if frequency is Frequency.MONTH:
        return [ReportPeriod.months(year, m, m) for m in range(1, 13)]
    if frequency is Frequency.QUARTER:
        return [ReportPeriod.months(year, m, m + 2) for m in (1, 4, 7, 10)]
    if frequency is Frequency.HALF:
        return [ReportPeriod.months(year, 1, 6), ReportPeriod.months(year, 1, 12)]
    if frequency is Frequency.CUMULATIVE:
        return [ReportPeriod.months(year, 1, m) for m in (3, 6, 9, 12)]
    return [ReportPeriod.months(year, 1, 12)]


def current_period(frequency: Frequency, today: dt.date) -> ReportPeriod:
    """The period being reported now: the one of `frequency` that ends first on or after today."""
    for period in periods_of(frequency, today.year):
        if period.end >= today:
            return period
    raise AssertionError("every frequency has a period ending on 31 December")


def example_periods(today: dt.date) -> dict[str, ReportPeriod]:
    """Periods to show in examples, computed from today (every one of them has begun)."""
    quarter = (today.month - 1) // 3
    return {
        "month": ReportPeriod.months(today.year, today.month, today.month),
        "quarter": ReportPeriod.months(today.year, 3 * quarter + 1, 3 * quarter + 3),
        # "N tháng": from January, at least two months and never the whole year.
        "ytd": ReportPeriod.months(today.year, 1, min(max(today.month, 2), 11)),
        "h1": ReportPeriod.months(today.year, 1, 6),
        "year": ReportPeriod.months(today.year - 1, 1, 12),
    }


# -- figures --------------------------------------------------------------------------------

ValueReason = Literal["unparseable", "negative", "over_100", "unit", "whole"]


class FigureError(ValueError):
    """A figure that cannot be stored; `.reason` says why, `.text` is what was typed."""

    def __init__(self, reason: ValueReason, text: str = "", unit: Unit | None = None) -> None:
        super().__init__(reason, text)
        self.reason: ValueReason = reason
        self.text = text
        self.unit = unit  # the unit the text named, for "wrong unit"


_UNIT_WORDS = {
    "%": Unit.PERCENT, "phan tram": Unit.PERCENT, "percent": Unit.PERCENT,
    "ngay": Unit.DAYS, "days": Unit.DAYS, "day": Unit.DAYS,
    "diem": Unit.SCORE, "points": Unit.SCORE, "point": Unit.SCORE, "pts": Unit.SCORE,
    "ho so": Unit.COUNT, "luot": Unit.COUNT, "records": Unit.COUNT,
}
_NUMBER = re.compile(r"^([+\-−]?)\s*(\d[\d.,\s]*)$")


def read_number(digits: str, unit: Unit) -> float | None:
    """A number typed with Vietnamese or English separators; None when it is not one."""
    digits = digits.replace(" ", "")
    dots, commas = digits.count("."), digits.count(",")
    if dots and commas:
        # 1.234,5 (Vietnamese) or 1,234.5 (English): the last one is the decimal mark.
        decimal = "," if digits.rfind(",") > digits.rfind(".") else "."
        thousands = "." if decimal == "," else ","
        if digits.count(decimal) > 1:
            return None
        digits = digits.replace(thousands, "").replace(decimal, ".")
    elif dots + commas > 1:
        mark = "." if dots else ","
        if not re.fullmatch(rf"\d{{1,3}}(?:\{mark}\d{{3}})+", digits):
            return None
        digits = digits.replace(mark, "")
    elif dots + commas == 1:
        whole, _, fraction = digits.replace(",", ".").partition(".")
        # "1.052" of a count is a thousand and fifty-two, as Vietnamese writes it; of a rate
        # it is a decimal.
        if unit is Unit.COUNT and len(fraction) == 3:
            digits = whole + fraction
        else:
            digits = f"{whole}.{fraction}"
    try:
        return float(digits)
    except ValueError:
        return None


def parse_value(text: str, unit: Unit) -> float:
    """The figure `text` gives for an indicator measured in `unit`; FigureError when not one."""
    raw = text.strip()
    folded = fold(raw)
    named: Unit | None = None
    for word in sorted(_UNIT_WORDS, key=len, reverse=True):
        if folded.endswith(word):
            named = _UNIT_WORDS[word]
            folded = folded[: -len(word)].strip()
            break
    found = _NUMBER.match(folded)
    number = read_number(found[2], unit) if found else None
    if found is None or number is None:
        raise FigureError("unparseable", raw)
    if named is not None and named is not unit:
        raise FigureError("unit", raw, named)
    if found[1] in ("-", "−"):
        if number == 0:
            return 0.0
        raise FigureError("negative", raw)
    if unit is Unit.PERCENT and number > 100:
        raise FigureError("over_100", raw)
    if unit is Unit.COUNT and number != int(number):
        raise FigureError("whole", raw)
    return number
