"""Indicators against targets: the model and its rules (who reports, met or not, when due).

An indicator (e.g. the digitization rate of records, Index 766) has a unit, a direction
(higher or lower is better), a requirement that may differ per agency, a reporting
frequency, and the agencies that report it. Agencies report one value per period; a
correction keeps the earlier value in the value's history.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from bot.model import Agency, AgencyKind
from bot.names import fold
from bot.periods import Frequency, ReportPeriod, Unit, periods_of

__all__ = [
    "NATIONAL",
    "Direction",
    "Entry",
    "Indicator",
    "IndicatorValue",
    "MissingReport",
    "PastValue",
    "Reporters",
    "ValueIndex",
    "missing_reports",
]

# The agency code under which the national average of a period is kept: shown beside the
# ranking, never ranked, never asked for.
NATIONAL = "*"
CHASE_DAYS = 30  # after its due day, a missing report is chased this long, then the digest
LEAD_DAYS = 60  # reminders before a due day look this far ahead at most


class Direction(StrEnum):
    """Whether a higher or a lower figure is better (a rate vs. days to settle a file)."""

    HIGHER = "higher"
    LOWER = "lower"


class Reporters(StrEnum):
    """Which agencies report an indicator (`Indicator.reported_by`): every one, the provinces,
    the ministries and sectors, or the ones it names (`Indicator.agencies`)."""

    ALL = "all"
    PROVINCES = "provinces"
    MINISTRIES = "ministries"  # ministries and sectors
    NAMED = "named"


@dataclass(slots=True)
class Indicator:
    """What is measured, against which requirement, how often, and by whom."""

    number: int  # stable within the workspace; buttons and values refer to it
    name: str  # as the reports write it: "Tỷ lệ số hóa hồ sơ, kết quả giải quyết TTHC"
    short_name: str = ""  # "Số hóa hồ sơ"
    aliases: tuple[str, ...] = ()
    unit: Unit = Unit.PERCENT
    direction: Direction = Direction.HIGHER
    target: float | None = None  # the requirement; None: figures are only compared
    targets: dict[str, float] = field(default_factory=dict)  # Agency.code -> own target
    frequency: Frequency = Frequency.YEAR
    source: str = ""  # "Bộ chỉ số 766"
    reporters: Reporters = Reporters.ALL
    agencies: tuple[str, ...] = ()  # Agency.code, when reporters is NAMED
    report_day: int | None = None  # values are due by this day of the period's last month
    created_at: dt.datetime | None = None
    created_by: int = 0

    @property
    def label(self) -> str:
        """The name to show in lists: the short one when there is one."""
        return self.short_name or self.name

    def keys(self) -> set[str]:
        """Every folded form the indicator answers to."""
        return {fold(n) for n in (self.name, self.short_name, *self.aliases) if n}

    def target_for(self, agency: str) -> float | None:
        """The requirement for one agency: its own target, else the common one."""
        return self.targets.get(agency, self.target)

    def reported_by(self, agency: Agency) -> bool:
        """Whether `agency` is asked for this indicator."""
        if self.reporters is Reporters.ALL:
            return True
        if self.reporters is Reporters.PROVINCES:
            return agency.kind is AgencyKind.PROVINCE
        if self.reporters is Reporters.MINISTRIES:
            return agency.kind in (AgencyKind.MINISTRY, AgencyKind.SECTOR)
        return agency.code in self.agencies

    def met(self, value: float, agency: str) -> bool | None:
        """Whether `value` meets the agency's requirement; None when there is none."""
        target = self.target_for(agency)
        if target is None:
            return None
        return value >= target if self.direction is Direction.HIGHER else value <= target

    def gap(self, value: float, agency: str) -> float | None:
        """Value minus requirement (in percentage points for a rate); None without one."""
        target = self.target_for(agency)
        return None if target is None else value - target

    def better(self, change: float) -> float:
        """A change as an improvement: positive when the figure got better."""
        return change if self.direction is Direction.HIGHER else -change

    def due_day(self, period: ReportPeriod) -> dt.date | None:
        """The day a period's values are due, when the group set one."""
        if self.report_day is None:
            return None
        last = calendar.monthrange(period.year, period.last)[1]
        return dt.date(period.year, period.last, min(self.report_day, last))


@dataclass(frozen=True, slots=True)
class PastValue:
    """A value that a correction replaced: what it was, who reported it, when."""

    value: float
    at: dt.datetime
    by: int


@dataclass(slots=True)
class IndicatorValue:
    """One agency's figure for one period; `history` holds what corrections replaced."""

    indicator: int
    agency: str  # Agency.code, or NATIONAL
    period: ReportPeriod
    value: float
    at: dt.datetime
    by: int
    history: tuple[PastValue, ...] = ()

    @property
    def previous(self) -> float | None:
        """The value before the last correction, if it was corrected."""
        return self.history[-1].value if self.history else None


@dataclass(frozen=True, slots=True)
class Entry:
    """A value to store: which indicator, agency and period, and the figure."""

    indicator: int
    agency: str  # Agency.code, or NATIONAL
    period: ReportPeriod
    value: float


# One indicator's values: period -> agency code -> value.
ValueIndex = Mapping[ReportPeriod, Mapping[str, IndicatorValue]]


@dataclass(frozen=True, slots=True)
class MissingReport:
    """Agencies that have not reported an indicator for a period that is (nearly) due."""

    indicator: Indicator
    period: ReportPeriod
    due: dt.date
    agencies: tuple[Agency, ...]
    represented: frozenset[str] = frozenset()  # agencies with an official in the chat


def missing_reports(
    indicators: Iterable[Indicator], values: Mapping[int, ValueIndex],
    agencies: Iterable[Agency], today: dt.date, *, ahead: int = LEAD_DAYS,
    behind: int = CHASE_DAYS, represented: frozenset[str] = frozenset(),
) -> list[MissingReport]:
    """The reports still missing whose due day lies from `behind` days ago to `ahead` ahead.

    Only indicators with a report day are chased; agencies that reported are left out.
    `represented` (agency codes with a member in the chat) is passed on to the reminders,
    which write to those agencies' officials and to the group for the others.
    """
    pool = list(agencies)
    found = []
    for indicator in indicators:
        if indicator.report_day is None:
            continue
        asked = [a for a in pool if indicator.reported_by(a)]
        if not asked:
            continue
        reported = values.get(indicator.number, {})
        for year in (today.year - 1, today.year, today.year + 1):
            for period in periods_of(indicator.frequency, year):
                due = indicator.due_day(period)
                assert due is not None
                if not -behind <= (due - today).days <= ahead:
                    continue
                have = reported.get(period, {})
                missing = tuple(a for a in asked if a.code not in have)
                if missing:
                    found.append(MissingReport(indicator, period, due, missing,
                                               represented & {a.code for a in missing}))
    found.sort(key=lambda r: (r.due, r.indicator.number))
    return found
