"""Deadline parsing: the dates officials type, in Vietnamese and English."""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from dateparser.date import DateDataParser

__all__ = [
    "DayOff",
    "Deadline",
    "DeadlineError",
    "day_off",
    "is_working_day",
    "parse_deadline",
    "working_day_after",
    "working_day_before",
]

COUNTRY = "VN"

Reason = Literal["empty", "unparseable", "past"]


@dataclass(frozen=True, slots=True)
class Deadline:
    """A due day, with a time of day only when the user typed one."""

    day: dt.date
    time: dt.time | None = None
    # True when no year was typed and the day fell in a later year than today's ("cuối tháng
    # 9" typed in November): the confirmation says so, since the user may have meant the past.
    next_year: bool = field(default=False, compare=False)


class DeadlineError(ValueError):
    """Raised with .reason in {"empty", "unparseable", "past"} and .text (what the user typed)."""

    reason: Reason
    text: str
    day: dt.date | None

    def __init__(self, reason: Reason, text: str = "", day: dt.date | None = None) -> None:
        # args carry everything so the exception survives pickling and logging intact.
        super().__init__(reason, text, day)
        self.reason = reason
        self.text = text
        # For "past", the day the text resolved to, so the bot can say which day it understood.
        self.day = day

    def __str__(self) -> str:
        return f"{self.reason}: {self.text!r}"


# Longer input is a pasted message, not a deadline; refusing it keeps the regexes and
# dateparser away from pathological text.
_MAX_LEN = 100
# A deadline further out than this is a typo or a number dateparser took for a year.
_MAX_DAYS_AHEAD = 366 * 10


# --- normalisation -------------------------------------------------------------------------


def _fold_char(ch: str) -> str:
    decomposed = unicodedata.normalize("NFD", ch.lower())
    folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    # đ is a letter of its own, not d plus a mark, so NFD leaves it alone.
    return folded.replace("đ", "d")


def _fold(text: str) -> tuple[str, list[int]]:
    """Lower-case, accent-free text, and for each of its characters the index in `text`.

    The index map lets a span found in the folded text be cut from the original, so that
    dateparser still sees the diacritics it needs for Vietnamese words.
    """
    chars: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        for c in _fold_char(ch):
            chars.append(c)
            origin.append(i)
    return "".join(chars), origin


def _tidy(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip(" ,;.")


# --- time of day ---------------------------------------------------------------------------

# Matched on folded text. "h"/"g"/"gio" are the Vietnamese "giờ"; "p"/"phut" is "phút".
# The look-behind keeps "30/9" or "2024-09-30" from lending digits to a time.
_TIME_RE = re.compile(
    r"""
    (?:\b(?:luc|at|vao\ luc)\s+)?
    (?<![\d/.:\-])
    (?:
        (?P<h2>\d{1,2})(?::(?P<m2>\d{2}))?\s*(?P<ampm>am|pm)\b
      | (?P<h1>\d{1,2})\s*(?::|h|g|gio)\s*(?P<m1>\d{2})(?:\s*(?:p|phut)\b)?
      | (?P<h3>\d{1,2})\s*(?:h|g|gio)\b
    )
    (?:\s*(?P<part>sang|trua|chieu|toi)\b)?
    (?![\d/:\-]|\.\d)
    """,
    re.VERBOSE,
)


def _time_from(m: re.Match[str]) -> dt.time | None:
    if m["ampm"]:
        hour, minute = int(m["h2"]), int(m["m2"] or 0)
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if m["ampm"] == "pm" else 0)
    else:
        hour, minute = int(m["h1"] or m["h3"]), int(m["m1"] or 0)
    part = m["part"]
    if part and m["ampm"]:
        return None
    # "5h chiều" is 17:00, "8h tối" 20:00, "1h trưa" 13:00; "sáng" (morning) changes nothing.
    if (part in ("chieu", "toi") and hour < 12) or (part == "trua" and 1 <= hour <= 5):
        hour += 12
    if hour > 23 or minute > 59:
        return None
    return dt.time(hour, minute)


