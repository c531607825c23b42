"""Tests of bot.indicator_input: definitions, targets, and pasted values matched to agencies."""

from __future__ import annotations

import pytest

from bot.indicator_input import (
    DefinitionError,
    build_draft,
    match_indicators,
    other_agency_lines,
    parse_definition,
    parse_target,
    split_report,
)
from bot.indicators import NATIONAL, Direction, Indicator, Reporters
from bot.model import Agency, AgencyKind
from bot.periods import FigureError, Frequency, ReportPeriod, Unit
from tests.test_indicators import AGENCIES, DIGITIZATION, code, digitization

NINE_MONTHS = ReportPeriod.months(2024, 1, 9)
QUANG = [*AGENCIES]  # Quảng Bình and Quảng Nam both start with "Quảng"


def test_a_full_definition() -> None:
    found = parse_definition(
        "Tỷ lệ số hóa hồ sơ, kết quả giải quyết TTHC | Số hóa hồ sơ, số hóa, digitization | "
        "≥ 80% | 9 tháng | tỉnh | nguồn: Bộ chỉ số 766 | hạn: 20", AGENCIES,
    )
    assert found.name == "Tỷ lệ số hóa hồ sơ, kết quả giải quyết TTHC"
    assert (found.short_name, found.aliases) == ("Số hóa hồ sơ", ("số hóa", "digitization"))
    assert (found.unit, found.direction, found.target) == (Unit.PERCENT, Direction.HIGHER, 80.0)
    assert found.frequency is Frequency.CUMULATIVE
    assert found.reporters is Reporters.PROVINCES
    assert (found.source, found.report_day) == ("Bộ chỉ số 766", 20)


@pytest.mark.parametrize(("requirement", "unit", "direction", "target"), [
    (">= 80%", Unit.PERCENT, Direction.HIGHER, 80.0),
    ("tối thiểu 80,5 %", Unit.PERCENT, Direction.HIGHER, 80.5),
    ("≤ 5 ngày", Unit.DAYS, Direction.LOWER, 5.0),
    ("không quá 5 ngày", Unit.DAYS, Direction.LOWER, 5.0),
    ("≥ 90 điểm", Unit.SCORE, Direction.HIGHER, 90.0),
    ("%", Unit.PERCENT, Direction.HIGHER, None),
    ("ngày, càng thấp càng tốt", Unit.DAYS, Direction.LOWER, None),
    ("at most 3 days", Unit.DAYS, Direction.LOWER, 3.0),
    ("1.000 hồ sơ", Unit.COUNT, Direction.HIGHER, 1000.0),
])
def test_the_requirement_gives_unit_direction_and_target(
    requirement: str, unit: Unit, direction: Direction, target: float | None,
) -> None:
    found = parse_definition(f"Chỉ số | CS | {requirement}", AGENCIES)
    assert (found.unit, found.direction, found.target) == (unit, direction, target)


def test_named_reporters_are_matched_like_agencies() -> None:
    found = parse_definition("Thanh toán trực tuyến | TTTT | % | đơn vị: Nghe An, Ha Tinh",
                             AGENCIES)
    assert found.reporters is Reporters.NAMED
    assert found.agencies == (code("Nghệ An"), code("Hà Tĩnh"))


@pytest.mark.parametrize(("text", "reason"), [
    ("", "empty"),
    ("Chỉ số số hóa | số hóa", "parts"),
    ("Chỉ số | CS | khoảng tám mươi", "requirement"),
    ("Chỉ số | CS | ≥ 120%", "over_100"),
    ("Chỉ số | CS | ≥ 80% | hàng tuần", "part"),
    ("Chỉ số | CS | ≥ 80% | đơn vị: Hà Nội", "agency_unknown"),
    ("Chỉ số | CS | ≥ 80% | đơn vị: Quảng", "agency_ambiguous"),
    ("Chỉ số | CS | ≥ 80% | hạn: 40", "report_day"),
])
def test_bad_definitions_say_what_is_wrong(text: str, reason: str) -> None:
    with pytest.raises(DefinitionError) as caught:
        parse_definition(text, QUANG)
    assert caught.value.reason == reason


def test_redefining_keeps_what_was_not_typed() -> None:
    old = digitization(report_day=20, source="Bộ chỉ số 766", targets={"x": 90.0})
    new = parse_definition("Số hóa | Số hóa hồ sơ | ≥ 85%", AGENCIES).applied_to(old)
    assert (new.number, new.target, new.report_day, new.source) == (1, 85.0, 20,
                                                                   "Bộ chỉ số 766")
    assert new.targets == {"x": 90.0} and new.reporters is Reporters.PROVINCES


def test_indicators_match_by_alias_without_diacritics_or_number() -> None:
    payment = Indicator(number=2, name="Tỷ lệ thanh toán trực tuyến",
                        short_name="Thanh toán trực tuyến")
    indicators = [digitization(aliases=("số hóa",)), payment]
    assert match_indicators("so hoa", indicators) == [indicators[0]]
    assert match_indicators("thanh toan", indicators) == [payment]
    assert match_indicators("#2", indicators) == [payment]
    assert match_indicators("ty le", indicators) == indicators
    assert match_indicators("dân số", indicators) == []


