"""Reminders through the real Application: deliveries, buttons, extensions, settings, restarts."""

from __future__ import annotations

import dataclasses
import datetime as dt
import errno
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.clock import FixedClock
from bot.model import Task, TaskStatus
from bot.reminders import ExtensionStatus, Kind, ReminderKey, ReminderPolicy
from handlers import reminders
from store import storage as store_storage
from store.registry import Registry
from store.reminders import KEPT_DAYS
from tests.conftest import Harness, buttons_of, make_harness, texts
from tests.factories import (
    CHAIR,
    GROUP_ID,
    NOW,
    OTHER_OWNER,
    OWNER,
    SECRETARY,
    VN,
    make_task,
    seeded_store,
)
from tests.fakes import Call, Fault, fail_calls

WED = dt.date(2024, 7, 31)
THU = dt.date(2024, 8, 1)
SAT = dt.date(2024, 8, 3)
MON = dt.date(2024, 8, 5)


def at(day: dt.date, hour: int = 8, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), VN)


def add(h: Harness, title: str, deadline: dt.date, **extra: Any) -> Task:
    return h.store.add_task(make_task(title, deadline=deadline, **extra), actor=SECRETARY, at=NOW)


def sent_to(calls: list[Call], chat: int) -> list[Call]:
    return [c for c in calls if c.method == "sendMessage" and c.ok and c.chat_id == chat]


async def morning(h: Harness, day: dt.date = WED, hour: int = 8) -> list[Call]:
    """The workspace wakes at `day` `hour`:00; the Bot API calls it made."""
    h.clock.set(at(day, hour))
    start = len(h.api.calls)
    await reminders.run_due(h.app, GROUP_ID)
    return h.api.calls[start:]


async def started(h: Harness, *users: int) -> None:
    for user in users:
        await h.send("/start", user=user, chat=user)


@pytest.fixture
async def bot(seeded: Harness) -> AsyncIterator[Harness]:
    """The seeded bot (its retries do not sleep); task 1 due in 7 days is Nghệ's."""
    add(seeded, "Số hóa hồ sơ", dt.date(2024, 8, 7), responsible=(OWNER,))
    await started(seeded, OWNER)
    seeded.api.clear_calls()
    yield seeded


# -- deliveries -------------------------------------------------------------------------------


async def test_a_member_who_started_the_bot_is_reminded_in_private_with_four_buttons(
    bot: Harness,
) -> None:
    calls = await morning(bot)
    [private] = sent_to(calls, OWNER)
    assert "còn 7 ngày" in private.params["text"]
    assert "Số hóa hồ sơ" in private.params["text"]
    assert [data.split(":")[1] for _, data in buttons_of(private)] == [
        "done", "prog", "snz", "ext"]
    assert all(len(data.encode()) <= 64 for _, data in buttons_of(private))


async def test_a_member_without_a_private_chat_is_mentioned_in_the_group(bot: Harness) -> None:
    add(bot, "Báo cáo chỉ số 766", dt.date(2024, 8, 7), lead="ha-tinh")
    calls = await morning(bot)
    mentions = [c for c in sent_to(calls, GROUP_ID) if "Báo cáo chỉ số 766" in c.params["text"]
                and f"tg://user?id={OTHER_OWNER}" in c.params["text"]]
    assert len(mentions) == 1
    assert len(buttons_of(mentions[0])) == 4
    assert not sent_to(calls, OTHER_OWNER)


async def test_the_group_gets_one_message_listing_what_falls_due_soon(bot: Harness) -> None:
    add(bot, "Việc thứ hai", dt.date(2024, 8, 2), responsible=(OWNER,))
    add(bot, "Việc thứ ba", dt.date(2024, 8, 6), responsible=(OWNER,))
    calls = await morning(bot)
    lists = [c for c in sent_to(calls, GROUP_ID) if "sắp đến hạn" in c.params["text"]]
    assert len(lists) == 1
    text = lists[0].params["text"]
    assert text.index("Việc thứ hai") < text.index("Việc thứ ba") < text.index("Số hóa hồ sơ")