# --- working days --------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _days_off(year: int) -> frozenset[dt.date]:
    # The holidays package knows the lunar ones (Tết, Hùng Kings) and announced substitutes.
    # Imported when first needed, as dateparser below: together they were a fifth of the
    # bot's start-up, which needs neither.
    import holidays

    return frozenset(holidays.country_holidays(COUNTRY, years=year).keys())


@lru_cache(maxsize=8192)
def is_working_day(day: dt.date) -> bool:
    """Monday to Friday and not a Vietnamese public holiday."""
    return day.weekday() < 5 and day not in _days_off(day.year)


@lru_cache(maxsize=8192)
def working_day_before(day: dt.date) -> dt.date:
    """`day` itself when it is a working day, else the last working day before it."""
    while not is_working_day(day):
        day -= dt.timedelta(days=1)
    return day


@lru_cache(maxsize=8192)
def working_day_after(day: dt.date) -> dt.date:
    """`day` itself when it is a working day, else the first working day after it."""
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


@dataclass(frozen=True, slots=True)
class DayOff:
    """A deadline that falls on a weekend or a public holiday, and the working day before it."""

    day: dt.date
    holiday: str  # the holiday's name in the language asked for; "" for a plain weekend
    working_day_before: dt.date


_HOLIDAY_LANGUAGES = {"vi": "vi", "en": "en_US"}


def day_off(day: dt.date, lang: str = "vi") -> DayOff | None:
    """The day off a deadline falls on (a weekend, a public holiday), None on a working day.

    Deadlines on such days are accepted (a decree may set one), but the confirmation says so
    and offers the working day before.
    """
    if is_working_day(day):
        return None
    import holidays

    names = holidays.country_holidays(
        COUNTRY, years=day.year, language=_HOLIDAY_LANGUAGES.get(lang, "vi")
    )
    return DayOff(day, names.get(day, ""), working_day_before(day))


# --- calendar helpers ----------------------------------------------------------------------


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    # 31/1 plus a month is the end of February, not an error.
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _add_working_days(day: dt.date, count: int) -> dt.date:
    # Weekends only: public holidays shift by decree each year and belong to the caller.
    while count > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day


def _next_day_month(today: dt.date, day: int, month: int) -> dt.date | None:
    """The first `day`/`month` on or after today; None if that day never exists."""
    # Nine years reach a 29/2 from any starting year, leap-century gaps included.
    for year in range(today.year, today.year + 9):
        try:
            candidate = dt.date(year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    return None


def _next_day_of_month(today: dt.date, day: int) -> dt.date | None:
    """The first `day` of a month on or after today, skipping months too short for it."""
    for months in range(13):
        first = _add_months(today.replace(day=1), months)
        if day <= calendar.monthrange(first.year, first.month)[1]:
            candidate = first.replace(day=day)
            if candidate >= today:
                return candidate
    return None


def _year(text: str) -> int:
    return 2000 + int(text) if len(text) == 2 else int(text)


def _date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


# Where in a month (or week, or year) "đầu/giữa/cuối", "beginning/mid/end" land.
_PART_WORDS = {
    "dau": "start",
    "beginning": "start",
    "start": "start",
    "giua": "mid",
    "mid": "mid",
    "middle": "mid",
    "cuoi": "end",
    "end": "end",
}


def _in_month(year: int, month: int, part: str | None) -> dt.date:
    if part == "start":
        return dt.date(year, month, 1)
    if part == "mid":
        return dt.date(year, month, 15)
    # A month on its own means its last day: "tháng 9" is "by the end of September".
    return _month_end(year, month)


def _next_in_month(today: dt.date, month: int, part: str | None) -> dt.date | None:
    """The month's day (see _in_month) this year, or next year if that day has passed."""
    if not 1 <= month <= 12:
        return None
    candidate = _in_month(today.year, month, part)
    return candidate if candidate >= today else _in_month(today.year + 1, month, part)


# --- vocabulary (folded) -------------------------------------------------------------------

_EN_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}  # fmt: skip
# "thu" is left out: folded, it is the Vietnamese "thứ", which needs a number after it.
_EN_WEEKDAYS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tues": 1, "tue": 1, "wednesday": 2, "wed": 2,
    "thursday": 3, "thurs": 3, "thur": 3, "friday": 4, "fri": 4, "saturday": 5, "sat": 5,
    "sunday": 6, "sun": 6,
}  # fmt: skip
# "thứ hai" is Monday: Vietnamese counts Sunday as the first day.
_VI_WEEKDAYS = {
    "2": 0, "hai": 0, "3": 1, "ba": 1, "4": 2, "tu": 2, "5": 3, "nam": 3, "6": 4, "sau": 4,
    "7": 5, "bay": 5,
}  # fmt: skip
_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "mot": 1, "hai": 2, "ba": 3, "bon": 4,
    "tu": 4, "nam": 5, "sau": 6, "bay": 7, "tam": 8, "chin": 9, "muoi": 10,
}  # fmt: skip
_UNITS = {
    "ngay lam viec": "workday", "working days": "workday", "working day": "workday",
    "business days": "workday", "business day": "workday", "ngay": "day", "days": "day",
    "day": "day", "tuan": "week", "weeks": "week", "week": "week", "thang": "month",
    "months": "month", "month": "month",
}  # fmt: skip


