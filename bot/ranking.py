"""Who falls short: an indicator's agencies ranked for a period, one agency's indicators, trends.

Figures are compared as reported: the change since the previous period is this period's value
minus the value the same agency reported for the indicator's previous period (the latest
earlier one with any value), in percentage points for a rate.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from bot.indicators import NATIONAL, Indicator, IndicatorValue, ValueIndex
from bot.model import Agency
from bot.periods import ReportPeriod

__all__ = ["AgencyFigure", "Ranking", "Row", "agency_figures", "rank", "summary_rankings",
           "trend"]


class Row(NamedTuple):
    """One agency's line of a ranking (a tuple: 63 of them are made at every ranking)."""

    rank: int
    code: str
    label: str
    value: float
    target: float | None
    own_target: bool  # the agency has a target of its own
    met: bool | None
    gap: float | None  # value - target
    previous: float | None  # the agency's value in the previous period
    change: float | None  # value - previous
    corrected_from: float | None  # the value before the latest correction


@dataclass(frozen=True, slots=True)
class Ranking:
    """An indicator for one period: agencies best first, who has not reported, averages."""

    indicator: Indicator
    period: ReportPeriod | None  # None: nothing reported yet
    previous_period: ReportPeriod | None
    rows: tuple[Row, ...]
    missing: tuple[Agency, ...]  # asked for the indicator, no value for the period
    average: float | None  # of the rows: the group's average
    national: float | None  # the national average, when reported
    periods: tuple[ReportPeriod, ...]  # every period with a value, oldest first

    @property
    def met(self) -> tuple[Row, ...]:
        return tuple(r for r in self.rows if r.met is True)

    @property
    def not_met(self) -> tuple[Row, ...]:
        return tuple(r for r in self.rows if r.met is False)

    @property
    def has_target(self) -> bool:
        return any(r.met is not None for r in self.rows) or self.indicator.target is not None

    @property
    def shortfalls(self) -> tuple[Row, ...]:
        """Agencies below their requirement, furthest from it first."""
        return tuple(sorted(self.not_met, key=lambda r: (-abs(r.gap or 0.0), r.label)))

    @property
    def improved(self) -> Row | None:
        """The agency whose figure got most better since the previous period."""
        return self._most(1.0)

    @property
    def fell_back(self) -> Row | None:
        """The agency whose figure got most worse since the previous period."""
        return self._most(-1.0)

    def _most(self, sign: float) -> Row | None:
        moved = [r for r in self.rows
                 if r.change is not None and sign * self.indicator.better(r.change) > 0]
        if not moved:
            return None
        return max(moved, key=lambda r: (sign * self.indicator.better(r.change or 0.0),
                                         r.label))

    @property
    def later_periods(self) -> tuple[ReportPeriod, ...]:
        """Periods after the shown one (when an earlier one was asked for)."""
        return tuple(p for p in self.periods if self.period is not None and p > self.period)


def _previous_period(periods: Sequence[ReportPeriod], period: ReportPeriod
                     ) -> ReportPeriod | None:
    earlier = [p for p in periods if p < period]
    return earlier[-1] if earlier else None


def rank(indicator: Indicator, values: ValueIndex, agencies: Iterable[Agency],
         period: ReportPeriod | None = None) -> Ranking:
    """The ranking of `indicator` for `period` (default: the latest one with a value).

    Best first by the indicator's direction; equal figures share a rank. Agencies asked for
    the indicator that have no value for the period are listed in `missing`.
    """
    periods = tuple(sorted(p for p, by in values.items() if by))
    if period is None and periods:
        period = periods[-1]
    pool = list(agencies)
    labels = {a.code: a.label for a in pool}
    reported = values.get(period, {}) if period is not None else {}
    previous_period = _previous_period(periods, period) if period is not None else None
    before = values.get(previous_period, {}) if previous_period is not None else {}
    sign = -1.0 if indicator.better(1.0) > 0 else 1.0
    ordered = sorted(
        (v for code, v in reported.items() if code != NATIONAL),
        key=lambda v: (sign * v.value, labels.get(v.agency, v.agency).casefold()),
    )
    rows: list[Row] = []
    for position, value in enumerate(ordered, start=1):
        rank_ = rows[-1].rank if rows and rows[-1].value == value.value else position
        rows.append(_row(indicator, value, rank_, labels, before.get(value.agency)))
    national = reported.get(NATIONAL)
    missing = tuple(a for a in pool if indicator.reported_by(a) and a.code not in reported)
    return Ranking(
        indicator=indicator, period=period, previous_period=previous_period, rows=tuple(rows),
        missing=missing,
        average=sum(r.value for r in rows) / len(rows) if rows else None,
        national=national.value if national is not None else None, periods=periods,
    )


def _row(indicator: Indicator, value: IndicatorValue, rank_: int, labels: dict[str, str],
         previous: IndicatorValue | None) -> Row:
    code, figure = value.agency, value.value
    target = indicator.target_for(code)
    before = previous.value if previous is not None else None
    return Row(
        rank_, code, labels.get(code, code), figure, target, code in indicator.targets,
        indicator.met(figure, code) if target is not None else None,
        figure - target if target is not None else None, before,
        figure - before if before is not None else None, value.previous,
    )


@dataclass(frozen=True, slots=True)
class AgencyFigure:
    """One indicator as one agency stands on it, in the indicator's latest period."""

    indicator: Indicator
    period: ReportPeriod | None
    row: Row | None  # None: the agency has not reported for that period
    rank_of: int  # how many agencies were ranked

    @property
    def short(self) -> bool:
        return self.row is not None and self.row.met is False


def agency_figures(agency: Agency, indicators: Iterable[Indicator],
                   values: Mapping[int, ValueIndex], agencies: Sequence[Agency]
                   ) -> list[AgencyFigure]:
    """Every indicator `agency` reports (or has a value for), where it stands; shortfalls first.

    Unreported ones come next, then the rest, each group in the indicators' order.
    """
    figures = []
    for indicator in indicators:
        index = values.get(indicator.number, {})
        ranking = rank(indicator, index, agencies)
        row = next((r for r in ranking.rows if r.code == agency.code), None)
        if row is None and not indicator.reported_by(agency):
            continue
        if ranking.period is None and row is None:
            continue
        figures.append(AgencyFigure(indicator, ranking.period, row, len(ranking.rows)))
    figures.sort(key=lambda f: (0 if f.short else 1 if f.row is None else 2))
    return figures


def summary_rankings(indicators: Iterable[Indicator], values: dict[int, ValueIndex],
                     agencies: Sequence[Agency]) -> list[Ranking]:
    """Each indicator with figures, ranked for its latest period: the summary's section."""
    rankings = (rank(i, values.get(i.number, {}), agencies) for i in indicators)
    return [r for r in rankings if r.rows]


def trend(values: ValueIndex, agency: str) -> list[IndicatorValue]:
    """One agency's values for an indicator, oldest period first."""
    return [by[agency] for period, by in sorted(values.items()) if agency in by]
