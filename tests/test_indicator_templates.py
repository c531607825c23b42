"""Golden texts of every indicator message, in Vietnamese and English.

Each golden file in tests/golden/indicators/ holds one template's cases, rendered from the
seeds' figures at a fixed time; ``DONDOC_UPDATE_GOLDEN=1`` rewrites them after a deliberate
change of wording (then read the diff).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from bot.indicator_input import build_draft
from bot.indicators import NATIONAL, Indicator, IndicatorValue, MissingReport, PastValue, Reporters
from bot.periods import ReportPeriod, example_periods
from bot.ranking import agency_figures, rank, trend
from bot.render import Renderer
from bot.summary import Kind, Period, summarize
from tests.factories import NOW, TZ
from tests.goldens import check_golden
from tests.test_indicators import AGENCIES, DIGITIZATION, code, digitization

TODAY = NOW.date()
NINE_MONTHS = ReportPeriod.months(2024, 1, 9)
HALF = ReportPeriod.months(2024, 1, 6)
YEAR_2023 = ReportPeriod.months(2023, 1, 12)
SEVEN_MONTHS = ReportPeriod.months(2024, 1, 7)
AT = NOW
LABELS = {a.code: a.label for a in AGENCIES}
NAMES = {101: "Nguyễn Thị Thư Ký", 103: "Lê Văn Nghệ"}


@dataclasses.dataclass
class _Workspace:
    title: str = "Tổ công tác cải cách TTHC"


def _indicator() -> Indicator:
    return digitization(source="Bộ chỉ số 766", aliases=("số hóa",), report_day=20,
                        targets={code("Hà Giang"): 90.0})


def _values() -> dict[ReportPeriod, dict[str, IndicatorValue]]:
    nine = {code(n): IndicatorValue(1, code(n), NINE_MONTHS, v, AT, 101)
            for n, v in DIGITIZATION.items()}
    nine[code("Nghệ An")].history = (PastValue(70.0, AT - dt.timedelta(days=2), 103),)
    nine[NATIONAL] = IndicatorValue(1, NATIONAL, NINE_MONTHS, 70.2, AT, 101)
    half = {code(n): IndicatorValue(1, code(n), HALF, v, AT, 101)
            for n, v in {"Nghệ An": 60.0, "Bình Định": 91.0, "Thừa Thiên Huế": 50.15}.items()}
    return {HALF: half, NINE_MONTHS: nine}


def _payment() -> tuple[Indicator, dict[ReportPeriod, dict[str, IndicatorValue]]]:
    payment = Indicator(number=2, name="Tỷ lệ thanh toán trực tuyến",
                        short_name="Thanh toán trực tuyến", reporters=Reporters.NAMED,
                        agencies=(code("Nghệ An"), code("Hà Tĩnh")))
    values = {YEAR_2023: {code("Nghệ An"): IndicatorValue(2, code("Nghệ An"), YEAR_2023, 13.51,
                                                          AT, 103)},
              SEVEN_MONTHS: {code("Nghệ An"): IndicatorValue(2, code("Nghệ An"), SEVEN_MONTHS,
                                                             40.47, AT, 103)}}
    return payment, values


def _ranking(period: ReportPeriod | None = None) -> Any:
    return rank(_indicator(), _values(), AGENCIES, period)


def _render(name: str, lang: str, **values: Any) -> str:
    return Renderer().render(name, lang, tz=TZ, now=NOW, today=TODAY, workspace=_Workspace(),
                             member=None, **values)


def _cases(lang: str) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    ind = _indicator()
    payment, payment_values = _payment()
    examples = example_periods(TODAY)
    ranking = _ranking()
    nghe_an = next(a for a in AGENCIES if a.label == "Nghệ An")
    ha_tinh = next(a for a in AGENCIES if a.label == "Hà Tĩnh")
    lines = ["Binh Dinh 89,51", "Quảng 74,02", "Hà Nội 80", "Cà Mau 184,7", "Bộ Tư pháp 50",
             "Bình Định 89,51", "Điện Biên"]
    draft = build_draft(ind, NINE_MONTHS, lines, AGENCIES, own_agency=None, leader=True)
    single = build_draft(ind, NINE_MONTHS, ["5 ngày"], AGENCIES, own_agency=code("Nghệ An"),
                         leader=False)
    values = _values()[NINE_MONTHS]
    written = [(values[code("Nghệ An")], IndicatorValue(1, code("Nghệ An"), NINE_MONTHS, 70.0,
                                                       AT, 103)),
               (values[code("Bình Định")], None), (values[NATIONAL], values[NATIONAL])]
    index = {1: _values(), 2: payment_values}
    report = MissingReport(ind, NINE_MONTHS, dt.date(2024, 9, 20), (nghe_an, ha_tinh))
    summary = dataclasses.replace(
        summarize([], period=Period(Kind.ALL, None, TODAY), now=NOW, tz=TZ),
        indicators=(ranking, rank(payment, payment_values, AGENCIES)))
    common = {"examples": examples}
    return {
        "indicator_ranking": [
            ("latest", {"ranking": ranking}),
            ("earlier", {"ranking": _ranking(HALF)}),
            ("empty", {"ranking": rank(ind, {}, AGENCIES)}),
            ("no target", {"ranking": rank(payment, payment_values, AGENCIES)}),
        ],
        "indicator_row": [
            (f"{row.label}", {"row": row, "unit": "percent", "direction": "higher"})
            for row in (ranking.rows[0], ranking.rows[2], ranking.rows[7])
        ] + [
            ("days, lower is better", {"row": ranking.rows[4]._replace(
                value=6.5, target=5.0, gap=1.5, change=-2.0, met=False),
                "unit": "days", "direction": "lower"}),
            ("count, no target", {"row": ranking.rows[1]._replace(
                value=1052.0, target=None, gap=None, met=None, change=None),
                "unit": "count", "direction": "higher"}),
        ],
        "indicator_list": [
            ("indicators", {"rankings": [ranking, rank(payment, payment_values, AGENCIES)],
                            **common}),
            ("none", {"rankings": [], **common}),
        ],
        "indicator_buttons": [("labels", {"previous": HALF, "latest": NINE_MONTHS})],
        "indicator_unknown": [
            ("unknown", {"given": "dân số", "found": [], "indicators": [ind, payment]}),
            ("several", {"given": "tỷ lệ", "found": [ind, payment], "indicators": [ind]}),
            ("none defined", {"given": "x", "found": [], "indicators": []}),
        ],
        "indicator_agency_unknown": [
            ("unknown", {"given": "Hà Nội", "found": [], "suggested": [],
                         "usage": "shortfalls", "example": AGENCIES[0]}),
            ("several", {"given": "Quảng", "found": AGENCIES[5:7], "suggested": [],
                         "usage": "shortfalls", "example": AGENCIES[5]}),
            ("close names, trend", {"given": "Hà Nam", "found": [], "indicator": ind,
                                    "suggested": [ha_tinh], "usage": "trend",
                                    "example": ha_tinh}),
            ("no agency, target", {"given": "x", "found": [], "indicator": ind,
                                   "suggested": [], "usage": "target", "example": None}),
        ],
        "indicator_trend": [
            ("values", {"indicator": ind, "agency": nghe_an,
                        "values": trend(_values(), nghe_an.code), "target": 80.0,
                        "names": NAMES}),
            ("none", {"indicator": ind, "agency": ha_tinh, "values": [], "target": 80.0,
                      "names": NAMES}),
        ],
        "indicator_trend_pick": [
            ("agencies", {"indicator": ind, "agencies": [nghe_an, ha_tinh]}),
            ("none", {"indicator": ind, "agencies": []}),
        ],
        "indicator_chart": [
            ("bar", {"kind": "bar", "indicator": ind, "ranking": ranking}),
            ("trend", {"kind": "trend", "indicator": payment, "agency": nghe_an,
                       "values": trend(payment_values, nghe_an.code), "target": None}),
        ],
        "indicator_caption": [
            ("bar", {"kind": "bar", "indicator": ind, "ranking": ranking}),
            ("trend", {"kind": "trend", "indicator": payment, "agency": nghe_an,
                       "values": trend(payment_values, nghe_an.code)}),
        ],
        "indicator_period_error": [
            (reason, {"reason": reason, "given": given, "indicator": ind,
                      "reporting": reporting, **common})
            for reason, given, reporting in (
                ("future", "9 tháng 2025", False), ("quarter", "quý 5/2024", True),
                ("month", "tháng 13/2024", False), ("unparseable", "hôm qua", True))
        ],
        "indicator_agency": [
            ("shortfalls", {"agency": nghe_an, "figures": agency_figures(
                nghe_an, [ind, payment], index, AGENCIES)}),
            ("not reported", {"agency": ha_tinh, "figures": agency_figures(
                ha_tinh, [ind, payment], index, AGENCIES)}),
            ("nothing asked", {"agency": AGENCIES[-1], "figures": []}),
        ],
        "indicator_shortfalls": [
            ("all", {"rankings": [ranking, rank(payment, payment_values, AGENCIES)]}),
            ("none", {"rankings": []}),
        ],
        "indicator_report_error": [
            (reason, {"reason": reason, "indicator": ind, "own": nghe_an,
                      "current": NINE_MONTHS, "names": ["Cà Mau"], **common})
            for reason in ("usage", "no_values", "no_agency", "other_agency", "not_reporter",
                           "expired", "not_yours", "cancelled")
        ],
        "indicator_report_draft": [
            ("draft", {"draft": draft, "agencies": LABELS, "single": False, "clash": None}),
            ("clash", {"draft": draft, "agencies": LABELS, "single": False,
                       "clash": draft.lines[0]}),
            ("single", {"draft": single, "agencies": LABELS, "single": True, "clash": None}),
        ],
        "indicator_report_saved": [
            ("saved", {"draft": draft, "written": written, "ranking": ranking,
                       "agencies": LABELS}),
            ("nothing", {"draft": draft, "written": [], "ranking": None, "agencies": LABELS}),
        ],
        "indicator_defined": [
            ("added", {"indicator": ind, "changed": False, "asked": AGENCIES[:11],
                       "agencies": LABELS, "current": NINE_MONTHS}),
            ("changed", {"indicator": payment, "changed": True, "asked": [nghe_an, ha_tinh],
                         "agencies": LABELS, "current": YEAR_2023}),
        ],
        "indicator_define_error": [
            (reason, {"reason": reason, "given": given, "old": payment, **common})
            for reason, given in (
                ("requirement", "khoảng 80"), ("over_100", "≥ 120%"), ("part", "hàng tuần"),
                ("agency_unknown", "Hà Nội"), ("agency_ambiguous", "Quảng"),
                ("report_day", "hạn: 40"), ("unit_change", ""), ("parts", ""), ("empty", ""))
        ],
        "indicator_target": [
            ("saved", {"reason": "saved", "given": "", "indicator": ind,
                       "agency": AGENCIES[2], "old": 85.0}),
            ("removed", {"reason": "saved", "given": "", "indicator": ind, "agency": nghe_an,
                         "old": 85.0}),
            ("usage", {"reason": "usage", "given": "số hóa", "indicator": ind, "agency": None,
                       "old": None}),
            ("over", {"reason": "over_100", "given": "120", "indicator": ind, "agency": None,
                      "old": None}),
            ("bad", {"reason": "unparseable", "given": "chín mươi", "indicator": ind,
                     "agency": None, "old": None}),
        ],
        "summary_indicators": [("section", {"summary": summary})],
        "summary_indicators_document": [("section", {"summary": summary})],
        "reminder_indicator": [
            ("private", {"report": report, "missing": [nghe_an], "days_left": 3,
                         "mentions": []}),
            ("late, in the group", {"report": report, "missing": [nghe_an, ha_tinh],
                                    "days_left": -2, "mentions": []}),
        ],
    }


TEMPLATES = sorted(_cases("vi"))



@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("template", TEMPLATES)
def test_every_indicator_message_matches_its_golden_text(template: str, lang: str) -> None:
    parts = [f"=== {case} ===\n{_render(template, lang, **values)}"
             for case, values in _cases(lang)[template]]
    check_golden(f"indicators/{template}_{lang}.html", "\n\n".join(parts))


def test_every_indicator_template_has_golden_cases() -> None:
    names = {p.stem for p in (Path(__file__).parent.parent / "templates" / "vi").glob("*.html")
             if p.stem.startswith("indicator_") and p.stem != "indicator_macros"}
    names |= {"summary_indicators", "summary_indicators_document", "reminder_indicator"}
    assert names == set(TEMPLATES)



