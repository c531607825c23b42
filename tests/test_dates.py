"""Tests for bot.dates: the deadlines officials type, in Vietnamese and English."""

from __future__ import annotations

import datetime as dt
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from bot import dates
from bot.dates import Deadline, DeadlineError, parse_deadline

WED = dt.date(2024, 7, 31)  # a Wednesday, and the last day of its month
FRI = dt.date(2024, 8, 2)
SAT = dt.date(2024, 8, 3)
SUN = dt.date(2024, 8, 4)
DEC = dt.date(2024, 12, 18)  # a Wednesday in December, for the year roll-over


def d(year: int, month: int, day: int, hour: int | None = None, minute: int = 0) -> Deadline:
    return Deadline(dt.date(year, month, day), None if hour is None else dt.time(hour, minute))


# (text, today, expected): every form the bot accepts.
CASES: list[tuple[str, dt.date, Deadline]] = [
    # numeric dates, day first always
    ("30/9", WED, d(2024, 9, 30)),
    ("30/9/2024", WED, d(2024, 9, 30)),
    ("30-9-2024", WED, d(2024, 9, 30)),
    ("30.9.2024", WED, d(2024, 9, 30)),
    ("2024-09-30", WED, d(2024, 9, 30)),
    ("30/09/24", WED, d(2024, 9, 30)),
    ("ngày 30/9", WED, d(2024, 9, 30)),
    ("ngay 30/9", WED, d(2024, 9, 30)),
    ("3/4", WED, d(2025, 4, 3)),
    ("1/8", WED, d(2024, 8, 1)),
    ("31/7", WED, d(2024, 7, 31)),
    ("30/7", WED, d(2025, 7, 30)),
    ("30/9", DEC, d(2025, 9, 30)),
    ("5/1", DEC, d(2025, 1, 5)),
    ("18/12", DEC, d(2024, 12, 18)),
    ("29/2", WED, d(2028, 2, 29)),
    ("ngày 30 tháng 9 năm 2024", WED, d(2024, 9, 30)),
    ("ngay 30 thang 9 nam 2024", WED, d(2024, 9, 30)),
    ("30 tháng 9", WED, d(2024, 9, 30)),
    # a month alone is its last day
    ("9/2024", WED, d(2024, 9, 30)),
    ("09/2024", WED, d(2024, 9, 30)),
    ("tháng 9/2024", WED, d(2024, 9, 30)),
    ("thang 9/2024", WED, d(2024, 9, 30)),
    ("tháng 9", WED, d(2024, 9, 30)),
    ("Tháng 9", WED, d(2024, 9, 30)),
    ("thang 9", WED, d(2024, 9, 30)),
    ("cuối tháng 9", WED, d(2024, 9, 30)),
    ("cuoi thang 9", WED, d(2024, 9, 30)),
    ("tháng 7", WED, d(2024, 7, 31)),
    ("tháng 6", WED, d(2025, 6, 30)),
    ("tháng 2", WED, d(2025, 2, 28)),
    ("tháng 2/2028", WED, d(2028, 2, 29)),
    ("tháng 11", DEC, d(2025, 11, 30)),
    ("tháng 12", DEC, d(2024, 12, 31)),
    ("September 2024", WED, d(2024, 9, 30)),
    ("september", DEC, d(2025, 9, 30)),
    ("end of september", WED, d(2024, 9, 30)),
    ("End of September", DEC, d(2025, 9, 30)),
    ("feb 2028", WED, d(2028, 2, 29)),
    ("tháng mười", WED, d(2024, 10, 31)),  # dateparser's, through the fallback
    # Vietnamese weekdays; today is a Wednesday
    ("thứ 2", WED, d(2024, 8, 5)),
    ("thứ hai", WED, d(2024, 8, 5)),
    ("Thứ Hai", WED, d(2024, 8, 5)),
    ("thu hai", WED, d(2024, 8, 5)),
    ("thứ 3", WED, d(2024, 8, 6)),
    ("thứ ba", WED, d(2024, 8, 6)),
    ("thứ 4", WED, d(2024, 8, 7)),
    ("thứ tư", WED, d(2024, 8, 7)),
    ("thứ 5", WED, d(2024, 8, 1)),
    ("thứ năm", WED, d(2024, 8, 1)),
    ("thu nam", WED, d(2024, 8, 1)),
    ("thứ 6", WED, d(2024, 8, 2)),
    ("thứ sáu", WED, d(2024, 8, 2)),
    ("thu 6", WED, d(2024, 8, 2)),
    ("thu sau", WED, d(2024, 8, 2)),
    ("vào thứ 6", WED, d(2024, 8, 2)),
    ("thứ 7", WED, d(2024, 8, 3)),
    ("thứ bảy", WED, d(2024, 8, 3)),
    ("thu bay", WED, d(2024, 8, 3)),
    ("chủ nhật", WED, d(2024, 8, 4)),
    ("chu nhat", WED, d(2024, 8, 4)),
    ("CN", WED, d(2024, 8, 4)),
    ("thứ 6 tuần sau", WED, d(2024, 8, 9)),
    ("thu 6 tuan sau", WED, d(2024, 8, 9)),
    ("thứ 6 tuần tới", WED, d(2024, 8, 9)),
    ("thứ sáu tuần sau", WED, d(2024, 8, 9)),
    ("thứ 2 tuần sau", WED, d(2024, 8, 5)),
    ("chủ nhật tuần sau", WED, d(2024, 8, 11)),
    ("CN tuần sau", WED, d(2024, 8, 11)),
    ("thứ 6 tuần này", WED, d(2024, 8, 2)),
    ("thứ 6 này", WED, d(2024, 8, 2)),
    ("thứ 4 tuần này", WED, d(2024, 7, 31)),
    ("thứ 6 tuần sau", DEC, d(2024, 12, 27)),
    ("thứ 2 tuần sau", DEC, d(2024, 12, 23)),
    ("chủ nhật tuần sau", DEC, d(2024, 12, 29)),
    # the Friday edge
    ("thứ 6", FRI, d(2024, 8, 9)),
    ("thứ sáu", FRI, d(2024, 8, 9)),
    ("thu sau", FRI, d(2024, 8, 9)),
    ("thứ 6 tuần này", FRI, d(2024, 8, 2)),
    ("thứ 6 tuần sau", FRI, d(2024, 8, 9)),
    ("thứ 2", FRI, d(2024, 8, 5)),
    ("friday", FRI, d(2024, 8, 9)),
    ("this friday", FRI, d(2024, 8, 2)),
    ("cuối tuần", FRI, d(2024, 8, 2)),
    # weekends: weeks run Monday to Sunday
    ("cuối tuần", SAT, d(2024, 8, 9)),
    ("thứ 7 tuần này", SAT, d(2024, 8, 3)),
    ("thứ 6 tuần sau", SAT, d(2024, 8, 9)),
    ("thứ 2 tuần sau", SUN, d(2024, 8, 5)),
    # Vietnamese relative forms
    ("3 ngày nữa", WED, d(2024, 8, 3)),
    ("3 ngay nua", WED, d(2024, 8, 3)),
    ("3 ngày tới", WED, d(2024, 8, 3)),
    ("sau 3 ngày", WED, d(2024, 8, 3)),
    ("sau 3 ngay", WED, d(2024, 8, 3)),
    ("3 ngày sau", WED, d(2024, 8, 3)),
    ("2 tuần nữa", WED, d(2024, 8, 14)),
    ("hai tuần nữa", WED, d(2024, 8, 14)),
    ("2 tuan nua", WED, d(2024, 8, 14)),
    ("1 tháng nữa", WED, d(2024, 8, 31)),
    ("6 tháng nữa", WED, d(2025, 1, 31)),
    ("2 tuần nữa", DEC, d(2025, 1, 1)),
    ("1 tháng nữa", DEC, d(2025, 1, 18)),
    ("trong 5 ngày làm việc", WED, d(2024, 8, 7)),
    ("hôm nay", WED, d(2024, 7, 31)),
    ("hom nay", WED, d(2024, 7, 31)),
    ("ngày mai", WED, d(2024, 8, 1)),
    ("ngay mai", WED, d(2024, 8, 1)),
    ("mai", WED, d(2024, 8, 1)),
    ("ngày kia", WED, d(2024, 8, 2)),
    ("ngày mốt", WED, d(2024, 8, 2)),
    ("ngay mot", WED, d(2024, 8, 2)),
    ("cuối tuần", WED, d(2024, 8, 2)),
    ("cuoi tuan", WED, d(2024, 8, 2)),
    ("cuối tuần sau", WED, d(2024, 8, 9)),
    ("tuần sau", WED, d(2024, 8, 9)),
    ("tuần tới", WED, d(2024, 8, 9)),
    ("cuối tháng", WED, d(2024, 7, 31)),
    ("cuoi thang", WED, d(2024, 7, 31)),
    ("cuối tháng", DEC, d(2024, 12, 31)),
    ("tháng sau", WED, d(2024, 8, 31)),
    ("tháng sau", DEC, d(2025, 1, 31)),
    ("cuối năm", WED, d(2024, 12, 31)),
    ("cuoi nam", WED, d(2024, 12, 31)),
    ("cuối năm", DEC, d(2024, 12, 31)),
    ("đầu tháng sau", WED, d(2024, 8, 1)),
    ("dau thang sau", WED, d(2024, 8, 1)),
    ("Đầu tháng sau", DEC, d(2025, 1, 1)),
    ("giữa tháng 10", WED, d(2024, 10, 15)),
    ("giua thang 10", WED, d(2024, 10, 15)),
    ("giữa tháng 7", WED, d(2025, 7, 15)),
    # English
    ("today", WED, d(2024, 7, 31)),
    ("tomorrow", WED, d(2024, 8, 1)),
    ("Tomorrow", WED, d(2024, 8, 1)),
    ("next friday", WED, d(2024, 8, 2)),
    ("friday", WED, d(2024, 8, 2)),
    ("Friday", WED, d(2024, 8, 2)),
    ("fri", WED, d(2024, 8, 2)),
    ("friday next week", WED, d(2024, 8, 9)),
    ("next week", WED, d(2024, 8, 9)),
    ("in 2 weeks", WED, d(2024, 8, 14)),
    ("in 3 days", WED, d(2024, 8, 3)),
    ("in a week", WED, d(2024, 8, 7)),
    ("2 weeks from now", WED, d(2024, 8, 14)),
    ("in 2 weeks", DEC, d(2025, 1, 1)),
    ("end of month", WED, d(2024, 7, 31)),
    ("end of the month", DEC, d(2024, 12, 31)),
    ("end of next month", WED, d(2024, 8, 31)),
    ("end of year", WED, d(2024, 12, 31)),
    ("30 sep", WED, d(2024, 9, 30)),
    ("30 sep", DEC, d(2025, 9, 30)),
    ("sep 30 2024", WED, d(2024, 9, 30)),
    ("Sep 30, 2024", WED, d(2024, 9, 30)),
    ("30 September 2024", WED, d(2024, 9, 30)),
    ("1st of october", WED, d(2024, 10, 1)),
    ("mid-october", WED, d(2024, 10, 15)),
    ("in a fortnight", WED, d(2024, 8, 14)),  # dateparser's, through the fallback
    # a time of day anywhere
    ("30/9 17:00", WED, d(2024, 9, 30, 17)),
    ("30/9 17h", WED, d(2024, 9, 30, 17)),
    ("30/9 17h30", WED, d(2024, 9, 30, 17, 30)),
    ("30/9 lúc 8:30", WED, d(2024, 9, 30, 8, 30)),
    ("17h ngày 30/9", WED, d(2024, 9, 30, 17)),
    ("17h30 thứ 6", WED, d(2024, 8, 2, 17, 30)),
    ("17h30 thu 6", WED, d(2024, 8, 2, 17, 30)),
    ("thứ 6 tuần sau lúc 14h", WED, d(2024, 8, 9, 14)),
    ("5h chiều thứ 2", WED, d(2024, 8, 5, 17)),
    ("9h sáng mai", WED, d(2024, 8, 1, 9)),
    ("8h tối nay", WED, d(2024, 7, 31, 20)),
    ("5pm", WED, d(2024, 7, 31, 17)),
    ("17:00", WED, d(2024, 7, 31, 17)),
    ("ngày mai 9am", WED, d(2024, 8, 1, 9)),
    ("tomorrow 5pm", WED, d(2024, 8, 1, 17)),
    ("monday 17:00", WED, d(2024, 8, 5, 17)),
    ("in a fortnight 9am", WED, d(2024, 8, 14, 9)),
    ("12am 30/9", WED, d(2024, 9, 30, 0)),
    # a lone number is the next such day of a month
    ("15", WED, d(2024, 8, 15)),
    ("ngày 15", WED, d(2024, 8, 15)),
    ("the 15th", WED, d(2024, 8, 15)),
    ("31", WED, d(2024, 7, 31)),
    ("31", dt.date(2024, 9, 1), d(2024, 10, 31)),
    ("15", DEC, d(2025, 1, 15)),
    # words people put in front of a deadline
    ("hạn 30/9", WED, d(2024, 9, 30)),
    ("Hạn chót: 30/9 17h", WED, d(2024, 9, 30, 17)),
    ("deadline 30/9", WED, d(2024, 9, 30)),
    ("by friday", WED, d(2024, 8, 2)),
    ("  30/9.  ", WED, d(2024, 9, 30)),
]