def _alternation(words: Iterable[str]) -> str:
    # Longest first, so "september" is not cut short at "sep".
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_MON = _alternation(_EN_MONTHS)
_WD = _alternation(_EN_WEEKDAYS)
_NUM = r"\d{1,4}|" + _alternation(_NUMBER_WORDS)
_UNIT = _alternation(_UNITS)
_ORD = r"(?:st|nd|rd|th)?"
_PART = r"(?P<part>dau|giua|cuoi|beginning|start|mid|middle|end)"


def _count(text: str) -> int:
    return int(text) if text.isdigit() else _NUMBER_WORDS[text]


def _week_offset(word: str | None) -> int | None:
    """0 for this week, 1 for next week, None when no week was named."""
    if word is None:
        return None
    return 0 if word in ("nay", "this") else 1


# --- the pre-parser ------------------------------------------------------------------------

Handler = Callable[[re.Match[str], dt.date], dt.date | None]
_RULES: list[tuple[re.Pattern[str], Handler]] = []
# Rules that read a day or month without a year choose the year themselves; when they chose
# a later one than today's, the confirmation says "next year". Their year group, if typed,
# is named "y" or "y2".
_YEARLESS: set[Handler] = set()


def _rule(pattern: str, *, infers_year: bool = False) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        _RULES.append((re.compile(pattern), handler))
        if infers_year:
            _YEARLESS.add(handler)
        return handler

    return register


@_rule(r"(?P<y>\d{4})(?P<s>[-/.])(?P<m>\d{1,2})(?P=s)(?P<d>\d{1,2})")
def _iso(m: re.Match[str], today: dt.date) -> dt.date | None:
    return _date(int(m["y"]), int(m["m"]), int(m["d"]))


# Day first always: this is Vietnam, and "03/04" is the 3rd of April.
@_rule(r"(?:ngay )?(?P<d>\d{1,2})(?P<s>[-/.])(?P<m>\d{1,2})(?P=s)(?P<y>\d{4}|\d{2})")
def _dmy(m: re.Match[str], today: dt.date) -> dt.date | None:
    return _date(_year(m["y"]), int(m["m"]), int(m["d"]))


@_rule(r"(?:ngay )?(?P<d>\d{1,2})[-/.](?P<m>\d{1,2})", infers_year=True)
def _dm(m: re.Match[str], today: dt.date) -> dt.date | None:
    return _next_day_month(today, int(m["d"]), int(m["m"]))


