"""Durable storage: atomic replaces, batches, corrupt files reported and left alone."""

from __future__ import annotations

import datetime as dt
import os
import sys
import zlib
from pathlib import Path

import orjson
import pytest

from bot.model import (
    HistoryEntry,
    HistoryKind,
    Member,
    Role,
    Task,
    TaskStatus,
    UserPrefs,
    Workspace,
)
from bot.reminders import DeliveryFailure, Kind, ReminderKey
from store.detached import DetachedTable
from store.registry import Registry
from store.reminders import KEPT_DAYS
from store.storage import CorruptDataFile, DurableStorage, WriteFailed, atomic_write
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
    with pytest.raises(WriteFailed):
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


def _table_text(docs: dict[int, dict[str, object]]) -> bytes:
    """A table as this storage writes it: documents in id order, no spaces."""
    return orjson.dumps({str(n): docs[n] for n in sorted(docs)})


@pytest.mark.parametrize(
    "ids",
    [[], [1], [1, 2, 3], [130, 5, 64, 63, 0, 1000], list(range(1, 300))],
    ids=["empty", "one", "a few", "any order", "many"],
)
def test_a_detached_table_is_the_json_object_of_its_documents_in_id_order(ids: list[int]
                                                                          ) -> None:
    docs = {n: {"number": n, "title": f"Việc {n}"} for n in ids}
    table = DetachedTable(None)
    table.index(None, ((n, orjson.dumps(doc)) for n, doc in docs.items()))
    text = b"".join(table.rewrite(None).pieces)
    assert text == _table_text(docs)


@pytest.mark.parametrize("changed", [1, 2, 63, 64, 65, 127, 129, 130, 200, 500])
def test_a_detached_table_keeps_only_changed_documents_and_copies_the_others(changed: int
                                                                           ) -> None:
    docs: dict[int, dict[str, object]] = {n: {"number": n} for n in range(1, 130)}
    text = _table_text(docs)
    table = DetachedTable((0, len(text), zlib.crc32(text)))
    table.index(text, ((n, orjson.dumps(doc)) for n, doc in docs.items()))
    assert table.in_memory == 0  # the text is the file's: memory holds sizes only
    for title in ("Rà soát " * 20, "Số hóa"):  # twice: a replaced one is replaced again
        docs[changed] = {"number": changed, "title": title}
        table.put(changed, orjson.dumps(docs[changed]))
        assert table.in_memory > 0
        rewrite = table.rewrite(text)
        text = b"".join(rewrite.pieces)
        assert text == _table_text(docs)
        assert (rewrite.length, rewrite.crc) == (len(text), zlib.crc32(text))
        table.written(rewrite, 0)
        assert table.in_memory == 0


def test_a_detached_table_not_as_this_storage_writes_it_is_kept_until_written() -> None:
    docs: dict[int, dict[str, object]] = {2: {"number": 2}, 1: {"number": 1}}
    text = orjson.dumps({str(n): doc for n, doc in docs.items()})  # not in id order
    table = DetachedTable((0, len(text), zlib.crc32(text)))
    table.index(text, ((n, orjson.dumps(doc)) for n, doc in docs.items()))
    assert table.in_memory > 0
    assert b"".join(table.rewrite(text).pieces) == _table_text(docs)


def test_tasks_come_in_number_order_whatever_order_they_were_stored_in(tmp_path: Path) -> None:
    path = tmp_path / "ws.json"
    store = open_workspace_file(path)
    store.save_workspace(Workspace(GROUP_ID, "Tổ", created_at=NOW), actor=1, at=NOW)
    for number in (7, 3, 12, 5):
        store.save_task(make_task(f"Việc {number}", number=number), actor=SECRETARY, at=NOW,
                        action="task_created")
    assert [t.number for t in store.tasks()] == [3, 5, 7, 12]
    reopened = open_workspace_file(path)
    assert [t.number for t in reopened.tasks()] == [3, 5, 7, 12]
    assert [t.title for t in reopened.tasks()] == ["Việc 3", "Việc 5", "Việc 7", "Việc 12"]
    data = orjson.loads(path.read_bytes())
    data["tasks"] = dict(reversed(data["tasks"].items()))  # as a hand-edited file may be
    path.write_bytes(orjson.dumps(data))
    assert [t.number for t in open_workspace_file(path).tasks()] == [3, 5, 7, 12]


