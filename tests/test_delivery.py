"""The one delivery path: retries, pacing, reports, and answers that never lie about a change."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.model import TaskStatus
from bot.render import Renderer
from handlers.delivery import Delivery, DeliveryStopped, Pacer
from tests.conftest import Harness, texts
from tests.factories import NOW, OWNER, SECRETARY, make_task
from tests.fakes import Call, Fault, ManualClock, fail_calls

SAVED = "Thay đổi của bạn đã được lưu"
TRY_AGAIN = "Vui lòng thử lại"


class Endpoint:
    """A Bot API method that fails with `errors`, one per call, then answers."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.chats: list[object] = []

    async def __call__(self, endpoint: str, data: dict[str, Any], **_: Any) -> Any:
        self.chats.append(data.get("chat_id"))
        if self.errors:
            raise self.errors.pop(0)
        return {"message_id": len(self.chats)}


class Sleeps:
    """A sleep that advances a manual clock instead of waiting."""

    def __init__(self, clock: ManualClock | None = None) -> None:
        self.clock = clock
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        if self.clock is not None:
            self.clock.advance(seconds)


async def post(delivery: Delivery, endpoint: Endpoint, method: str = "sendMessage",
               chat_id: int = 42) -> Any:
    data: dict[str, Any] = {"chat_id": chat_id, "text": "x"}
    return await delivery.process_request(endpoint, (method, data), {}, method, data, None)


# -- retries --------------------------------------------------------------------------------


async def test_a_429_waits_what_telegram_asks_then_sends_again() -> None:
    sleeps = Sleeps()
    endpoint = Endpoint(RetryAfter(7))
    assert await post(Delivery(pace=False, sleep=sleeps), endpoint) == {"message_id": 2}
    assert sleeps.waits == [7.0]


async def test_5xx_and_dropped_connections_back_off_and_send_again() -> None:
    sleeps = Sleeps()
    endpoint = Endpoint(NetworkError("Bad Gateway"), TimedOut(), NetworkError("closed"))
    assert await post(Delivery(pace=False, sleep=sleeps), endpoint) == {"message_id": 4}
    assert sleeps.waits == [1.0, 2.0, 4.0]


async def test_retrying_gives_up_after_thirty_seconds() -> None:
    sleeps = Sleeps()
    endpoint = Endpoint(*(NetworkError("Bad Gateway") for _ in range(20)))
    with pytest.raises(NetworkError):
        await post(Delivery(pace=False, sleep=sleeps), endpoint)
    assert sum(sleeps.waits) <= 30.0
    assert sleeps.waits == [1.0, 2.0, 4.0, 8.0, 8.0]


async def test_a_bad_request_is_not_sent_again() -> None:
    endpoint = Endpoint(BadRequest("can't parse entities"))
    with pytest.raises(BadRequest):
        await post(Delivery(pace=False, sleep=Sleeps()), endpoint)
    assert len(endpoint.chats) == 1


async def test_a_403_is_recorded_then_raised() -> None:
    delivery = Delivery(pace=False, sleep=Sleeps())
    blocked: list[int] = []
    delivery.on_blocked = blocked.append
    with pytest.raises(Forbidden):
        await post(delivery, Endpoint(Forbidden("bot was blocked by the user")), chat_id=42)
    assert blocked == [42]


async def test_a_button_answer_whose_answer_was_lost_is_not_an_error() -> None:
    # The first try reached Telegram, its answer did not; the second is told "too old".
    endpoint = Endpoint(NetworkError("closed"), BadRequest("Query is too old and response "
                                                           "timeout expired"))
    delivery = Delivery(pace=False, sleep=Sleeps())
    assert await post(delivery, endpoint, "answerCallbackQuery") is True


async def test_a_group_upgraded_to_a_supergroup_gets_the_message_at_its_new_id() -> None:
    delivery = Delivery(pace=False, sleep=Sleeps())
    moves: list[tuple[int, int]] = []

    async def moved(old: int, new: int) -> None:
        moves.append((old, new))

    delivery.on_migrated = moved
    endpoint = Endpoint(ChatMigrated(-1009))
    await post(delivery, endpoint, chat_id=-5)
    assert endpoint.chats == [-5, -1009]
    assert moves == [(-5, -1009)]


# -- pacing ---------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["sendMessage", "editMessageText"])
async def test_a_private_chat_gets_a_short_burst_then_one_a_second(method: str) -> None:
    clock = ManualClock(1000.0)
    sleeps = Sleeps(clock)
    delivery = Delivery(clock=clock, sleep=sleeps)
    times = []
    for _ in range(6):
        await post(delivery, Endpoint(), method, chat_id=42)
        times.append(clock() - 1000.0)
    assert times == pytest.approx([0, 0, 0, 1, 2, 3])


async def test_a_group_gets_twenty_a_minute_and_other_chats_are_not_held_up() -> None:
    clock = ManualClock(1000.0)
    delivery = Delivery(clock=clock, sleep=Sleeps(clock))
    for _ in range(20):
        await post(delivery, Endpoint(), chat_id=-7)
    assert clock() == 1000.0
    await post(delivery, Endpoint(), chat_id=42)
    assert clock() == 1000.0
    await post(delivery, Endpoint(), chat_id=-7)
    assert clock() == pytest.approx(1060.0)


