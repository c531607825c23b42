"""The domain model: workspaces, agencies, members, tasks and the audit trail."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from bot.recurrence import Recurrence


class Role(StrEnum):
    """What a person may do in a working group."""

    CHAIR = "chair"
    SECRETARY = "secretary"
    MEMBER = "member"


class TaskStatus(StrEnum):
    """The stored state of a task; timeliness is derived from it and the deadline."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


class Timeliness(StrEnum):
    """The four classes that government reports use; cancelled tasks have none.

    An ongoing task ("nhiệm vụ thường xuyên") has no deadline, so it is in none of the four:
    CONTINUOUS marks it, and reports count it apart, never inside the four classes' base.
    """

    DONE_ON_TIME = "done_on_time"
    DONE_LATE = "done_late"
    IN_PROGRESS = "in_progress"
    OVERDUE = "overdue"
    CONTINUOUS = "continuous"


class DeadlineRule(StrEnum):
    """Which deadline decides whether a task is on time or late: a workspace setting."""

    # The deadline as officially adjusted (a leader's change with a reason, an approved
    # extension): how government follow-up judges a task. The default.
    ADJUSTED = "adjusted"
    # The first deadline ever set: the strict rule, for groups that want no change to count.
    FIRST = "first"


class AgencyKind(StrEnum):
    """Owner agencies are ministries, sectors (branches) or localities."""

    MINISTRY = "ministry"
    SECTOR = "sector"
    PROVINCE = "province"
    OTHER = "other"


@dataclass(slots=True)
class Workspace:
    """One working group: one Telegram group chat and its settings."""

    chat_id: int
    title: str
    lang: str = "vi"
    tz: str = "Asia/Ho_Chi_Minh"
    next_task_number: int = 1
    created_at: dt.datetime | None = None
    deadline_rule: DeadlineRule = DeadlineRule.ADJUSTED
    # Ids the group had before Telegram upgraded it to a supergroup: late updates and old
    # buttons still name them.
    former_chat_ids: tuple[int, ...] = ()


@dataclass(slots=True)
class Agency:
    """An owner agency: a ministry, sector or province, found by name or alias."""

    code: str  # short stable key, e.g. "nghe-an"; tasks refer to agencies by it
    name: str  # full name as officials write it, e.g. "UBND tỉnh Nghệ An"
    short_name: str = ""  # e.g. "Nghệ An"
    aliases: tuple[str, ...] = ()
    kind: AgencyKind = AgencyKind.OTHER

    @property
    def label(self) -> str:
        """The name to show in lists: the short one when there is one."""
        return self.short_name or self.name


@dataclass(slots=True)
class Member:
    """A person in a working group, with a role and perhaps the agency he represents."""

    user_id: int
    name: str
    role: Role = Role.MEMBER
    username: str | None = None
    agency: str | None = None  # Agency.code


class HistoryKind(StrEnum):
    """What one entry of a task's history records."""

    CREATED = "created"
    PROGRESS = "progress"
    NOTE = "note"
    DONE = "done"
    REOPENED = "reopened"
    DEADLINE = "deadline"
    REASSIGNED = "reassigned"
    CANCELLED = "cancelled"
    EDITED = "edited"


@dataclass(slots=True)
class HistoryEntry:
    """One update of a task, shown on its card: who, when, what, and a note."""

    at: dt.datetime
    user_id: int
    kind: HistoryKind
    note: str = ""
    progress: int | None = None
    old_deadline: dt.date | None = None
    new_deadline: dt.date | None = None


@dataclass(slots=True)
class Task:
    """A task decided by the working group and owned by a lead agency."""

    number: int
    title: str
    lead: str  # Agency.code
    # None: an ongoing task ("Thường xuyên"), never due. A periodic task's is the deadline of
    # its current occurrence (see `recurrence`).
    deadline: dt.date | None
    created_at: dt.datetime
    created_by: int
    deadline_time: dt.time | None = None
    # The first deadline ever set, kept at the first change: the card shows it, and a workspace
    # on the strict rule (DeadlineRule.FIRST) judges on time or late against it.
    original_deadline: dt.date | None = None
    original_deadline_time: dt.time | None = None  # its time of day, if it had one
    plan: str = ""
    coordinators: tuple[str, ...] = ()
    responsible: tuple[int, ...] = ()  # Member.user_id
    output: str = ""
    source: str = ""
    meeting: int | None = None  # Meeting.number when the task is a meeting's conclusion
    progress: int = 0
    status: TaskStatus = TaskStatus.OPEN
    completed_at: dt.datetime | None = None
    history: list[HistoryEntry] = field(default_factory=list)
    # From an imported plan: the task's STT (number in the plan) and its section's heading
    # path ("II. CẢI CÁCH TTHC › 1. Rà soát").
    ref: str = ""
    section: str = ""
    # A periodic task ("hằng quý"): completing an occurrence opens the next one.
    recurrence: Recurrence | None = None

    @property
    def first_deadline(self) -> dt.date | None:
        """The first deadline ever set (the current one when it never changed)."""
        return self.original_deadline or self.deadline

    @property
    def is_ongoing(self) -> bool:
        """An ongoing task ("Thường xuyên"): no deadline, never overdue."""
        return self.deadline is None

    @property
    def deadline_changes(self) -> int:
        """How many times the deadline was officially changed (changes and extensions)."""
        return sum(1 for entry in self.history if entry.kind is HistoryKind.DEADLINE)

    @property
    def is_closed(self) -> bool:
        """Done or cancelled: nothing left to chase."""
        return self.status in (TaskStatus.DONE, TaskStatus.CANCELLED)


@dataclass(slots=True)
class AuditEntry:
    """One recorded change: who did what, when, with the state before and after."""

    at: dt.datetime
    user_id: int
    action: str
    task: int | None = None
    before: dict[str, object] | None = None
    after: dict[str, object] | None = None


@dataclass(slots=True)
class Meeting:
    """A meeting of the working group, whose conclusions become tasks."""

    number: int
    day: dt.date
    title: str
    chair: str = ""
    created_at: dt.datetime | None = None
    created_by: int = 0


@dataclass(slots=True)
class UserPrefs:
    """What the bot knows of a Telegram user across workspaces."""

    user_id: int
    lang: str | None = None  # overrides the workspace's language for this user
    has_private_chat: bool = False  # started the bot in private, so it may write to him
    blocked: bool = False  # answered 403: the bot writes to the group instead
    current_workspace: int | None = None  # chosen workspace for private chats