def test_reading_and_writing_tasks_leaves_the_kept_strings_as_small_as_read(
        tmp_path: Path) -> None:
    # orjson keeps a UTF-8 copy inside every non-ASCII str it writes: with 100,000 tasks in
    # memory, the titles and notes kept must not be the very objects written to the file.
    path = tmp_path / "ws.json"
    store = open_workspace_file(path)
    store.save_workspace(Workspace(GROUP_ID, "Tổ", created_at=NOW), actor=1, at=NOW)
    store.add_task(make_task("Số hóa hồ sơ thủ tục hành chính"), actor=SECRETARY, at=NOW)
    note = HistoryEntry(NOW, OWNER, HistoryKind.NOTE, note="Đã họp với các sở, ngành")
    store.update_task(1, lambda t: t.history.append(note), actor=OWNER, at=NOW, action="note")

    def as_read(task: Task | None) -> bool:
        assert task is not None
        texts = (task.title, task.history[-1].note)
        return all(sys.getsizeof(text) == sys.getsizeof("".join(list(text))) for text in texts)

    reopened = open_workspace_file(path)
    assert as_read(reopened.task(1))
    reopened.update_task(1, lambda t: setattr(t, "progress", 40), actor=OWNER, at=NOW,
                         action="progress")
    assert as_read(reopened.task(1))


def test_audit_trail_stays_in_the_file_not_in_memory(tmp_path: Path) -> None:
    registry = Registry(tmp_path)
    store = registry.create(GROUP_ID, "Tổ", lang="vi", tz="Asia/Ho_Chi_Minh", at=NOW)
    seeded_store(store, tasks=[make_task(f"Việc {n}") for n in range(5)])
    written = len(store.audit())
    reopened = Registry(tmp_path).get(GROUP_ID)
    assert reopened is not None
    storage = reopened._storage
    assert storage._log_pending == []  # type: ignore[attr-defined]
    assert len(reopened.audit()) == written
    reopened.update_task(2, lambda t: setattr(t, "progress", 30), actor=OWNER, at=NOW,
                         action="progress")
    assert storage._log_pending == []  # type: ignore[attr-defined]
    entries = Registry(tmp_path).get(GROUP_ID).audit(task=2)  # type: ignore[union-attr]
    assert [e.action for e in entries] == ["task_created", "progress"]


def test_file_with_the_audit_not_last_is_read_and_rewritten_in_order(tmp_path: Path) -> None:
    folder = tmp_path / "workspaces"
    folder.mkdir()
    doc = {
        "audit": {"1": {"at": NOW.isoformat(), "user_id": 1, "action": "workspace"}},
        "meta": {"1": {"chat_id": GROUP_ID, "title": "Tổ", "next_task_number": 1}},
    }
    (folder / f"{GROUP_ID}.json").write_bytes(orjson.dumps(doc))
    store = Registry(tmp_path).get(GROUP_ID)
    assert store is not None and [e.action for e in store.audit()] == ["workspace"]
    store.add_task(make_task(), actor=SECRETARY, at=NOW)
    raw = (folder / f"{GROUP_ID}.json").read_bytes()
    assert raw.rstrip().endswith(b"}}") and raw.rfind(b',"audit":{') > raw.find(b'"tasks"')
    again = Registry(tmp_path).get(GROUP_ID)
    assert [e.action for e in again.audit()] == ["workspace", "task_created"]  # type: ignore[union-attr]


def test_text_that_looks_like_the_audit_marker_does_not_fool_the_loader(tmp_path: Path) -> None:
    store = Registry(tmp_path).create(GROUP_ID, "Tổ", lang="vi", tz="Asia/Ho_Chi_Minh", at=NOW)
    seeded_store(store, tasks=[make_task('Ghi chú ,"audit":{ lạ }}')])
    again = Registry(tmp_path).get(GROUP_ID)
    assert again is not None
    assert again.task(1).title == 'Ghi chú ,"audit":{ lạ }}'  # type: ignore[union-attr]
    assert len(again.audit()) == len(store.audit())


def test_a_damaged_audit_trail_stops_the_start_by_name(tmp_path: Path) -> None:
    store = Registry(tmp_path).create(GROUP_ID, "Tổ", lang="vi", tz="Asia/Ho_Chi_Minh", at=NOW)
    seeded_store(store, tasks=[make_task()])
    path = tmp_path / "workspaces" / f"{GROUP_ID}.json"
    raw = path.read_bytes()
    damaged = raw.replace(b'"action":"task_created"', b'"action":"task_created', 1)
    assert damaged != raw
    path.write_bytes(damaged)
    with pytest.raises(CorruptDataFile) as info:
        Registry(tmp_path)
    assert info.value.path == path and path.read_bytes() == damaged