@pytest.mark.parametrize(("text", "today", "expected"), CASES, ids=[c[0] for c in CASES])
def test_parses_every_supported_form(text: str, today: dt.date, expected: Deadline) -> None:
    assert parse_deadline(text, today=today) == expected


@pytest.mark.parametrize(("text", "today", "expected"), CASES, ids=[c[0] for c in CASES])
def test_lang_only_orders_dateparser_so_both_languages_always_parse(
    text: str, today: dt.date, expected: Deadline
) -> None:
    assert parse_deadline(text, today=today, lang="en") == expected


@pytest.mark.parametrize(
    "text", ["9/2024", "tháng 9", "cuối tháng 9", "September 2024", "end of september"]
)
def test_month_alone_means_last_day(text: str) -> None:
    assert parse_deadline(text, today=WED).day == dt.date(2024, 9, 30)


@pytest.mark.parametrize("text", ["30/7", "tháng 6", "30 jul", "giữa tháng 7"])
def test_date_without_year_already_past_this_year_means_next_year(text: str) -> None:
    assert parse_deadline(text, today=WED).day.year == 2025


def test_date_without_year_in_december_rolls_into_next_year() -> None:
    assert parse_deadline("5/1", today=DEC).day == dt.date(2025, 1, 5)


def test_date_without_year_that_is_today_means_today() -> None:
    assert parse_deadline("18/12", today=DEC).day == DEC


