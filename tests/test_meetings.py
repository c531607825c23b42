"""Tests of bot.meetings: reading meeting and conclusion lines, and what came of conclusions."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.meetings import (
    ConclusionError,
    MeetingDraft,
    MeetingError,
    conclusion_task,
    duplicate,
    latest_meeting,
    meeting_number,
    meeting_tallies,
    next_meeting_number,
    outcomes,
    parse_conclusion,
    parse_meeting,
    previous_meeting,
)
from bot.model import HistoryKind, Meeting, Timeliness
from tests.factories import MEMBERS, NOW, OWNER, SECRETARY, TZ, make_task

TODAY = NOW.date()
M4 = Meeting(4, dt.date(2024, 4, 15), "Phiên họp thứ tư")
M5 = Meeting(5, dt.date(2024, 7, 31), "Phiên họp thứ năm")


@pytest.mark.parametrize(("text", "wanted"), [
    ("5 | 31/7/2024 | Phiên họp thứ năm | Phó Thủ tướng Trần Lưu Quang",
     MeetingDraft(5, dt.date(2024, 7, 31), "Phiên họp thứ năm", "Phó Thủ tướng Trần Lưu Quang")),
    ("31/7/2024 | Phiên họp thứ năm", MeetingDraft(None, dt.date(2024, 7, 31),
                                                   "Phiên họp thứ năm", "")),
    ("số 6 | 15/10/2024", MeetingDraft(6, dt.date(2024, 10, 15), "", "")),
    ("#3|1/3/2024|Phiên thứ ba", MeetingDraft(3, dt.date(2024, 3, 1), "Phiên thứ ba", "")),
])
def test_parse_meeting_reads_number_date_title_and_chair(text: str, wanted: MeetingDraft
                                                         ) -> None:
    assert parse_meeting(text, today=TODAY) == wanted


@pytest.mark.parametrize(("text", "reason"), [
    ("", "empty"),
    ("5", "date"),
    ("5 | hôm kia nữa nhé", "date"),
    ("99999 | 31/7/2024", "number"),
    ("5 | 31/7/2026", "date_future"),
    ("5 | 31/7/2024 | " + "x" * 301, "title"),
])
def test_parse_meeting_refuses_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(MeetingError) as caught:
        parse_meeting(text, today=TODAY)
    assert caught.value.reason == reason


def test_parse_conclusion_reads_meeting_title_agency_deadline_and_output() -> None:
    draft = parse_conclusion("5 | Rà soát  TTHC nội bộ | Nghệ An | 30/9/2024 | Báo cáo",
                             now=NOW, tz=TZ)
    assert (draft.meeting, draft.title, draft.agency, draft.deadline.day, draft.output) == (
        5, "Rà soát TTHC nội bộ", "Nghệ An", dt.date(2024, 9, 30), "Báo cáo")


def test_parse_conclusion_without_a_number_is_for_the_latest_meeting() -> None:
    draft = parse_conclusion("Rà soát TTHC | Hà Tĩnh | 30/9/2024", now=NOW, tz=TZ)
    assert (draft.meeting, draft.output) == (None, "")


@pytest.mark.parametrize(("text", "reason"), [
    ("", "empty"),
    ("5 | Rà soát TTHC | Nghệ An", "fields"),
    ("5 | ab | Nghệ An | 30/9/2024", "title"),
    ("5 | Rà soát TTHC |  | 30/9/2024", "agency"),
    ("5 | Rà soát TTHC | Nghệ An | không rõ", "deadline"),
    ("5 | Rà soát TTHC | Nghệ An | 1/7/2024", "deadline_past"),
    ("5 | Rà soát TTHC | Nghệ An | 8h", "deadline_past"),  # 8:00 today, already gone at 9:00
    ("5 | Rà soát TTHC | Nghệ An | 30/9/2024 | " + "x" * 201, "output"),
    ("123456 | Rà soát TTHC | Nghệ An | 30/9/2024", "meeting"),
])
def test_parse_conclusion_refuses_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(ConclusionError) as caught:
        parse_conclusion(text, now=NOW, tz=TZ)
    assert caught.value.reason == reason


@pytest.mark.parametrize(("text", "wanted"), [
    ("5", 5), ("số 5", 5), ("#5", 5), ("phiên 12", 12), ("meeting 3", 3), ("0", None),
    ("năm", None), ("31/7", None),
])
def test_meeting_number_reads_a_number_alone(text: str, wanted: int | None) -> None:
    assert meeting_number(text) == wanted


def test_latest_previous_and_next_meeting_numbers() -> None:
    meetings = [M5, M4]
    assert latest_meeting(meetings) == M5
    assert previous_meeting(meetings, M5) == M4
    assert previous_meeting(meetings, M4) is None
    assert latest_meeting([]) is None
    assert next_meeting_number(meetings) == 6
    assert next_meeting_number([]) == 1


def test_conclusion_becomes_a_task_of_its_meeting_with_the_leads_officials() -> None:
    draft = parse_conclusion("Rà soát TTHC | Nghệ An | 30/9/2024 | Báo cáo", now=NOW, tz=TZ)
    task = conclusion_task(draft, M5, "nghe-an", source="KL phiên họp thứ 5", members=MEMBERS,
                           actor=SECRETARY, now=NOW)
    assert (task.meeting, task.source, task.lead, task.output) == (
        5, "KL phiên họp thứ 5", "nghe-an", "Báo cáo")
    assert task.responsible == (OWNER,)
    assert [h.kind for h in task.history] == [HistoryKind.CREATED]


def test_duplicate_finds_the_same_conclusion_of_the_same_meeting_only() -> None:
    tasks = [make_task("Rà soát TTHC nội bộ", number=1, meeting=5)]
    assert duplicate(tasks, 5, "rà soát tthc NOI BO") is tasks[0]
    assert duplicate(tasks, 4, "Rà soát TTHC nội bộ") is None


def test_outcomes_and_tallies_say_what_came_of_each_conclusion() -> None:
    tasks = [
        make_task("Quá hạn", number=1, meeting=4, deadline=dt.date(2024, 7, 1)),
        make_task("Trong hạn", number=2, meeting=4),
        make_task("Khác", number=3, meeting=5),
        make_task("Không thuộc phiên", number=4),
    ]
    found = outcomes(tasks, 4, NOW, TZ)
    assert [(s.task.number, s.timeliness, s.days_late) for s in found] == [
        (1, Timeliness.OVERDUE, 30), (2, Timeliness.IN_PROGRESS, 0)]
    tallies = meeting_tallies(tasks, [M4, M5], NOW, TZ)
    assert (tallies[4].overdue, tallies[4].in_progress, tallies[5].total) == (1, 1, 1)