@_rule(rf"(?:{_PART} (?:of )?)?(?:thang )?(?P<m>\d{{1,2}})[-/.](?P<y>\d{{4}})")
def _month_year_numeric(m: re.Match[str], today: dt.date) -> dt.date | None:
    month = int(m["m"])
    if not 1 <= month <= 12:
        return None
    return _in_month(int(m["y"]), month, _PART_WORDS.get(m["part"] or ""))


@_rule(
    r"(?:ngay )?(?P<d>\d{1,2}) thang (?P<m>\d{1,2})(?:(?: nam |\s*[/,]\s*)(?P<y>\d{4}))?",
    infers_year=True,
)
def _vi_long_date(m: re.Match[str], today: dt.date) -> dt.date | None:
    day, month = int(m["d"]), int(m["m"])
    if m["y"]:
        return _date(int(m["y"]), month, day)
    return _next_day_month(today, day, month)


@_rule(
    rf"(?:{_PART} )?thang (?P<m>\d{{1,2}})(?:(?: nam |\s*[/,]\s*)(?P<y>\d{{4}}))?",
    infers_year=True,
)
def _vi_month(m: re.Match[str], today: dt.date) -> dt.date | None:
    part = _PART_WORDS.get(m["part"] or "")
    month = int(m["m"])
    if m["y"]:
        return _in_month(int(m["y"]), month, part) if 1 <= month <= 12 else None
    return _next_in_month(today, month, part)


@_rule(rf"(?:{_PART} )?thang(?: (?P<w>nay|sau|toi))?")
def _vi_this_next_month(m: re.Match[str], today: dt.date) -> dt.date | None:
    if not (m["part"] or m["w"]):
        return None
    # Bare "đầu tháng" is this month's first day even when passed: the user named this month,
    # and "đầu tháng sau" exists for the next one. Refusing it as past beats guessing.
    first = _add_months(today.replace(day=1), 1 if m["w"] in ("sau", "toi") else 0)
    return _in_month(first.year, first.month, _PART_WORDS.get(m["part"] or ""))


@_rule(rf"(?:{_PART} (?:of )?(?:the )?)?(?:(?P<w>this|next) )?month")
def _en_this_next_month(m: re.Match[str], today: dt.date) -> dt.date | None:
    which = m["w"]
    if not (m["part"] or which):
        return None
    first = _add_months(today.replace(day=1), 1 if which == "next" else 0)
    return _in_month(first.year, first.month, _PART_WORDS.get(m["part"] or ""))


@_rule(r"(?P<part>dau|cuoi) nam(?: (?P<w>nay|sau|toi|\d{4}))?|nam (?P<y>nay|sau|toi|\d{4})")
def _vi_year(m: re.Match[str], today: dt.date) -> dt.date | None:
    which = m["w"] or m["y"]
    year = today.year
    if which in ("sau", "toi"):
        year += 1
    elif which and which.isdigit():
        year = int(which)
    # A year on its own means its last day, as a month does.
    return dt.date(year, 1, 1) if m["part"] == "dau" else dt.date(year, 12, 31)


@_rule(rf"(?:{_PART} (?:of )?(?:the )?)?(?:(?P<w>this|next) )?year")
def _en_year(m: re.Match[str], today: dt.date) -> dt.date | None:
    which = m["w"]
    part = _PART_WORDS.get(m["part"] or "")
    if not (part or which) or part == "mid":
        return None
    year = today.year + (1 if which == "next" else 0)
    return dt.date(year, 1, 1) if part == "start" else dt.date(year, 12, 31)


# Weekday each part of a working week lands on: Monday, Wednesday, Friday. "Cuối tuần" is
# Friday, the last working day, not the weekend: nobody sets a deadline on a Sunday.
_WEEK_PARTS = {"start": 0, "mid": 2, "end": 4}


