"""Reminders of missing indicator values: the plan's rules and the real Application's messages."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.indicators import MissingReport, missing_reports
from bot.periods import ReportPeriod
from bot.reminders import Kind, ReminderKey, ReminderPolicy, next_wakeup, plan_due, weekly_digest
from handlers import reminders
from tests.conftest import Harness, texts
from tests.factories import GROUP_ID, OWNER, TZ, VN
from tests.fakes import Call
from tests.test_indicators import AGENCIES, code, digitization, index

NINE_MONTHS = ReportPeriod.months(2024, 1, 9)
DUE = dt.date(2024, 9, 20)  # a Friday
POLICY = ReminderPolicy()


def at(day: dt.date, hour: int = 8) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), VN)


def reports(day: dt.date, reported: tuple[str, ...] = (), represented: tuple[str, ...] = (
        "Nghệ An",)) -> list[MissingReport]:
    indicator = digitization(report_day=20, created_at=at(dt.date(2024, 7, 1)))
    values = {1: index({NINE_MONTHS: {n: 80.0 for n in reported}})} if reported else {}
    return missing_reports([indicator], values, AGENCIES, day,
                           represented=frozenset(code(n) for n in represented))


def due_keys(day: dt.date, sent: tuple[ReminderKey, ...] = (), **extra: object
             ) -> list[ReminderKey]:
    found = plan_due([], POLICY, at(day), TZ, sent, reports=reports(day, **extra))  # type: ignore[arg-type]
    return [r.key for r in found if r.kind is Kind.INDICATOR]


def test_agencies_are_asked_at_the_lead_times_before_the_due_day() -> None:
    # 7, 3, 1 and 0 days before Friday 20 September: Fri 13, Tue 17, Thu 19, Fri 20.
    for day in (dt.date(2024, 9, 13), dt.date(2024, 9, 17), dt.date(2024, 9, 19), DUE):
        assert due_keys(day) == [
            ReminderKey(1, Kind.INDICATOR, day, "nghe-an@2024.1-9"),
            ReminderKey(1, Kind.INDICATOR, day, "@2024.1-9"),  # the others, in the group
        ], day
    for day in (dt.date(2024, 9, 12), dt.date(2024, 9, 16), dt.date(2024, 9, 18)):
        assert due_keys(day) == [], day


def test_never_twice_and_never_for_an_agency_that_reported() -> None:
    day = dt.date(2024, 9, 13)
    first = due_keys(day)
    assert due_keys(day, tuple(first)) == []
    everyone_but_nghe_an = tuple(n for n in (a.label for a in AGENCIES[:11]) if n != "Nghệ An")
    assert due_keys(day, reported=everyone_but_nghe_an) == [
        ReminderKey(1, Kind.INDICATOR, day, "nghe-an@2024.1-9")]


def test_a_due_day_off_moves_the_reminder_to_the_working_day_before() -> None:
    indicator = digitization(report_day=21, created_at=at(dt.date(2024, 7, 1)))  # Saturday
    found = missing_reports([indicator], {}, AGENCIES, dt.date(2024, 9, 20))
    planned = plan_due([], POLICY, at(dt.date(2024, 9, 20)), TZ, reports=found)
    assert [r.key.ref for r in planned if r.kind is Kind.INDICATOR] == ["@2024.1-9"]
    assert plan_due([], POLICY, at(dt.date(2024, 9, 21)), TZ, reports=found) == []


def test_late_reports_are_chased_each_working_day_three_times_a_week() -> None:
    sent: list[ReminderKey] = []
    for day in (dt.date(2024, 9, 23) + dt.timedelta(days=n) for n in range(7)):
        keys = due_keys(day, tuple(sent))
        sent += keys
        if day.weekday() >= 5:
            assert keys == []
    days = sorted({k.day for k in sent})
    assert days == [dt.date(2024, 9, 23), dt.date(2024, 9, 24), dt.date(2024, 9, 25)]
    # The next week starts again; after 30 days past due, only the digest says it.
    assert due_keys(dt.date(2024, 9, 30), tuple(sent)) != []
    assert due_keys(dt.date(2024, 10, 21)) == []


def test_the_weekly_digest_lists_what_is_missing_and_due_by_the_end_of_the_week() -> None:
    digest = weekly_digest([], at(dt.date(2024, 9, 16)), TZ,
                           reports=reports(dt.date(2024, 9, 16)))
    [missing] = digest.missing_reports
    assert (missing.period, missing.due, len(missing.agencies)) == (NINE_MONTHS, DUE, 11)
    assert not digest.is_empty
    early = weekly_digest([], at(dt.date(2024, 9, 9)), TZ, reports=reports(dt.date(2024, 9, 9)))
    assert early.missing_reports == () and early.is_empty


def test_the_scheduler_wakes_for_a_missing_report() -> None:
    assert next_wakeup([], POLICY, at(dt.date(2024, 9, 12), 9), TZ,
                       reports=reports(dt.date(2024, 9, 12))) == at(dt.date(2024, 9, 13))


def test_keys_with_a_ref_survive_the_log() -> None:
    key = ReminderKey(1, Kind.INDICATOR, DUE, "nghe-an@2024.1-9")
    assert ReminderKey.parse(str(key)) == key
    plain = ReminderKey(3, Kind.OVERDUE, DUE)
    assert str(plain) == "3:overdue:2024-09-20" and ReminderKey.parse(str(plain)) == plain


# -- through the Application ------------------------------------------------------------------


async def morning(h: Harness, day: dt.date) -> list[Call]:
    h.clock.set(at(day))
    start = len(h.api.calls)
    await reminders.run_due(h.app, GROUP_ID)
    return h.api.calls[start:]


@pytest.fixture
async def chased(seeded: Harness) -> Harness:
    await seeded.send("/themchiso Tỷ lệ số hóa hồ sơ | Số hóa hồ sơ | ≥ 80% | 9 tháng | tỉnh | "
                      "hạn: 20")
    await seeded.send("/start", user=OWNER, chat=OWNER)
    seeded.api.clear_calls()
    return seeded


async def test_the_agency_is_asked_in_private_and_the_others_in_the_group_once(
        chased: Harness) -> None:
    calls = await morning(chased, dt.date(2024, 9, 13))
    private = [c.params["text"] for c in calls if c.method == "sendMessage" and c.ok
               and c.chat_id == OWNER]
    group = [c.params["text"] for c in calls if c.method == "sendMessage" and c.ok
             and c.chat_id == GROUP_ID]
    assert private == [
        "📊 <b>Chưa báo cáo chỉ số Số hóa hồ sơ</b>, kỳ 9 tháng 2024: Nghệ An.\n"
        "Hạn báo cáo: 20/09/2024 (còn 7 ngày).\n"
        "Gửi số liệu: <code>/baocaochiso Số hóa hồ sơ | 9 tháng 2024 | 80,00</code>"
    ]
    # Hà Tĩnh's official has not started the bot: he is mentioned in the group; the agencies
    # nobody represents are listed together.
    assert [t.splitlines()[:2] for t in group[:1]] + [group[1].splitlines()[:1]] == [
        ['<a href="tg://user?id=104">Phạm Hà Tĩnh</a>',
         "📊 <b>Chưa báo cáo chỉ số Số hóa hồ sơ</b>, kỳ 9 tháng 2024: Hà Tĩnh."],
        ["📊 <b>Chưa báo cáo chỉ số Số hóa hồ sơ</b>, kỳ 9 tháng 2024: Thừa Thiên Huế."],
    ]
    assert await morning(chased, dt.date(2024, 9, 13)) == []  # logged: never twice
    # Nghệ An reports; the next reminder goes to the others only.
    await chased.send("/baocaochiso số hóa | 9 tháng 2024 | 72,47", user=OWNER)
    calls = await morning(chased, dt.date(2024, 9, 17))
    assert [c.chat_id for c in calls if c.method == "sendMessage" and c.ok] == [GROUP_ID] * 2


async def test_the_monday_digest_lists_missing_reports(chased: Harness) -> None:
    await chased.send("/baocaochiso số hóa | 9 tháng 2024\nThừa Thiên Huế 55,15")
    calls = await morning(chased, dt.date(2024, 9, 16))
    [digest] = [t for t in texts(calls) if t.startswith("🗓")]
    assert ("📊 <b>Số hóa hồ sơ</b>, kỳ 9 tháng 2024, hạn 20/09/2024: Hà Tĩnh, Nghệ An"
            in digest)
    assert "Thừa Thiên Huế" not in digest.split("Chỉ số chưa báo cáo")[1]

