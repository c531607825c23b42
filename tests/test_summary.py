"""Tests of bot.summary: periods, past snapshots, obstacles, and the message's golden text.

The golden files in tests/golden/ are the rendered messages for a fixed data set at the fixed
NOW; after a deliberate change of wording, regenerate them with
``DONDOC_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_summary.py`` and read the diff.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest

from bot.dates import Deadline
from bot.model import (
    DeadlineRule,
    HistoryEntry,
    HistoryKind,
    Meeting,
    Task,
    TaskStatus,
    Timeliness,
)
from bot.render import Renderer, split_message, visible_length
from bot.summary import (
    Kind,
    Request,
    RequestError,
    Summary,
    as_of,
    note_kind,
    parse_request,
    period_for,
    summarize,
)
from bot.taskops import change_deadline
from store.workspace import WorkspaceStore
from tests.factories import (
    CHAIR,
    NOW,
    OTHER_OWNER,
    OWNER,
    SECRETARY,
    TZ,
    VN,
    make_task,
    seeded_store,
)
from tests.goldens import check_golden

TODAY = NOW.date()
APR = "Kế hoạch CCHC 6 tháng đầu năm 2024"
WG = "Kế hoạch Tổ công tác năm 2024"
MEETING_4 = Meeting(4, dt.date(2024, 4, 15), "Phiên họp thứ tư", "Phó Thủ tướng Trần Lưu Quang")
MEETING_5 = Meeting(5, dt.date(2024, 7, 31), "Phiên họp thứ năm", "Phó Thủ tướng Trần Lưu Quang")


def at(day: int, month: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2024, month, day, hour, tzinfo=VN)


PREVIOUS_SUMMARY = at(24, 7, 9)
APRIL_1 = at(1, 4)


def _task(
    number: int,
    title: str,
    lead: str,
    deadline: dt.date,
    *,
    created: dt.datetime = APRIL_1,
    done: dt.datetime | None = None,
    history: tuple[HistoryEntry, ...] = (),
    **extra: object,
) -> Task:
    status = TaskStatus.DONE if done else extra.pop("status", TaskStatus.OPEN)
    assert isinstance(status, TaskStatus)
    task = make_task(title, lead, deadline, number=number, status=status, completed_at=done)
    task = dataclasses.replace(task, **extra)  # type: ignore[arg-type]
    entries = [HistoryEntry(at=created, user_id=SECRETARY, kind=HistoryKind.CREATED), *history]
    if done:
        entries.append(HistoryEntry(at=done, user_id=OWNER, kind=HistoryKind.DONE, progress=100))
    return dataclasses.replace(
        task, created_at=created, history=sorted(entries, key=lambda h: h.at)
    )


def summary_tasks() -> list[Task]:
    """Fourteen tasks around the fifth meeting (31/7/2024), each class and list represented.

    At NOW, since the fourth meeting: 3 done on time (1, 5, 13), 2 late (2, 7), 5 within
    deadline (4, 6, 8, 9, 12), 3 overdue (3: 16 days, 10: 21 days, 14: 5 days), 11 cancelled.
    """
    return [
        _task(
            1,
            "Rà soát thủ tục hành chính nội bộ",
            "nghe-an",
            dt.date(2024, 6, 30),
            plan=APR,
            done=at(25, 6),
            responsible=(OWNER,),
        ),
        _task(
            2,
            "Số hóa hồ sơ, kết quả giải quyết TTHC",
            "hue",
            dt.date(2024, 5, 30),
            plan=APR,
            done=at(10, 6),
        ),
        _task(
            3,
            "Triển khai thanh toán trực tuyến",
            "hue",
            dt.date(2024, 7, 15),
            plan=APR,
            history=(
                HistoryEntry(
                    at=at(20, 7),
                    user_id=SECRETARY,
                    kind=HistoryKind.NOTE,
                    note="Vướng mắc: chưa bố trí được kinh phí",
                ),
            ),
        ),
        _task(
            4,
            "Kết nối Cổng dịch vụ công quốc gia",
            "ha-tinh",
            dt.date(2024, 8, 20),
            plan=APR,
            progress=50,
            status=TaskStatus.IN_PROGRESS,
            responsible=(OTHER_OWNER,),
            history=(
                HistoryEntry(
                    at=at(25, 7),
                    user_id=OTHER_OWNER,
                    kind=HistoryKind.PROGRESS,
                    progress=50,
                    note="Đề xuất: gia hạn đến 30/9/2024",
                ),
            ),
        ),
        _task(
            5,
            "Báo cáo sơ kết quý I",
            "bo-tu-phap",
            dt.date(2024, 3, 31),
            plan=WG,
            created=at(1, 3),
            done=at(28, 3),
        ),
        _task(6, "Xây dựng Đề án Index 766", "vpcp", dt.date(2024, 9, 30), plan=WG),
        _task(
            7,
            "Ban hành quy chế phối hợp",
            "nghe-an",
            dt.date(2024, 6, 30),
            created=at(15, 4, 16),
            meeting=4,
            source="KL phiên họp thứ 4",
            done=at(5, 7),
            responsible=(OWNER,),
        ),
        _task(
            8,
            "Công khai chỉ số phục vụ người dân",
            "hue",
            dt.date(2024, 7, 31),
            created=at(15, 4, 16),
            meeting=4,
            source="KL phiên họp thứ 4",
        ),
        _task(
            9,
            "Đánh giá mức độ hài lòng",
            "ha-tinh",
            dt.date(2024, 8, 31),
            created=at(15, 4, 16),
            meeting=4,
            source="KL phiên họp thứ 4",
            original_deadline=dt.date(2024, 6, 15),
            history=(
                HistoryEntry(
                    at=at(10, 6),
                    user_id=SECRETARY,
                    kind=HistoryKind.DEADLINE,
                    note="Chờ số liệu",
                    old_deadline=dt.date(2024, 6, 15),
                    new_deadline=dt.date(2024, 8, 31),
                ),
            ),
        ),
        _task(
            10,
            "Sửa đổi Nghị định 61/2018/NĐ-CP",
            "bo-tu-phap",
            dt.date(2024, 7, 10),
            created=at(15, 4, 16),
            meeting=4,
            source="KL phiên họp thứ 4",
        ),
        _task(
            11,
            "Tổ chức hội nghị trực tuyến",
            "vpcp",
            dt.date(2024, 6, 1),
            status=TaskStatus.CANCELLED,
            history=(
                HistoryEntry(
                    at=at(20, 5),
                    user_id=SECRETARY,
                    kind=HistoryKind.CANCELLED,
                    note="Gộp vào nhiệm vụ 6",
                ),
            ),
        ),
        _task(12, "Cập nhật cơ sở dữ liệu TTHC", "hue", dt.date(2024, 8, 5), created=at(1, 7)),
        _task(
            13,
            "Báo cáo kết quả tháng 7",
            "nghe-an",
            dt.date(2024, 7, 31),
            created=at(1, 7),
            done=at(29, 7),
            responsible=(OWNER,),
        ),
        _task(
            14, "Tổng hợp ý kiến doanh nghiệp", "ha-tinh", dt.date(2024, 7, 26), created=at(1, 7)
        ),
    ]


def summary_store(tasks: list[Task] | None = None) -> WorkspaceStore:
    """The standard workspace with the summary tasks and the fourth and fifth meetings."""
    store = seeded_store()
    with store.transaction():
        for task in summary_tasks() if tasks is None else tasks:
            store.add_task(task, actor=SECRETARY, at=task.created_at)
        store.add_meeting(MEETING_4, actor=SECRETARY, at=at(15, 4))
        store.add_meeting(MEETING_5, actor=SECRETARY, at=at(30, 7))
    return store


def make_summary(
    store: WorkspaceStore | None = None,
    request: Request | None = None,
    *,
    previous: dt.datetime | None = PREVIOUS_SUMMARY,
    plan: str = "",
    now: dt.datetime = NOW,
) -> Summary:
    store = store or summary_store()
    period = period_for(
        request or Request(), meetings=store.meetings(), today=now.date(), plan=plan
    )
    return summarize(
        store.tasks(),
        period=period,
        now=now,
        tz=TZ,
        agencies=store.agencies(),
        members=store.members(),
        previous_summary=previous,
    )


def render_message(summary: Summary, lang: str, store: WorkspaceStore | None = None) -> str:
    store = store or summary_store()
    return Renderer().render(
        "summary_message",
        lang,
        summary=summary,
        workspace=store.workspace,
        tz=TZ,
        now=NOW,
        today=TODAY,
    )


# -- golden messages ------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_message_matches_its_golden_text(lang: str) -> None:
    check_golden(f"summary_{lang}.html", render_message(make_summary(), lang))


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_message_of_an_empty_period_matches_its_golden_text(lang: str) -> None:
    store = summary_store([])
    text = render_message(make_summary(store), lang, store)
    check_golden(f"summary_empty_{lang}.html", text)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_files_captions_and_name_match_their_golden_text(lang: str) -> None:
    # A plan name that looks like HTML: the captions go out as HTML, so it must stay escaped.
    plan = 'Kế hoạch <2024> & <a href="https://lua-dao.example">bấm</a>'
    summary = make_summary(request=Request(kind=Kind.PLAN, plan_query=plan), plan=plan)
    renderer = Renderer()
    parts = [renderer.render("summary_caption", lang, part=part, summary=summary)
             for part in ("chart", "document", "pdf")]
    name = renderer.render("summary_file_name", lang, summary=summary)
    check_golden(f"summary_captions_{lang}.html", "\n".join([*parts, name]))


@pytest.mark.parametrize(
    ("lang", "wanted"),
    [
        (
            "vi",
            [
                "Hoàn thành đúng hạn: <b>3</b> (23,08%), +2",
                "Hoàn thành 5/13 (38,46%)",
                "+29,37 điểm %",
                "<b>quá hạn 21 ngày</b>",
                "Thừa Thiên Huế",
            ],
        ),
        (
            "en",
            [
                "Completed on time: <b>3</b> (23.08%), +2",
                "Completed 5/13 (38.46%)",
                "+29.37 points",
                "<b>21 days late</b>",
            ],
        ),
    ],
)
def test_message_writes_numbers_the_way_the_language_does(lang: str, wanted: list[str]) -> None:
    text = render_message(make_summary(), lang)
    for piece in wanted:
        assert piece in text


def test_empty_period_says_so_instead_of_showing_zeros() -> None:
    store = summary_store([])
    summary = make_summary(store)
    assert summary.empty
    text = render_message(summary, "vi", store)
    assert "Không có nhiệm vụ nào trong kỳ này" in text
    assert "Kết quả chung" not in text
    assert "📎" not in text  # no chart or document follows an empty summary


def test_message_of_a_thousand_tasks_stays_in_one_telegram_message() -> None:
    tasks = [
        make_task(
            f"Nhiệm vụ số {n} về cải cách thủ tục hành chính trong lĩnh vực đất đai",
            ["nghe-an", "ha-tinh", "hue", "bo-tu-phap", "vpcp"][n % 5],
            TODAY + dt.timedelta(days=(n % 90) - 45),
            plan=f"Kế hoạch số {n % 9}",
            meeting=4 if n % 7 == 0 else None,
        )
        for n in range(1000)
    ]
    store = summary_store(tasks)
    text = render_message(make_summary(store), "vi", store)
    assert visible_length(text) < 4096
    assert len(split_message(text)) == 1


# -- what the summary counts ----------------------------------------------------------------


def test_totals_count_the_four_classes_at_now_and_leave_cancelled_apart() -> None:
    summary = make_summary()
    t = summary.totals
    assert (t.done_on_time, t.done_late, t.in_progress, t.overdue) == (3, 2, 5, 3)
    assert t.total == 13
    assert [c.number for c in summary.cancelled] == [11]


def test_tasks_whose_deadline_changed_in_the_period_are_counted() -> None:
    assert [t.number for t in make_summary().deadline_changed] == [9]  # moved on 10/6
    july = Request(kind=Kind.RANGE, start=dt.date(2024, 7, 1), end=dt.date(2024, 7, 31))
    assert make_summary(request=july, previous=None).deadline_changed == []


def test_the_strict_rule_counts_an_extended_task_overdue_from_its_first_deadline() -> None:
    store = summary_store()
    period = period_for(Request(), meetings=store.meetings(), today=TODAY)
    strict = summarize(store.tasks(), period=period, now=NOW, tz=TZ, rule=DeadlineRule.FIRST)
    # Task 9, moved from 15/6 to 31/8, is in progress by the adjusted deadline, overdue by the
    # first one.
    assert (strict.totals.in_progress, strict.totals.overdue) == (4, 4)
    assert 9 in {o.task.number for o in strict.overdue}
    assert strict.rule is DeadlineRule.FIRST


def test_previous_period_is_the_snapshot_at_the_last_meeting() -> None:
    previous = make_summary().previous
    assert previous is not None
    # At the end of 15/4: tasks 1-11 existed; only 5 was done; 11 was not yet cancelled.
    assert (previous.done_on_time, previous.done_late, previous.in_progress, previous.overdue) == (
        1,
        0,
        10,
        0,
    )


def test_default_period_starts_at_the_meeting_before_today_not_todays() -> None:
    period = make_summary().period
    assert period.kind is Kind.SINCE_MEETING
    assert period.meeting == MEETING_4
    assert (period.start, period.end) == (dt.date(2024, 4, 15), TODAY)


def test_without_meetings_the_default_period_is_everything() -> None:
    store = seeded_store(tasks=[make_task()])
    summary = make_summary(store)
    assert summary.period.kind is Kind.ALL
    assert summary.previous is None


def test_agencies_come_worst_first_with_their_overdue_tasks() -> None:
    rows = make_summary().by_agency
    assert [r.label for r in rows] == ["Hà Tĩnh", "Thừa Thiên Huế", "Bộ Tư pháp", "VPCP", "Nghệ An"]
    assert [[o.task.number for o in r.overdue] for r in rows[:3]] == [[14], [3], [10]]


def test_overdue_list_is_most_days_late_first() -> None:
    assert [(o.task.number, o.days_late) for o in make_summary().overdue] == [
        (10, 21),
        (3, 16),
        (14, 5),
    ]


def test_due_soon_lists_the_next_thirty_days() -> None:
    assert [d.task.number for d in make_summary().due_soon] == [8, 12, 4]


def test_last_meetings_conclusions_show_what_came_of_each() -> None:
    summary = make_summary()
    assert [(c.task.number, c.timeliness) for c in summary.conclusions] == [
        (7, Timeliness.DONE_LATE),
        (8, Timeliness.IN_PROGRESS),
        (9, Timeliness.IN_PROGRESS),
        (10, Timeliness.OVERDUE),
    ]


def test_newly_completed_and_overdue_are_counted_since_the_previous_summary() -> None:
    summary = make_summary()
    assert summary.since == PREVIOUS_SUMMARY and summary.since_summary
    assert [n.task.number for n in summary.newly_completed] == [13]
    assert [n.task.number for n in summary.newly_overdue] == [14]


def test_without_a_previous_summary_news_are_counted_since_the_period_start() -> None:
    summary = make_summary(previous=None)
    assert not summary.since_summary
    assert [n.task.number for n in summary.newly_completed] == [2, 1, 7, 13]  # by date
    assert {n.task.number for n in summary.newly_overdue} == {3, 10, 14}


def test_obstacles_and_proposals_come_from_marked_notes_newest_first() -> None:
    notes = make_summary().notes
    assert [(n.kind, n.task.number, n.text) for n in notes] == [
        ("proposal", 4, "gia hạn đến 30/9/2024"),
        ("obstacle", 3, "chưa bố trí được kinh phí"),
    ]
    assert notes[0].author == "Phạm Hà Tĩnh"


def test_plan_summary_counts_only_that_plans_tasks() -> None:
    summary = make_summary(request=Request(kind=Kind.PLAN, plan_query=APR), plan=APR)
    assert summary.totals.total == 4
    assert {o.task.number for o in summary.overdue} == {3}


def test_meeting_summary_counts_that_meetings_conclusions() -> None:
    summary = make_summary(request=Request(kind=Kind.MEETING, meeting=4))
    t = summary.totals
    assert (t.done_on_time, t.done_late, t.in_progress, t.overdue) == (0, 1, 2, 1)
    assert summary.meeting == MEETING_4


def test_range_summary_describes_the_end_of_the_range() -> None:
    request = Request(kind=Kind.RANGE, start=dt.date(2024, 6, 1), end=dt.date(2024, 6, 30))
    summary = make_summary(request=request, previous=None)
    assert summary.as_of.date() == dt.date(2024, 6, 30)
    # By the end of 30/6: 1 and 2 were done in the range; 7 (done 5/7 only) was still due
    # that day; 9 was not overdue, its deadline of 15/6 having been moved on 10/6.
    assert {n.task.number for n in summary.newly_completed} == {1, 2}
    assert summary.overdue == []
    assert 7 in {d.task.number for d in summary.due_soon}


def test_meeting_period_of_an_unknown_meeting_is_a_lookup_error() -> None:
    with pytest.raises(LookupError):
        period_for(Request(kind=Kind.MEETING, meeting=9), meetings=[MEETING_4], today=TODAY)


# -- the past -------------------------------------------------------------------------------


def test_as_of_undoes_a_later_completion_and_deadline_change() -> None:
    tasks = {t.number: t for t in summary_tasks()}
    before = as_of(tasks[9], at(1, 6))
    assert before is not None and before.deadline == dt.date(2024, 6, 15)
    assert before.original_deadline is None
    undone = as_of(tasks[7], at(1, 7))
    assert undone is not None
    assert (undone.status, undone.completed_at) == (TaskStatus.OPEN, None)


def test_as_of_gives_back_the_first_deadline_with_its_time_of_day() -> None:
    first = make_task(deadline=dt.date(2024, 7, 10), deadline_time=dt.time(17))
    moved = change_deadline(first, Deadline(dt.date(2024, 8, 30)), "Chờ số liệu",
                            now=at(5, 7), actor=CHAIR)
    assert isinstance(moved, Task)
    before = as_of(moved, at(1, 7))
    assert before is not None
    assert (before.deadline, before.deadline_time) == (dt.date(2024, 7, 10), dt.time(17))
    assert (before.original_deadline, before.original_deadline_time) == (None, None)


def test_as_of_is_none_before_a_task_existed_and_the_task_itself_when_nothing_changed() -> None:
    tasks = {t.number: t for t in summary_tasks()}
    assert as_of(tasks[12], at(30, 6)) is None
    assert as_of(tasks[6], NOW) is tasks[6]


def test_as_of_without_history_uses_the_completion_time() -> None:
    task = make_task(status=TaskStatus.DONE, completed_at=at(20, 7))
    past = as_of(task, at(10, 7))
    assert past is not None and past.status is TaskStatus.OPEN


# -- reading requests and notes --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ("", Request()),
        ("tất cả", Request(kind=Kind.ALL)),
        ("all", Request(kind=Kind.ALL)),
        ("meeting 5", Request(kind=Kind.MEETING, meeting=5)),
        ("phiên 5", Request(kind=Kind.MEETING, meeting=5)),
        ("Phiên họp thứ 5", Request(kind=Kind.MEETING, meeting=5)),
        ("1/7/2024-31/7/2024", Request(Kind.RANGE, dt.date(2024, 7, 1), dt.date(2024, 7, 31))),
        ("1/7/2024 – 31/7/2024", Request(Kind.RANGE, dt.date(2024, 7, 1), dt.date(2024, 7, 31))),
        ("từ 1/7 đến 15/7", Request(Kind.RANGE, dt.date(2024, 7, 1), dt.date(2024, 7, 15))),
        (
            "from 1/6/2024 to 30/6/2024",
            Request(Kind.RANGE, dt.date(2024, 6, 1), dt.date(2024, 6, 30)),
        ),
        ("7/2024", Request(Kind.RANGE, dt.date(2024, 7, 1), dt.date(2024, 7, 31))),
        ("1/7/2024", Request(Kind.RANGE, dt.date(2024, 7, 1), TODAY)),
        ("APR 2024", Request(kind=Kind.PLAN, plan_query="APR 2024")),
        (APR, Request(kind=Kind.PLAN, plan_query=APR)),
    ],
)
def test_parse_request_reads_each_kind_of_period(text: str, wanted: Request) -> None:
    assert parse_request(text, today=TODAY) == wanted


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("32/7/2024", "date"),
        ("1/7/2024-40/7/2024", "date"),
        ("31/7/2024-1/7/2024", "range_order"),
        ("1/12/2024-1/1/2024", "range_order"),  # reversed, though its first day is to come
        ("1/9/2024", "range_future"),
        ("phiên", "meeting_number"),
    ],
)
def test_parse_request_refuses_what_it_cannot_use(text: str, reason: str) -> None:
    with pytest.raises(RequestError) as caught:
        parse_request(text, today=TODAY)
    assert caught.value.reason == reason


@pytest.mark.parametrize(
    ("note", "wanted"),
    [
        ("Vướng mắc: chưa có hướng dẫn", ("obstacle", "chưa có hướng dẫn")),
        ("vuong mac - thieu kinh phi", ("obstacle", "thieu kinh phi")),
        ("Khó khăn, vướng mắc: thiếu người", ("obstacle", "thiếu người")),
        ("Obstacle: no guidance yet", ("obstacle", "no guidance yet")),
        ("Đề xuất: gia hạn đến 30/9", ("proposal", "gia hạn đến 30/9")),
        ("KIẾN NGHỊ: bổ sung kinh phí", ("proposal", "bổ sung kinh phí")),
        ("Proposal: extend to September", ("proposal", "extend to September")),
        ("Vướng mắc lớn là: thiếu người", None),
        ("Vướng mắc:", None),
        ("Đã ban hành quyết định", None),
    ],
)
def test_note_kind_recognises_the_markers(note: str, wanted: tuple[str, str] | None) -> None:
    assert note_kind(note) == wanted


def test_the_totals_say_what_changed_them_in_the_period() -> None:
    # Issue 9: "68 nhiệm vụ (đầu kỳ 71)" with no reason. Here 11 at the start, 3 added (12, 13,
    # 14), 1 cancelled (11): 13.
    summary = make_summary()
    assert (summary.previous.total, summary.added, summary.cancelled_in_period,  # type: ignore[union-attr]
            summary.totals.total, summary.total_unexplained) == (11, 3, 1, 13, 0)
    message = render_message(summary, "vi")
    assert "13 nhiệm vụ (đầu kỳ 11; trong kỳ: thêm 3, hủy/gộp 1)" in message
    assert "13 tasks (11 at the start; in the period: 3 added, 1 cancelled or merged)" in (
        render_message(summary, "en"))


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_sections_are_numbered_without_gaps_whatever_is_left_out(lang: str) -> None:
    # No plan and no meeting: "by plan" and "conclusions" are left out of the message, and
    # the document has no conclusions and no cancelled tasks.
    store = summary_store([make_task("Rà soát", number=1), make_task("Báo cáo", number=2)])
    summary = make_summary(store, Request(kind=Kind.ALL), previous=None)
    assert summary.meeting is None and not summary.cancelled
    numbers = [int(n) for n in re.findall(r"<b>(\d+)\. ", render_message(summary, lang, store))]
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) >= 5
    document = Renderer().render("summary_document", lang, summary=summary,
                                 workspace=store.workspace, tz=TZ, now=NOW, today=TODAY)
    romans = re.findall(r"^h1 ([IVX]+)\. ", document, re.M)
    assert romans == ["I", "II", "III", "IV", "V", "VI", "VII"][:len(romans)]
    assert len(romans) >= 6