def test_targets() -> None:
    assert parse_target("≥ 95%", Unit.PERCENT).target == 95.0
    assert parse_target("bỏ", Unit.PERCENT).target is None
    with pytest.raises(FigureError):
        parse_target("120", Unit.PERCENT)


def test_a_pasted_report_is_split_into_indicator_period_and_lines() -> None:
    text = "số hóa | 9 tháng 2024\nBình Định 89,51\nHải Dương 88.32\n\nHà Giang: 85,86%"
    found = split_report(text)
    assert (found.indicator, found.period) == ("số hóa", "9 tháng 2024")
    assert found.lines == ("Bình Định 89,51", "Hải Dương 88.32", "Hà Giang: 85,86%")
    one = split_report("số hóa | Thừa Thiên Huế 55,15")
    assert (one.period, one.lines) == ("", ("Thừa Thiên Huế 55,15",))
    own = split_report("số hóa | quý III/2024 | 72,47")
    assert (own.period, own.lines) == ("quý III/2024", ("72,47",))


def test_the_seeds_paste_resolves_every_line() -> None:
    lines = [f"{name} {value:.2f}".replace(".", ",") for name, value in DIGITIZATION.items()]
    draft = build_draft(digitization(), NINE_MONTHS, lines, AGENCIES, own_agency=None,
                        leader=True)
    assert draft.open_lines == []
    assert [(line.agency, line.value) for line in draft.ready] == [
        (code(n), v) for n, v in DIGITIZATION.items()
    ]


def test_open_lines_say_why_and_offer_choices() -> None:
    lines = ["Binh Dinh 89,51", "Quảng 74,02", "Hà Nội 80", "Bình Định 89,51", "Cà Mau 184,7",
             "Bộ Tư pháp 50", "Điện Biên", "Nghe An 72,47"]
    draft = build_draft(digitization(), NINE_MONTHS, lines, AGENCIES, own_agency=None,
                        leader=True)
    problems = {line.number: line.problem for line in draft.lines}
    assert problems == {1: None, 2: "ambiguous", 3: "unknown", 4: "duplicate", 5: "value",
                        6: "not_reporter", 7: "no_value", 8: None}
    quang = draft.line(2)
    assert quang is not None
    assert {a.label for a in quang.choices} == {"Quảng Bình", "Quảng Nam"}
    five = draft.line(5)
    assert five is not None and five.error is not None and five.error.reason == "over_100"
    # Resolving and dropping: nothing is ready to write while a line is open.
    quang_nam = next(a for a in AGENCIES if a.label == "Quảng Nam")
    assert draft.resolve(2, quang_nam) is None
    binh_dinh = next(a for a in AGENCIES if a.label == "Bình Định")
    assert draft.resolve(3, binh_dinh) is not None  # line 1 has Bình Định already
    for number in (3, 4, 5, 6, 7):
        draft.drop(number)
    assert draft.open_lines == []
    assert [line.number for line in draft.ready] == [1, 2, 8]


def test_a_member_reports_his_own_agency_without_naming_it() -> None:
    nghe_an = code("Nghệ An")
    draft = build_draft(digitization(), NINE_MONTHS, ["72,47"], AGENCIES, own_agency=nghe_an,
                        leader=False)
    assert [(line.agency, line.value) for line in draft.ready] == [(nghe_an, 72.47)]
    other = build_draft(digitization(), NINE_MONTHS, ["Cà Mau 84,7", "Nghệ An 72,47"],
                        AGENCIES, own_agency=nghe_an, leader=False)
    assert [line.number for line in other_agency_lines(other, nghe_an)] == [1]


def test_the_national_average_is_for_leaders() -> None:
    draft = build_draft(digitization(), NINE_MONTHS, ["cả nước 38,26"], AGENCIES,
                        own_agency=None, leader=True)
    assert draft.ready[0].agency == NATIONAL
    member = build_draft(digitization(), NINE_MONTHS, ["cả nước 38,26"], AGENCIES,
                         own_agency=code("Nghệ An"), leader=False)
    assert member.ready == [] and member.lines[0].problem == "unknown"


def test_a_leader_without_an_agency_must_name_one() -> None:
    draft = build_draft(digitization(), NINE_MONTHS, ["72,47"], AGENCIES, own_agency=None,
                        leader=True)
    assert draft.lines[0].problem == "no_name" and draft.lines[0].choices


def test_an_agency_outside_the_provinces_cannot_be_given_a_value() -> None:
    ministry = Agency("bo-cong-an", "Bộ Công an", "Bộ Công an", (), AgencyKind.MINISTRY)
    draft = build_draft(digitization(), NINE_MONTHS, ["Bộ Công an 50"], [*AGENCIES, ministry],
                        own_agency=None, leader=True)
    assert draft.lines[0].problem == "not_reporter"
