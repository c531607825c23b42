"""What officials type about indicators: a definition, a per-agency target, reported values.

A definition is one line of parts separated by "|":
``Tỷ lệ số hóa hồ sơ | Số hóa hồ sơ, số hóa | ≥ 80% | 9 tháng | tỉnh | nguồn: Bộ chỉ số 766 |
hạn: 20`` — the name, the short name and aliases, the requirement (which also gives the unit
and the direction), then in any order the frequency, who reports, the source, and the day of
the period's last month by which values are due.

Values are reported as ``indicator | period | Bình Định 89,51`` with as many "agency value"
lines as wanted (a pasted table); a member may leave out his own agency's name. Every line is
matched to one agency; a line that cannot be (unknown, ambiguous, a bad figure, twice the
same agency) stays open in a :class:`Draft` until it is resolved or dropped, and nothing is
written before every line is.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from rapidfuzz import fuzz

from bot.errors import InputError
from bot.indicators import NATIONAL, Direction, Indicator, Reporters
from bot.model import Agency
from bot.names import fold, match_agencies, match_keyed
from bot.periods import (
    FigureError,
    Frequency,
    ReportPeriod,
    Unit,
    parse_frequency,
    parse_value,
    read_number,
)

__all__ = [
    "Definition",
    "DefinitionError",
    "Draft",
    "Line",
    "ReportText",
    "TargetChange",
    "build_draft",
    "match_indicators",
    "other_agency_lines",
    "parse_definition",
    "parse_target",
    "split_report",
]

MAX_LINES = 100  # a pasted table of all 63 provinces fits, with room to spare
SUGGESTIONS = 4


def match_indicators(query: str, indicators: Sequence[Indicator]) -> list[Indicator]:
    """The indicators `query` may mean (by name, short name, alias or number), never guessing."""
    text = query.strip().lstrip("#")
    if text.isdigit():
        return [i for i in indicators if i.number == int(text)]
    return match_keyed(fold(text), [(i, i.keys()) for i in indicators])


# -- definitions ----------------------------------------------------------------------------

DefinitionReason = Literal[
    "empty", "parts", "requirement", "over_100", "part", "agency_unknown", "agency_ambiguous",
    "report_day", "unit_change",
]


class DefinitionError(InputError[DefinitionReason]):
    """An indicator definition that cannot be used (`.text`: which part)."""


@dataclass(frozen=True, slots=True)
class Definition:
    """An indicator as typed, before it is numbered and stored."""

    name: str
    short_name: str
    aliases: tuple[str, ...]
    unit: Unit
    direction: Direction
    target: float | None
    frequency: Frequency | None = None
    source: str | None = None
    reporters: Reporters | None = None
    agencies: tuple[str, ...] = ()
    report_day: int | None = None

    def applied_to(self, old: Indicator | None) -> Indicator:
        """The indicator this defines: a new one, or `old` with what was typed changed."""
        base = old or Indicator(number=0, name=self.name)
        return Indicator(
            number=base.number, name=self.name, short_name=self.short_name,
            aliases=self.aliases, unit=self.unit, direction=self.direction, target=self.target,
            targets=dict(base.targets),
            frequency=self.frequency or base.frequency,
            source=self.source if self.source is not None else base.source,
            reporters=self.reporters or base.reporters,
            agencies=self.agencies if self.reporters else base.agencies,
            report_day=self.report_day if self.report_day is not None else base.report_day,
            created_at=base.created_at, created_by=base.created_by,
        )


_HIGHER_OPS = (">=", "≥", "=>", ">", "toi thieu", "it nhat", "khong duoi", "tren", "at least",
               "minimum", "min")
_LOWER_OPS = ("<=", "≤", "=<", "<", "toi da", "khong qua", "duoi", "at most", "maximum", "max")
_OPS = "|".join(re.escape(o) for o in sorted(_HIGHER_OPS + _LOWER_OPS, key=len, reverse=True))
_UNITS = {
    "%": Unit.PERCENT, "phan tram": Unit.PERCENT, "percent": Unit.PERCENT,
    "ngay": Unit.DAYS, "days": Unit.DAYS, "day": Unit.DAYS,
    "diem": Unit.SCORE, "points": Unit.SCORE, "point": Unit.SCORE, "score": Unit.SCORE,
    "ho so": Unit.COUNT, "luot": Unit.COUNT, "so luong": Unit.COUNT, "count": Unit.COUNT,
    "records": Unit.COUNT, "cai": Unit.COUNT,
}
_UNIT_RE = "|".join(re.escape(u) for u in sorted(_UNITS, key=len, reverse=True))
_REQUIREMENT = re.compile(
    rf"^(?:(?:yeu cau|muc tieu|chi tieu|target|requirement)\s*:?\s*)?(?P<op>{_OPS})?\s*"
    rf"(?P<num>\d[\d.,]*)?\s*(?P<unit>{_UNIT_RE})?\s*[,;]?\s*(?P<rest>.*)$"
)
_LOWER_WORDS = ("cang thap cang tot", "thap hon la tot", "thap la tot", "lower is better",
                "lower better", "lower")
_HIGHER_WORDS = ("cang cao cang tot", "cao hon la tot", "cao la tot", "higher is better",
                 "higher better", "higher", "khong co muc tieu", "no target", "")
_ALL = frozenset({"tat ca", "tat ca don vi", "moi don vi", "all", "all agencies", "everyone"})
_PROVINCES = frozenset({"tinh", "cac tinh", "tinh thanh", "cac tinh thanh", "dia phuong",
                        "cac dia phuong", "tinh, thanh pho", "provinces", "localities"})
_MINISTRIES = frozenset({"bo", "cac bo", "bo nganh", "bo, nganh", "cac bo nganh",
                         "cac bo, nganh", "ministries", "ministries and sectors"})
_NAMED = re.compile(r"^(?:cac )?(?:don vi|agencies|bao cao)\s*:\s*(?P<names>.+)$")
_SOURCE = re.compile(r"^\s*(?:nguồn|nguon|source)\s*[:\-]?\s*(?P<text>.+)$", re.IGNORECASE)
_DAY = re.compile(r"^(?:han|han bao cao|han nop|ngay bao cao|bao cao truoc|due|due day|"
                  r"report by|by)\s*(?:ngay|day|the)?\s*:?\s*(?P<day>\d{1,2})(?:th)?$")


def _requirement(part: str) -> tuple[Unit, Direction, float | None]:
    found = _REQUIREMENT.match(fold(part))
    if found is None or not (found["num"] or found["unit"]):
        raise DefinitionError("requirement", part.strip())
    rest = found["rest"].strip(" .")
    if rest not in _LOWER_WORDS and rest not in _HIGHER_WORDS:
        raise DefinitionError("requirement", part.strip())
    unit = _UNITS[found["unit"]] if found["unit"] else Unit.COUNT
    op = found["op"]
    direction = Direction.LOWER if (op in _LOWER_OPS if op else rest in _LOWER_WORDS) \
        else Direction.HIGHER
    target = None
    if found["num"]:
        target = read_number(found["num"], unit)
        if target is None:
            raise DefinitionError("requirement", part.strip())
        if unit is Unit.PERCENT and target > 100:
            raise DefinitionError("over_100", part.strip())
    return unit, direction, target


def _named_agencies(names: str, agencies: Sequence[Agency]) -> tuple[str, ...]:
    codes: list[str] = []
    for name in re.split(r"[,;]", names):
        if not name.strip():
            continue
        found = match_agencies(name, agencies)
        if not found:
            raise DefinitionError("agency_unknown", name.strip())
        if len(found) > 1:
            raise DefinitionError("agency_ambiguous", name.strip())
        if found[0].code not in codes:
            codes.append(found[0].code)
    return tuple(codes)


def parse_definition(text: str, agencies: Sequence[Agency]) -> Definition:
    """Read a /newindicator line; DefinitionError says what is wrong with which part."""
    parts = [p.strip() for p in text.replace("\n", "|").split("|")]
    if not any(parts):
        raise DefinitionError("empty")
    if len(parts) < 3 or not parts[0]:
        raise DefinitionError("parts", text.strip())
    names = [n.strip() for n in parts[1].split(",") if n.strip()]
    unit, direction, target = _requirement(parts[2])
    options: dict[str, object] = {}
    for part in parts[3:]:
        if not part:
            continue
        folded = fold(part)
        frequency = parse_frequency(part)
        source = _SOURCE.match(part)
        day = _DAY.match(folded)
        named = _NAMED.match(folded)
        if frequency is not None:
            options["frequency"] = frequency
        elif source is not None:
            options["source"] = source["text"].strip()
        elif day is not None:
            if not 1 <= int(day["day"]) <= 31:
                raise DefinitionError("report_day", part)
            options["report_day"] = int(day["day"])
        elif folded in _ALL:
            options["reporters"] = Reporters.ALL
        elif folded in _PROVINCES:
            options["reporters"] = Reporters.PROVINCES
        elif folded in _MINISTRIES:
            options["reporters"] = Reporters.MINISTRIES
        elif named is not None:
            options["reporters"] = Reporters.NAMED
            options["agencies"] = _named_agencies(part.split(":", 1)[1], agencies)
        else:
            raise DefinitionError("part", part)
    return Definition(
        name=parts[0], short_name=names[0] if names else "", aliases=tuple(names[1:]),
        unit=unit, direction=direction, target=target, **options,  # type: ignore[arg-type]
    )


# -- a per-agency target --------------------------------------------------------------------

_REMOVE = frozenset({"bo", "xoa", "huy", "remove", "clear", "none", "khong", "mac dinh",
                     "default"})


@dataclass(frozen=True, slots=True)
class TargetChange:
    """An agency's own target for an indicator; None puts it back on the common one."""

    target: float | None


