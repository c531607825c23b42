"""The dashboard's indicators page: one indicator ranked, one agency's trend, each agency's card."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.indicators import Indicator, IndicatorValue
from bot.model import Agency
from bot.ranking import AgencyFigure, Ranking, agency_figures, rank, trend
from bot.ranking import Row as RankRow
from store.workspace import WorkspaceStore


@dataclass(frozen=True, slots=True)
class Measure:
    """One figure drawn as a bar: its length and the requirement's place, in percent."""

    width: float
    target_at: float | None


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """One agency's figure for one period, and whether it met the requirement."""

    value: IndicatorValue
    met: bool | None
    measure: Measure


@dataclass(frozen=True, slots=True)
class IndicatorPage:
    """The indicators: the chosen one ranked for its latest period, and one agency's trend."""

    indicators: list[Indicator]
    ranking: Ranking | None
    bars: list[tuple[RankRow, Measure]]
    agencies: list[Agency]  # those with a figure for the chosen indicator, for the trend
    agency: Agency | None
    trend: list[TrendPoint]


def _scale(figures: Sequence[float], target: float | None) -> float:
    """The length a full bar stands for: the largest figure or requirement, never 0."""
    top = max([*figures, *([target] if target is not None else []), 0.0])
    return top or 1.0


def _measure(value: float, target: float | None, scale: float) -> Measure:
    return Measure(round(100.0 * max(value, 0.0) / scale, 3),
                   round(100.0 * target / scale, 3) if target is not None else None)


def indicator_page(store: WorkspaceStore, number: int | None, agency: str) -> IndicatorPage:
    """Indicator `number` (default: the first) ranked as /indicators ranks it, and `agency`'s
    figures for it over the periods, oldest first."""
    indicators = store.indicators.all()
    chosen = next((i for i in indicators if i.number == number), None)
    if chosen is None and indicators:
        chosen = indicators[0]
    if chosen is None:
        return IndicatorPage(indicators, None, [], [], None, [])
    values = store.indicators.values(chosen.number)
    known = store.agencies()
    result = rank(chosen, values, known)
    scale = _scale([r.value for r in result.rows], chosen.target)
    bars = [(row, _measure(row.value, row.target, scale)) for row in result.rows]
    reporting = {code for by in values.values() for code in by}
    agencies = [a for a in known if a.code in reporting]
    picked = next((a for a in agencies if a.code == agency), None)
    points: list[TrendPoint] = []
    if picked is not None:
        history = trend(values, picked.code)
        top = _scale([v.value for v in history], chosen.target_for(picked.code))
        points = [TrendPoint(v, chosen.met(v.value, picked.code),
                             _measure(v.value, chosen.target_for(picked.code), top))
                  for v in history]
    return IndicatorPage(indicators, result, bars, agencies, picked, points)


def agency_indicators(store: WorkspaceStore) -> dict[str, list[AgencyFigure]]:
    """Each agency's indicators against its requirements, shortfalls first (as its card)."""
    indicators = store.indicators.all()
    if not indicators:
        return {}
    index = store.indicators.index()
    known = store.agencies()
    return {a.code: agency_figures(a, indicators, index, known) for a in known}