@_rule(rf"{_PART} tuan(?: (?P<w>nay|sau|toi))?")
def _vi_part_of_week(m: re.Match[str], today: dt.date) -> dt.date | None:
    return _part_of_week(today, _PART_WORDS[m["part"]], _week_offset(m["w"]))


@_rule(rf"(?:{_PART} (?:of )?(?:the )?)?(?:(?P<w>this|next) )?week")
def _en_part_of_week(m: re.Match[str], today: dt.date) -> dt.date | None:
    part = _PART_WORDS.get(m["part"] or "")
    offset = _week_offset(m["w"])
    if part is None and offset is None:
        return None
    return _part_of_week(today, part or "end", offset)


@_rule(r"tuan (?P<w>nay|sau|toi)")
def _vi_week(m: re.Match[str], today: dt.date) -> dt.date | None:
    # A week on its own means its last working day, as a month means its last day.
    return _part_of_week(today, "end", _week_offset(m["w"]))


def _part_of_week(today: dt.date, part: str, offset: int | None) -> dt.date:
    weekday = _WEEK_PARTS[part]
    if offset is None:
        # No week named: the first such day from today on, so "cuối tuần" typed on a
        # Saturday means the coming Friday rather than a Friday already gone.
        return today + dt.timedelta(days=(weekday - today.weekday()) % 7)
    return _monday(today) + dt.timedelta(weeks=offset, days=weekday)


def _weekday(today: dt.date, weekday: int, offset: int | None) -> dt.date:
    if offset is None:
        # A bare weekday is the next one strictly after today: on a Friday, "thứ sáu" means
        # next Friday. Someone whose deadline is today types "hôm nay", and reading "thứ sáu"
        # as today would set a deadline that is already due when the task is created.
        return today + dt.timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)
    # Weeks run Monday to Sunday, so "chủ nhật tuần này" is the coming Sunday.
    return _monday(today) + dt.timedelta(weeks=offset, days=weekday)


@_rule(
    r"(?:vao )?(?:thu ?(?P<n>[2-7]|hai|ba|tu|nam|sau|bay)|(?P<sun>chu ?nhat|cn))"
    r"(?: (?:tuan )?(?P<w>nay)| tuan (?P<w2>sau|toi))?"
)
def _vi_weekday(m: re.Match[str], today: dt.date) -> dt.date | None:
    weekday = 6 if m["sun"] else _VI_WEEKDAYS[m["n"]]
    return _weekday(today, weekday, _week_offset(m["w"] or m["w2"]))


# "next friday" is read as the coming Friday, as dateparser and most speakers do; the
# Friday of next week is "friday next week".
@_rule(rf"(?:(?P<pre>next|this|coming) )?(?P<d>{_WD})(?: (?P<w>this|next) week)?")
def _en_weekday(m: re.Match[str], today: dt.date) -> dt.date | None:
    if m["pre"] and m["w"]:
        return None
    offset = _week_offset(m["w"]) if m["w"] else (0 if m["pre"] == "this" else None)
    return _weekday(today, _EN_WEEKDAYS[m["d"]], offset)


@_rule(
    rf"(?:(?:sau|trong|in|within) )?(?P<n>{_NUM}) (?P<u>{_UNIT})"
    r"(?: (?:nua|toi|sau|from now|from today|later))?"
)
def _relative(m: re.Match[str], today: dt.date) -> dt.date | None:
    text = m.group(0)
    # "3 ngày" alone is a duration, not a date: it needs "nữa", "sau", "in"... to be one.
    if not re.match(r"(?:sau|trong|in|within) ", text) and not re.search(
        r" (?:nua|toi|sau|from now|from today|later)$", text
    ):
        return None
    count, unit = _count(m["n"]), _UNITS[m["u"]]
    if unit == "month":
        return _add_months(today, count) if count <= 120 else None
    days = {"day": count, "week": count * 7}.get(unit)
    if days is not None:
        return today + dt.timedelta(days=days) if days <= _MAX_DAYS_AHEAD else None
    return _add_working_days(today, count) if count <= 2500 else None