def parse_target(text: str, unit: Unit) -> TargetChange:
    """"95", "≥ 95%", or "bỏ" (back to the common target); FigureError when not a figure."""
    folded = fold(text).strip()
    if folded in _REMOVE:
        return TargetChange(None)
    bare = re.sub(rf"^(?:{_OPS})\s*", "", folded)
    return TargetChange(parse_value(bare, unit))


# -- reported values ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReportText:
    """A /report text taken apart: the indicator asked for, the period typed, the lines."""

    indicator: str
    period: str  # "" when none was typed
    lines: tuple[str, ...]


def split_report(text: str) -> ReportText:
    """Split "indicator | period | line | line" and pasted lines (one entry per line).

    The second part is the period when it reads as one; otherwise it is the first line.
    """
    rows = [r.strip() for r in text.splitlines()]
    head = [p.strip() for p in (rows[0] if rows else "").split("|")]
    rest = [p for row in rows[1:] for p in row.split("|")]
    parts = head[1:] + rest
    period = ""
    if head[1:] and _looks_like_period(head[1]):
        period = head[1]
        parts = head[2:] + rest
    return ReportText(head[0], period, tuple(p.strip() for p in parts if p.strip()))


_PERIOD_WORDS = re.compile(
    r"^(?:quy|q\d|q\s|quarter|thang|month|nam|year|ca nam|\d{1,2}\s*(?:thang|months?|m)\b|"
    r"6 thang|h[12]\b|first|second|\d{1,2}[/.\-]\d{4}$|\d{4}$|\d{4}-\d{2}$|"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b)"
)


