"""The task card and the update commands through the real Application and a fake Bot API."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.model import Agency, AgencyKind, HistoryKind, Task, TaskStatus, UserPrefs
from tests.conftest import Harness, buttons_of, texts
from tests.factories import (
    CHAIR,
    GROUP_ID,
    NOW,
    OTHER_OWNER,
    OWNER,
    SECRETARY,
    STRANGER,
    make_task,
)
from tests.fakes import Call


@pytest.fixture
async def one_task(seeded: Harness) -> Harness:
    """The seeded group with task no. 1, led by Nghệ An, Hà Tĩnh coordinating."""
    seeded.store.add_task(
        make_task(
            coordinators=("ha-tinh",),
            responsible=(OWNER,),
            plan="Kế hoạch CCHC 2024",
            output="Báo cáo kết quả rà soát",
        ),
        actor=SECRETARY,
        at=NOW,
    )
    return seeded


def task(h: Harness) -> Task:
    found = h.store.task(1)
    assert found is not None
    return found


def answers(calls: list[Call]) -> list[Call]:
    return [c for c in calls if c.method == "answerCallbackQuery"]


def one_text(calls: list[Call], method: str = "sendMessage") -> str:
    [text] = texts(calls, method)
    return text


def audit_count(h: Harness) -> int:
    return len(h.store.audit(task=1))


# -- the card -------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["/viec 1", "/task #1", "/viec # 1", "/task@dondoc_test_bot 1"])
async def test_card_shows_the_task_with_its_class_and_buttons(
    one_task: Harness, command: str
) -> None:
    calls = await one_task.send(command, user=OWNER)
    [call] = [c for c in calls if c.method == "sendMessage"]
    card = call.params["text"]
    for expected in (
        "Nhiệm vụ số 1",
        "Rà soát thủ tục hành chính nội bộ",
        "Đang thực hiện trong hạn",
        "còn 61 ngày",
        "Chủ trì: Nghệ An",
        "Phối hợp: Hà Tĩnh",
        "Phụ trách: Lê Văn Nghệ",
        "30/09/2024",
        "0%",
        "Kế hoạch CCHC 2024",
        "Báo cáo kết quả rà soát",
    ):
        assert expected in card
    assert [d for _, d in buttons_of(call)] == [
        "task:done::1",
        "task:pg::1",
        "task:note::1",
        "task:dl::1",
    ]


async def test_card_of_an_overdue_task_counts_the_days_late(seeded: Harness) -> None:
    seeded.store.add_task(make_task(deadline=dt.date(2024, 7, 15)), actor=SECRETARY, at=NOW)
    card = one_text(await seeded.send("/viec 1"))
    assert "Đang thực hiện quá hạn" in card
    assert "quá hạn 16 ngày" in card


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"deadline": dt.date(2024, 8, 1)}, "⏳ <b>Nhiệm vụ số 1</b>"),
        ({"deadline": dt.date(2024, 7, 31)}, "Đang thực hiện trong hạn</i> — đến hạn hôm nay"),
        ({"deadline": dt.date(2024, 7, 30)}, "🔴 <b>Nhiệm vụ số 1</b>"),
        (
            {"status": TaskStatus.DONE, "completed_at": NOW, "deadline": dt.date(2024, 8, 1)},
            "Hoàn thành đúng hạn",
        ),
        (
            {
                "status": TaskStatus.DONE,
                "completed_at": NOW,
                "deadline": dt.date(2024, 7, 28),
                "original_deadline": dt.date(2024, 7, 21),
            },
            "Hoàn thành quá hạn</i> — muộn 3 ngày",
        ),
        ({"status": TaskStatus.CANCELLED}, "✖️ <b>Nhiệm vụ số 1</b>"),
    ],
)
async def test_card_shows_each_report_class(
    seeded: Harness, extra: dict[str, object], expected: str
) -> None:
    seeded.store.add_task(make_task(**extra), actor=SECRETARY, at=NOW)  # type: ignore[arg-type]
    assert expected in one_text(await seeded.send("/viec 1"))


async def test_card_in_english_for_a_user_who_chose_english(one_task: Harness) -> None:
    one_task.registry.users.save(UserPrefs(OWNER, lang="en"))
    calls = await one_task.send("/task 1", user=OWNER, lang="en")
    [call] = [c for c in calls if c.method == "sendMessage"]
    assert "<i>In progress, within deadline</i> — 61 days left" in call.params["text"]
    assert "Lead: Nghệ An" in call.params["text"]
    assert ("✅ Done", "task:done::1") in buttons_of(call)


async def test_user_text_on_the_card_is_escaped(seeded: Harness) -> None:
    seeded.store.add_task(make_task(title="Sửa <b>Quy chế</b> & mẫu"), actor=SECRETARY, at=NOW)
    card = one_text(await seeded.send("/viec 1"))
    assert "Sửa &lt;b&gt;Quy chế&lt;/b&gt; &amp; mẫu" in card


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/viec", "Thiếu số nhiệm vụ"),
        ("/viec abc", "«abc» không phải số nhiệm vụ"),
        ("/xong", "/xong 12 Đã ban hành quyết định"),
        ("/tiendo 1", "Thiếu tiến độ"),
        ("/tiendo 1 nhiều", "không phải «nhiều»"),
        ("/ghichu 1", "Thiếu nội dung ghi chú"),
        ("/doihan 1", "Thiếu hạn mới"),
        ("/doihan 1 31/10/2024", "Cần ghi lý do đổi hạn"),
        ("/doihan 1 31/10/2024 |  ", "Cần ghi lý do đổi hạn"),
        ("/doihan 1 abc xyz | lý do", "Không hiểu hạn «abc xyz»"),
        ("/doihan 1 hôm qua | lý do", "đã qua"),
        ("/giaolai 1", "Thiếu đơn vị hoặc người nhận việc"),
        ("/giaolai 1 Cà Mau", "Không tìm thấy đơn vị «Cà Mau»"),
        ("/giaolai 1 @khongco", "@khongco không có trong tổ công tác"),
        ("/huyviec 1", "Cần ghi lý do hủy"),
    ],
)
async def test_wrong_arguments_say_what_is_wrong_and_write_nothing(
    one_task: Harness,
    command: str,
    expected: str,
) -> None:
    before = audit_count(one_task)
    reply = one_text(await one_task.send(command))
    assert expected in reply
    assert "<code>/" in reply  # an example of what to type
    assert audit_count(one_task) == before


async def test_usage_is_in_english_for_an_english_user(one_task: Harness) -> None:
    one_task.registry.users.save(UserPrefs(SECRETARY, lang="en"))
    reply = one_text(await one_task.send("/deadline 1 31/10/2024"))
    assert "A reason is required, after the | sign" in reply
    assert "/deadline 1 31/10/2024 | " in reply


async def test_unknown_task_number_suggests_find(one_task: Harness) -> None:
    reply = one_text(await one_task.send("/xong 99", user=OWNER))
    assert "Không có nhiệm vụ số 99" in reply
    assert "/timkiem" in reply


# -- updates by command ---------------------------------------------------------------------


async def test_owner_marks_done_with_a_note(one_task: Harness) -> None:
    card = one_text(await one_task.send("/xong 1 Đã ban hành quyết định", user=OWNER))
    assert "Đã ghi nhận hoàn thành" in card
    assert "Hoàn thành đúng hạn" in card
    assert "Đã ban hành quyết định" in card
    done = task(one_task)
    assert (done.status, done.completed_at, done.progress) == (TaskStatus.DONE, NOW, 100)
    assert one_task.store.audit(task=1)[-1].action == "task_done"


async def test_responsible_official_of_another_agency_may_update(seeded: Harness) -> None:
    seeded.store.add_task(make_task(responsible=(OTHER_OWNER,)), actor=SECRETARY, at=NOW)
    await seeded.send("/tiendo 1 30", user=OTHER_OWNER)
    assert task(seeded).progress == 30


@pytest.mark.parametrize(
    "command",
    ["/xong 1", "/tiendo 1 50", "/ghichu 1 Xin góp ý", "/molai 1"],
)
async def test_coordinating_agency_may_not_update(one_task: Harness, command: str) -> None:
    before = audit_count(one_task)
    reply = one_text(await one_task.send(command, user=OTHER_OWNER))
    assert "không có quyền" in reply
    assert audit_count(one_task) == before


async def test_stranger_is_refused_and_sees_no_card(one_task: Harness) -> None:
    reply = one_text(await one_task.send("/viec 1", user=STRANGER))
    assert "chưa là thành viên" in reply
    assert "Rà soát" not in reply


async def test_progress_moves_the_task_in_progress_and_keeps_the_note(one_task: Harness) -> None:
    card = one_text(await one_task.send("/tiendo 1 60% Đang lấy ý kiến", user=OWNER))
    assert "60%" in card and "Đang lấy ý kiến" in card
    updated = task(one_task)
    assert (updated.progress, updated.status) == (60, TaskStatus.IN_PROGRESS)


async def test_progress_100_marks_done(one_task: Harness) -> None:
    await one_task.send("/tiendo 1 100", user=OWNER)
    assert task(one_task).status is TaskStatus.DONE


@pytest.mark.parametrize("percent", ["150", "-5", "-5%"])
async def test_progress_out_of_range_is_refused(one_task: Harness, percent: str) -> None:
    reply = one_text(await one_task.send(f"/tiendo 1 {percent}", user=OWNER))
    assert "từ 0 đến 100%" in reply
    assert "Chưa có gì được lưu" in reply
    assert task(one_task).progress == 0


async def test_a_command_for_another_bot_is_left_alone(one_task: Harness) -> None:
    calls = await one_task.send("/xong@other_bot 1", user=OWNER)
    assert [c.method for c in calls if c.method.startswith("send")] == []
    assert task(one_task).status is TaskStatus.OPEN
    # Addressed to dondoc itself, the unknown command still gets its hint.
    assert "/trogiup" in one_text(await one_task.send("/khongco@dondoc_test_bot"))


async def test_done_twice_explains_and_offers_reopen(one_task: Harness) -> None:
    await one_task.send("/xong 1", user=OWNER)
    reply = one_text(await one_task.send("/xong 1", user=OWNER))
    assert "đã hoàn thành rồi" in reply and "/molai 1" in reply
    await one_task.send("/molai 1", user=OWNER)
    assert task(one_task).status is TaskStatus.OPEN


async def test_note_too_long_is_refused(one_task: Harness) -> None:
    reply = one_text(await one_task.send("/ghichu 1 " + "x" * 1001, user=OWNER))
    assert "dài quá 1000 ký tự" in reply
    assert task(one_task).history == []


async def test_secretary_changes_deadline_and_the_original_is_kept(one_task: Harness) -> None:
    card = one_text(await one_task.send("/doihan 1 31/10/2024 | Chờ Nghị định sửa đổi"))
    assert "Hạn ban đầu: 30/09/2024" in card
    assert "30/09/2024 → 31/10/2024: Chờ Nghị định sửa đổi" in card
    moved = task(one_task)
    assert (moved.deadline, moved.original_deadline) == (
        dt.date(2024, 10, 31),
        dt.date(2024, 9, 30),
    )
    entry = moved.history[-1]
    assert (entry.kind, entry.old_deadline, entry.new_deadline) == (
        HistoryKind.DEADLINE,
        dt.date(2024, 9, 30),
        dt.date(2024, 10, 31),
    )


async def test_a_changed_deadline_judges_the_card_unless_the_group_keeps_the_strict_rule(
    one_task: Harness,
) -> None:
    # Issue 9: moved from 30/9 to 31/10 with a reason, finished on 20/10, eleven days before
    # the deadline shown: on time, and the card says which deadline judged it.
    one_task.clock.set(dt.datetime(2024, 9, 20, 9, 0, tzinfo=NOW.tzinfo))
    await one_task.send("/doihan 1 31/10/2024 | Chờ Nghị định sửa đổi")
    one_task.clock.set(dt.datetime(2024, 10, 20, 9, 0, tzinfo=NOW.tzinfo))
    await one_task.send("/xong 1", user=OWNER)
    card = one_text(await one_task.send("/viec 1"))
    assert "<i>Hoàn thành đúng hạn</i>\n" in card
    assert "↪️ Hạn ban đầu: 30/09/2024 · đã đổi hạn 1 lần\n" in card
    assert "⚖️ Đúng hạn hay trễ hạn tính theo hạn đã điều chỉnh 31/10/2024\n" in card

    assert "⛔" in one_text(await one_task.send("/cachtinhhan bandau", user=OWNER))
    before = len(one_task.store.audit())
    saved = one_text(await one_task.send("/cachtinhhan ban đầu"))
    assert "Đã lưu" in saved and "hạn ban đầu" in saved
    assert len(one_task.store.audit()) == before + 1  # the setting's change is audited
    card = one_text(await one_task.send("/task 1", lang="en"))
    assert "<i>Hoàn thành quá hạn</i> — muộn 20 ngày" in card
    assert "tính theo hạn ban đầu 30/09/2024" in card


async def test_deadline_rule_is_shown_to_members_and_explained_in_english(
    one_task: Harness,
) -> None:
    shown = one_text(await one_task.send("/deadlinerule", user=OWNER))
    assert "hạn đã điều chỉnh" in shown and "/cachtinhhan bandau" not in shown
    one_task.registry.users.save(UserPrefs(SECRETARY, lang="en"))
    wrong = one_text(await one_task.send("/deadlinerule later"))
    assert "“later” is not a rule" in wrong and "/deadlinerule first" in wrong


async def test_same_deadline_is_refused(one_task: Harness) -> None:
    reply = one_text(await one_task.send("/deadline 1 30/9/2024 | nhầm", lang="en"))
    assert "trùng với hạn hiện tại" in reply
    assert task(one_task).original_deadline is None


async def test_owner_asking_for_a_deadline_change_is_sent_to_the_secretariat(
    one_task: Harness,
) -> None:
    reply = one_text(await one_task.send("/doihan 1 31/10/2024 | Chờ ý kiến", user=OWNER))
    assert "chủ trì hoặc thư ký" in reply
    assert "Nguyễn Thị Thư Ký (@thuky)" in reply
    assert "31/10/2024 | Chờ ý kiến" in reply
    assert task(one_task).deadline == dt.date(2024, 9, 30)


async def test_other_member_asking_for_a_deadline_change_is_refused(one_task: Harness) -> None:
    reply = one_text(await one_task.send("/doihan 1 31/10/2024 | x", user=OTHER_OWNER))
    assert "không có quyền" in reply


async def test_reassign_to_another_agency(one_task: Harness) -> None:
    card = one_text(await one_task.send("/giaolai 1 ha tinh | Đúng thẩm quyền", user=CHAIR))
    assert "Đã giao lại" in card and "Chủ trì: Hà Tĩnh" in card
    moved = task(one_task)
    assert (moved.lead, moved.responsible, moved.coordinators) == ("ha-tinh", (), ())
    assert moved.history[-1].note == "Đúng thẩm quyền"


async def test_reassign_to_an_official_by_username(one_task: Harness) -> None:
    await one_task.send("/giaolai 1 @CHUTRI")
    assert task(one_task).responsible == (CHAIR,)
    assert task(one_task).lead == "nghe-an"


async def test_reassign_with_an_ambiguous_agency_asks_with_buttons(one_task: Harness) -> None:
    one_task.store.save_agency(
        Agency("ha-giang", "UBND tỉnh Hà Giang", "Hà Giang", (), AgencyKind.PROVINCE),
        actor=SECRETARY,
        at=NOW,
    )
    calls = await one_task.send("/giaolai 1 Hà")
    [ask] = [c for c in calls if c.method == "sendMessage"]
    assert "khớp với nhiều đơn vị" in ask.params["text"]
    assert {d for _, d in buttons_of(ask)} == {"task:ra::1:ha-giang", "task:ra::1:ha-tinh"}
    assert task(one_task).lead == "nghe-an"
    refused = await one_task.press("task:ra::1:ha-giang", user=OWNER)
    assert answers(refused)[0].params.get("show_alert") is True
    assert task(one_task).lead == "nghe-an"
    calls = await one_task.press("task:ra::1:ha-giang")
    assert "Chủ trì: Hà Giang" in one_text(calls, "editMessageText")
    assert task(one_task).lead == "ha-giang"


async def test_member_may_not_reassign_or_cancel(one_task: Harness) -> None:
    for command in ("/giaolai 1 Hà Tĩnh", "/huyviec 1 Không cần"):
        assert "không có quyền" in one_text(await one_task.send(command, user=OWNER))
    assert task(one_task).lead == "nghe-an"
    assert task(one_task).status is TaskStatus.OPEN


async def test_cancel_with_reason_leaves_a_card_without_buttons(one_task: Harness) -> None:
    calls = await one_task.send("/huyviec 1 Gộp vào nhiệm vụ số 3")
    [call] = [c for c in calls if c.method == "sendMessage"]
    assert "Đã hủy" in call.params["text"]
    assert buttons_of(call) == []
    assert task(one_task).status is TaskStatus.CANCELLED
    reply = one_text(await one_task.send("/xong 1", user=OWNER))
    assert "đã bị hủy" in reply


async def test_history_shows_who_when_before_and_after(one_task: Harness) -> None:
    await one_task.send("/tiendo 1 40 Bước 1", user=OWNER)
    one_task.clock.advance(days=1)
    await one_task.send("/doihan 1 31/10/2024 | Chờ Nghị định")
    reply = one_text(await one_task.send("/lichsu 1"))
    assert "Lịch sử thay đổi nhiệm vụ số 1" in reply
    assert "09:00 31/07/2024 · Lê Văn Nghệ · 📈 cập nhật tiến độ" in reply
    assert "Tiến độ: — → 40%" in reply
    assert "Trạng thái: chưa bắt đầu → đang thực hiện" in reply
    assert "Ghi chú: Bước 1" in reply
    assert "09:00 01/08/2024 · Nguyễn Thị Thư Ký · ⏰ đổi hạn" in reply
    assert "Hạn: 30/09/2024 → 31/10/2024" in reply
    assert "Ghi chú: Chờ Nghị định" in reply


async def test_history_is_for_chair_and_secretaries_only(one_task: Harness) -> None:
    assert "không có quyền" in one_text(await one_task.send("/lichsu 1", user=OWNER))
    assert "Lịch sử" in one_text(await one_task.send("/history 1", user=CHAIR))


# -- buttons --------------------------------------------------------------------------------


async def test_done_button_edits_the_card_in_place(one_task: Harness) -> None:
    await one_task.send("/viec 1", user=OWNER)
    calls = await one_task.press("task:done::1", user=OWNER)
    [answer] = answers(calls)
    assert "hoàn thành" in answer.params["text"]
    edited = one_text(calls, "editMessageText")
    assert "Hoàn thành đúng hạn" in edited
    assert texts(calls) == []  # nothing new in the chat: the card changed in place
    assert task(one_task).status is TaskStatus.DONE
    [edit] = [c for c in calls if c.method == "editMessageText"]
    assert [d for _, d in buttons_of(edit)] == ["task:note::1", "task:reopen::1"]


async def test_button_pressed_by_someone_without_the_right_only_toasts(one_task: Harness) -> None:
    await one_task.send("/viec 1", user=OWNER)
    calls = await one_task.press("task:done::1", user=OTHER_OWNER)
    [answer] = answers(calls)
    assert answer.params.get("show_alert") is True
    assert "chỉ cập nhật được" in answer.params["text"]
    assert [c.method for c in calls] == ["answerCallbackQuery"]
    assert task(one_task).status is TaskStatus.OPEN


async def test_button_pressed_by_a_stranger_is_answered(one_task: Harness) -> None:
    await one_task.send("/viec 1")
    calls = await one_task.press("task:pg::1", user=STRANGER)
    assert "/thamgia" in answers(calls)[0].params["text"]


async def test_progress_button_offers_steps_then_sets_the_progress(one_task: Harness) -> None:
    await one_task.send("/viec 1", user=OWNER)
    calls = await one_task.press("task:pg::1", user=OWNER)
    assert len(answers(calls)) == 1
    [edit] = [c for c in calls if c.method == "editMessageText"]
    assert [d for _, d in buttons_of(edit)] == [
        "task:pg::1:25",
        "task:pg::1:50",
        "task:pg::1:75",
        "task:pg::1:100",
        "task:card::1",
    ]
    calls = await one_task.press("task:pg::1:50", user=OWNER)
    assert "50%" in answers(calls)[0].params["text"]
    assert "▰▰▰▰▰▱▱▱▱▱ 50%" in one_text(calls, "editMessageText")
    assert task(one_task).progress == 50


async def test_back_button_returns_the_card_keyboard(one_task: Harness) -> None:
    await one_task.send("/viec 1", user=OWNER)
    await one_task.press("task:pg::1", user=OWNER)
    calls = await one_task.press("task:card::1", user=OWNER)
    [edit] = [c for c in calls if c.method == "editMessageText"]
    assert ("📈 Tiến độ", "task:pg::1") in buttons_of(edit)


async def test_stale_done_button_toasts_and_refreshes_the_card(one_task: Harness) -> None:
    await one_task.send("/viec 1", user=OWNER)
    await one_task.send("/xong 1", user=SECRETARY)
    card = one_task.message_with_button("task:done::1")
    calls = await one_task.press("task:done::1", user=OWNER, message_id=card)
    assert "đã hoàn thành rồi" in answers(calls)[0].params["text"]
    assert "Hoàn thành đúng hạn" in one_text(calls, "editMessageText")
    assert audit_count(one_task) == 2  # created, done once


async def test_note_button_asks_for_a_reply_which_becomes_the_note(one_task: Harness) -> None:
    await one_task.send("/viec 1", user=OWNER)
    calls = await one_task.press("task:note::1", user=OWNER)
    assert len(answers(calls)) == 1
    [prompt] = [c for c in calls if c.method == "sendMessage"]
    assert prompt.params["reply_markup"]["force_reply"] is True
    assert "trả lời tin nhắn này" in prompt.params["text"]
    prompt_id = one_task.api.last_message(GROUP_ID)["message_id"]  # type: ignore[index]
    calls = await one_task.send("Đã gửi dự thảo cho Bộ Tư pháp", user=OWNER, reply_to=prompt_id)
    assert "Đã thêm ghi chú" in one_text(calls)
    assert task(one_task).history[-1].note == "Đã gửi dự thảo cho Bộ Tư pháp"


async def test_reply_to_a_note_prompt_from_someone_without_the_right_is_refused(
    one_task: Harness,
) -> None:
    await one_task.send("/viec 1", user=OWNER)
    await one_task.press("task:note::1", user=OWNER)
    prompt_id = one_task.api.last_message(GROUP_ID)["message_id"]  # type: ignore[index]
    calls = await one_task.send("Tôi ghi thay", user=OTHER_OWNER, reply_to=prompt_id)
    assert "không có quyền" in one_text(calls)
    assert task(one_task).history == []


async def test_deadline_button_gives_leaders_the_command_and_members_whom_to_ask(
    one_task: Harness,
) -> None:
    await one_task.send("/viec 1")
    leader = answers(await one_task.press("task:dl::1"))[0]
    assert "/doihan 1 31/10/2024 | lý do" in leader.params["text"]
    member = answers(await one_task.press("task:dl::1", user=OWNER))[0]
    assert "thư ký" in member.params["text"]
    assert task(one_task).deadline == dt.date(2024, 9, 30)


async def test_card_in_private_names_its_workspace_and_its_buttons_act_there(
    one_task: Harness,
) -> None:
    calls = await one_task.send("/viec 1", user=OWNER, chat=OWNER)
    [call] = [c for c in calls if c.method == "sendMessage"]
    done = f"task:done:{GROUP_ID}:1"
    assert done in [d for _, d in buttons_of(call)]
    assert not any(d.startswith(f"task:dl:{GROUP_ID}") for _, d in buttons_of(call))
    await one_task.press(done, user=OWNER, chat=OWNER)
    assert task(one_task).status is TaskStatus.DONE


async def test_every_button_fits_telegrams_64_bytes(one_task: Harness) -> None:
    long_code = "x" * 40
    one_task.store.save_agency(
        Agency(long_code, "Một đơn vị có mã rất dài", "Dài 1"), actor=SECRETARY, at=NOW
    )
    one_task.store.save_agency(
        Agency("y" * 40, "Một đơn vị khác mã dài", "Dài 2"), actor=SECRETARY, at=NOW
    )
    with one_task.store.transaction():
        for _ in range(3):
            one_task.store.add_task(make_task(), actor=SECRETARY, at=NOW)
    calls = await one_task.send("/giaolai 4 Một đơn vị", user=SECRETARY, chat=SECRETARY)
    data = [d for c in calls if c.method == "sendMessage" for _, d in buttons_of(c)]
    assert len(data) == 2
    assert all(len(d.encode()) <= 64 for d in data)
    # The press resolves the cut code to its agency.
    await one_task.press(data[0], chat=SECRETARY)
    assert one_task.store.task(4).lead in (long_code, "y" * 40)  # type: ignore[union-attr]


async def test_a_deadline_changed_to_a_sunday_is_kept_with_a_button_to_the_friday(
    one_task: Harness,
) -> None:
    calls = await one_task.send("/doihan 1 29/9/2024 | Chờ ý kiến Bộ Tư pháp")
    [call] = [c for c in calls if c.method == "sendMessage"]
    assert "⚠️ 29/09/2024 là Chủ nhật" in call.params["text"]
    first_row = call.params["reply_markup"]["inline_keyboard"][0]
    assert first_row[0]["callback_data"] == "task:wd::1:20240929"
    await one_task.press("task:wd::1:20240929")
    moved = task(one_task)
    # The correction keeps the one official change and its first deadline.
    assert (moved.deadline, moved.original_deadline, moved.deadline_changes) == (
        dt.date(2024, 9, 27), dt.date(2024, 9, 30), 1)
    card = one_text(await one_task.send("/viec 1"))
    assert "⚠️" not in card and "task:wd:" not in str(card)  # only the reply comments on it
