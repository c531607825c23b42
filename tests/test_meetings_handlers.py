"""Meeting commands through the real Application: records, conclusions, list, card, refusals."""

from __future__ import annotations

import datetime as dt

from bot.model import Agency, AgencyKind, Meeting, TaskStatus
from tests.conftest import Harness, buttons_of, texts
from tests.factories import CHAIR, NOW, OTHER_OWNER, OWNER, SECRETARY, STRANGER, make_task

M4 = Meeting(4, dt.date(2024, 4, 15), "Phiên họp thứ tư", "Phó Thủ tướng Trần Lưu Quang")


def one_text(calls: list) -> str:
    [text] = texts(calls)
    return text


def with_meeting(h: Harness, meeting: Meeting = M4) -> None:
    h.store.add_meeting(meeting, actor=SECRETARY, at=NOW)


# -- /meeting -------------------------------------------------------------------------------


async def test_secretary_records_a_meeting_in_one_line(seeded: Harness) -> None:
    text = one_text(await seeded.send(
        "/hop 5 | 31/7/2024 | Phiên họp thứ năm | Phó Thủ tướng Trần Lưu Quang"))
    assert "Đã ghi nhận <b>Phiên họp thứ năm</b> (phiên số 5), ngày 31/07/2024" in text
    assert "<code>/ketluan 5 |" in text
    [meeting] = seeded.store.meetings()
    assert (meeting.number, meeting.day, meeting.chair, meeting.created_by) == (
        5, dt.date(2024, 7, 31), "Phó Thủ tướng Trần Lưu Quang", SECRETARY)


async def test_meeting_without_a_number_takes_the_next_one(seeded: Harness) -> None:
    with_meeting(seeded)
    await seeded.send("/meeting 31/7/2024", user=CHAIR)
    assert [m.number for m in seeded.store.meetings()] == [4, 5]


async def test_meeting_alone_explains_how_to_type_it(seeded: Harness) -> None:
    text = one_text(await seeded.send("/hop"))
    assert "<code>/hop 1 | 31/07/2024 | Phiên họp thứ 1 |" in text
    assert seeded.store.meetings() == []


async def test_unreadable_meeting_date_is_refused_with_an_example(seeded: Harness) -> None:
    text = one_text(await seeded.send("/hop 5 | ngày nào đó"))
    assert "Không hiểu ngày họp «ngày nào đó»" in text
    assert "<code>/hop 1 | 31/07/2024 | Phiên họp thứ 1</code>" in text
    assert seeded.store.meetings() == []


async def test_meeting_number_already_used_is_not_overwritten(seeded: Harness) -> None:
    with_meeting(seeded)
    text = one_text(await seeded.send("/hop 4 | 31/7/2024 | Khác"))
    assert "Phiên số 4 đã được ghi nhận (15/04/2024, Phiên họp thứ tư)" in text
    assert seeded.store.meeting(4) == M4


async def test_member_cannot_record_a_meeting(seeded: Harness) -> None:
    text = one_text(await seeded.send("/hop 5 | 31/7/2024", user=OWNER))
    assert "không có quyền" in text and "chủ trì và thư ký" in text
    assert seeded.store.meetings() == []


# -- /conclusion ----------------------------------------------------------------------------


async def test_conclusion_becomes_a_task_of_the_latest_meeting(seeded: Harness) -> None:
    with_meeting(seeded)
    text = one_text(await seeded.send(
        "/ketluan Rà soát TTHC nội bộ | Nghệ An | 30/9/2024 | Báo cáo rà soát"))
    [task] = seeded.store.tasks()
    assert (task.meeting, task.source, task.lead, task.deadline, task.output) == (
        4, "KL phiên họp thứ 4", "nghe-an", dt.date(2024, 9, 30), "Báo cáo rà soát")
    assert task.responsible == (OWNER,)
    assert f"thành <b>nhiệm vụ số {task.number}</b>" in text
    assert "Đã ghi kết luận thứ 1 của <b>Phiên họp thứ tư</b>" in text