def test_bare_weekday_typed_on_that_weekday_means_next_week() -> None:
    # Today's deadline is typed "hôm nay"; "thứ sáu" on a Friday is the next one.
    assert parse_deadline("thứ sáu", today=FRI).day == dt.date(2024, 8, 9)
    assert parse_deadline("friday", today=FRI).day == dt.date(2024, 8, 9)
    assert parse_deadline("hôm nay", today=FRI).day == FRI


def test_weekday_this_week_typed_on_that_weekday_means_today() -> None:
    assert parse_deadline("thứ 6 tuần này", today=FRI).day == FRI


def test_next_week_is_the_next_monday_based_week() -> None:
    # On a Sunday, next week starts tomorrow.
    assert parse_deadline("thứ 2 tuần sau", today=SUN).day == dt.date(2024, 8, 5)


def test_thu_6_is_friday_not_the_sixth_of_a_month() -> None:
    assert parse_deadline("thứ 6", today=WED).day == dt.date(2024, 8, 2)


@pytest.mark.parametrize(
    ("accented", "plain"),
    [
        ("thứ 6 tuần sau", "thu 6 tuan sau"),
        ("3 ngày nữa", "3 ngay nua"),
        ("ngày mai", "ngay mai"),
        ("chủ nhật", "chu nhat"),
        ("đầu tháng sau", "dau thang sau"),
        ("giữa tháng 10", "giua thang 10"),
        ("cuối năm", "cuoi nam"),
        ("ngày mốt", "ngay mot"),
        ("THỨ BẢY", "thu bay"),
    ],
)
def test_diacritics_and_case_do_not_matter(accented: str, plain: str) -> None:
    assert parse_deadline(accented, today=WED) == parse_deadline(plain, today=WED)