_OFFSETS = {
    "hom nay": 0, "nay": 0, "today": 0, "ngay mai": 1, "mai": 1, "tomorrow": 1, "tmr": 1, "tmrw": 1,
    "ngay kia": 2, "ngay mot": 2, "mot": 2, "kia": 2, "day after tomorrow": 2,
    "the day after tomorrow": 2, "hom qua": -1, "yesterday": -1,
}  # fmt: skip


@_rule(_alternation(_OFFSETS))
def _named_day(m: re.Match[str], today: dt.date) -> dt.date | None:
    return today + dt.timedelta(days=_OFFSETS[m.group(0)])


@_rule(
    rf"(?:the )?(?P<d>\d{{1,2}}){_ORD}\s*(?:of )?(?P<m>{_MON})\.?(?:,?\s*(?P<y>\d{{4}}))?"
    rf"|(?P<m2>{_MON})\.? (?:the )?(?P<d2>\d{{1,2}}){_ORD}(?:,?\s*(?P<y2>\d{{4}}))?"
,
    infers_year=True,
)
def _en_day_month(m: re.Match[str], today: dt.date) -> dt.date | None:
    day, month = int(m["d"] or m["d2"]), _EN_MONTHS[m["m"] or m["m2"]]
    year = m["y"] or m["y2"]
    return _date(int(year), month, day) if year else _next_day_month(today, day, month)


@_rule(
    rf"(?:{_PART}(?:-| | of )(?:the )?)?(?P<m>{_MON})\.?(?:,? (?P<y>\d{{4}}))?",
    infers_year=True,
)
def _en_month(m: re.Match[str], today: dt.date) -> dt.date | None:
    part = _PART_WORDS.get(m["part"] or "")
    month = _EN_MONTHS[m["m"]]
    if m["y"]:
        return _in_month(int(m["y"]), month, part)
    return _next_in_month(today, month, part)


# A lone number is a day of the month: "hạn 15" in a group chat means the 15th. It is
# the next 15th on or after today, as "30/9" is the next 30 September, rather than the
# 15th of this month, which dateparser would give even when it has passed.
@_rule(rf"(?:ngay |the )?(?P<d>\d{{1,2}}){_ORD}", infers_year=True)
def _day_of_month(m: re.Match[str], today: dt.date) -> dt.date | None:
    day = int(m["d"])
    return _next_day_of_month(today, day) if 1 <= day <= 31 else None


# --- the forms plans write: quarters, parts of a year, a year ----------------------------

_QUARTERS = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4,
             "first": 1, "second": 2, "third": 3, "fourth": 4}


def _period_end(today: dt.date, year: str | None, month: int) -> dt.date:
    """The last day of `month`: in the year typed, else the first such day on or after today."""
    if year:
        return _month_end(int(year), month)
    this_year = _month_end(today.year, month)
    return this_year if this_year >= today else _month_end(today.year + 1, month)


# "Quý I/2025", "quý IV năm 2025", "Q3 2025", "quý 2": the quarter's last day.
@_rule(
    r"(?:quy|q|quarter)\s*(?P<q>iv|i{1,3}|[1-4])(?:(?:\s+nam\s+|\s*[/,-]\s*|\s+)(?P<y>\d{4}))?"
    r"|(?P<q2>first|second|third|fourth) quarter(?: (?:of )?(?P<y2>\d{4}))?",
    infers_year=True,
)
def _quarter(m: re.Match[str], today: dt.date) -> dt.date | None:
    return _period_end(today, m["y"] or m["y2"], _QUARTERS[m["q"] or m["q2"]] * 3)


