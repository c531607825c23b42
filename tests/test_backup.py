"""Backups and restores: the file format and its checks, the chat commands, and bot.py's."""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from bot.model import Workspace
from handlers.backup import OFFERS_KEPT
from store.backup import (
    BackupError,
    backup_data_dir,
    checksum,
    contents,
    pack,
    read_backup,
    restore_data_dir,
    workspace_backup,
)
from store.lock import DataDirInUse
from store.registry import Registry
from tests.conftest import Harness, texts
from tests.factories import GROUP_ID, NOW, OWNER, SECRETARY, make_task, seeded_store
from tests.fakes import document_update

ROOT = Path(__file__).resolve().parent.parent


def _registry(data_dir: Path, tasks: int = 3) -> Registry:
    registry = Registry(data_dir)
    store = registry.create(GROUP_ID, "Tổ công tác", lang="vi", tz="Asia/Ho_Chi_Minh", at=NOW)
    seeded_store(store, tasks=[make_task(f"Nhiệm vụ {i}") for i in range(tasks)])
    return registry


# -- the file -------------------------------------------------------------------------------


def test_a_backup_reads_back_with_its_checksums(tmp_path: Path) -> None:
    registry = _registry(tmp_path / "data")
    store = registry.get(GROUP_ID)
    assert store is not None
    data = workspace_backup(store, made_at=NOW)
    backup = read_backup(data)
    assert backup.chat_id == GROUP_ID and backup.made_at == NOW
    (file,) = backup.workspace_files().values()
    assert file == (tmp_path / "data" / "workspaces" / f"{GROUP_ID}.json").read_bytes()
    assert contents(file).tasks == 3
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("manifest.json"))
    assert manifest["files"] == {f"workspaces/{GROUP_ID}.json": checksum(file)}


def _rezip(data: bytes, change: dict[str, bytes]) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for info in source.infolist():
            archive.writestr(info.filename, change.get(info.filename, source.read(info)))
    return out.getvalue()


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda d: b"PK\x03\x04 not really a zip", "not_a_backup"),
        (lambda d: b"", "not_a_backup"),
        (lambda d: _rezip(d, {"workspaces/1.json": b'{"meta": {}} '}), "damaged"),
        (lambda d: _rezip(d, {"manifest.json": json.dumps({
            "format": "dondoc-backup/1", "made_at": NOW.isoformat(), "chat_id": 1,
            "files": {"../../etc/passwd": "0"}}).encode()}), "not_a_backup"),
        (lambda d: _rezip(d, {"manifest.json": b"{}"}), "not_a_backup"),
    ],
)
def test_what_is_not_a_good_backup_is_refused(make, reason: str) -> None:  # type: ignore[no-untyped-def]
    good = pack({"workspaces/1.json": b'{"meta": {}}'}, made_at=NOW, chat_id=1)
    with pytest.raises(BackupError) as caught:
        read_backup(make(good))
    assert caught.value.reason == reason


def test_restoring_a_workspace_keeps_the_current_file_beside_it(tmp_path: Path) -> None:
    registry = _registry(tmp_path / "data")
    store = registry.get(GROUP_ID)
    assert store is not None
    saved = workspace_backup(store, made_at=NOW)
    store.add_task(make_task("Thêm sau khi sao lưu"), actor=SECRETARY, at=NOW)
    before = store.snapshot()
    (file,) = read_backup(saved).workspace_files().values()
    later = NOW + dt.timedelta(hours=1)
    kept = registry.restore_workspace(GROUP_ID, file, at=later)
    assert kept.read_bytes() == before
    assert kept.name == f"{GROUP_ID}.json.before-restore-20240731-100000"
    restored = registry.get(GROUP_ID)
    assert restored is not None and restored is not store
    assert [t.title for t in restored.tasks()] == ["Nhiệm vụ 0", "Nhiệm vụ 1", "Nhiệm vụ 2"]
    # And it is what a restart reads.
    registry.close()
    again = Registry(tmp_path / "data").get(GROUP_ID)
    assert again is not None and len(again.tasks()) == 3


# -- operators ------------------------------------------------------------------------------


