"""Opening a data directory reads what start-up needs; a workspace's tasks are read on first
use, checked at start-up all the same, and their text stays in the file."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from bot.model import Member, Role
from store import codec
from store.registry import Registry
from store.storage import CorruptDataFile, WriteFailed
from store.workspace import WorkspaceStore
from tests.factories import GROUP_ID, NOW, OWNER, SECRETARY, make_task, seeded_store

OTHER_GROUP = GROUP_ID - 1
TITLES = ["Số hóa hồ sơ", "Thanh toán trực tuyến", "Rà soát thủ tục nội bộ"]


def _write_groups(data_dir: Path) -> Path:
    """Two working groups written by the store; the first one's file."""
    registry = Registry(data_dir)
    for chat_id in (GROUP_ID, OTHER_GROUP):
        store = registry.create(chat_id, f"Tổ {chat_id}", lang="vi", tz="Asia/Ho_Chi_Minh",
                                at=NOW)
        seeded_store(store, tasks=[make_task(title) for title in TITLES])
    registry.close()
    return data_dir / "workspaces" / f"{GROUP_ID}.json"


def _reopened(data_dir: Path) -> tuple[Registry, WorkspaceStore]:
    registry = Registry(data_dir)
    store = registry.get(GROUP_ID)
    assert store is not None
    return registry, store


def _count_task_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    reads: list[int] = []
    real = codec.task_from_doc

    def counted(doc: dict[str, object]) -> object:
        reads.append(1)
        return real(doc)

    monkeypatch.setattr(codec, "task_from_doc", counted)
    return reads


def test_opening_a_data_directory_reads_no_task_until_a_workspace_needs_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write_groups(tmp_path)
    reads = _count_task_reads(monkeypatch)
    registry, store = _reopened(tmp_path)
    assert reads == []
    # What start-up and a private chat need is there without the tasks.
    assert [s.workspace.chat_id for s in registry.workspaces_of(OWNER)] == [GROUP_ID,
                                                                              OTHER_GROUP]
    assert store.member(OWNER) is not None and len(store.agencies()) == 5
    assert not store.loaded
    assert [t.title for t in store.tasks()] == TITLES
    assert len(reads) == len(TITLES) and store.loaded
    other = registry.get(OTHER_GROUP)
    assert other is not None and not other.loaded


def test_a_workspace_whose_tasks_were_never_read_is_written_with_all_of_them(
        tmp_path: Path) -> None:
    _write_groups(tmp_path)
    _, store = _reopened(tmp_path)
    store.save_member(Member(999, "Người mới", Role.MEMBER), actor=SECRETARY, at=NOW)
    _, again = _reopened(tmp_path)
    assert [t.title for t in again.tasks()] == TITLES
    assert again.member(999) is not None


def test_the_tasks_text_stays_in_the_file_not_in_memory(tmp_path: Path) -> None:
    _write_groups(tmp_path)
    _, store = _reopened(tmp_path)
    tasks = store._storage._detached["tasks"]  # type: ignore[attr-defined]
    store.tasks()
    assert tasks.in_memory == 0
    store.update_task(2, lambda t: setattr(t, "progress", 40), actor=OWNER, at=NOW,
                      action="progress")
    assert tasks.in_memory == 0  # what changed was written, and left memory
    _, again = _reopened(tmp_path)
    assert [t.progress for t in again.tasks()] == [0, 40, 0]
    assert [t.title for t in again.tasks()] == TITLES


def test_damaged_tasks_stop_the_start_by_name_though_they_are_read_later(
        tmp_path: Path) -> None:
    path = _write_groups(tmp_path)
    damaged = path.read_bytes().replace("Thanh toán".encode(), b'Thanh "to', 1)
    path.write_bytes(damaged)
    with pytest.raises(CorruptDataFile) as info:
        Registry(tmp_path)
    assert info.value.path == path and path.read_bytes() == damaged


def test_tasks_edited_by_hand_while_the_bot_was_stopped_are_read_as_edited(
        tmp_path: Path) -> None:
    path = _write_groups(tmp_path)
    path.write_bytes(path.read_bytes().replace("Số hóa hồ sơ".encode(),
                                               "Số hoá hồ sơ".encode(), 1))
    _, store = _reopened(tmp_path)
    assert store.task(1).title == "Số hoá hồ sơ"  # type: ignore[union-attr]
    store.add_task(make_task("Việc mới"), actor=SECRETARY, at=NOW)
    _, again = _reopened(tmp_path)
    assert [t.title for t in again.tasks()] == ["Số hoá hồ sơ", *TITLES[1:], "Việc mới"]


def test_tasks_damaged_after_the_start_are_reported_on_first_use_and_never_overwritten(
        tmp_path: Path) -> None:
    path = _write_groups(tmp_path)
    _, store = _reopened(tmp_path)
    damaged = path.read_bytes().replace("Thanh toán".encode(), b'Thanh "to', 1)
    path.write_bytes(damaged)
    with pytest.raises(CorruptDataFile) as info:
        store.tasks()
    assert info.value.path == path
    with pytest.raises(WriteFailed):
        store.add_task(make_task("Việc mới"), actor=SECRETARY, at=NOW)
    with pytest.raises(WriteFailed):
        store.save_member(Member(999, "Người mới", Role.MEMBER), actor=SECRETARY, at=NOW)
    assert path.read_bytes() == damaged


def test_tasks_edited_after_the_start_are_read_as_the_file_now_holds_them(
        tmp_path: Path) -> None:
    path = _write_groups(tmp_path)
    _, store = _reopened(tmp_path)
    path.write_bytes(path.read_bytes().replace("Số hóa hồ sơ".encode(),
                                               "Số hoá hồ sơ".encode(), 1))
    assert store.task(1).title == "Số hoá hồ sơ"  # type: ignore[union-attr]


def test_a_file_written_by_an_older_version_is_read_whole_then_rewritten_to_be_read_lazily(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write_groups(tmp_path)
    data = orjson.loads(path.read_bytes())
    del data["_log"]  # the layout before this one: no meta, the audit trail anywhere
    path.write_bytes(orjson.dumps(data))
    reads = _count_task_reads(monkeypatch)
    _, store = _reopened(tmp_path)
    assert store.loaded and len(reads) == len(TITLES)
    store.update_task(1, lambda t: setattr(t, "progress", 10), actor=OWNER, at=NOW,
                      action="progress")
    _, again = _reopened(tmp_path)
    assert not again.loaded
    assert [t.progress for t in again.tasks()] == [10, 0, 0]
    assert [e.action for e in again.audit(task=1)] == ["task_created", "progress"]