def _looks_like_period(text: str) -> bool:
    """Whether a part is meant as a period (then a bad one is reported as a bad period)."""
    folded = fold(text)
    if _PERIOD_WORDS.match(folded) is None:
        return False
    # "Thừa Thiên Huế 55,15" is not a period; "9 tháng 2024" is, and so is "9 thang 2O24".
    return not re.search(r"\d[.,]\d", folded)


LineProblem = Literal[
    "no_value", "value", "unknown", "ambiguous", "not_reporter", "duplicate", "no_name",
]
_LINE = re.compile(r"^(?P<name>.*?)\s*[:=\t]?\s*(?P<value>[+\-−]?\s*\d[\d.,]*\s*(?:%|[^\d\s]+)?)$")
_NATIONAL_WORDS = frozenset({"ca nuoc", "toan quoc", "binh quan ca nuoc", "trung binh ca nuoc",
                             "national", "national average", "nationwide", "country"})


@dataclass(slots=True)
class Line:
    """One pasted line: what it says, which agency it is, or what keeps it open."""

    number: int  # 1-based, as pasted
    text: str
    name: str
    value: float | None
    agency: str | None = None  # Agency.code (or NATIONAL) once resolved
    problem: LineProblem | None = None
    error: FigureError | None = None
    choices: tuple[Agency, ...] = ()
    dropped: bool = False

    @property
    def open(self) -> bool:
        return self.problem is not None and not self.dropped


