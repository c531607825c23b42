"""The deadline forms plans write, read by the date parser that typed commands use too."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.dates import DeadlineError, parse_deadline
from tests.conftest import Harness, texts

TODAY = dt.date(2024, 7, 31)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("Quý I/2025", dt.date(2025, 3, 31)),
        ("quý IV năm 2025", dt.date(2025, 12, 31)),
        ("quy 3/2024", dt.date(2024, 9, 30)),
        ("Q3 2025", dt.date(2025, 9, 30)),
        ("third quarter of 2025", dt.date(2025, 9, 30)),
        ("quý III", dt.date(2024, 9, 30)),  # this year's, not yet past
        ("quý II", dt.date(2025, 6, 30)),  # passed this year: next year's
        ("6 tháng đầu năm 2025", dt.date(2025, 6, 30)),
        ("9 tháng đầu năm", dt.date(2024, 9, 30)),
        ("6 tháng cuối năm 2025", dt.date(2025, 12, 31)),
        ("nửa đầu năm 2025", dt.date(2025, 6, 30)),
        ("first half of 2025", dt.date(2025, 6, 30)),
        ("H2 2025", dt.date(2025, 12, 31)),
        ("tháng 6/2025", dt.date(2025, 6, 30)),
        ("năm 2025", dt.date(2025, 12, 31)),
        ("trước 30/6/2025", dt.date(2025, 6, 30)),
        ("trước ngày 15/12", dt.date(2024, 12, 15)),
        ("hạn chót: trước ngày 15/12", dt.date(2024, 12, 15)),
        ("chậm nhất ngày 30/9", dt.date(2024, 9, 30)),
        ("trong tháng 9", dt.date(2024, 9, 30)),
        ("trong quý IV", dt.date(2024, 12, 31)),
        ("tuần sau", dt.date(2024, 8, 9)),
        ("before 30/9", dt.date(2024, 9, 30)),
        ("trong 3 ngày", dt.date(2024, 8, 3)),  # "trong" before a duration is still one
    ],
)
def test_plan_forms(text: str, day: dt.date) -> None:
    assert parse_deadline(text, today=TODAY).day == day


@pytest.mark.parametrize("text", ["Quý 5/2025", "quý V", "13 tháng đầu năm", "trước"])
def test_what_is_not_a_deadline(text: str) -> None:
    with pytest.raises(DeadlineError):
        parse_deadline(text, today=TODAY)


def test_a_quarter_already_past_is_refused_when_typed() -> None:
    with pytest.raises(DeadlineError) as caught:
        parse_deadline("Quý I/2024", today=TODAY)
    assert caught.value.reason == "past" and caught.value.day == dt.date(2024, 3, 31)


def test_a_quarter_chosen_forward_says_so() -> None:
    assert parse_deadline("quý II", today=TODAY).next_year


async def test_giaoviec_takes_a_quarter(seeded: Harness) -> None:
    reply = texts(await seeded.send("/giaoviec Rà soát TTHC | Nghệ An | Quý IV/2024"))[-1]
    assert "31/12/2024" in reply
    task = seeded.store.task(1)
    assert task is not None and task.deadline == dt.date(2024, 12, 31)
