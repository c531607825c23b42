"""A group upgraded to a supergroup keeps its data under its new chat id."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.clock import FixedClock
from bot.model import UserPrefs
from handlers import reminders
from store.registry import Registry
from tests.conftest import Harness, _group_roster, make_harness, texts
from tests.factories import NOW, OWNER, SECRETARY, TZ, make_task, seeded_store
from tests.fakes import migration_updates

OLD = -4001234567  # a basic group's id
NEW = -1004001234567  # the supergroup Telegram makes of it


@pytest.fixture
async def basic(tmp_path: Path, clock: FixedClock) -> AsyncIterator[Harness]:
    """A bot whose working group is still a basic group, with one task due in seven days."""
    h = await make_harness(tmp_path / "data", clock, seed=False)
    h.api.add_chat(OLD, "group", "Tổ công tác", _group_roster())
    # Made well before the mornings the tests wake at: a restart owes no slot before it.
    made = NOW - dt.timedelta(days=60)
    store = h.registry.create(OLD, "Tổ công tác", lang="vi", tz=TZ, at=made)
    seeded_store(store)
    store.add_task(make_task("Số hóa hồ sơ", deadline=dt.date(2024, 8, 7),
                             responsible=(OWNER,)), actor=SECRETARY, at=made)
    reminders.reschedule(h.app, OLD)
    yield h
    await h.app.shutdown()


def files(h: Harness) -> list[str]:
    return sorted(p.name for p in (h.data_dir / "workspaces").glob("*.json"))


async def upgrade(h: Harness) -> None:
    assert h.api.migrate_chat(OLD, NEW) == NEW
    for update in migration_updates(h.api, chat_id=OLD, user_id=SECRETARY):
        await h.feed(update)


async def test_an_upgraded_group_keeps_its_tasks_under_its_new_id(basic: Harness) -> None:
    await upgrade(basic)
    store = basic.registry.get(NEW)
    assert store is not None and basic.registry.get(OLD) is store
    assert store.workspace.chat_id == NEW and store.workspace.former_chat_ids == (OLD,)
    assert files(basic) == [f"{NEW}.json"]
    assert store.audit()[-1].before["chat_id"] == OLD  # type: ignore[index]
    [answer] = texts(await basic.send("/viec 1", chat=NEW))
    assert "Số hóa hồ sơ" in answer
    # Its reminders follow it.
    assert basic.app.job_queue is not None
    assert basic.app.job_queue.get_jobs_by_name(f"rem:{OLD}") == ()
    assert len(basic.app.job_queue.get_jobs_by_name(f"rem:{NEW}")) == 1


async def test_a_late_command_in_the_old_group_is_answered_in_the_new_one(
    basic: Harness,
) -> None:
    await upgrade(basic)
    calls = await basic.send("/viec 1", chat=OLD)
    [answer] = [c for c in calls if c.method == "sendMessage" and c.ok]
    assert answer.chat_id == NEW and "Số hóa hồ sơ" in answer.params["text"]
    assert files(basic) == [f"{NEW}.json"]  # no new workspace for the old id


async def test_a_send_refused_for_the_old_id_moves_the_workspace_there_and_then(
    basic: Harness,
) -> None:
    # The bot missed the service messages: the morning's reminders find out.
    basic.api.migrate_chat(OLD, NEW)
    basic.clock.set(dt.datetime(2024, 7, 31, 8, 0, tzinfo=NOW.tzinfo))
    await reminders.wake(basic.app, OLD)
    sent = [c for c in basic.api.sent("sendMessage") if c.chat_id == NEW]
    assert any("Số hóa hồ sơ" in c.params["text"] for c in sent)
    assert basic.registry.get(NEW) is basic.registry.get(OLD) is not None
    assert files(basic) == [f"{NEW}.json"]
    assert basic.app.job_queue is not None
    assert basic.app.job_queue.get_jobs_by_name(f"rem:{OLD}") == ()
    assert len(basic.app.job_queue.get_jobs_by_name(f"rem:{NEW}")) == 1


async def test_who_chose_the_group_in_private_still_has_it_chosen(basic: Harness) -> None:
    users = basic.registry.users
    users.save(dataclasses.replace(UserPrefs(OWNER), current_workspace=OLD))
    await upgrade(basic)
    assert users.get(OWNER).current_workspace == NEW


async def test_after_a_restart_both_ids_find_the_workspace(basic: Harness) -> None:
    await upgrade(basic)
    await basic.app.shutdown()
    basic.registry.close()
    again = Registry(basic.data_dir)
    try:
        store = again.get(OLD)
        assert store is not None and store is again.get(NEW)
        assert [t.title for t in store.tasks()] == ["Số hóa hồ sơ"]
    finally:
        again.close()


def test_stopped_between_the_new_id_and_the_rename_the_next_start_renames(
    tmp_path: Path,
) -> None:
    registry = Registry(tmp_path)
    store = registry.create(OLD, "Tổ công tác", lang="vi", tz=TZ, at=NOW)
    seeded_store(store)
    store.save_workspace(dataclasses.replace(store.workspace, chat_id=NEW,
                                             former_chat_ids=(OLD,)), actor=0, at=NOW)
    registry.close()  # the rename never happened
    again = Registry(tmp_path)
    try:
        assert again.get(NEW) is again.get(OLD) is not None
        assert sorted(p.name for p in (tmp_path / "workspaces").glob("*.json")) == [
            f"{NEW}.json"]
    finally:
        again.close()


async def test_an_upgrade_seen_twice_moves_once(basic: Harness) -> None:
    await upgrade(basic)
    for update in migration_updates(basic.api, chat_id=OLD, user_id=SECRETARY):
        await basic.feed(update)  # Telegram repeats, or the bot restarted mid-way
    assert [e.action for e in basic.registry.get(NEW).audit()].count("workspace") == 2  # type: ignore[union-attr]
