"""Tests of bot.periods: periods as officials write them, figures, frequencies."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.periods import (
    FigureError,
    Frequency,
    PeriodError,
    ReportPeriod,
    Unit,
    current_period,
    parse_frequency,
    parse_period,
    parse_value,
    periods_of,
)

TODAY = dt.date(2024, 10, 11)  # the day of the conference with the ten provinces


def months(year: int, first: int, last: int) -> ReportPeriod:
    return ReportPeriod.months(year, first, last)


@pytest.mark.parametrize(("text", "expected"), [
    ("9 tháng 2024", months(2024, 1, 9)),
    ("9 tháng đầu năm 2024", months(2024, 1, 9)),
    ("9 thang nam 2024", months(2024, 1, 9)),
    ("7 tháng 2024", months(2024, 1, 7)),
    ("quý III/2024", months(2024, 7, 9)),
    ("Quý 3 năm 2024", months(2024, 7, 9)),
    ("quy iii - 2024", months(2024, 7, 9)),
    ("6 tháng đầu năm 2024", months(2024, 1, 6)),
    ("6 tháng 2024", months(2024, 1, 6)),
    ("6 tháng cuối năm 2023", months(2023, 7, 12)),
    ("năm 2023", months(2023, 1, 12)),
    ("cả năm 2023", months(2023, 1, 12)),
    ("2023", months(2023, 1, 12)),
    ("tháng 7/2024", months(2024, 7, 7)),
    ("tháng 07 năm 2024", months(2024, 7, 7)),
    ("7/2024", months(2024, 7, 7)),
    ("2024-07", months(2024, 7, 7)),
    # English
    ("Q3 2024", months(2024, 7, 9)),
    ("q3/2024", months(2024, 7, 9)),
    ("3rd quarter 2024", months(2024, 7, 9)),
    ("first 9 months of 2024", months(2024, 1, 9)),
    ("9 months 2024", months(2024, 1, 9)),
    ("first half of 2024", months(2024, 1, 6)),
    ("H2 2023", months(2023, 7, 12)),
    ("July 2024", months(2024, 7, 7)),
    ("Jul 2024", months(2024, 7, 7)),
    ("year 2023", months(2023, 1, 12)),
    # Without a year: the latest one that has begun.
    ("quý III", months(2024, 7, 9)),
    ("quý IV", months(2024, 10, 12)),
    ("tháng 11", months(2023, 11, 11)),
    ("9 tháng", months(2024, 1, 9)),
])
def test_periods_are_read_as_officials_write_them(text: str, expected: ReportPeriod) -> None:
    assert parse_period(text, today=TODAY) == expected


@pytest.mark.parametrize(("text", "reason"), [
    ("", "empty"),
    ("quý V/2024", "quarter"),
    ("tháng 13/2024", "month"),
    ("13 tháng 2024", "month"),
    ("hôm qua", "unparseable"),
    ("9 tháng 2O24", "unparseable"),
    ("năm 2025", "future"),
    ("quý I/2025", "future"),
    ("tháng 11/2024", "future"),
])
def test_bad_or_future_periods_are_refused_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(PeriodError) as caught:
        parse_period(text, today=TODAY)
    assert caught.value.reason == reason


def test_a_period_still_running_may_be_reported() -> None:
    # "9 tháng" figures are reported in September, before the period ends.
    assert parse_period("9 tháng 2024", today=dt.date(2024, 9, 15)) == months(2024, 1, 9)


@pytest.mark.parametrize(("period", "kind"), [
    (months(2024, 7, 7), "month"),
    (months(2024, 7, 9), "quarter"),
    (months(2024, 1, 6), "h1"),
    (months(2024, 7, 12), "h2"),
    (months(2024, 1, 9), "ytd"),
    (months(2024, 1, 12), "year"),
    (months(2024, 2, 5), "range"),
])
def test_kind_says_how_a_period_is_written(period: ReportPeriod, kind: str) -> None:
    assert period.kind == kind


def test_periods_sort_by_where_they_end_and_keys_round_trip() -> None:
    periods = [months(2024, 1, 9), months(2023, 1, 12), months(2024, 1, 7), months(2024, 7, 9)]
    # Where they end first; of two ending together, the one that starts earlier first.
    assert sorted(periods) == [months(2023, 1, 12), months(2024, 1, 7), months(2024, 1, 9),
                               months(2024, 7, 9)]
    for period in periods:
        assert ReportPeriod.from_key(period.key) == period
    assert ReportPeriod.from_key("2024.9-1") is None
    assert months(2024, 1, 9).end == dt.date(2024, 9, 30)


@pytest.mark.parametrize(("text", "unit", "expected"), [
    ("89,51", Unit.PERCENT, 89.51),
    ("89.51", Unit.PERCENT, 89.51),
    ("89,51%", Unit.PERCENT, 89.51),
    ("89,51 %", Unit.PERCENT, 89.51),
    ("100", Unit.PERCENT, 100.0),
    ("0", Unit.PERCENT, 0.0),
    ("94,44 điểm", Unit.SCORE, 94.44),
    ("5 ngày", Unit.DAYS, 5.0),
    ("1.052", Unit.COUNT, 1052.0),
    ("732.009", Unit.COUNT, 732009.0),
    ("1.234.567", Unit.COUNT, 1234567.0),
    ("1,234.5", Unit.SCORE, 1234.5),
    ("1.234,5", Unit.SCORE, 1234.5),
])
def test_figures_accept_comma_dot_and_percent(text: str, unit: Unit, expected: float) -> None:
    assert parse_value(text, unit) == pytest.approx(expected)


@pytest.mark.parametrize(("text", "unit", "reason"), [
    ("100,5", Unit.PERCENT, "over_100"),
    ("120%", Unit.PERCENT, "over_100"),
    ("-3", Unit.PERCENT, "negative"),
    ("−3,5", Unit.SCORE, "negative"),
    ("5 ngày", Unit.PERCENT, "unit"),
    ("89%", Unit.DAYS, "unit"),
    ("3,5", Unit.COUNT, "whole"),
    ("tám mươi", Unit.PERCENT, "unparseable"),
    ("89,51,2", Unit.PERCENT, "unparseable"),
])
def test_bad_figures_are_refused_with_a_reason(text: str, unit: Unit, reason: str) -> None:
    with pytest.raises(FigureError) as caught:
        parse_value(text, unit)
    assert caught.value.reason == reason


@pytest.mark.parametrize(("text", "expected"), [
    ("quý", Frequency.QUARTER), ("hằng quý", Frequency.QUARTER), ("9 tháng", Frequency.CUMULATIVE),
    ("6 tháng", Frequency.HALF), ("năm", Frequency.YEAR), ("monthly", Frequency.MONTH),
    ("kỳ báo cáo: tháng", None), ("Nghệ An", None),
])
def test_frequencies(text: str, expected: Frequency | None) -> None:
    assert parse_frequency(text) == expected


def test_the_current_period_of_each_frequency() -> None:
    assert current_period(Frequency.MONTH, TODAY) == months(2024, 10, 10)
    assert current_period(Frequency.QUARTER, TODAY) == months(2024, 10, 12)
    assert current_period(Frequency.CUMULATIVE, dt.date(2024, 9, 15)) == months(2024, 1, 9)
    assert current_period(Frequency.HALF, TODAY) == months(2024, 1, 12)
    assert len(periods_of(Frequency.MONTH, 2024)) == 12