@dataclass(slots=True)
class Draft:
    """A report waiting for its open lines; written whole once none is left."""

    indicator: Indicator
    period: ReportPeriod
    lines: list[Line] = field(default_factory=list)

    @property
    def open_lines(self) -> list[Line]:
        return [line for line in self.lines if line.open]

    @property
    def ready(self) -> list[Line]:
        """The lines to write: resolved and kept."""
        return [line for line in self.lines if not line.dropped and line.problem is None]

    def line(self, number: int) -> Line | None:
        return next((line for line in self.lines if line.number == number), None)

    def resolve(self, number: int, agency: Agency) -> Line | None:
        """Give an open line its agency; the line that already has it, if one does."""
        line = self.line(number)
        if line is None or not line.open or line.value is None:
            return None
        taken = next((o for o in self.ready if o.agency == agency.code), None)
        if taken is not None:
            return taken
        line.agency, line.problem, line.choices = agency.code, None, ()
        return None

    def drop(self, number: int) -> None:
        line = self.line(number)
        if line is not None and line.open:
            line.dropped = True


def suggest_agencies(name: str, pool: Sequence[Agency]) -> tuple[Agency, ...]:
    """The agencies a name that matches none may have meant, closest first (at most 4)."""
    wanted = fold(name)
    scored = sorted(
        ((max(fuzz.partial_ratio(wanted, fold(a.label)), fuzz.ratio(wanted, fold(a.name))), a)
         for a in pool),
        key=lambda pair: -pair[0],
    )
    return tuple(a for score, a in scored[:SUGGESTIONS] if score >= 60)


def build_draft(indicator: Indicator, period: ReportPeriod, lines: Sequence[str],
                agencies: Sequence[Agency], *, own_agency: str | None, leader: bool) -> Draft:
    """Match every line to an agency and read its figure; open lines say what is missing.

    A member (not a leader) reports his own agency only: a line naming another one is
    `other`, which the caller refuses whole (see :func:`other_agency_lines`).
    """
    draft = Draft(indicator, period)
    asked = [a for a in agencies if indicator.reported_by(a)]
    used: set[str] = set()
    for number, text in enumerate(lines[:MAX_LINES], start=1):
        line = _read_line(number, text, indicator)
        draft.lines.append(line)
        if line.problem is not None:
            continue
        if not line.name:
            if own_agency is None:
                line.problem, line.choices = "no_name", tuple(asked[:SUGGESTIONS])
                continue
            line.agency = own_agency
        elif leader and fold(line.name) in _NATIONAL_WORDS:
            line.agency = NATIONAL
        else:
            found = match_agencies(line.name, agencies)
            if not leader and len(found) > 1 and own_agency in {a.code for a in found}:
                # "Quảng" typed by Quảng Nam's official is Quảng Nam.
                found = [a for a in found if a.code == own_agency]
            if not found:
                line.problem = "unknown"
                line.choices = suggest_agencies(line.name, asked or agencies)
                continue
            if len(found) > 1:
                line.problem, line.choices = "ambiguous", tuple(found)
                continue
            line.agency = found[0].code
        agency = next((a for a in agencies if a.code == line.agency), None)
        if agency is not None and not indicator.reported_by(agency):
            line.problem = "not_reporter"
        elif line.agency in used:
            line.problem = "duplicate"
        else:
            used.add(line.agency or "")
    return draft


def other_agency_lines(draft: Draft, own_agency: str | None) -> list[Line]:
    """Lines a member wrote for an agency that is not his."""
    return [line for line in draft.lines
            if line.agency is not None and line.agency != own_agency]


def _read_line(number: int, text: str, indicator: Indicator) -> Line:
    found = _LINE.match(text.strip())
    if found is None:
        return Line(number, text, text.strip(), None, problem="no_value")
    name = found["name"].strip(" -–:;,.\t")
    try:
        value = parse_value(found["value"], indicator.unit)
    except FigureError as error:
        return Line(number, text, name, None, problem="value", error=error)
    return Line(number, text, name, value)