def test_backup_and_restore_of_a_stopped_bots_data_directory(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _registry(data).close()
    made = backup_data_dir(data, tmp_path / "backups", now=NOW)
    assert made.name == "dondoc-backup-20240731-090000.zip"
    registry = Registry(data)
    store = registry.get(GROUP_ID)
    assert store is not None
    store.add_task(make_task("Sau sao lưu"), actor=SECRETARY, at=NOW)
    other = registry.create(-42, "Nhóm khác", lang="vi", tz="Asia/Ho_Chi_Minh", at=NOW)
    assert other.exists
    registry.close()
    done = restore_data_dir(data, made, now=NOW + dt.timedelta(days=1))
    assert done.files == [f"workspaces/{GROUP_ID}.json"]
    assert (done.kept / "workspaces" / "-42.json").exists()  # kept, not lost
    reopened = Registry(data)
    assert [s.workspace.chat_id for s in reopened.all()] == [GROUP_ID]
    restored = reopened.get(GROUP_ID)
    assert restored is not None and len(restored.tasks()) == 3


def _holding_the_lock(data: Path) -> subprocess.Popen[str]:
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from pathlib import Path; "
         "from store.lock import DataDirLock; lock = DataDirLock(Path(sys.argv[1])); "
         "print('locked', flush=True); sys.stdin.read()", str(data)],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    return holder


