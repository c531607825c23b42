"""Durable storage: atomic replaces, batches, corrupt files reported and left alone."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import orjson
import pytest

from bot.model import Member, Role, TaskStatus, Workspace
from store.registry import Registry
from store.storage import CorruptDataFile, DurableStorage, atomic_write
from store.workspace import open_workspace_file
from tests.factories import GROUP_ID, NOW, OWNER, SECRETARY, make_task, seeded_store


def test_atomic_write_leaves_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "a.json"
    atomic_write(target, b'{"x": 1}')
    atomic_write(target, b'{"x": 2}')
    assert orjson.loads(target.read_bytes()) == {"x": 2}
    assert os.listdir(tmp_path) == ["a.json"]


def test_batch_writes_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    storage = DurableStorage(tmp_path / "w.json")
    writes: list[bytes] = []
    monkeypatch.setattr("store.storage.atomic_write", lambda path, payload: writes.append(payload))
    with storage.batch():
        storage.write({"a": {}})
        storage.write({"a": {}, "b": {}})
    assert len(writes) == 1


def test_failed_flush_rolls_memory_back_to_disk(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "ws.json"
    ws = open_workspace_file(path)
    ws.save_workspace(Workspace(GROUP_ID, "Tổ", created_at=NOW), actor=1, at=NOW)

    def disk_full(path: Path, payload: bytes) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("store.storage.atomic_write", disk_full)
    with pytest.raises(OSError):
        ws.add_task(make_task(), actor=SECRETARY, at=NOW)
    assert ws.tasks() == []
    assert ws.workspace.next_task_number == 1


def test_corrupt_file_is_reported_by_name_and_not_overwritten(tmp_path: Path) -> None:
    folder = tmp_path / "workspaces"
    folder.mkdir()
    bad = folder / "-100.json"
    bad.write_bytes(b'{"meta": {"1": {"chat_id": -100')
    before = bad.read_bytes()
    with pytest.raises(CorruptDataFile) as info:
        Registry(tmp_path)
    assert info.value.path == bad
    assert str(bad) in str(info.value)
    assert bad.read_bytes() == before


def test_data_survives_reopening(tmp_path: Path) -> None:
    registry = Registry(tmp_path)
    store = registry.create(GROUP_ID, "Tổ công tác", lang="vi", tz="Asia/Ho_Chi_Minh", at=NOW)
    seeded_store(store, tasks=[make_task("Số hóa hồ sơ"), make_task("Thanh toán trực tuyến")])
    store.update_task(1, lambda t: setattr(t, "status", TaskStatus.DONE), actor=OWNER,
                      at=NOW, action="done")
    reopened = Registry(tmp_path).get(GROUP_ID)
    assert reopened is not None
    assert [t.title for t in reopened.tasks()] == ["Số hóa hồ sơ", "Thanh toán trực tuyến"]
    assert reopened.task(1).status is TaskStatus.DONE  # type: ignore[union-attr]
    assert reopened.workspace.next_task_number == 3
    assert reopened.member(SECRETARY) == Member(SECRETARY, "Nguyễn Thị Thư Ký", Role.SECRETARY,
                                               "thuky", "vpcp")


def test_every_change_is_audited_with_before_and_after() -> None:
    store = seeded_store(tasks=[make_task()])
    later = NOW + dt.timedelta(hours=2)
    store.update_task(1, lambda t: setattr(t, "progress", 40), actor=OWNER, at=later,
                      action="progress")
    entries = store.audit(task=1)
    assert [e.action for e in entries] == ["task_created", "progress"]
    last = entries[-1]
    assert (last.user_id, last.at, last.before, last.after) == (
        OWNER, later, {"progress": None}, {"progress": 40}
    )


def test_workspaces_have_separate_files(tmp_path: Path) -> None:
    registry = Registry(tmp_path)
    registry.create(-1, "A", lang="vi", tz="Asia/Ho_Chi_Minh", at=NOW)
    registry.create(-2, "B", lang="en", tz="Asia/Ho_Chi_Minh", at=NOW)
    names = sorted(p.name for p in (tmp_path / "workspaces").iterdir())
    assert names == ["-1.json", "-2.json"]