@pytest.mark.parametrize("text", ["ngày mai", "in 2 weeks", "30/9", "thứ 6", "tomorrow"])
def test_time_is_none_unless_the_user_typed_one(text: str) -> None:
    assert parse_deadline(text, today=WED).time is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [("17:00", dt.time(17)), ("17h", dt.time(17)), ("17h30", dt.time(17, 30)),
     ("5pm", dt.time(17)), ("9am", dt.time(9)), ("5h chiều", dt.time(17))],
)  # fmt: skip
def test_time_alone_is_today_at_that_time(text: str, expected: dt.time) -> None:
    assert parse_deadline(text, today=WED) == Deadline(WED, expected)


def test_lone_number_is_next_such_day_of_month() -> None:
    assert parse_deadline("15", today=WED).day == dt.date(2024, 8, 15)
    assert parse_deadline("15", today=dt.date(2024, 8, 15)).day == dt.date(2024, 8, 15)
    # September has no 31st, so the next 31st is in October.
    assert parse_deadline("31", today=dt.date(2024, 9, 1)).day == dt.date(2024, 10, 31)


def test_pre_parser_forms_never_reach_dateparser(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object) -> None:
        raise AssertionError("dateparser called")

    monkeypatch.setattr(dates, "_dateparser", refuse)
    for text in ["30/9", "thứ 6 tuần sau", "3 ngay nua", "end of september", "next friday",
                 "30 sep", "15", "cuối tuần", "17h30 thu 6", "in 2 weeks"]:  # fmt: skip
        parse_deadline(text, today=WED)


