"""End to end: `python bot.py` keeps a group's data when Telegram upgrades it to a supergroup."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.model import Agency, AgencyKind, Member, Role
from store.registry import Registry
from tests.bot_process import BotProcess, running
from tests.factories import make_task
from tests.fakes import LocalBotAPI, message_update, migration_updates
from tests.fakes import Member as ChatMember

TOKEN = "626262:E2E-MIGRATION"
OLD = -4005555555  # a basic group
NEW = -1004005555555  # the supergroup it becomes
SECRETARY, OWNER = 701, 702
VN = dt.timezone(dt.timedelta(hours=7))


def prepare(data_dir: Path) -> None:
    registry = Registry(data_dir)
    created = dt.datetime(2024, 7, 1, 9, tzinfo=VN)
    store = registry.create(OLD, "Tổ công tác", lang="vi", tz="Asia/Ho_Chi_Minh", at=created)
    with store.transaction():
        store.save_agency(Agency("nghe-an", "UBND tỉnh Nghệ An", "Nghệ An", (),
                                 AgencyKind.PROVINCE), actor=SECRETARY, at=created)
        store.save_member(Member(SECRETARY, "Thư ký", Role.SECRETARY), actor=SECRETARY,
                          at=created)
        store.save_member(Member(OWNER, "Cán bộ", Role.MEMBER, agency="nghe-an"),
                          actor=SECRETARY, at=created)
        store.add_task(make_task("Số hóa hồ sơ một cửa", responsible=(OWNER,)),
                       actor=SECRETARY, at=created)
    registry.close()


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[BotProcess, LocalBotAPI]]:
    api = LocalBotAPI(TOKEN)
    api.add_chat(OLD, "group", "Tổ công tác",
                 [ChatMember(SECRETARY, "Thư", "administrator"),
                  ChatMember(OWNER, "Nghệ", "member")])
    prepare(tmp_path / "data")
    with running(api, tmp_path / "data", TOKEN) as bot:
        yield bot, api


def answers(api: LocalBotAPI, chat: int, text: str) -> int:
    return sum(1 for t in api.texts(chat) if text in t)


def test_an_upgraded_group_finds_its_tasks_under_its_new_id(
    setup: tuple[BotProcess, LocalBotAPI],
) -> None:
    bot, api = setup
    bot.start("2024-07-31T09:00:00+07:00")
    api.wait_for(lambda: api.waiting_polls > 0, timeout=20)
    api.migrate_chat(OLD, NEW)
    for update in migration_updates(api, chat_id=OLD, user_id=SECRETARY):
        api.push_update(update)
    api.push_update(message_update(api, chat_id=NEW, user_id=SECRETARY, text="/viec 1",
                                   first_name="Thư"))
    api.wait_for(lambda: answers(api, NEW, "Số hóa hồ sơ một cửa") == 1, timeout=30)
    # A command typed in the old group just before the upgrade is answered in the new one.
    api.push_update(message_update(api, chat_id=OLD, user_id=SECRETARY, text="/viec 1",
                                   first_name="Thư"))
    api.wait_for(lambda: answers(api, NEW, "Số hóa hồ sơ một cửa") == 2, timeout=30)
    bot.stop()
    assert "Traceback" not in bot.log.read_text(errors="replace"), bot.tail()
    assert sorted(p.name for p in (bot.data_dir / "workspaces").glob("*.json")) == [
        f"{NEW}.json"]
    registry = Registry(bot.data_dir)
    try:
        store = registry.get(OLD)
        assert store is not None and store.workspace.chat_id == NEW
    finally:
        registry.close()
