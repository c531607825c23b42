"""A write the disk refuses leaves memory equal to the file, and the next write keeps it all."""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.clock import FixedClock
from bot.model import TaskStatus, UserPrefs, Workspace
from bot.reminders import Kind, ReminderKey
from store.registry import Registry
from store.storage import CorruptDataFile, WriteFailed
from store.workspace import WorkspaceStore, open_workspace_file
from tests.conftest import Harness, make_harness, texts
from tests.factories import CHAIR, GROUP_ID, NOW, OWNER, SECRETARY, make_task, seeded_store
from tests.goldens import check_golden

# Each step of an atomic replace, with the error a real disk gives there.
STEPS = {
    "create the temp file": errno.EACCES,
    "write the temp file": errno.ENOSPC,
    "fsync the temp file": errno.EIO,
    "rename it over the file": errno.EACCES,
    "fsync the directory": errno.EIO,
}


def break_disk(monkeypatch: pytest.MonkeyPatch, step: str) -> None:
    """Make the next atomic replace fail at `step`, as a full, broken or read-only disk does."""
    code = STEPS[step]

    def fail(*_: Any, **__: Any) -> Any:
        raise OSError(code, os.strerror(code))

    if step == "create the temp file":
        monkeypatch.setattr(tempfile, "mkstemp", fail)
    elif step == "write the temp file":
        real_fdopen = os.fdopen

        def fdopen(fd: int, *args: Any, **kwargs: Any) -> Any:
            handle = real_fdopen(fd, *args, **kwargs)
            handle.write = fail
            return handle

        monkeypatch.setattr(os, "fdopen", fdopen)
    elif step == "rename it over the file":
        monkeypatch.setattr(os, "replace", fail)
    else:  # the first fsync is the temp file's, the second the directory's
        real_fsync, calls = os.fsync, []
        failing = 1 if step == "fsync the temp file" else 2

        def fsync(fd: int) -> None:
            calls.append(fd)
            if len(calls) == failing:
                fail()
            real_fsync(fd)

        monkeypatch.setattr(os, "fsync", fsync)


KEY = ReminderKey(1, Kind.BEFORE, NOW.date())
WRITES: dict[str, Callable[[WorkspaceStore], object]] = {
    "a task change": lambda store: store.update_task(
        1, lambda t: setattr(t, "progress", 40), actor=OWNER, at=NOW, action="progress"),
    "the summary's mark": lambda store: store.summaries.remember("all", NOW, CHAIR),
    "a reminder's log entry": lambda store: store.reminders.log_sent(KEY, OWNER, NOW),
}


def state(store: WorkspaceStore) -> tuple[object, ...]:
    """Everything a store shows, to compare memory with what a fresh read of the file gives."""
    return (store.workspace, store.tasks(), store.agencies(), store.members(), store.audit(),
            store.summaries.last("all"), store.reminders.delivered(KEY))


def opened_store(path: Path) -> WorkspaceStore:
    store = open_workspace_file(path)
    store.save_workspace(Workspace(GROUP_ID, "Tổ", created_at=NOW), actor=SECRETARY, at=NOW)
    return seeded_store(store, tasks=[make_task("Số hóa hồ sơ"), make_task("Dịch vụ công")])


@pytest.mark.parametrize("write", WRITES)
@pytest.mark.parametrize("step", STEPS)
def test_a_failed_write_leaves_memory_as_the_file_and_the_next_write_keeps_the_audit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str, write: str,
) -> None:
    path = tmp_path / "ws.json"
    store = opened_store(path)
    audit_before = store.audit()
    with monkeypatch.context() as patch:
        break_disk(patch, step)
        with pytest.raises(WriteFailed):
            WRITES[write](store)
    assert state(store) == state(open_workspace_file(path))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ws.json"]

    store.update_task(2, lambda t: setattr(t, "progress", 10), actor=OWNER, at=NOW,
                      action="progress")
    restarted = open_workspace_file(path)
    assert state(restarted) == state(store)
    assert restarted.audit()[:len(audit_before)] == audit_before
    assert (restarted.audit()[-1].action, restarted.audit()[-1].task) == ("progress", 2)


