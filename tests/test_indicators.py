"""Tests of bot.indicators and bot.ranking: met or not, ranking, gaps, changes, missing reports."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.indicators import (
    NATIONAL,
    Direction,
    Indicator,
    IndicatorValue,
    PastValue,
    Reporters,
    missing_reports,
)
from bot.model import Agency, AgencyKind
from bot.names import slug
from bot.periods import Frequency, ReportPeriod, Unit
from bot.ranking import agency_figures, rank, trend

AT = dt.datetime(2024, 10, 11, 9, 0, tzinfo=dt.UTC)
NINE_MONTHS = ReportPeriod.months(2024, 1, 9)
YEAR_2023 = ReportPeriod.months(2023, 1, 12)
SEVEN_MONTHS = ReportPeriod.months(2024, 1, 7)
# The Government Office's figures of 11 October 2024 (DOMAIN.md, "Indicators").
DIGITIZATION = {
    "Bình Định": 89.51, "Hải Dương": 88.32, "Hà Giang": 85.86, "Cà Mau": 84.70,
    "Điện Biên": 75.60, "Quảng Bình": 74.02, "Quảng Nam": 73.44, "Nghệ An": 72.47,
    "Bắc Ninh": 65.67, "Thừa Thiên Huế": 55.15,
}
PROVINCES = [Agency(slug(n), f"UBND tỉnh {n}", n, (), AgencyKind.PROVINCE)
             for n in [*DIGITIZATION, "Hà Tĩnh"]]
MINISTRY = Agency("bo-tu-phap", "Bộ Tư pháp", "Bộ Tư pháp", (), AgencyKind.MINISTRY)
AGENCIES = [*PROVINCES, MINISTRY]


def code(name: str) -> str:
    return slug(name)


def digitization(**changes: object) -> Indicator:
    base = Indicator(
        number=1, name="Tỷ lệ số hóa hồ sơ, kết quả giải quyết TTHC", short_name="Số hóa hồ sơ",
        unit=Unit.PERCENT, direction=Direction.HIGHER, target=80.0,
        frequency=Frequency.CUMULATIVE, reporters=Reporters.PROVINCES,
    )
    for key, value in changes.items():
        setattr(base, key, value)
    return base


def index(figures: dict[ReportPeriod, dict[str, float]], number: int = 1
          ) -> dict[ReportPeriod, dict[str, IndicatorValue]]:
    return {
        period: {code(n): IndicatorValue(number, code(n), period, v, AT, 1)
                 for n, v in by.items()}
        for period, by in figures.items()
    }


def test_the_seeds_table_comes_out_exactly() -> None:
    ranking = rank(digitization(), index({NINE_MONTHS: DIGITIZATION}), AGENCIES)
    assert ranking.period == NINE_MONTHS
    assert [(r.rank, r.label, r.value) for r in ranking.rows] == [
        (i, name, value) for i, (name, value) in enumerate(DIGITIZATION.items(), start=1)
    ]
    assert [r.label for r in ranking.met] == ["Bình Định", "Hải Dương", "Hà Giang", "Cà Mau"]
    assert len(ranking.not_met) == 6
    last = ranking.rows[-1]
    assert (last.label, last.value, last.met) == ("Thừa Thiên Huế", 55.15, False)
    assert last.gap == pytest.approx(-24.85)
    assert ranking.average == pytest.approx(76.474)
    # Hà Tĩnh is a province that has not reported: listed, never left out. The ministry is
    # not asked for a provinces' indicator.
    assert [a.label for a in ranking.missing] == ["Hà Tĩnh"]
    assert ranking.shortfalls[0].label == "Thừa Thiên Huế"


@pytest.mark.parametrize(("direction", "value", "met"), [
    (Direction.HIGHER, 80.0, True), (Direction.HIGHER, 79.99, False),
    (Direction.LOWER, 5.0, True), (Direction.LOWER, 5.01, False),
])
def test_met_follows_the_direction(direction: Direction, value: float, met: bool) -> None:
    target = 80.0 if direction is Direction.HIGHER else 5.0
    indicator = digitization(direction=direction, target=target)
    assert indicator.met(value, "x") is met


def test_lower_is_better_ranks_the_smallest_first() -> None:
    days = digitization(unit=Unit.DAYS, direction=Direction.LOWER, target=5.0)
    ranking = rank(days, index({NINE_MONTHS: {"Nghệ An": 7, "Cà Mau": 3, "Bắc Ninh": 5}}),
                   AGENCIES)
    assert [(r.label, r.met) for r in ranking.rows] == [
        ("Cà Mau", True), ("Bắc Ninh", True), ("Nghệ An", False),
    ]
    assert ranking.rows[-1].gap == pytest.approx(2.0)


def test_an_agency_target_overrides_the_common_one() -> None:
    indicator = digitization(targets={code("Hà Giang"): 90.0})
    ranking = rank(indicator, index({NINE_MONTHS: DIGITIZATION}), AGENCIES)
    ha_giang = next(r for r in ranking.rows if r.label == "Hà Giang")
    assert (ha_giang.target, ha_giang.own_target, ha_giang.met) == (90.0, True, False)
    assert ha_giang.gap == pytest.approx(-4.14)
    assert len(ranking.met) == 3


def test_no_target_means_neither_met_nor_not() -> None:
    ranking = rank(digitization(target=None), index({NINE_MONTHS: DIGITIZATION}), AGENCIES)
    assert {r.met for r in ranking.rows} == {None}
    assert not ranking.has_target


def test_equal_figures_share_a_rank() -> None:
    ranking = rank(digitization(), index({NINE_MONTHS: {"Nghệ An": 80, "Cà Mau": 80,
                                                        "Bắc Ninh": 70}}), AGENCIES)
    assert [r.rank for r in ranking.rows] == [1, 1, 3]


def test_change_since_the_previous_period_and_who_moved_most() -> None:
    # Nghệ An's online payment rate: 13,51% in 2023, 40,47% in the first 7 months of 2024.
    payment = digitization(number=2, target=None, reporters=Reporters.ALL)
    values = index({YEAR_2023: {"Nghệ An": 13.51, "Hà Tĩnh": 34.37, "Bắc Ninh": 50.0},
                    SEVEN_MONTHS: {"Nghệ An": 40.47, "Hà Tĩnh": 30.0, "Bắc Ninh": 45.0}}, 2)
    ranking = rank(payment, values, AGENCIES)
    assert ranking.period == SEVEN_MONTHS and ranking.previous_period == YEAR_2023
    nghe_an = next(r for r in ranking.rows if r.label == "Nghệ An")
    assert nghe_an.previous == 13.51
    assert nghe_an.change == pytest.approx(26.96)
    assert ranking.improved is not None and ranking.improved.label == "Nghệ An"
    assert ranking.fell_back is not None and ranking.fell_back.label == "Bắc Ninh"
    earlier = rank(payment, values, AGENCIES, YEAR_2023)
    assert earlier.previous_period is None and earlier.later_periods == (SEVEN_MONTHS,)


def test_improvement_of_a_lower_is_better_indicator_is_a_fall() -> None:
    days = digitization(unit=Unit.DAYS, direction=Direction.LOWER, target=5.0)
    values = index({YEAR_2023: {"Nghệ An": 9, "Cà Mau": 3},
                    NINE_MONTHS: {"Nghệ An": 6, "Cà Mau": 4}})
    ranking = rank(days, values, AGENCIES)
    assert ranking.improved is not None and ranking.improved.label == "Nghệ An"
    assert ranking.fell_back is not None and ranking.fell_back.label == "Cà Mau"


def test_the_national_average_is_shown_not_ranked() -> None:
    values = index({YEAR_2023: {"Hà Tĩnh": 57.01}})
    values[YEAR_2023][NATIONAL] = IndicatorValue(1, NATIONAL, YEAR_2023, 38.26, AT, 1)
    ranking = rank(digitization(target=None), values, AGENCIES)
    assert [r.label for r in ranking.rows] == ["Hà Tĩnh"]
    assert ranking.national == 38.26


def test_a_correction_is_shown_with_the_value_it_replaced() -> None:
    values = index({NINE_MONTHS: {"Nghệ An": 72.47}})
    values[NINE_MONTHS][code("Nghệ An")].history = (PastValue(70.0, AT, 1),)
    row = rank(digitization(), values, AGENCIES).rows[0]
    assert row.corrected_from == 70.0


def test_nothing_reported_yet_lists_everyone_asked() -> None:
    ranking = rank(digitization(), {}, AGENCIES)
    assert ranking.period is None and ranking.rows == ()
    assert len(ranking.missing) == len(PROVINCES)


def test_an_agency_sees_its_shortfalls_first_then_what_it_has_not_reported() -> None:
    satisfaction = Indicator(number=3, name="Mức độ hài lòng", unit=Unit.SCORE, target=90.0)
    values = {1: index({NINE_MONTHS: DIGITIZATION}),
              3: index({YEAR_2023: {"Hà Giang": 94.44}}, 3)}
    nghe_an = next(a for a in AGENCIES if a.label == "Nghệ An")
    figures = agency_figures(nghe_an, [satisfaction, digitization()], values, AGENCIES)
    assert [(f.indicator.number, f.short) for f in figures] == [(1, True), (3, False)]
    assert figures[0].row is not None and figures[0].row.rank == 8
    assert figures[1].row is None  # not reported for 2023
    ministry_figures = agency_figures(MINISTRY, [digitization()], values, AGENCIES)
    assert ministry_figures == []  # provinces only


def test_trend_is_oldest_first() -> None:
    values = index({SEVEN_MONTHS: {"Nghệ An": 40.47}, YEAR_2023: {"Nghệ An": 13.51}})
    assert [v.value for v in trend(values, code("Nghệ An"))] == [13.51, 40.47]


def test_missing_reports_are_those_due_soon_or_recently() -> None:
    indicator = digitization(report_day=20)
    values = {1: index({ReportPeriod.months(2024, 1, 6): DIGITIZATION})}
    found = missing_reports([indicator], values, AGENCIES, dt.date(2024, 9, 10))
    # 6 months (due 20/6) is over 30 days past; 9 months is due on 20/9.
    assert [(r.period, r.due, len(r.agencies)) for r in found] == [
        (NINE_MONTHS, dt.date(2024, 9, 20), len(PROVINCES)),
    ]
    reported = {1: index({NINE_MONTHS: DIGITIZATION})}
    found = missing_reports([indicator], reported, AGENCIES, dt.date(2024, 9, 25))
    assert [a.label for r in found for a in r.agencies] == ["Hà Tĩnh"]
    assert missing_reports([digitization()], {}, AGENCIES, dt.date(2024, 9, 25)) == []


def test_the_due_day_is_kept_inside_short_months() -> None:
    assert digitization(report_day=31).due_day(ReportPeriod.months(2024, 1, 6)) == \
        dt.date(2024, 6, 30)