def test_backup_and_restore_refuse_while_the_bot_runs(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _registry(data).close()
    made = backup_data_dir(data, tmp_path / "backups", now=NOW)
    holder = _holding_the_lock(data)
    try:
        with pytest.raises(DataDirInUse):
            backup_data_dir(data, tmp_path / "backups", now=NOW + dt.timedelta(hours=1))
        with pytest.raises(DataDirInUse):
            restore_data_dir(data, made, now=NOW)
    finally:
        holder.communicate("")
    assert sorted(p.name for p in data.iterdir()) == ["dondoc.lock", "workspaces"]


def _run(*args: str, data: Path) -> subprocess.CompletedProcess[str]:
    env = {"DONDOC_DATA_DIR": str(data), "PATH": "/usr/bin:/bin", "DONDOC_LANG": "en"}
    return subprocess.run([sys.executable, "bot.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60, check=False)


def test_bot_py_backup_and_restore(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _registry(data).close()
    backed = _run("backup", str(tmp_path / "out"), data=data)
    assert backed.returncode == 0, backed.stderr
    (made,) = (tmp_path / "out").glob("dondoc-backup-*.zip")
    assert f"SHA-256: {checksum(made.read_bytes())}" in backed.stdout
    restored = _run("restore", str(made), data=data)
    assert restored.returncode == 0, restored.stderr
    assert f"Restored 1 file: workspaces/{GROUP_ID}.json" in restored.stdout
    broken = tmp_path / "broken.zip"
    broken.write_bytes(made.read_bytes()[:100])
    refused = _run("restore", str(broken), data=data)
    assert refused.returncode == 6 and "not a dondoc backup" in refused.stderr
    holder = _holding_the_lock(data)
    try:
        busy = _run("backup", str(tmp_path / "out"), data=data)
    finally:
        holder.communicate("")
    assert busy.returncode == 5 and "in use by process" in busy.stderr


# -- in the chat ----------------------------------------------------------------------------


def _sent_file(calls, chat: int) -> tuple[bytes, str]:  # type: ignore[no-untyped-def]
    call = next(c for c in calls if c.method == "sendDocument" and c.chat_id == chat)
    return call.params["document"].data, call.params.get("caption", "")


async def test_backup_goes_to_the_private_chat_with_its_checksum(seeded: Harness) -> None:
    seeded.store.add_task(make_task(), actor=SECRETARY, at=NOW)
    await seeded.send("/start", chat=SECRETARY, user=SECRETARY)
    calls = await seeded.send("/saoluu")
    data, caption = _sent_file(calls, SECRETARY)
    assert checksum(data) in caption and "1 nhiệm vụ" in caption
    assert "Đã gửi bản sao lưu vào chat riêng" in texts(calls)[-1]
    assert not [c for c in calls if c.method == "sendDocument" and c.chat_id == GROUP_ID]


async def test_backup_is_not_sent_to_the_group_when_private_is_closed(seeded: Harness) -> None:
    await seeded.send("/start", chat=SECRETARY, user=SECRETARY)
    seeded.api.block(SECRETARY)
    calls = await seeded.send("/saoluu")
    assert "bấm <b>Bắt đầu</b>" in texts(calls)[-1]
    assert not [c for c in calls if c.method == "sendDocument" and c.ok]


async def test_backup_is_for_leaders(seeded: Harness) -> None:
    calls = await seeded.send("/saoluu", user=OWNER)
    assert not [c for c in calls if c.method == "sendDocument"]


async def _upload_private(h: Harness, data: bytes, caption: str = "/khoiphuc"):  # type: ignore[no-untyped-def]
    update = document_update(h.api, chat_id=SECRETARY, user_id=SECRETARY, data=data,
                             filename="sao-luu.zip", caption=caption, first_name="Thư")
    return await h._feed(update, False)


async def test_restore_in_private_names_what_it_replaces_then_restores(seeded: Harness) -> None:
    seeded.store.add_task(make_task("Có trong bản sao lưu"), actor=SECRETARY, at=NOW)
    await seeded.send("/start", chat=SECRETARY, user=SECRETARY)
    data, _ = _sent_file(await seeded.send("/saoluu"), SECRETARY)
    seeded.store.add_task(make_task("Thêm sau"), actor=SECRETARY, at=NOW)
    calls = await _upload_private(seeded, data)
    confirm = texts(calls)[-1]
    assert "Khôi phục dữ liệu nhóm «Tổ công tác cải cách TTHC»?" in confirm
    assert "Hiện có: 2 nhiệm vụ" in confirm and "1 nhiệm vụ" in confirm
    assert checksum(data) in confirm
    assert seeded.store.task(2) is not None  # nothing changed yet
    ok = next(d for _, d in _buttons(calls) if d.endswith(":ok"))
    calls = await seeded.press(ok, chat=SECRETARY)
    assert "Đã khôi phục dữ liệu" in texts(calls, "editMessageText")[-1]
    assert [t.title for t in seeded.store.tasks()] == ["Có trong bản sao lưu"]
    assert [e.action for e in seeded.store.audit()][-1] == "restored"
    kept = list((seeded.data_dir / "workspaces").glob("*.before-restore-*"))
    assert len(kept) == 1
    status = texts(await seeded.send("/trangthai"))[-1]
    assert "0/1 hoàn thành" in status


def _buttons(calls) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    from tests.conftest import buttons_of

    sent = [c for c in calls if c.method == "sendMessage" and c.ok]
    return buttons_of(sent[-1])


async def test_restore_refuses_a_damaged_file_and_the_group(seeded: Harness) -> None:
    await seeded.send("/start", chat=SECRETARY, user=SECRETARY)
    data, _ = _sent_file(await seeded.send("/saoluu"), SECRETARY)
    damaged = _rezip(data, {f"workspaces/{GROUP_ID}.json": b"{}"})
    calls = await _upload_private(seeded, damaged)
    assert "bị hỏng" in texts(calls)[-1]
    calls = await seeded.upload(data, "sao-luu.zip", "/khoiphuc")
    assert "chỉ làm trong chat riêng" in texts(calls)[-1]


async def test_restore_refuses_another_groups_backup(seeded: Harness, tmp_path: Path) -> None:
    registry = Registry(tmp_path / "other")
    other = registry.create(-55, "Nhóm khác", lang="vi", tz="Asia/Ho_Chi_Minh", at=NOW)
    other.save_workspace(Workspace(chat_id=-55, title="Nhóm khác", created_at=NOW), actor=0,
                         at=NOW)
    data = workspace_backup(other, made_at=NOW)
    await seeded.send("/start", chat=SECRETARY, user=SECRETARY)
    calls = await _upload_private(seeded, data)
    assert "không thuộc về" in texts(calls)[-1]


async def test_only_the_last_restore_offers_of_a_chat_are_kept(seeded: Harness) -> None:
    # Each offer holds a whole data file: offers nobody answers must not pile up.
    await seeded.send("/start", chat=SECRETARY, user=SECRETARY)
    data, _ = _sent_file(await seeded.send("/saoluu"), SECRETARY)
    offers = []
    for _ in range(OFFERS_KEPT + 2):
        offers.append(next(d for _, d in _buttons(await _upload_private(seeded, data))
                           if d.endswith(":ok")))
    kept = seeded.app.chat_data[SECRETARY]["restores"]
    assert len(kept) == OFFERS_KEPT
    calls = await seeded.press(offers[0], chat=SECRETARY)
    answer = next(c for c in calls if c.method == "answerCallbackQuery")
    assert "đã hết hạn" in answer.params["text"]
    calls = await seeded.press(offers[-1], chat=SECRETARY)
    assert "Đã khôi phục dữ liệu" in texts(calls, "editMessageText")[-1]