def test_a_hand_edited_but_valid_audit_trail_is_accepted(tmp_path: Path) -> None:
    store = Registry(tmp_path).create(GROUP_ID, "Tổ", lang="vi", tz="Asia/Ho_Chi_Minh", at=NOW)
    seeded_store(store, tasks=[make_task()])
    path = tmp_path / "workspaces" / f"{GROUP_ID}.json"
    path.write_bytes(path.read_bytes().replace(b'"task_created"', b'"task_created_by_hand"', 1))
    again = Registry(tmp_path).get(GROUP_ID)
    assert again is not None
    assert "task_created_by_hand" in [e.action for e in again.audit()]
    again.add_task(make_task("Việc mới"), actor=SECRETARY, at=NOW)
    assert len(Registry(tmp_path).get(GROUP_ID).audit()) == len(again.audit())  # type: ignore[union-attr]


def test_an_audit_body_changed_behind_the_stores_back_is_never_spliced(tmp_path: Path) -> None:
    # Two writers once spliced the audit trail at stale offsets; the body is checked first.
    store = Registry(tmp_path).create(GROUP_ID, "Tổ", lang="vi", tz="Asia/Ho_Chi_Minh", at=NOW)
    seeded_store(store, tasks=[make_task()])
    path = tmp_path / "workspaces" / f"{GROUP_ID}.json"
    tampered = path.read_bytes().replace(b'"action":"member"', b'"action":"MEMBER"', 1)
    path.write_bytes(tampered)  # same length: only the checksum can tell
    with pytest.raises(WriteFailed, match="audit trail"):
        store.update_task(1, lambda t: setattr(t, "progress", 10), actor=OWNER, at=NOW,
                          action="progress")
    assert path.read_bytes() == tampered  # nothing written
    # Memory took the file as it now is (a valid hand edit), and writes go on from there.
    store.update_task(1, lambda t: setattr(t, "progress", 20), actor=OWNER, at=NOW,
                      action="progress")
    actions = [e.action for e in Registry(tmp_path).get(GROUP_ID).audit()]  # type: ignore[union-attr]
    assert "MEMBER" in actions and actions[-1] == "progress"


def test_an_audit_body_damaged_behind_the_stores_back_stops_every_write(tmp_path: Path) -> None:
    store = Registry(tmp_path).create(GROUP_ID, "Tổ", lang="vi", tz="Asia/Ho_Chi_Minh", at=NOW)
    seeded_store(store, tasks=[make_task()])
    path = tmp_path / "workspaces" / f"{GROUP_ID}.json"
    damaged = path.read_bytes().replace(b'"action":"member"', b'"action":"member', 1)
    path.write_bytes(damaged)
    with pytest.raises(WriteFailed, match="can no longer be read"):
        store.update_task(1, lambda t: setattr(t, "progress", 10), actor=OWNER, at=NOW,
                          action="progress")
    with pytest.raises(WriteFailed, match="can no longer be read"):
        store.add_task(make_task("Việc mới"), actor=SECRETARY, at=NOW)
    assert path.read_bytes() == damaged
    assert [t.number for t in store.tasks()] == [1]  # a refused write changes nothing


def test_the_reminder_log_and_failures_are_kept_for_sixty_days(tmp_path: Path) -> None:
    path = tmp_path / "ws.json"
    store = open_workspace_file(path)
    store.save_workspace(Workspace(GROUP_ID, "Tổ", created_at=NOW), actor=1, at=NOW)
    for n in range(KEPT_DAYS + 30):
        at = NOW + dt.timedelta(days=n)
        key = ReminderKey(1, Kind.OVERDUE, at.date())
        store.reminders.log_failure(DeliveryFailure(key, OWNER, "blocked", at, OWNER))
        store.reminders.log_done(key, at)
    kept_from = at.date() - dt.timedelta(days=KEPT_DAYS)
    for kept in (store.reminders, open_workspace_file(path).reminders):
        assert sorted(k.day for k in kept.sent_keys())[0] == kept_from
        assert next(f.at.date() for f in kept.unreported_failures()) == kept_from
        assert len(kept.sent_keys()) == len(kept.unreported_failures()) == KEPT_DAYS + 1


def test_saving_a_users_preferences_replaces_them_in_one_write(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Removed, then inserted: a crash between the two lost the user's preferences.
    registry = Registry(tmp_path)
    registry.users.save(UserPrefs(OWNER, lang="en", has_private_chat=True))
    writes: list[bytes] = []

    def counted(path: Path, payload: bytes) -> None:
        writes.append(payload)
        atomic_write(path, payload)

    monkeypatch.setattr("store.storage.atomic_write", counted)
    registry.users.save(UserPrefs(OWNER, lang="vi", current_workspace=GROUP_ID))
    assert len(writes) == 1
    assert Registry(tmp_path).users.get(OWNER) == UserPrefs(OWNER, lang="vi",
                                                            current_workspace=GROUP_ID)