async def test_nothing_is_sent_before_the_hour_or_at_the_weekend(bot: Harness) -> None:
    assert not sent_to(await morning(bot, WED, 7), OWNER)
    assert not sent_to(await morning(bot, SAT, 9), OWNER)


async def test_waking_twice_the_same_day_sends_nothing_twice(bot: Harness) -> None:
    first = await morning(bot, WED, 8)
    again = await morning(bot, WED, 11)
    assert len(sent_to(first, OWNER)) == 1
    assert [c for c in again if c.method == "sendMessage"] == []


async def test_overdue_tasks_reach_the_chair_after_three_days(bot: Harness) -> None:
    add(bot, "Việc trễ", dt.date(2024, 7, 26), responsible=(OWNER,))
    await started(bot, CHAIR)
    calls = await morning(bot)
    [escalation] = [c for c in sent_to(calls, CHAIR) if "Việc trễ" in c.params["text"]]
    assert "quá hạn 5 ngày" in escalation.params["text"]


async def test_a_user_who_blocked_the_bot_is_marked_and_reminded_in_the_group(bot: Harness
                                                                             ) -> None:
    bot.api.block(OWNER)
    calls = await morning(bot)
    assert bot.registry.users.get(OWNER).blocked
    [mention] = [c for c in sent_to(calls, GROUP_ID) if f"tg://user?id={OWNER}" in
                 c.params["text"]]
    assert "Số hóa hồ sơ" in mention.params["text"]
    # He writes to the bot again: the next reminders are private again.
    bot.api.unblock(OWNER)
    await bot.send("/start", user=OWNER, chat=OWNER)
    assert not bot.registry.users.get(OWNER).blocked


async def test_a_bad_gateway_and_a_dropped_connection_are_retried_once_delivered(
    bot: Harness,
) -> None:
    hooks = [fail_calls(Fault.bad_gateway(), method="sendMessage"),
             fail_calls(Fault.drop_connection(), method="sendMessage")]
    bot.api.faults = lambda method, params: next(
        (f for f in (h(method, params) for h in hooks) if f is not None), None)
    calls = await morning(bot)
    assert len(sent_to(calls, OWNER)) == 1


async def test_a_flood_wait_is_honoured_before_retrying(seeded: Harness) -> None:
    add(seeded, "Số hóa hồ sơ", dt.date(2024, 8, 7), responsible=(OWNER,))
    await started(seeded, OWNER)
    seeded.api.faults = fail_calls(Fault.too_many_requests(retry_after=7), method="sendMessage")
    calls = await morning(seeded)
    assert len(sent_to(calls, OWNER)) == 1
    assert 7.0 in seeded.waits


async def test_a_reminder_that_finally_fails_shows_in_the_next_digest(bot: Harness) -> None:
    add(bot, "Việc của Hà Tĩnh", dt.date(2024, 8, 7), lead="ha-tinh")
    bot.api.set_bot_status(GROUP_ID, "kicked")
    await morning(bot)  # the group mention for Hà Tĩnh cannot be delivered
    bot.api.set_bot_status(GROUP_ID, "member")
    calls = await morning(bot, MON, 8)
    [digest] = [c for c in sent_to(calls, GROUP_ID) if "Tổng hợp tuần" in c.params["text"]]
    assert "không gửi được" in digest.params["text"]
    assert "Phạm Hà Tĩnh" in digest.params["text"]


# -- restarts -------------------------------------------------------------------------------