ERRORS: list[tuple[str, str]] = [
    ("", "empty"),
    ("   ", "empty"),
    ("\n\t", "empty"),
    ("abc 5", "unparseable"),
    ("Nghệ An", "unparseable"),
    ("asap", "unparseable"),
    ("ASAP!!", "unparseable"),
    ("50%", "unparseable"),
    ("2025", "unparseable"),
    ("32", "unparseable"),
    ("0", "unparseable"),
    ("31/2", "unparseable"),
    ("30/13", "unparseable"),
    ("2024-02-30", "unparseable"),
    ("tháng 13", "unparseable"),
    ("thứ 8", "unparseable"),
    ("thứ", "unparseable"),
    ("3 ngày", "unparseable"),
    ("a", "unparseable"),
    ("next", "unparseable"),
    ("17h 18h", "unparseable"),
    ("25:00", "unparseable"),
    ("17:75", "unparseable"),
    ("13pm", "unparseable"),
    ("in 99999 days", "unparseable"),
    ("giao cho anh Nam", "unparseable"),
    ("x" * 200, "unparseable"),
    ("hôm qua", "past"),
    ("yesterday", "past"),
    ("30/9/2023", "past"),
    ("2024-07-30", "past"),
    ("9/2023", "past"),
    ("thứ 2 tuần này", "past"),
    ("đầu tháng", "past"),
    ("2 days ago", "past"),
]


@pytest.mark.parametrize(("text", "reason"), ERRORS, ids=[e[0][:20] or "blank" for e in ERRORS])
def test_refuses_with_reason(text: str, reason: str) -> None:
    with pytest.raises(DeadlineError) as caught:
        parse_deadline(text, today=WED)
    assert caught.value.reason == reason
    assert caught.value.text == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [("hôm qua", dt.date(2024, 7, 30)), ("30/9/2023", dt.date(2023, 9, 30)),
     ("thứ 2 tuần này", dt.date(2024, 7, 29)), ("9/2023", dt.date(2023, 9, 30))],
)  # fmt: skip
def test_past_day_is_accepted_with_allow_past(text: str, expected: dt.date) -> None:
    assert parse_deadline(text, today=WED, allow_past=True).day == expected


