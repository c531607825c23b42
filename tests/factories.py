"""Small builders of domain objects for tests: a workspace with agencies, members and tasks."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot.model import Agency, AgencyKind, Member, Role, Task, TaskStatus, Workspace
from store.workspace import WorkspaceStore

TZ = "Asia/Ho_Chi_Minh"
VN = ZoneInfo(TZ)
NOW = dt.datetime(2024, 7, 31, 9, 0, tzinfo=VN)  # a Wednesday, the day of the fifth meeting

GROUP_ID = -1001234567890
SECRETARY = 101  # a Telegram admin of the group: secretary when the bot arrives
CHAIR = 102
OWNER = 103  # represents Nghệ An
OTHER_OWNER = 104  # represents Hà Tĩnh
STRANGER = 999  # in the Telegram group, not a member of the working group

AGENCIES = (
    Agency("nghe-an", "UBND tỉnh Nghệ An", "Nghệ An", (), AgencyKind.PROVINCE),
    Agency("ha-tinh", "UBND tỉnh Hà Tĩnh", "Hà Tĩnh", (), AgencyKind.PROVINCE),
    Agency("hue", "UBND tỉnh Thừa Thiên Huế", "Thừa Thiên Huế", ("Huế",), AgencyKind.PROVINCE),
    Agency("bo-tu-phap", "Bộ Tư pháp", "Bộ Tư pháp", ("MOJ",), AgencyKind.MINISTRY),
    Agency("vpcp", "Văn phòng Chính phủ", "VPCP", ("Government Office",), AgencyKind.MINISTRY),
)
MEMBERS = (
    Member(SECRETARY, "Nguyễn Thị Thư Ký", Role.SECRETARY, "thuky", "vpcp"),
    Member(CHAIR, "Trần Lưu Quang", Role.CHAIR, "chutri", None),
    Member(OWNER, "Lê Văn Nghệ", Role.MEMBER, "nghean", "nghe-an"),
    Member(OTHER_OWNER, "Phạm Hà Tĩnh", Role.MEMBER, None, "ha-tinh"),
)


def make_task(
    title: str = "Rà soát thủ tục hành chính nội bộ",
    lead: str = "nghe-an",
    deadline: dt.date = dt.date(2024, 9, 30),
    *,
    status: TaskStatus = TaskStatus.OPEN,
    completed_at: dt.datetime | None = None,
    plan: str = "",
    responsible: tuple[int, ...] = (),
    number: int = 0,
    **extra: object,
) -> Task:
    """A task with sensible defaults; `number` 0 lets the store number it."""
    return Task(
        number=number, title=title, lead=lead, deadline=deadline,
        created_at=NOW - dt.timedelta(days=60), created_by=SECRETARY, status=status,
        completed_at=completed_at, plan=plan, responsible=responsible, **extra,  # type: ignore[arg-type]
    )


def seeded_store(store: WorkspaceStore | None = None, *, tasks: list[Task] | None = None
                 ) -> WorkspaceStore:
    """A workspace with the standard agencies and members (and `tasks`, numbered in order)."""
    if store is None:
        store = WorkspaceStore.in_memory(
            Workspace(chat_id=GROUP_ID, title="Tổ công tác cải cách TTHC", created_at=NOW)
        )
    with store.transaction():
        for agency in AGENCIES:
            store.save_agency(agency, actor=SECRETARY, at=NOW)
        for member in MEMBERS:
            store.save_member(member, actor=SECRETARY, at=NOW)
        for task in tasks or []:
            store.add_task(task, actor=SECRETARY, at=NOW)
    return store