async def test_a_restart_with_the_same_data_sends_nothing_twice_and_misses_nothing(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    clock = FixedClock(at(WED, 7, 55))
    first = await make_harness(data, clock, seed=True)
    add(first, "Số hóa hồ sơ", dt.date(2024, 8, 7), responsible=(OWNER,))
    add(first, "Việc của Hà Tĩnh", dt.date(2024, 8, 7), responsible=(OTHER_OWNER,))
    await started(first, OWNER, OTHER_OWNER)
    # Killed after the first reminder reached Nghệ, before the others were sent.
    rs = first.store.reminders
    rs.log_sent(ReminderKey(1, Kind.BEFORE, WED), OWNER, at(WED, 8))
    await first.app.shutdown()

    clock.set(at(WED, 8, 20))
    second = await make_harness(data, clock, seed=False)
    try:
        assert second.app.job_queue is not None
        [job] = second.app.job_queue.get_jobs_by_name(f"rem:{GROUP_ID}")  # the catch-up
        assert job.data == {"chat": GROUP_ID, "at": at(WED, 8, 20)}
        await started(second, OWNER, OTHER_OWNER)  # a fresh fake API knows no private chats
        calls = await morning(second, WED, 8)
        assert sent_to(calls, OWNER) == []
        assert len(sent_to(calls, OTHER_OWNER)) == 1
        again = await morning(second, WED, 9)
        assert [c for c in again if c.method == "sendMessage"] == []
    finally:
        await second.app.shutdown()


async def test_a_restart_reads_no_tasks_until_the_catch_up_or_a_member_needs_them(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    clock = FixedClock(at(WED, 7, 55))
    first = await make_harness(data, clock, seed=True)
    add(first, "Số hóa hồ sơ", dt.date(2024, 8, 7), responsible=(OWNER,))
    await first.app.shutdown()

    second = await make_harness(data, clock, seed=False)
    try:
        reminders.engine(second.app).breath = 0
        store = second.store
        assert not store.loaded  # start-up, its catch-up scheduled, has read no task
        await started(second, OWNER)  # a private chat finds his groups without their tasks
        assert not store.loaded
        calls = await morning(second, WED, 8)  # the catch-up reads them, then reminds
        assert store.loaded and len(sent_to(calls, OWNER)) == 1
    finally:
        await second.app.shutdown()


async def test_after_waking_the_next_wakeup_is_scheduled(bot: Harness) -> None:
    bot.clock.set(at(WED, 8))
    await reminders.wake(bot.app, GROUP_ID)
    assert reminders.engine(bot.app).wakeups[GROUP_ID] == at(THU)
    assert bot.app.job_queue is not None
    [job] = bot.app.job_queue.get_jobs_by_name(f"rem:{GROUP_ID}")
    assert job.data == {"chat": GROUP_ID, "at": at(THU)}


async def test_a_slot_that_comes_while_a_wakeup_runs_is_not_put_off_to_the_next_day(
        bot: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    # The start-up catch-up plans at 07:59:59 (nothing due yet) and is slow to finish: 08:00
    # comes before it schedules the next wake-up, which must then be 08:00, not tomorrow.
    real_plan = reminders.plan.plan_due

    def slow_plan(*args: Any, **kwargs: Any) -> Any:
        due = real_plan(*args, **kwargs)
        bot.clock.set(at(WED, 8, 0) + dt.timedelta(seconds=1))
        return due

    monkeypatch.setattr(reminders.plan, "plan_due", slow_plan)
    bot.clock.set(at(WED, 7, 59) + dt.timedelta(seconds=59))
    assert await reminders.wake(bot.app, GROUP_ID) == 0
    assert reminders.engine(bot.app).wakeups[GROUP_ID] == at(WED)
    monkeypatch.setattr(reminders.plan, "plan_due", real_plan)
    assert await reminders.wake(bot.app, GROUP_ID, scheduled=at(WED)) >= 1


async def test_a_task_change_by_another_feature_moves_the_wakeup(bot: Harness) -> None:
    bot.clock.set(at(WED, 9))
    await reminders.wake(bot.app, GROUP_ID)
    add(bot, "Hạn xa", dt.date(2024, 12, 31), responsible=(OWNER,))
    await bot.send("/xong 1", user=OWNER)  # the only task due soon is done
    task = bot.store.task(1)
    assert task is not None and task.status is TaskStatus.DONE
    assert reminders.engine(bot.app).wakeups[GROUP_ID] == at(MON)  # the digest


async def test_a_change_before_the_start_up_catch_up_does_not_put_it_off(bot: Harness) -> None:
    # The catch-up scheduled at start-up (09:00) has not run yet when a task changes.
    add(bot, "Hạn xa", dt.date(2024, 12, 31), responsible=(OWNER,))
    await bot.send("/trangthai")
    assert reminders.engine(bot.app).wakeups[GROUP_ID] == NOW


# -- buttons ----------------------------------------------------------------------------------


async def press(h: Harness, action: str, *args: object, user: int = OWNER,
                chat: int | None = None) -> list[Call]:
    data = ":".join(["rem", action, str(GROUP_ID), *(str(a) for a in args)])
    chat = user if chat is None else chat
    try:
        message = h.message_with_button(data, chat)
    except AssertionError:
        # A button from an earlier screen of the same message (the choices replaced it).
        message = int(h.api.messages(chat)[-1]["message_id"])
    return await h.press(data, user=user, chat=chat, message_id=message)


def toasts(calls: list[Call]) -> list[str]:
    return [c.params.get("text", "") for c in calls if c.method == "answerCallbackQuery"]


async def test_done_completes_the_task_and_stops_its_reminders(bot: Harness) -> None:
    await morning(bot)
    calls = await press(bot, "done", 1)
    task = bot.store.task(1)
    assert task is not None and task.status is TaskStatus.DONE
    [edit] = [c for c in calls if c.method == "editMessageText"]
    assert "Đã ghi nhận hoàn thành" in edit.params["text"]
    assert buttons_of(edit) == []
    assert not sent_to(await morning(bot, dt.date(2024, 8, 6)), OWNER)


async def test_someone_elses_task_cannot_be_completed_from_a_reminder(bot: Harness) -> None:
    add(bot, "Việc của Hà Tĩnh", dt.date(2024, 8, 7), lead="ha-tinh")
    await morning(bot)
    calls = await press(bot, "done", 2, user=OWNER, chat=GROUP_ID)
    assert "chỉ cập nhật được" in toasts(calls)[0]
    task = bot.store.task(2)
    assert task is not None and task.status is TaskStatus.OPEN


async def test_update_progress_offers_steps_and_records_the_one_chosen(bot: Harness) -> None:
    await morning(bot)
    calls = await press(bot, "prog", 1)
    [edit] = [c for c in calls if c.method == "editMessageText"]
    assert [label for label, _ in buttons_of(edit)][:4] == ["25%", "50%", "75%", "100%"]
    await press(bot, "pset", 1, 50)
    task = bot.store.task(1)
    assert task is not None and task.progress == 50 and task.status is TaskStatus.IN_PROGRESS


@pytest.mark.parametrize("percent", [None, 100, 50])
async def test_the_same_press_on_a_card_and_on_a_reminder_records_the_same_audit_entry(
    bot: Harness, percent: int | None
) -> None:
    """Done (None) or a progress step, pressed under a reminder of task 1 and on the card of
    task 2, its twin: one function saves both, so the audit entries are the same."""
    add(bot, "Số hóa hồ sơ", dt.date(2024, 8, 7), responsible=(OWNER,))
    await morning(bot)
    await bot.send("/viec 2", user=OWNER, chat=OWNER)
    if percent is None:
        await press(bot, "done", 1)
        await bot.press(f"task:done:{GROUP_ID}:2", user=OWNER, chat=OWNER)
    else:
        await press(bot, "prog", 1)
        await press(bot, "pset", 1, percent)
        await bot.press(f"task:pg:{GROUP_ID}:2", user=OWNER, chat=OWNER)
        await bot.press(f"task:pg:{GROUP_ID}:2:{percent}", user=OWNER, chat=OWNER)
    [from_reminder] = bot.store.audit(task=1)[1:]
    [from_card] = bot.store.audit(task=2)[1:]
    assert dataclasses.replace(from_reminder, task=2) == from_card
    assert from_card.action == ("task_progress" if percent == 50 else "task_done")


async def test_remind_me_tomorrow_silences_today_and_reminds_on_the_next_working_day(
    bot: Harness,
) -> None:
    await morning(bot)
    bot.clock.set(at(WED, 9))
    calls = await press(bot, "snz", 1)
    assert "01/08/2024" in toasts(calls)[0]
    # Thursday has no reminder of its own for a deadline on Wednesday 7/8: the snoozed one.
    thursday = sent_to(await morning(bot, THU), OWNER)
    assert [c.params["text"].splitlines()[0] for c in thursday] == [
        "🔔 <b>Nhắc lại như bạn đã hẹn: còn 6 ngày</b>"]


async def ask_extension(h: Harness, days: int, *, chat: int = OWNER) -> list[Call]:
    await press(h, "ext", 1, chat=chat)
    return await press(h, "exq", 1, days, chat=chat)


async def test_an_extension_goes_to_the_chair_and_approval_keeps_the_original_deadline(
    bot: Harness,
) -> None:
    await morning(bot)
    calls = await press(bot, "ext", 1)
    [edit] = [c for c in calls if c.method == "editMessageText"]
    choices = [data for _, data in buttons_of(edit) if data.startswith("rem:exq:")]
    assert choices[1] == f"rem:exq:{GROUP_ID}:1:7"
    calls = await press(bot, "exq", 1, 7)
    # The chair has not started the bot: the request mentions him in the group.
    [request] = [c for c in sent_to(calls, GROUP_ID) if f"tg://user?id={CHAIR}" in
                 c.params["text"]]
    assert "14/08/2024" in request.params["text"]
    request_id = int(buttons_of(request)[0][1].split(":")[3])

    refused = await press(bot, "exok", request_id, user=OWNER, chat=GROUP_ID)
    assert "Chỉ chủ trì hoặc thư ký" in toasts(refused)[0]

    calls = await press(bot, "exok", request_id, user=CHAIR, chat=GROUP_ID)
    task = bot.store.task(1)
    assert task is not None
    assert (task.deadline, task.original_deadline) == (dt.date(2024, 8, 14), dt.date(2024, 8, 7))
    [told] = sent_to(calls, OWNER)
    assert "Đồng ý gia hạn" in told.params["text"]
    [recorded] = reminders.reminder_store(bot.app, bot.store).extensions(1)
    assert (recorded.status, recorded.decided_by) == (ExtensionStatus.APPROVED, CHAIR)


@pytest.mark.parametrize("failing", [1, 2], ids=["the first write", "the second write"])
async def test_an_approved_extension_moves_the_deadline_and_closes_the_request_together(
    bot: Harness, monkeypatch: pytest.MonkeyPatch, failing: int,
) -> None:
    await started(bot, CHAIR)
    await morning(bot)
    [request] = sent_to(await ask_extension(bot, 7), CHAIR)
    request_id = int(buttons_of(request)[0][1].split(":")[3])
    real_write, writes = store_storage.atomic_write, []

    def write(path: Path, payload: bytes) -> None:
        writes.append(path)
        if len(writes) == failing:
            raise OSError(errno.EIO, "Input/output error")
        real_write(path, payload)

    with monkeypatch.context() as patch:
        patch.setattr(store_storage, "atomic_write", write)
        await bot.press(f"rem:exok:{GROUP_ID}:{request_id}", user=CHAIR, chat=CHAIR,
                        expect_error=True)
    for store in (bot.store, Registry(bot.data_dir).get(GROUP_ID)):
        assert store is not None
        task = store.task(1)
        [recorded] = reminders.reminder_store(bot.app, store).extensions(1)
        assert task is not None
        moved = task.deadline == dt.date(2024, 8, 14)
        assert moved == (recorded.status is ExtensionStatus.APPROVED)
        assert moved == any(e.action == "task_extension" for e in store.audit(task=1))


async def test_a_declined_extension_leaves_the_deadline(bot: Harness) -> None:
    await started(bot, CHAIR)
    await morning(bot)
    calls = await ask_extension(bot, 3)
    [request] = sent_to(calls, CHAIR)
    request_id = int(buttons_of(request)[1][1].split(":")[3])
    calls = await press(bot, "exno", request_id, user=CHAIR)
    assert "Không đồng ý gia hạn" in sent_to(calls, OWNER)[0].params["text"]
    task = bot.store.task(1)
    assert task is not None and task.deadline == dt.date(2024, 8, 7)
    assert task.original_deadline is None
    [recorded] = reminders.reminder_store(bot.app, bot.store).extensions(1)
    assert recorded.status is ExtensionStatus.DECLINED


async def test_a_second_extension_request_waits_for_the_first(bot: Harness) -> None:
    add(bot, "Hạn thứ năm", THU, responsible=(OWNER,))
    await morning(bot)
    await press(bot, "ext", 2)
    await press(bot, "exq", 2, 3)
    await morning(bot, THU)  # "due today", with fresh buttons
    calls = await press(bot, "ext", 2)
    assert "đang có một đề nghị" in toasts(calls)[0]


# -- settings -------------------------------------------------------------------------------


async def test_settings_show_the_policy_to_a_member_but_only_leaders_change_it(bot: Harness
                                                                              ) -> None:
    calls = await bot.send("/caidatnhacviec", user=OWNER)
    assert "Nhắc trước hạn: 7 ngày, 3 ngày, 1 ngày, đúng ngày hạn, lúc 08:00" in texts(calls)[0]
    refused = await bot.send("/caidatnhacviec gio 9:00", user=OWNER)
    assert "không có quyền" in texts(refused)[0]
    assert reminders.reminder_store(bot.app, bot.store).policy().hour == dt.time(8)


async def test_a_secretary_changes_the_hour_and_reminders_follow_it(bot: Harness) -> None:
    calls = await bot.send("/remindersettings hour 9:30")
    assert "Đã lưu" in texts(calls)[0]
    assert not sent_to(await morning(bot, WED, 9), OWNER)
    bot.clock.set(at(WED, 9, 30))
    await reminders.run_due(bot.app, GROUP_ID)
    assert len(sent_to(bot.api.calls, OWNER)) == 1


@pytest.mark.parametrize(("typed", "explains"), [
    ("gio 25:00", "Không hiểu giá trị «25:00»"),
    ("mau xanh", "Không có cài đặt «mau»"),
    ("gio 6:00", "phải nằm trong giờ làm việc"),
])
async def test_a_bad_setting_says_what_was_wrong_and_changes_nothing(
    bot: Harness, typed: str, explains: str,
) -> None:
    calls = await bot.send(f"/caidatnhacviec {typed}")
    assert explains in texts(calls)[0]
    assert "/caidatnhacviec gio 8:00" in texts(calls)[0]
    on_disk = Registry(bot.data_dir).get(GROUP_ID)
    assert on_disk is not None
    assert bot.store.reminders.policy() == on_disk.reminders.policy() == ReminderPolicy()


async def test_reminders_switched_off_send_nothing(bot: Harness) -> None:
    await bot.send("/caidatnhacviec tắt")
    assert [c for c in await morning(bot) if c.method == "sendMessage"] == []


async def test_a_workspace_in_english_is_reminded_in_english(bot: Harness) -> None:
    workspace = bot.store.workspace
    bot.store.save_workspace(dataclasses.replace(workspace, lang="en"), actor=SECRETARY, at=NOW)
    add(bot, "Late one", dt.date(2024, 7, 20), lead="ha-tinh")
    calls = await morning(bot, MON)
    group = " ".join(c.params["text"] for c in sent_to(calls, GROUP_ID))
    assert "Weekly digest" in group and "Overdue, by agency" in group
    assert "Overdue tasks needing direction" in group
    assert "16 days overdue" in group
    [private] = sent_to(await morning(bot, dt.date(2024, 8, 6)), OWNER)
    assert "Reminder: due tomorrow" in private.params["text"]
    assert [label for label, _ in buttons_of(private)] == [
        "✅ Done", "📈 Update progress", "🔕 Remind me tomorrow", "📅 Request an extension"]
    calls = await bot.send("/remindersettings", lang="en")
    assert "Before a deadline: 7 days, 3 days, 1 day, on the day, at 08:00" in texts(calls)[0]


async def test_changing_the_reminder_settings_is_audited(seeded: Harness) -> None:
    await seeded.send("/caidatnhacviec gio 9:00")
    [entry] = [e for e in seeded.store.audit() if e.action == "reminder_settings"]
    assert entry.user_id == SECRETARY and entry.before and entry.after
    assert entry.before != entry.after


# -- growth ---------------------------------------------------------------------------------


async def test_a_workspace_file_does_not_grow_with_time_alone(bot: Harness) -> None:
    # With the weekly digest off, the sent log was never pruned: it grew every working day.
    rs = reminders.reminder_store(bot.app, bot.store)
    rs.save_policy(dataclasses.replace(rs.policy(), digest_weekday=None))
    path = bot.data_dir / "workspaces" / f"{GROUP_ID}.json"
    sizes = []
    days = KEPT_DAYS + 50
    for n in range(days):  # every morning; task 1 is overdue from 8 August
        await morning(bot, WED + dt.timedelta(days=n))
        sizes.append(path.stat().st_size)
    # A month of reminders while the log fills, and a month once the oldest are dropped as
    # the newest come (the log then spans the same kind of days: all overdue).
    filling, pruned = sizes[30] - sizes[0], sizes[-1] - sizes[-31]
    assert pruned < filling / 10, sizes
    restarted = Registry(bot.data_dir).get(GROUP_ID)
    assert restarted is not None
    oldest = min(k.day for k in restarted.reminders.sent_keys())
    last_friday = WED + dt.timedelta(days=days - 1)
    while last_friday.weekday() != 4:  # weekends send nothing, so they prune nothing
        last_friday -= dt.timedelta(days=1)
    assert oldest >= last_friday - dt.timedelta(days=KEPT_DAYS)


async def test_a_group_made_after_the_morning_slot_gets_nothing_for_it_after_a_restart(
    tmp_path: Path,
) -> None:
    # As seen: first started at 09:53 on a Monday, the bot joined a group at 09:53 and its
    # tasks came in made earlier (as an import or the demo does); restarted at 09:54, it sent
    # 8 messages for that morning's 08:00 slot: reminders, the chair's list, the digest.
    data = tmp_path / "data"
    clock = FixedClock(at(MON, 9, 53))
    first = await make_harness(data, clock, seed=False)
    await first.add_bot()
    seeded_store(first.store, tasks=[
        make_task("Việc sắp đến hạn", deadline=dt.date(2024, 8, 6), responsible=(OWNER,)),
        make_task("Việc quá hạn", deadline=dt.date(2024, 7, 26), responsible=(OWNER,)),
    ])
    await started(first, OWNER, CHAIR)
    await first.app.shutdown()

    clock.set(at(MON, 9, 54))
    second = await make_harness(data, clock, seed=False)
    try:
        await started(second, OWNER, CHAIR)
        start = len(second.api.calls)
        assert await reminders.wake(second.app, GROUP_ID, scheduled=at(MON, 9, 54)) == 0
        assert [c for c in second.api.calls[start:] if c.method == "sendMessage"] == []
        # The next morning the same tasks are reminded as usual.
        calls = await morning(second, dt.date(2024, 8, 6))
        assert len(sent_to(calls, OWNER)) == 2 and len(sent_to(calls, CHAIR)) == 1
    finally:
        await second.app.shutdown()


async def test_a_restart_after_the_morning_wakeup_does_not_send_its_slot_again(
    tmp_path: Path,
) -> None:
    # The 08:00 wake-up ran with escalation off; at 09:00 a secretary switched it on. A
    # restart at 09:54 must not treat 08:00 as missed: the bot was up then.
    data = tmp_path / "data"
    clock = FixedClock(at(WED, 7, 30))
    first = await make_harness(data, clock, seed=True)
    add(first, "Việc quá hạn", dt.date(2024, 7, 22), responsible=(OWNER,))
    rs = first.store.reminders
    rs.save_policy(dataclasses.replace(rs.policy(), escalate_after=None))
    await started(first, OWNER, CHAIR)
    assert sent_to(await morning(first, WED, 8), OWNER)  # the overdue reminder
    clock.set(at(WED, 9))
    await first.send("/caidatnhacviec chutri 3")
    await first.app.shutdown()

    clock.set(at(WED, 9, 54))
    second = await make_harness(data, clock, seed=False)
    try:
        await started(second, OWNER, CHAIR)
        start = len(second.api.calls)
        assert await reminders.wake(second.app, GROUP_ID, scheduled=at(WED, 9, 54)) == 0
        assert sent_to(second.api.calls[start:], CHAIR) == []
        assert len(sent_to(await morning(second, THU), CHAIR)) == 1  # the list, next morning
    finally:
        await second.app.shutdown()
