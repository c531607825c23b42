"""Generate benchmark data: many workspaces of many tasks, written as real data files."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import orjson

from bot.model import (
    Agency,
    AgencyKind,
    HistoryEntry,
    HistoryKind,
    Member,
    Role,
    Task,
    TaskStatus,
    Workspace,
)
from store import codec
from store.workspace import open_workspace_file

TZ = "Asia/Ho_Chi_Minh"
NOW = dt.datetime(2024, 7, 31, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
PROVINCES = [
    "Nghệ An", "Hà Tĩnh", "Bình Định", "Hải Dương", "Hà Giang", "Cà Mau", "Điện Biên",
    "Quảng Bình", "Quảng Nam", "Bắc Ninh", "Thừa Thiên Huế", "Đắk Lắk", "Lào Cai", "Yên Bái",
    "Sơn La", "Lạng Sơn", "Cao Bằng", "Phú Thọ", "Thái Bình", "Nam Định",
]
TITLES = [
    "Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính",
    "Tăng tỷ lệ thanh toán trực tuyến",
    "Rà soát, đơn giản hóa thủ tục hành chính nội bộ",
    "Phân cấp giải quyết thủ tục hành chính",
    "Khai thác dữ liệu dân cư phục vụ dịch vụ công",
]
SECRETARY, CHAIR = 1, 2


def workspace_tasks(rng: random.Random, count: int, agencies: list[Agency]) -> list[Task]:
    """`count` tasks spread over the four classes, with a short history each."""
    tasks = []
    for n in range(1, count + 1):
        deadline = NOW.date() + dt.timedelta(days=rng.randint(-120, 120))
        created = NOW - dt.timedelta(days=150)
        status = rng.choice([TaskStatus.OPEN, TaskStatus.IN_PROGRESS, TaskStatus.DONE])
        completed = None
        if status is TaskStatus.DONE:
            completed = dt.datetime.combine(
                deadline + dt.timedelta(days=rng.randint(-20, 10)), dt.time(10), NOW.tzinfo
            )
            completed = min(completed, NOW)
        task = Task(
            number=n, title=f"{rng.choice(TITLES)} (đợt {n})", lead=rng.choice(agencies).code,
            deadline=deadline, created_at=created, created_by=SECRETARY,
            plan=f"Kế hoạch {rng.randint(1, 3)}/2024", status=status, completed_at=completed,
            progress=100 if completed else rng.choice([0, 20, 50, 80]),
            source="Thông báo kết luận phiên họp thứ 5",
            history=[HistoryEntry(created, SECRETARY, HistoryKind.CREATED)],
        )
        tasks.append(task)
    return tasks


def write_workspaces(data_dir: Path, workspaces: int, tasks: int, seed: int = 7) -> list[int]:
    """Write `workspaces` data files of `tasks` tasks each; return their chat ids."""
    rng = random.Random(seed)
    folder = data_dir / "workspaces"
    folder.mkdir(parents=True, exist_ok=True)
    agencies = [
        Agency(f"p{i}", f"UBND tỉnh {name}", name, (), AgencyKind.PROVINCE)
        for i, name in enumerate(PROVINCES)
    ]
    chat_ids = []
    for w in range(workspaces):
        chat_id = -1_000_000_000_000 - w
        members = [
            Member(SECRETARY, "Thư ký", Role.SECRETARY), Member(CHAIR, "Chủ trì", Role.CHAIR),
        ]
        members += [
            Member(100 + i, f"Cán bộ {a.short_name}", Role.MEMBER, agency=a.code)
            for i, a in enumerate(agencies)
        ]
        ws = Workspace(chat_id, f"Tổ công tác {w}", created_at=NOW, next_task_number=tasks + 1)
        task_docs = {
            str(t.number): codec.task_to_doc(t) for t in workspace_tasks(rng, tasks, agencies)
        }
        # The audit trail the bot itself would have written: one entry per task created.
        audit = {
            key: {"at": NOW.isoformat(), "user_id": SECRETARY, "action": "task_created",
                  "task": int(key), "after": task_doc}
            for key, task_doc in task_docs.items()
        }
        doc = {
            "meta": {"1": codec.workspace_to_doc(ws)},
            "agencies": {str(i + 1): codec.agency_to_doc(a) for i, a in enumerate(agencies)},
            "members": {str(m.user_id): codec.member_to_doc(m) for m in members},
            "tasks": task_docs,
            "audit": audit,
        }
        path = folder / f"{chat_id}.json"
        path.write_bytes(orjson.dumps(doc))
        # Written once more by the store itself, so the file is laid out as the bot writes it.
        open_workspace_file(path).compact()
        chat_ids.append(chat_id)
    return chat_ids