@pytest.mark.parametrize("step", STEPS)
def test_a_failed_preferences_write_leaves_them_as_on_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str,
) -> None:
    registry = Registry(tmp_path)
    registry.users.save(UserPrefs(OWNER, lang="en", has_private_chat=True))
    with monkeypatch.context() as patch:
        break_disk(patch, step)
        with pytest.raises(WriteFailed):
            registry.users.save(UserPrefs(OWNER, lang="vi", blocked=True))
    on_disk = Registry(tmp_path).users.get(OWNER)
    assert registry.users.get(OWNER) == on_disk
    registry.users.save(UserPrefs(CHAIR, lang="vi"))
    again = Registry(tmp_path).users
    assert again.get(OWNER) == on_disk and again.get(CHAIR).lang == "vi"


def test_a_write_outside_a_transaction_is_refused(tmp_path: Path) -> None:
    # The store's classes write only in transactions; a bare write could not be rolled back.
    store = opened_store(tmp_path / "ws.json")
    with pytest.raises(RuntimeError, match="outside a transaction"):
        store._storage.touch()


# -- through the bot ------------------------------------------------------------------------


def refuse_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    def disk_full(path: Path, payload: bytes) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("store.storage.atomic_write", disk_full)


async def test_a_summary_the_disk_could_not_remember_costs_no_audit_entry(
    seeded: Harness, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Once, /tomtat's "remember the last summary" failed outside any transaction and the next
    # /xong wrote the file without its audit trail: 11 entries, then none.
    seeded.store.add_task(make_task(responsible=(OWNER,)), actor=SECRETARY, at=NOW)
    before = seeded.store.audit()
    with monkeypatch.context() as patch:
        refuse_writes(patch)
        await seeded.send("/tomtat", user=CHAIR, expect_error=True)
    await seeded.send("/xong 1", user=OWNER)
    restarted = Registry(seeded.data_dir).get(GROUP_ID)
    assert restarted is not None
    assert restarted.audit()[:len(before)] == before
    assert [e.action for e in restarted.audit()[len(before):]] == ["task_done"]
    assert restarted.task(1).status is TaskStatus.DONE  # type: ignore[union-attr]


@pytest.mark.parametrize("lang", ["vi", "en"])
async def test_done_on_a_failing_disk_says_not_saved_and_changes_nothing(
    seeded: Harness, monkeypatch: pytest.MonkeyPatch, lang: str,
) -> None:
    seeded.registry.users.save(UserPrefs(OWNER, lang=lang))
    seeded.store.add_task(make_task(responsible=(OWNER,)), actor=SECRETARY, at=NOW)
    before = (seeded.store.tasks(), seeded.store.audit())
    with monkeypatch.context() as patch:
        refuse_writes(patch)
        calls = await seeded.send("/xong 1", user=OWNER, expect_error=True)
    [reply] = texts(calls)
    check_golden(f"not_saved_{lang}.html", reply)
    assert (seeded.store.tasks(), seeded.store.audit()) == before
    restarted = Registry(seeded.data_dir).get(GROUP_ID)
    assert restarted is not None and (restarted.tasks(), restarted.audit()) == before
    # The disk is back: the same command, typed again, is saved once.
    seeded.clock.advance(minutes=1)
    await seeded.send("/xong 1", user=OWNER)
    assert seeded.store.task(1).status is TaskStatus.DONE  # type: ignore[union-attr]
    assert [e.action for e in seeded.store.audit()[len(before[1]):]] == ["task_done"]


@pytest.mark.parametrize("lang", ["vi", "en"])
async def test_tasks_damaged_after_the_start_get_a_clear_reply_and_are_left_alone(
    seeded: Harness, clock: FixedClock, lang: str,
) -> None:
    # Tasks are read on first use: a file damaged after the start is found then, not at start.
    seeded.registry.users.save(UserPrefs(OWNER, lang=lang))
    seeded.store.add_task(make_task(responsible=(OWNER,)), actor=SECRETARY, at=NOW)
    await seeded.app.shutdown()
    restarted = await make_harness(seeded.data_dir, clock, seed=False)
    try:
        path = seeded.data_dir / "workspaces" / f"{GROUP_ID}.json"
        damaged = path.read_bytes().replace(b'"title":"', b'"title":"\\x', 1)
        path.write_bytes(damaged)
        for command in ("/trangthai", "/xong 1"):
            calls = await restarted.send(command, user=OWNER, expect_error=True)
            [reply] = texts(calls)
            check_golden(f"data_unreadable_{lang}.html", reply)
            assert isinstance(restarted.errors[0], CorruptDataFile)
        assert path.read_bytes() == damaged
    finally:
        await restarted.app.shutdown()