async def test_conclusion_names_its_meeting_by_number(seeded: Harness) -> None:
    with_meeting(seeded)
    with_meeting(seeded, Meeting(5, dt.date(2024, 7, 31), ""))
    await seeded.send("/conclusion 4 | Rà soát TTHC | Hà Tĩnh | 30/9/2024")
    [task] = seeded.store.tasks()
    assert task.meeting == 4


async def test_conclusion_without_any_meeting_says_to_record_one_first(seeded: Harness) -> None:
    text = one_text(await seeded.send("/ketluan Rà soát TTHC | Nghệ An | 30/9/2024"))
    assert "Chưa có phiên họp nào" in text and "/hop 5 |" in text
    assert seeded.store.tasks() == []


async def test_conclusion_for_an_unknown_meeting_number_is_refused(seeded: Harness) -> None:
    with_meeting(seeded)
    text = one_text(await seeded.send("/ketluan 9 | Rà soát TTHC | Nghệ An | 30/9/2024"))
    assert "Chưa có phiên họp số 9" in text
    assert seeded.store.tasks() == []


async def test_conclusion_with_an_unknown_agency_lists_the_known_ones(seeded: Harness) -> None:
    with_meeting(seeded)
    text = one_text(await seeded.send("/ketluan Rà soát TTHC | Cà Mau | 30/9/2024"))
    assert "Không tìm thấy đơn vị «Cà Mau»" in text
    assert "Thừa Thiên Huế" in text
    assert seeded.store.tasks() == []


async def test_conclusion_with_a_past_deadline_is_refused(seeded: Harness) -> None:
    with_meeting(seeded)
    text = one_text(await seeded.send("/ketluan Rà soát TTHC | Nghệ An | 1/7/2024"))
    assert "Hạn «1/7/2024» đã qua" in text
    assert seeded.store.tasks() == []


async def test_the_same_conclusion_sent_twice_is_recorded_once(seeded: Harness) -> None:
    with_meeting(seeded)
    await seeded.send("/ketluan Rà soát TTHC | Nghệ An | 30/9/2024")
    text = one_text(await seeded.send("/ketluan Rà soát TTHC | Nghệ An | 30/9/2024"))
    assert "đã có kết luận này: nhiệm vụ số 1" in text
    assert len(seeded.store.tasks()) == 1


async def test_ambiguous_agency_is_chosen_with_a_button(seeded: Harness) -> None:
    with_meeting(seeded)
    seeded.store.save_agency(Agency("ha-giang", "UBND tỉnh Hà Giang", "Hà Giang", (),
                                    AgencyKind.PROVINCE), actor=SECRETARY, at=NOW)
    calls = await seeded.send("/ketluan Rà soát TTHC | Hà | 30/9/2024")
    choices = buttons_of(next(c for c in calls if c.method == "sendMessage"))
    assert sorted(label for label, _ in choices) == ["Hà Giang", "Hà Tĩnh"]
    assert seeded.store.tasks() == []
    data = next(d for label, d in choices if label == "Hà Tĩnh")
    assert data.startswith("mtg:lead:") and len(data.encode()) <= 64
    await seeded.press(data)
    [task] = seeded.store.tasks()
    assert (task.lead, task.meeting) == ("ha-tinh", 4)


async def test_someone_elses_agency_button_records_nothing(seeded: Harness) -> None:
    with_meeting(seeded)
    seeded.store.save_agency(Agency("ha-giang", "UBND tỉnh Hà Giang", "Hà Giang", (),
                                    AgencyKind.PROVINCE), actor=SECRETARY, at=NOW)
    calls = await seeded.send("/ketluan Rà soát TTHC | Hà | 30/9/2024")
    data = buttons_of(next(c for c in calls if c.method == "sendMessage"))[0][1]
    text = one_text(await seeded.press(data, user=CHAIR))
    assert "đã hết hạn hoặc thuộc về người khác" in text
    assert seeded.store.tasks() == []


async def test_member_cannot_add_a_conclusion(seeded: Harness) -> None:
    with_meeting(seeded)
    await seeded.send("/ketluan Rà soát TTHC | Nghệ An | 30/9/2024", user=OTHER_OWNER)
    assert seeded.store.tasks() == []


# -- /meetings and the card -----------------------------------------------------------------