# "6 tháng đầu năm 2025" is 30/6, "9 tháng đầu năm" 30/9, "6 tháng cuối năm" 31/12.
@_rule(r"(?P<n>\d{1,2}|sau|chin) thang (?P<part>dau|cuoi) nam(?: (?P<y>\d{4}))?",
       infers_year=True)
def _months_of_year(m: re.Match[str], today: dt.date) -> dt.date | None:
    months = int(m["n"]) if m["n"].isdigit() else {"sau": 6, "chin": 9}[m["n"]]
    if not 1 <= months <= 12:
        return None
    return _period_end(today, m["y"], months if m["part"] == "dau" else 12)


# "nửa đầu năm 2025", "first half of 2025", "H1/2025": 30/6; the second half: 31/12.
@_rule(
    r"nua (?P<vi>dau|cuoi) nam(?: (?P<y>\d{4}))?"
    r"|(?:h(?P<h>[12])|(?P<en>first|second) half(?: of)?(?: the year)?)(?:[ /-]?(?P<y2>\d{4}))?",
    infers_year=True,
)
def _half_year(m: re.Match[str], today: dt.date) -> dt.date | None:
    first = m["vi"] == "dau" or m["h"] == "1" or m["en"] == "first"
    return _period_end(today, m["y"] or m["y2"], 6 if first else 12)



# Words a user may type before a deadline that add nothing to it.
# "trước 30/6", "trước ngày 15/12", "chậm nhất 30/9" set the day itself as the deadline, as
# plans mean them; "trong" only before a month, quarter, year or week ("trong tháng 9"), since
# "trong 3 ngày" is a duration the relative rule reads.
_FILLER_RE = re.compile(
    r"(?:han chot|han|deadline|due|by|on|vao|truoc ngay|truoc|cham nhat(?: la)?(?: ngay)?"
    r"|no later than|before|trong(?= (?:thang|quy|nam|tuan)\b))\b[\s:]*"
)


def _pre_parse(folded: str, today: dt.date) -> tuple[bool, dt.date | None, bool]:
    """(matched, day, year inferred): matched is True when a rule recognised the form, even if
    the day it names does not exist (31/2), so that dateparser is not asked to guess instead;
    the last is True when the rule chose the year, no year having been typed."""
    for pattern, handler in _RULES:
        m = pattern.fullmatch(folded)
        if m:
            typed_year = any(m.groupdict().get(name) for name in ("y", "y2"))
            return True, handler(m, today), handler in _YEARLESS and not typed_year
    return False, None, False


# --- dateparser fallback -------------------------------------------------------------------

# dateparser finds a date in nearly anything ("50%" is the year 2050, "a" is a day), so the
# fallback only sees text made of words a date is written with, one of them naming a day,
# a span or a number. Weekday forms ("thứ ...") are left out: the pre-parser has them all,
# and dateparser reads "thứ 8" as 8 July.
_ANCHORS = frozenset(
    set(_EN_MONTHS)
    | set(_EN_WEEKDAYS)
    | {w for unit in _UNITS for w in unit.split()}
    | {w for name in _OFFSETS for w in name.split()}
    | {"year", "years", "fortnight", "thang", "tuan", "nam", "ngay", "muoi", "chap", "gieng"}
)
_VOCABULARY = _ANCHORS | frozenset(
    set(_NUMBER_WORDS)
    | set(_PART_WORDS)
    | {
        "next", "this", "last", "coming", "in", "on", "of", "the", "at", "after", "before",
        "from", "now", "ago", "later", "within", "sau", "toi", "nay", "nua", "truoc", "trong",
        "ke", "tiep", "theo",
    }
)  # fmt: skip
_TOKEN_RE = re.compile(r"[\s,]+")
_NUMERIC_TOKEN_RE = re.compile(r"\d{1,4}(?:st|nd|rd|th)?|\d{1,4}(?:[-/.]\d{1,4}){1,2}")


