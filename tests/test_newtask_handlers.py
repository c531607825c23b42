"""Creating tasks through the real Application: the one-line /newtask and the wizard."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest

from bot.model import Agency, AgencyKind, Role, UserPrefs
from tests.conftest import Harness, buttons_of, texts
from tests.factories import (
    CHAIR,
    GROUP_ID,
    OTHER_OWNER,
    OWNER,
    SECRETARY,
    STRANGER,
    make_task,
)
from tests.fakes import Call

# The harness does not start the JobQueue, so PTB says on each update that the wizard's
# timeout is not armed; the timeout test starts it.
pytestmark = pytest.mark.filterwarnings("ignore:Ignoring `conversation_timeout`")

HA_NOI = Agency("ha-noi", "UBND thành phố Hà Nội", "Hà Nội", (), AgencyKind.PROVINCE)


def sent(calls: list[Call]) -> list[Call]:
    return [c for c in calls if c.method == "sendMessage" and c.ok]


def last_sent(calls: list[Call]) -> Call:
    found = sent(calls)
    assert found, [c.method for c in calls]
    return found[-1]


def message_id(call: Call) -> int:
    return int(call.result["message_id"])


def markup(call: Call) -> dict[str, Any]:
    value = call.params.get("reply_markup") or {}
    assert isinstance(value, dict)
    return value


def replied_to(call: Call) -> int | None:
    reply = call.params.get("reply_parameters")
    if isinstance(reply, dict):
        return int(reply["message_id"])
    value = call.params.get("reply_to_message_id")
    return int(value) if value is not None else None


def answers(calls: list[Call]) -> list[Call]:
    return [c for c in calls if c.method == "answerCallbackQuery"]


def last_user_message(h: Harness, chat: int = GROUP_ID) -> int:
    everyone = h.api.messages(chat, from_bot=False)
    return int([m for m in everyone if not m["from"].get("is_bot")][-1]["message_id"])


async def answer(
    h: Harness, calls: list[Call], text: str, *, user: int = SECRETARY, chat: int = GROUP_ID
) -> list[Call]:
    """Reply to the wizard's last question, as the ForceReply makes the user's phone do."""
    return await h.send(text, user=user, chat=chat, reply_to=message_id(last_sent(calls)))


def data_with(calls: list[Call], verb: str) -> list[str]:
    return [d for _, d in buttons_of(last_sent(calls)) if f":{verb}" in d]


# --- the one-line form ------------------------------------------------------------------


async def test_one_line_creates_the_task_and_shows_its_number_and_card(seeded: Harness) -> None:
    calls = await seeded.send(
        "/giaoviec Rà soát thủ tục nội bộ | Nghe an | 30/9/2024 | kế hoạch: APR 2024"
        " | phối hợp: Hà Tĩnh | sản phẩm: Báo cáo | nguồn: KL 5"
    )
    task = seeded.store.task(1)
    assert task is not None
    assert (task.title, task.lead, task.deadline, task.plan) == (
        "Rà soát thủ tục nội bộ",
        "nghe-an",
        dt.date(2024, 9, 30),
        "APR 2024",
    )
    assert (task.coordinators, task.output, task.source) == (("ha-tinh",), "Báo cáo", "KL 5")
    assert task.responsible == (OWNER,)  # the lead's member, as nobody was named
    assert task.created_by == SECRETARY
    [reply] = texts(calls)
    assert "#1" in reply and "Rà soát thủ tục nội bộ" in reply
    assert "30/09/2024" in reply and "APR 2024" in reply
    assert "/xong 1" in reply and "/tiendo 1 50" in reply


async def test_one_line_speaks_english_to_an_english_user(seeded: Harness) -> None:
    seeded.registry.users.save(UserPrefs(SECRETARY, lang="en"))
    calls = await seeded.send("/newtask Review procedures | Ha Tinh | 9/2024 17:00 | @nghean")
    [reply] = texts(calls)
    assert "30 Sep 2024 17:00" in reply
    assert "/done 1" in reply and "/progress 1 50" in reply
    task = seeded.store.task(1)
    assert task is not None and task.responsible == (OWNER,)
    assert task.deadline_time == dt.time(17, 0)


async def test_numbers_follow_on_from_existing_tasks(seeded: Harness) -> None:
    seeded.store.add_task(make_task(), actor=SECRETARY, at=seeded.clock())
    calls = await seeded.send("/giaoviec Việc thứ hai | Huế | 30/9/2024")
    assert "#2" in texts(calls)[0]
    assert seeded.store.task(2) is not None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/giaoviec Rà soát | Nghệ An | sớm nhất có thể", "Không hiểu hạn «sớm nhất có thể»"),
        ("/giaoviec Rà soát | Nghệ An | 1/7/2024", "đã qua"),
        ("/giaoviec Rà soát | Nghệ An | 31/7/2024 8:00", "đã qua"),
        ("/giaoviec Rà soát | Cà Mau | 30/9/2024", "/dsdonvi"),
        ("/giaoviec Rà soát TTHC", "tên nhiệm vụ | đơn vị chủ trì | hạn"),
        ("/giaoviec ab | Nghệ An | 30/9/2024", "quá ngắn"),
        ("/giaoviec Rà soát | Nghệ An | 30/9/2024 | @nobody", "/thanhvien"),
    ],
)
async def test_bad_one_line_says_what_is_wrong_with_an_example_and_writes_nothing(
    seeded: Harness,
    text: str,
    expected: str,
) -> None:
    calls = await seeded.send(text)
    [reply] = texts(calls)
    assert expected in reply
    assert "/giaoviec Rà soát TTHC nội bộ | Nghệ An | 30/9/2024" in reply  # the example
    assert "chưa lưu gì" in reply
    assert seeded.store.tasks() == []


async def test_a_member_may_not_create_tasks(seeded: Harness) -> None:
    calls = await seeded.send("/giaoviec Rà soát | Nghệ An | 30/9/2024", user=OWNER)
    assert "không có quyền" in texts(calls)[0]
    assert seeded.store.tasks() == []


@pytest.mark.parametrize("text", ["/giaoviec Rà soát | Nghệ An | 30/9/2024", "/newtask"])
async def test_a_non_member_gets_the_common_refusal(seeded: Harness, text: str) -> None:
    calls = await seeded.send(text, user=STRANGER)
    assert "chưa là thành viên" in texts(calls)[0]
    assert seeded.store.tasks() == []


async def test_ambiguous_lead_is_asked_with_buttons_and_the_pick_creates_it(
    seeded: Harness,
) -> None:
    seeded.store.save_agency(HA_NOI, actor=SECRETARY, at=seeded.clock())
    calls = await seeded.send("/giaoviec Số hóa hồ sơ | Hà | 30/9/2024 | kế hoạch: APR")
    assert seeded.store.tasks() == []
    choices = buttons_of(last_sent(calls))
    assert {label for label, _ in choices} == {"Hà Nội", "Hà Tĩnh"}
    assert all(d.startswith("new:") and len(d.encode()) <= 64 for _, d in choices)
    pick = next(d for label, d in choices if label == "Hà Tĩnh")
    pressed = await seeded.press(pick)
    task = seeded.store.task(1)
    assert task is not None and task.lead == "ha-tinh" and task.plan == "APR"
    assert task.responsible == (OTHER_OWNER,)
    edited = texts(pressed, "editMessageText")
    assert edited and "#1" in edited[0]


async def test_another_members_press_on_the_ambiguity_buttons_is_refused(
    seeded: Harness,
) -> None:
    seeded.store.save_agency(HA_NOI, actor=SECRETARY, at=seeded.clock())
    calls = await seeded.send("/giaoviec Số hóa hồ sơ | Hà | 30/9/2024")
    pick = buttons_of(last_sent(calls))[0][1]
    for intruder in (CHAIR, OWNER):
        pressed = await seeded.press(pick, user=intruder)
        [toast] = answers(pressed)
        assert toast.params.get("show_alert") is True
        assert "người khác" in toast.params["text"]
        assert seeded.store.tasks() == []
    await seeded.press(pick)
    assert len(seeded.store.tasks()) == 1


async def test_a_duplicate_is_warned_and_created_only_when_confirmed(seeded: Harness) -> None:
    await seeded.send("/giaoviec Rà soát thủ tục nội bộ | Nghệ An | 30/9/2024")
    calls = await seeded.send("/giaoviec rà soát thủ tục nội bộ | Nghe An | 31/10/2024")
    [warning] = texts(calls)
    assert "#1" in warning and "/viec 1" in warning
    assert len(seeded.store.tasks()) == 1
    [create] = data_with(calls, "ok")
    await seeded.press(create)
    assert len(seeded.store.tasks()) == 2


async def test_a_duplicate_cancelled_writes_nothing(seeded: Harness) -> None:
    await seeded.send("/giaoviec Rà soát thủ tục nội bộ | Nghệ An | 30/9/2024")
    calls = await seeded.send("/giaoviec Rà soát thủ tục nội bộ | Nghệ An | 31/10/2024")
    [cancel] = data_with(calls, "no")
    pressed = await seeded.press(cancel)
    assert "Đã hủy" in texts(pressed, "editMessageText")[0]
    assert len(seeded.store.tasks()) == 1


async def test_a_deadline_that_passes_before_the_confirmation_is_asked_again(
    seeded: Harness,
) -> None:
    await seeded.send("/giaoviec Rà soát thủ tục nội bộ | Nghệ An | 30/9/2024")
    calls = await seeded.send("/giaoviec Rà soát thủ tục nội bộ | Nghệ An | 17h hôm nay")
    [create] = data_with(calls, "ok")
    seeded.clock.advance(hours=9)  # 18:00: the 17:00 deadline has gone by
    pressed = await seeded.press(create)
    assert "đã qua" in last_sent(pressed).params["text"]
    assert len(seeded.store.tasks()) == 1


# --- the wizard in a group --------------------------------------------------------------


async def test_wizard_in_a_group_asks_each_step_with_a_selective_force_reply(
    seeded: Harness,
) -> None:
    calls = await seeded.send("/giaoviec")
    question = last_sent(calls)
    assert markup(question) == {"force_reply": True, "selective": True}
    assert replied_to(question) == last_user_message(seeded)
    assert "tên nhiệm vụ" in question.params["text"]

    calls = await answer(seeded, calls, "Số hóa hồ sơ thủ tục hành chính")
    assert "đơn vị chủ trì" in last_sent(calls).params["text"]
    assert markup(last_sent(calls))["force_reply"] is True

    calls = await answer(seeded, calls, "nghe an")
    assert "hạn" in last_sent(calls).params["text"]

    calls = await answer(seeded, calls, "khi nào xong")
    retry = last_sent(calls).params["text"]
    assert "Không hiểu hạn" in retry and "30/9/2024" in retry

    calls = await answer(seeded, calls, "30/9/2024")
    plan_question = last_sent(calls)
    assert "kế hoạch" in plan_question.params["text"]
    labels = [label for label, _ in buttons_of(plan_question)]
    assert "Không thuộc kế hoạch" in labels

    [no_plan] = [d for _, d in buttons_of(plan_question) if d.endswith(":pl:-")]
    calls = await seeded.press(no_plan)
    summary = texts(calls, "editMessageText")[0]
    assert "Số hóa hồ sơ thủ tục hành chính" in summary and "30/09/2024" in summary
    assert seeded.store.tasks() == []

    [create] = [d for _, d in buttons_of_edit(calls) if d.endswith(":ok")]
    calls = await seeded.press(create)
    task = seeded.store.task(1)
    assert task is not None
    assert (task.title, task.lead, task.deadline, task.plan) == (
        "Số hóa hồ sơ thủ tục hành chính",
        "nghe-an",
        dt.date(2024, 9, 30),
        "",
    )
    assert "#1" in texts(calls, "editMessageText")[0]


def buttons_of_edit(calls: list[Call]) -> list[tuple[str, str]]:
    edits = [c for c in calls if c.method == "editMessageText" and c.ok]
    assert edits
    return buttons_of(edits[-1])


async def walk_to_plan(h: Harness, *, user: int = SECRETARY, chat: int = GROUP_ID) -> list[Call]:
    calls = await h.send("/giaoviec", user=user, chat=chat)
    for text in ("Rà soát thủ tục nội bộ", "Hà Tĩnh", "30/9/2024"):
        calls = await answer(h, calls, text, user=user, chat=chat)
    return calls


async def test_existing_plans_are_offered_and_one_can_be_picked(seeded: Harness) -> None:
    for plan in ("Kế hoạch CCTTHC 2024", "Kế hoạch Tổ công tác 2024"):
        seeded.store.add_task(make_task(plan=plan), actor=SECRETARY, at=seeded.clock())
    calls = await walk_to_plan(seeded)
    choices = dict(buttons_of(last_sent(calls)))
    assert {"Kế hoạch CCTTHC 2024", "Kế hoạch Tổ công tác 2024"} <= set(choices)
    calls = await seeded.press(choices["Kế hoạch CCTTHC 2024"])
    [create] = [d for _, d in buttons_of_edit(calls) if d.endswith(":ok")]
    await seeded.press(create)
    task = seeded.store.task(3)
    assert task is not None and task.plan == "Kế hoạch CCTTHC 2024"


async def test_a_new_plan_is_typed_after_its_button(seeded: Harness) -> None:
    calls = await walk_to_plan(seeded)
    [new_plan] = [d for _, d in buttons_of(last_sent(calls)) if d.endswith(":pl:+")]
    calls = await seeded.press(new_plan)
    question = last_sent(calls)
    assert markup(question) == {"force_reply": True, "selective": True}
    calls = await answer(seeded, calls, "Kế hoạch CCTTHC 6 tháng cuối 2024")
    assert "Kế hoạch CCTTHC 6 tháng cuối 2024" in last_sent(calls).params["text"]
    [create] = data_with(calls, "ok")
    await seeded.press(create)
    task = seeded.store.task(1)
    assert task is not None and task.plan == "Kế hoạch CCTTHC 6 tháng cuối 2024"


async def test_group_chatter_that_is_not_a_reply_is_not_taken_as_an_answer(
    seeded: Harness,
) -> None:
    calls = await seeded.send("/giaoviec")
    chatter = await seeded.send("Mọi người nhớ họp lúc 14h nhé")
    assert sent(chatter) == []
    calls = await answer(seeded, calls, "Rà soát thủ tục nội bộ")
    assert "đơn vị chủ trì" in last_sent(calls).params["text"]


async def test_another_members_reply_does_not_drive_the_wizard(seeded: Harness) -> None:
    calls = await seeded.send("/giaoviec")
    intrusion = await answer(seeded, calls, "Việc của chủ trì", user=CHAIR)
    assert sent(intrusion) == []
    calls = await answer(seeded, calls, "Việc của thư ký")
    assert "đơn vị chủ trì" in last_sent(calls).params["text"]


async def test_two_leaders_write_two_tasks_at_once_without_mixing(seeded: Harness) -> None:
    secretary = await seeded.send("/giaoviec")
    chair = await seeded.send("/giaoviec", user=CHAIR)
    secretary = await answer(seeded, secretary, "Việc của thư ký")
    chair = await answer(seeded, chair, "Việc của chủ trì", user=CHAIR)
    secretary = await answer(seeded, secretary, "Nghệ An")
    chair = await answer(seeded, chair, "Hà Tĩnh", user=CHAIR)
    secretary = await answer(seeded, secretary, "30/9/2024")
    chair = await answer(seeded, chair, "31/10/2024", user=CHAIR)
    # Each one's plan buttons belong to him: the chair pressing the secretary's is refused.
    [secretary_no_plan] = [d for _, d in buttons_of(last_sent(secretary)) if d.endswith(":pl:-")]
    refused = await seeded.press(secretary_no_plan, user=CHAIR)
    assert answers(refused)[0].params.get("show_alert") is True
    for user, calls in ((SECRETARY, secretary), (CHAIR, chair)):
        [no_plan] = [d for _, d in buttons_of(last_sent(calls)) if d.endswith(":pl:-")]
        pressed = await seeded.press(no_plan, user=user)
        [create] = [d for _, d in buttons_of_edit(pressed) if d.endswith(":ok")]
        await seeded.press(create, user=user)
    made = {(t.title, t.lead, t.deadline, t.created_by) for t in seeded.store.tasks()}
    assert made == {
        ("Việc của thư ký", "nghe-an", dt.date(2024, 9, 30), SECRETARY),
        ("Việc của chủ trì", "ha-tinh", dt.date(2024, 10, 31), CHAIR),
    }


async def test_an_ambiguous_lead_in_the_wizard_is_asked_with_buttons(seeded: Harness) -> None:
    seeded.store.save_agency(HA_NOI, actor=SECRETARY, at=seeded.clock())
    calls = await seeded.send("/giaoviec")
    calls = await answer(seeded, calls, "Số hóa hồ sơ")
    calls = await answer(seeded, calls, "Hà")
    choices = dict(buttons_of(last_sent(calls)))
    assert set(choices) == {"Hà Nội", "Hà Tĩnh"}
    calls = await seeded.press(choices["Hà Nội"])
    assert "Hà Nội" in texts(calls, "editMessageText")[0]
    question = last_sent(calls)
    assert "hạn" in question.params["text"]
    assert markup(question) == {"force_reply": True, "selective": True}
    calls = await answer(seeded, calls, "30/9/2024")
    [no_plan] = [d for _, d in buttons_of(last_sent(calls)) if d.endswith(":pl:-")]
    calls = await seeded.press(no_plan)
    [create] = [d for _, d in buttons_of_edit(calls) if d.endswith(":ok")]
    await seeded.press(create)
    task = seeded.store.task(1)
    assert task is not None and task.lead == "ha-noi"


async def test_an_unknown_lead_in_the_wizard_is_asked_again(seeded: Harness) -> None:
    calls = await seeded.send("/giaoviec")
    calls = await answer(seeded, calls, "Số hóa hồ sơ")
    calls = await answer(seeded, calls, "Sở Xây dựng Cà Mau")
    retry = last_sent(calls).params["text"]
    assert "Không tìm thấy đơn vị «Sở Xây dựng Cà Mau»" in retry and "/dsdonvi" in retry
    calls = await answer(seeded, calls, "Huế")
    assert "hạn" in last_sent(calls).params["text"]


async def test_a_short_title_is_asked_again(seeded: Harness) -> None:
    calls = await seeded.send("/giaoviec")
    calls = await answer(seeded, calls, "ab")
    assert "quá ngắn" in last_sent(calls).params["text"]
    calls = await answer(seeded, calls, "Rà soát")
    assert "đơn vị chủ trì" in last_sent(calls).params["text"]


@pytest.mark.parametrize("command", ["/huy", "/cancel"])
async def test_cancel_leaves_the_wizard_and_saves_nothing(seeded: Harness, command: str) -> None:
    calls = await walk_to_plan(seeded)
    plan_question = message_id(last_sent(calls))
    cancelled = await seeded.send(command)
    assert "không lưu gì" in texts(cancelled)[0]
    # The plan buttons are taken away, and a late reply drives nothing.
    assert any(
        c.method == "editMessageReplyMarkup" and c.params["message_id"] == plan_question
        for c in cancelled
    )
    late = await seeded.send("Kế hoạch mới", reply_to=plan_question)
    assert sent(late) == []
    assert seeded.store.tasks() == []


async def test_newtask_again_starts_over(seeded: Harness) -> None:
    calls = await seeded.send("/giaoviec")
    calls = await answer(seeded, calls, "Việc bỏ dở")
    calls = await seeded.send("/giaoviec")
    assert "bước 1/4" in last_sent(calls).params["text"]


async def test_a_member_demoted_mid_wizard_cannot_finish(seeded: Harness) -> None:
    calls = await seeded.send("/giaoviec", user=CHAIR)
    chair = seeded.store.member(CHAIR)
    assert chair is not None
    seeded.store.save_member(replace(chair, role=Role.MEMBER), actor=SECRETARY, at=seeded.clock())
    calls = await answer(seeded, calls, "Rà soát", user=CHAIR)
    assert "không có quyền" in texts(calls)[0]
    again = await answer(seeded, calls, "Nghệ An", user=CHAIR)
    assert sent(again) == []


# --- timeout ----------------------------------------------------------------------------


async def test_fifteen_minutes_without_an_answer_ends_the_wizard_saying_nothing_was_saved(
    seeded: Harness,
) -> None:
    job_queue = seeded.app.job_queue
    assert job_queue is not None
    await job_queue.start()
    try:
        calls = await walk_to_plan(seeded)
        plan_question = message_id(last_sent(calls))
        [job] = [j for j in job_queue.jobs() if j.callback.__name__ == "_trigger_timeout"]
        assert job.next_t is not None
        assert job.next_t - dt.datetime.now(dt.UTC) > dt.timedelta(minutes=14)
        start = len(seeded.api.calls)
        await job.run(seeded.app)
        timed_out = seeded.api.calls[start:]
    finally:
        await job_queue.stop(wait=False)
    assert "15 phút" in texts(timed_out)[0] and "không lưu gì" in texts(timed_out)[0]
    assert any(
        c.method == "editMessageReplyMarkup" and c.params["message_id"] == plan_question
        for c in timed_out
    )
    late = await seeded.send("Kế hoạch mới", reply_to=plan_question)
    assert sent(late) == []
    assert seeded.store.tasks() == []


# --- the wizard in private --------------------------------------------------------------


async def test_wizard_in_private_takes_plain_answers_and_offers_busy_agencies(
    seeded: Harness,
) -> None:
    for _ in range(2):
        seeded.store.add_task(make_task(lead="hue"), actor=SECRETARY, at=seeded.clock())
    private = SECRETARY
    calls = await seeded.send("/newtask", chat=private)
    question = last_sent(calls)
    assert "force_reply" not in markup(question)
    calls = await seeded.send("Công bố thủ tục mới", chat=private)
    quick = dict(buttons_of(last_sent(calls)))
    assert "Thừa Thiên Huế" in quick
    calls = await seeded.press(quick["Thừa Thiên Huế"], chat=private)
    calls = await seeded.send("cuối tháng 9", chat=private)
    calls = await seeded.send("Kế hoạch riêng", chat=private)  # a new plan, typed
    [create] = data_with(calls, "ok")
    await seeded.press(create, chat=private)
    task = seeded.store.task(3)
    assert task is not None
    assert (task.title, task.lead, task.deadline, task.plan) == (
        "Công bố thủ tục mới",
        "hue",
        dt.date(2024, 9, 30),
        "Kế hoạch riêng",
    )


async def test_stray_wizard_button_without_an_open_wizard_gets_an_alert(seeded: Harness) -> None:
    seeded.store.save_agency(HA_NOI, actor=SECRETARY, at=seeded.clock())
    calls = await seeded.send("/giaoviec Số hóa | Hà | 30/9/2024")
    pick = buttons_of(last_sent(calls))[0][1]
    pressed = await seeded.press(pick, user=STRANGER)
    [toast] = answers(pressed)
    assert toast.params.get("show_alert") is True
    assert seeded.store.tasks() == []


# --- what the reply says of the deadline ---------------------------------------------------


async def test_a_year_chosen_forward_is_said_on_the_new_task(seeded: Harness) -> None:
    # Issue 9: "cuối tháng 9" typed in November is September of next year; the reply says so.
    seeded.clock.set(dt.datetime(2026, 11, 20, 9, 0, tzinfo=seeded.clock().tzinfo))
    [reply] = texts(await seeded.send("/giaoviec Rà soát thủ tục | Nghệ An | cuối tháng 9"))
    assert "📆 Hạn là 30/09/2027: năm sau, 2027." in reply
    [plain] = texts(await seeded.send("/giaoviec Rà soát quy trình | Nghệ An | 30/9/2027"))
    assert "năm sau" not in plain


async def test_a_deadline_on_a_sunday_is_kept_with_a_button_to_the_working_day_before(
    seeded: Harness,
) -> None:
    calls = await seeded.send("/giaoviec Rà soát thủ tục nội bộ | Nghe an | 29/9/2024")
    reply = last_sent(calls)
    assert "⚠️ 29/09/2024 là Chủ nhật. Hạn vẫn giữ như đã nhập" in reply.params["text"]
    assert "27/09/2024" in reply.params["text"]
    task = seeded.store.task(1)
    assert task is not None and task.deadline == dt.date(2024, 9, 29)
    [data] = [d for _, d in buttons_of(reply) if d.startswith("task:wd:")]
    audited = len(seeded.store.audit(task=1))

    assert "⛔" not in str(await seeded.press(data, user=OWNER))  # only toasts for a member
    assert seeded.store.task(1).deadline == dt.date(2024, 9, 29)  # type: ignore[union-attr]

    calls = await seeded.press(data)
    moved = seeded.store.task(1)
    assert moved is not None and moved.deadline == dt.date(2024, 9, 27)
    assert moved.original_deadline is None and moved.deadline_changes == 0  # a correction
    assert len(seeded.store.audit(task=1)) == audited + 1
    [card] = texts(calls, "editMessageText")
    assert "dời hạn về ngày làm việc 29/09/2024 → 27/09/2024" in card


async def test_a_public_holiday_is_named_in_the_reply(seeded: Harness) -> None:
    seeded.registry.users.save(UserPrefs(SECRETARY, lang="en"))
    [reply] = texts(await seeded.send("/newtask Review procedures | Ha Tinh | 2/9/2024"))
    assert "⚠️ 2 Sep 2024 is a public holiday (National Day)" in reply
    assert "30 Aug 2024" in reply  # 31/8 and 1/9 are a weekend, 3/9 off too