async def test_the_pacer_forgets_idle_chats() -> None:
    clock = ManualClock(1000.0)
    pacer = Pacer(clock=clock)
    pacer.PRUNE_EVERY = 10
    for chat in range(1, 40):
        await pacer.acquire(chat)
        clock.advance(5.0)
    assert pacer.chats < 12


# -- stopping -------------------------------------------------------------------------------


async def test_once_stopping_a_long_wait_fails_at_once_and_a_short_one_is_kept() -> None:
    clock = ManualClock(1000.0)
    delivery = Delivery(clock=clock, sleep=Sleeps(clock))
    for _ in range(20):
        await post(delivery, Endpoint(), chat_id=-7)
    delivery.stop(grace=3.0)
    with pytest.raises(DeliveryStopped):
        await post(delivery, Endpoint(), chat_id=-7)  # would wait a minute
    await post(delivery, Endpoint(), chat_id=42)  # no wait: still sent
    delivery.resume()
    await post(delivery, Endpoint(), chat_id=-7)


async def test_a_wait_already_under_way_is_cut_short_when_the_bot_stops() -> None:
    delivery = Delivery(pace=False)  # the real sleep, never reached in full
    waiting = asyncio.ensure_future(post(delivery, Endpoint(RetryAfter(3600))))
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    delivery.stop(grace=1.0)
    with pytest.raises(DeliveryStopped):
        await asyncio.wait_for(waiting, 5.0)


# -- through the Application ------------------------------------------------------------------


def one_note(h: Harness, text: str) -> int:
    task = h.store.task(1)
    assert task is not None
    return sum(1 for entry in task.history if text in (entry.note or ""))


@pytest.fixture
async def one_task(seeded: Harness) -> Harness:
    seeded.store.add_task(make_task(responsible=(OWNER,)), actor=SECRETARY, at=NOW)
    return seeded


def seen(calls: list[Call]) -> list[str]:
    """What the user sees: messages Telegram carried out, even if the bot lost the answer."""
    return [c.params.get("text", "") for c in calls if c.method == "sendMessage" and c.processed]


async def test_a_reply_lost_to_a_bad_gateway_is_sent_again(one_task: Harness) -> None:
    one_task.api.faults = fail_calls(Fault.bad_gateway(), method="sendMessage", times=2)
    calls = await one_task.send("/ghichu 1 Đã gửi dự thảo", user=OWNER)
    [reply] = texts(calls)
    assert "Đã gửi dự thảo" in reply
    assert one_note(one_task, "Đã gửi dự thảo") == 1


async def test_a_change_saved_before_its_reply_failed_is_said_to_be_saved(
    one_task: Harness,
) -> None:
    # Telegram is unreachable for longer than the retries last, then comes back.
    one_task.api.faults = fail_calls(Fault.bad_gateway(), method="sendMessage", times=6)
    calls = await one_task.send("/xong 1 Đã ban hành", user=OWNER, expect_error=True)
    [notice] = seen(calls)
    assert SAVED in notice and TRY_AGAIN not in notice
    assert one_task.store.task(1).status is TaskStatus.DONE  # type: ignore[union-attr]


async def test_an_error_before_any_change_still_says_try_again(one_task: Harness) -> None:
    one_task.api.faults = fail_calls(Fault.bad_gateway(), method="sendMessage", times=6)
    calls = await one_task.send("/viec 1", user=OWNER, expect_error=True)
    [notice] = seen(calls)
    assert TRY_AGAIN in notice


def flaky(chance: random.Random, rate: float) -> Callable[[str, dict[str, Any]], Fault | None]:
    faults = [Fault.too_many_requests(retry_after=2), Fault.bad_gateway(),
              Fault.drop_connection(), Fault.bad_gateway(after_processing=True),
              Fault.drop_connection(after_processing=True)]

    def hook(_method: str, _params: dict[str, Any]) -> Fault | None:
        return chance.choice(faults) if chance.random() < rate else None

    return hook


async def test_under_twenty_percent_faults_every_saved_change_is_answered_and_none_doubled(
    one_task: Harness,
) -> None:
    one_task.api.faults = flaky(random.Random(7), 0.2)
    told_to_retry = 0
    for n in range(60):
        note = f"Ghi chú số {n}"
        while True:
            calls = await one_task.send(f"/ghichu 1 {note}", user=OWNER, expect_error=True)
            answers = seen(calls)
            if any(TRY_AGAIN in a for a in answers):
                told_to_retry += 1  # an official does what the bot tells him
                continue
            break
        applied = one_note(one_task, note)
        assert applied == 1, (note, applied)
        assert any(note in a or SAVED in a for a in answers), (note, answers)
    assert any(c.error is not None or c.dropped for c in one_task.api.calls)
    assert told_to_retry == 0


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_saved_notice_matches_its_golden_text(lang: str) -> None:
    golden = Path(__file__).parent / "golden" / f"error_saved_{lang}.html"
    assert Renderer().render("error_saved", lang) + "\n" == golden.read_text(encoding="utf-8")