def _plausible(folded: str) -> bool:
    tokens = [t for t in _TOKEN_RE.split(folded) if t]
    words = [t for t in tokens if not _NUMERIC_TOKEN_RE.fullmatch(t)]
    # Numbers alone ("2025", "1 2") are not a date the pre-parser missed.
    if not words or not all(w in _VOCABULARY for w in words):
        return False
    return len(words) < len(tokens) or any(w in _ANCHORS for w in words)


@lru_cache(maxsize=8)
def _parser(languages: tuple[str, ...], today: dt.date) -> DateDataParser:
    # RELATIVE_BASE is fixed per parser, so one parser per (language order, day) is kept;
    # the costly part, loading the locales, happens once per process inside dateparser.
    from dateparser.date import DateDataParser

    return DateDataParser(
        languages=list(languages),
        settings={
            "DATE_ORDER": "DMY",
            "PREFER_DATES_FROM": "future",
            "PREFER_DAY_OF_MONTH": "last",
            "RELATIVE_BASE": dt.datetime.combine(today, dt.time()),
        },
    )


def _dateparser(text: str, today: dt.date, lang: str) -> dt.date | None:
    languages = ("vi", "en") if lang.lower().startswith("vi") else ("en", "vi")
    try:
        found = _parser(languages, today).get_date_data(text).date_obj
    except (ValueError, OverflowError):
        return None
    # Any clock time dateparser returns is the relative base's or its own guess: only a
    # time the user typed counts, and that was taken out before.
    return found.date() if found is not None else None


def _cut(text: str, folded_span: tuple[int, int]) -> str:
    """`text` without the characters behind a span of its folded form."""
    _, origin = _fold(text)
    start, end = folded_span
    if start == end:
        return text
    return _tidy(text[: origin[start]] + " " + text[origin[end - 1] + 1 :])


def _take_time(text: str, original: str) -> tuple[str, dt.time | None]:
    """The text without its time of day, and that time; at most one time is allowed."""
    folded, _ = _fold(text)
    found = _TIME_RE.search(folded)
    if found is None:
        return _tidy(text), None
    time = _time_from(found)
    rest = _cut(text, found.span())
    if time is None or _TIME_RE.search(_fold(rest)[0]):
        raise DeadlineError("unparseable", original)
    return rest, time


def _drop_filler(text: str) -> str:
    # Words may come in a row ("hạn chót: trước ngày 15/12"); each is cut in turn.
    for _ in range(3):
        found = _FILLER_RE.match(_fold(text)[0])
        if not found:
            break
        text = _cut(text, found.span())
    return text


# --- entry point ---------------------------------------------------------------------------


def parse_deadline(
    text: str, *, today: dt.date, lang: str = "vi", allow_past: bool = False
) -> Deadline:
    """Read a deadline typed by a user, in Vietnamese or English whatever `lang`.

    `today` is the current day in the workspace's time zone; `lang` only sets which language
    dateparser tries first. Raises DeadlineError with reason "empty", "unparseable" or
    "past" (a day before today, unless `allow_past`).
    """
    stripped = text.strip()
    if not stripped:
        raise DeadlineError("empty", text)
    if len(stripped) > _MAX_LEN:
        raise DeadlineError("unparseable", text)

    remainder, time = _take_time(stripped, text)
    remainder = _drop_filler(remainder)
    folded, _ = _fold(remainder)

    day: dt.date | None
    inferred = False
    if not folded:
        # A time alone ("17h") is today at that time.
        if time is None:
            raise DeadlineError("unparseable", text)
        day = today
    else:
        matched, day, inferred = _pre_parse(folded, today)
        if not matched and _plausible(folded):
            day = _dateparser(remainder, today, lang)
    if day is None or (day - today).days > _MAX_DAYS_AHEAD:
        raise DeadlineError("unparseable", text)
    if day < today and not allow_past:
        raise DeadlineError("past", text, day)
    return Deadline(day, time, next_year=inferred and day.year > today.year)