def test_past_error_tells_which_day_was_understood() -> None:
    with pytest.raises(DeadlineError) as caught:
        parse_deadline("30/9/2023", today=WED)
    assert caught.value.day == dt.date(2023, 9, 30)


def test_today_is_not_past() -> None:
    assert parse_deadline("31/7/2024", today=WED).day == WED


def test_allow_past_still_reads_a_yearless_date_forward() -> None:
    assert parse_deadline("30/7", today=WED, allow_past=True).day == dt.date(2025, 7, 30)


def test_allow_past_does_not_excuse_garbage() -> None:
    with pytest.raises(DeadlineError) as caught:
        parse_deadline("asap", today=WED, allow_past=True)
    assert caught.value.reason == "unparseable"


def test_deadline_error_is_a_value_error_and_survives_pickling() -> None:
    error = DeadlineError("past", "hôm qua", dt.date(2024, 7, 30))
    assert isinstance(error, ValueError)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.reason, copy.text, copy.day) == ("past", "hôm qua", dt.date(2024, 7, 30))


def test_deadline_is_immutable_and_hashable() -> None:
    deadline = d(2024, 9, 30, 17)
    with pytest.raises(AttributeError):
        deadline.day = WED  # type: ignore[misc]
    assert {deadline, d(2024, 9, 30, 17)} == {deadline}


def test_module_does_not_import_telegram() -> None:
    root = Path(__file__).resolve().parent.parent
    code = "import sys, bot.dates; sys.exit('telegram' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=root, check=False).returncode == 0


# -- what the confirmation tells the user ---------------------------------------------------

NOV = dt.date(2026, 11, 20)


@pytest.mark.parametrize(
    ("text", "today", "next_year"),
    [
        ("cuối tháng 9", NOV, True),  # issue 9: typed in November, it is September next year
        ("tháng 9", NOV, True),
        ("30/9", NOV, True),
        ("30 tháng 9", NOV, True),
        ("september", NOV, True),
        ("30 sep", NOV, True),
        ("15", DEC, True),  # the next 15th is in January
        ("cuối tháng 12", NOV, False),
        ("30/9/2027", NOV, False),  # the year was typed
        ("tháng 9/2027", NOV, False),
        ("ngày mai", dt.date(2026, 12, 31), False),  # said relative to today: no surprise
        ("3 ngày nữa", dt.date(2026, 12, 30), False),
    ],
)
def test_a_year_chosen_forward_is_flagged(text: str, today: dt.date, next_year: bool) -> None:
    assert parse_deadline(text, today=today).next_year is next_year


def test_the_flag_does_not_change_what_a_deadline_equals() -> None:
    assert parse_deadline("30/9", today=NOV) == Deadline(dt.date(2027, 9, 30))


@pytest.mark.parametrize(
    ("day", "lang", "holiday", "before"),
    [
        (dt.date(2026, 9, 27), "vi", "", dt.date(2026, 9, 25)),  # a Sunday
        (dt.date(2026, 9, 26), "en", "", dt.date(2026, 9, 25)),  # a Saturday
        (dt.date(2026, 9, 2), "vi", "Quốc khánh", dt.date(2026, 8, 28)),  # 31/8 is off too
        (dt.date(2026, 9, 2), "en", "National Day", dt.date(2026, 8, 28)),
    ],
)
def test_a_day_off_is_named_with_the_working_day_before(
    day: dt.date, lang: str, holiday: str, before: dt.date
) -> None:
    off = dates.day_off(day, lang)
    assert off is not None
    assert (off.holiday, off.working_day_before) == (holiday, before)


def test_a_working_day_is_no_day_off() -> None:
    assert dates.day_off(dt.date(2026, 9, 25)) is None
