"""The rendering environment: Jinja2 templates per language, filters, and message splitting."""

from __future__ import annotations

import datetime as dt
import html
import re
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context

from bot.dates import working_day_before

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
LANGUAGES = ("vi", "en")
TELEGRAM_LIMIT = 4096

_DATE_FORMAT = {"vi": "dd/MM/yyyy", "en": "d MMM yyyy"}
_DATETIME_FORMAT = {"vi": "HH:mm dd/MM/yyyy", "en": "d MMM yyyy HH:mm"}
_SHORT_DATE_FORMAT = {"vi": "dd/MM", "en": "d MMM"}
_GROUP = {"vi": ".", "en": ","}  # the languages' group separators, as Babel writes them
# Babel is imported by the first date or number shown, not at start-up, which shows none.


def normalize_lang(lang: str | None) -> str:
    """A supported language code; Vietnamese when unknown."""
    return lang if lang in LANGUAGES else "vi"


@lru_cache(maxsize=4096)
def format_day(day: dt.date, lang: str) -> str:
    """A date the way the language writes it: 31/07/2024 in vi, 31 Jul 2024 in en."""
    from babel.dates import format_date

    return format_date(day, _DATE_FORMAT[lang], locale=lang)


@lru_cache(maxsize=8192)  # Babel takes ~7 µs a number; status messages show dozens
def format_number(value: float, lang: str, digits: int = 2) -> str:
    """A number with the language's separators: 1.234,5 in vi, 1,234.5 in en."""
    if type(value) is int and lang in _GROUP:
        # The counts every status message shows, grouped as Babel groups them, without its
        # ~7 µs a number (they change with every write, so the cache here seldom has them).
        return f"{value:,}".replace(",", _GROUP[lang])
    from babel.numbers import format_decimal

    pattern = "#,##0." + "#" * digits if digits else "#,##0"
    return format_decimal(value, pattern, locale=lang)


@lru_cache(maxsize=8192)
def format_fixed(value: float, lang: str, digits: int = 2) -> str:
    """A number with exactly `digits` decimals, as reports quote figures: 84,70 in vi."""
    from babel.numbers import format_decimal

    return format_decimal(value, "#,##0." + "0" * digits if digits else "#,##0", locale=lang)


@lru_cache(maxsize=8192)
def format_signed(value: float, lang: str, digits: int = 2, fixed: bool = True) -> str:
    """A change with its sign, as reports write one: +9,51, −4,40 (a real minus), ±0,00."""
    size = format_fixed(abs(value), lang, digits) if fixed else \
        format_number(abs(value), lang, digits)
    zero = format_fixed(0, lang, digits) if fixed else format_number(0, lang, digits)
    if size == zero:
        return "±" + size
    return ("+" if value > 0 else "−") + size


def format_percent(value: float, lang: str, digits: int = 2) -> str:
    """A percentage given as a number of percent: 89.51 -> 89,51% in vi."""
    return format_number(value, lang, digits) + "%"


@pass_context
def _date_filter(ctx: Context, value: dt.date | dt.datetime | None, style: str = "") -> str:
    if value is None:
        return ""
    from babel.dates import format_date, format_datetime

    lang = ctx["lang"]
    if isinstance(value, dt.datetime):
        if style == "date":
            return format_day(value.date(), lang)
        tz = ctx.get("tz")
        zone = ZoneInfo(tz) if isinstance(tz, str) else tz
        return format_datetime(value, _DATETIME_FORMAT[lang], tzinfo=zone, locale=lang)
    if style == "short":
        return format_date(value, _SHORT_DATE_FORMAT[lang], locale=lang)
    return format_day(value, lang)


@pass_context
def _number_filter(ctx: Context, value: float, digits: int = 2) -> str:
    return format_number(value, ctx["lang"], digits)


@pass_context
def _fixed_filter(ctx: Context, value: float, digits: int = 2) -> str:
    return format_fixed(value, ctx["lang"], digits)


@pass_context
def _signed_filter(ctx: Context, value: float, digits: int = 2, fixed: bool = True) -> str:
    return format_signed(value, ctx["lang"], digits, fixed)


@pass_context
def _percent_filter(ctx: Context, value: float, digits: int = 2) -> str:
    return format_percent(value, ctx["lang"], digits)


def _ratio(part: int, whole: int) -> float:
    return 100.0 * part / whole if whole else 0.0