def conclusions(h: Harness) -> None:
    with_meeting(h)
    with h.store.transaction():
        for task in (
            make_task("Ban hành quy chế", "nghe-an", dt.date(2024, 6, 30), meeting=4,
                      status=TaskStatus.DONE, completed_at=NOW - dt.timedelta(days=40)),
            make_task("Sửa đổi Nghị định 61", "bo-tu-phap", dt.date(2024, 7, 10), meeting=4),
            make_task("Đánh giá hài lòng", "hue", dt.date(2024, 8, 31), meeting=4),
        ):
            h.store.add_task(task, actor=SECRETARY, at=NOW)


async def test_meetings_list_counts_what_came_of_the_conclusions(seeded: Harness) -> None:
    conclusions(seeded)
    calls = await seeded.send("/cuochop", user=OWNER)
    text = one_text(calls)
    assert "<b>Phiên 4</b> · 15/04/2024 · Phiên họp thứ tư" in text
    assert "3 kết luận: ✅ 1 · ☑️ 0 · ⏳ 1 · 🔴 1" in text
    assert buttons_of(calls[-1]) == [("📋 Phiên 4", "mtg:card:4")]


async def test_meeting_card_shows_each_conclusion_and_its_class(seeded: Harness) -> None:
    conclusions(seeded)
    text = one_text(await seeded.send("/cuochop 4", user=OWNER))
    assert "Chủ trì: Phó Thủ tướng Trần Lưu Quang" in text
    assert "✅ <b>#1</b> Ban hành quy chế" in text
    assert "<i>Đang thực hiện quá hạn</i> (21 ngày)" in text
    assert "Thừa Thiên Huế · hạn 31/08/2024 · <i>Đang thực hiện trong hạn</i> (còn 31 ngày)" in text


async def test_card_button_edits_the_list_into_the_card(seeded: Harness) -> None:
    conclusions(seeded)
    await seeded.send("/cuochop", user=CHAIR)
    calls = await seeded.press("mtg:card:4", user=CHAIR)
    [edited] = [c for c in calls if c.method == "editMessageText"]
    assert "Sửa đổi Nghị định 61" in edited.params["text"]
    assert ("📊 Báo cáo phiên này", "sum:mtg:4") in buttons_of(edited)


async def test_members_card_has_no_summary_button(seeded: Harness) -> None:
    conclusions(seeded)
    calls = await seeded.send("/cuochop 4", user=OWNER)
    assert [d for _, d in buttons_of(calls[-1])] == ["mtg:list:0"]


async def test_unknown_meeting_card_names_the_recorded_ones(seeded: Harness) -> None:
    with_meeting(seeded)
    text = one_text(await seeded.send("/cuochop 9"))
    assert "Không có phiên họp «9»" in text and "Các phiên đã ghi nhận: 4" in text


async def test_no_meetings_yet_is_said_plainly(seeded: Harness) -> None:
    assert "Chưa có phiên họp nào" in one_text(await seeded.send("/cuochop"))


async def test_stranger_sees_no_meetings(seeded: Harness) -> None:
    conclusions(seeded)
    text = one_text(await seeded.send("/cuochop", user=STRANGER))
    assert "chưa là thành viên" in text and "Phiên họp thứ tư" not in text


async def test_meetings_in_english(seeded: Harness) -> None:
    conclusions(seeded)
    await seeded.send("/lang en", user=OWNER)
    text = one_text(await seeded.send("/meetings 4", user=OWNER))
    assert "(no. 4) · 15 Apr 2024" in text
    assert "<i>In progress, overdue</i> (21 days late)" in text


async def test_conclusion_due_on_a_saturday_says_so_and_offers_the_friday(seeded: Harness) -> None:
    with_meeting(seeded)
    calls = await seeded.send("/ketluan Rà soát TTHC nội bộ | Nghệ An | 28/9/2024")
    text = one_text(calls)
    assert "⚠️ 28/09/2024 là thứ Bảy" in text and "27/09/2024" in text
    [call] = [c for c in calls if c.method == "sendMessage"]
    rows = call.params["reply_markup"]["inline_keyboard"]
    assert rows[0][0]["callback_data"].startswith("task:wd:")