def _month_end(year: int, month: int) -> dt.date:
    first_of_next = dt.date(year + month // 12, month % 12 + 1, 1)
    return first_of_next - dt.timedelta(days=1)


def example_day(today: dt.date, kind: str = "deadline") -> str:
    """A date for an example, as a user types it, computed from `today` so the bot never
    refuses its own example: "deadline" is the last working day of the month after next
    (30/9/2024 on 31/7/2024), "later" a month after it, "month" its month (9/2024), "day" it
    without the year (30/9), "today" today, "last_month" and "last_month_range" the previous
    month (6/2024, 1/6/2024-30/6/2024), "year" this year."""
    index = today.year * 12 + today.month - 1

    def end(months: int) -> dt.date:
        year, month = divmod(index + months, 12)
        return _month_end(year, month + 1)

    # Working days, so that an example deadline draws no weekend note.
    deadline, later, last = working_day_before(end(2)), working_day_before(end(3)), end(-1)
    forms = {
        "deadline": f"{deadline.day}/{deadline.month}/{deadline.year}",
        "later": f"{later.day}/{later.month}/{later.year}",
        "month": f"{deadline.month}/{deadline.year}",
        "day": f"{deadline.day}/{deadline.month}",
        "today": f"{today.day}/{today.month}/{today.year}",
        "last_month": f"{last.month}/{last.year}",
        "last_month_range": f"1/{last.month}/{last.year}-{last.day}/{last.month}/{last.year}",
        "year": str(today.year),
    }
    return forms[kind]


@pass_context
def _example(ctx: Context, kind: str = "deadline") -> str:
    # `today` is in every chat message's context (handlers.common.render); a template that
    # shows an example without it fails loudly rather than showing a stale date.
    return example_day(ctx["today"], kind)


class Renderer:
    """Renders `templates/<lang>/<name>.html` with the filters every message shares."""

    def __init__(self, templates_dir: Path = TEMPLATES_DIR) -> None:
        self.env = Environment(
            loader=FileSystemLoader(str(templates_dir)), undefined=StrictUndefined,
            autoescape=True, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False,
            auto_reload=False,
        )
        self.env.filters.update(
            date=_date_filter, number=_number_filter, percent=_percent_filter,
            fixed=_fixed_filter, signed=_signed_filter,
        )
        self.env.globals.update(ratio=_ratio, example=_example)
        self._labels: dict[tuple[str, str], dict[str, str]] = {}

    def render(self, name: str, lang: str, **context: Any) -> str:
        """The message `name` in `lang`, trimmed, as Telegram HTML."""
        lang = normalize_lang(lang)
        template = self.env.get_template(f"{lang}/{name}.html")
        text = template.render(lang=lang, **context)
        # Templates may leave runs of blank lines where optional blocks were skipped.
        return re.sub(r"\n{3,}", "\n\n", text).strip()

    def labels(self, name: str, lang: str) -> dict[str, str]:
        """The "key: label" lines of a template that takes no values (button labels), as
        :func:`pairs` reads them; rendered once per language, as they never change."""
        key = (name, normalize_lang(lang))
        found = self._labels.get(key)
        if found is None:
            found = self._labels[key] = pairs(self.render(name, lang))
        return dict(found)


_TAG = re.compile(r"<[^>]+>")


def plain_text(html_text: str) -> str:
    """Telegram HTML as plain text (tags dropped, entities unescaped), for terminals and logs."""
    return html.unescape(_TAG.sub("", html_text))


def visible_length(html_text: str) -> int:
    """Length as Telegram counts it: text after entity parsing, in UTF-16 code units."""
    plain = html.unescape(_TAG.sub("", html_text))
    return len(plain.encode("utf-16-le")) // 2


def split_message(html_text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split a message at line ends into parts Telegram accepts.

    Templates never open a tag on one line and close it on another, so any line boundary
    is a safe place to cut. A single line longer than the limit is cut at a space.
    """
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for line in html_text.split("\n"):
        length = visible_length(line) + 1
        if length > limit:
            line = _shorten(line, limit - 2)
            length = visible_length(line) + 1
        if current and size + length > limit:
            parts.append("\n".join(current).strip("\n"))
            current, size = [], 0
        current.append(line)
        size += length
    if current:
        parts.append("\n".join(current).strip("\n"))
    return [p for p in parts if p.strip()] or [html_text[:limit]]


def _shorten(line: str, limit: int) -> str:
    plain = html.unescape(_TAG.sub("", line))
    cut = plain[: limit - 1].rsplit(" ", 1)[0]
    return html.escape(cut) + "…"


def pairs(text: str) -> dict[str, str]:
    """"key: value" lines of a small template (file names, captions, labels) as a dict of
    plain text: such a template's values go into files and captions, not into HTML."""
    found = (line.partition(":") for line in html.unescape(text).splitlines())
    return {key.strip(): value.strip() for key, _, value in found if value.strip()}
