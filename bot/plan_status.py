"""What a plan's status, progress and completion columns say about a task.

"Đã hoàn thành", "Hoàn thành ngày 15/3/2025", "Hoàn thành trễ hạn", "Đang thực hiện", "60%",
"Chưa thực hiện", "Đã hủy" and their English counterparts; a status in other words is kept
as the task's first note rather than guessed at.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from bot.dates import Deadline, DeadlineError
from bot.model import TaskStatus
from bot.names import fold
from bot.plan_deadlines import parse_plan_deadline

__all__ = ["StatusRead", "read_status"]


@dataclass(frozen=True, slots=True)
class StatusRead:
    """What a status cell says: status, progress, completion day, and any text not read."""

    status: TaskStatus = TaskStatus.OPEN
    progress: int = 0
    completed_on: dt.date | None = None
    late: bool | None = None
    unread: str = ""  # a status in words dondoc does not know, kept as the task's first note


_CANCELLED = re.compile(
    r"(?<!phat )\b(?:da huy|huy bo|bi huy|huy|dung thuc hien|khong thuc hien|gop vao|"
    r"cancell?ed|cancel|dropped|merged)\b"
)


def _words(*phrases: str) -> re.Pattern[str]:
    """Any of `phrases` (folded: no case, no diacritics; regular expressions) as whole words."""
    return re.compile(r"\b(?:" + "|".join(phrases) + r")\b")


_NOT_DONE = _words("chua", "dang", "not", "in progress", "incomplete", "khong")
_DONE = _words("hoan thanh", "xong", "done", "completed?", "finished")
_IN_PROGRESS = _words("dang thuc hien", "dang trien khai", "dang", "in progress", "ongoing",
                      "qua han", "tre han", "overdue", "late")
_OPEN = _words("chua thuc hien", "chua trien khai", "not started", "open", "chua")
_LATE = _words("tre han", "qua han", "cham", "late", "overdue")
_ON_TIME = _words("dung han", "som", "truoc han", "on time", "early")
_PERCENT = re.compile(r"(?<![\d.,])(\d{1,3})(?:[.,]\d+)?\s*%")
_DAY_IN_TEXT = re.compile(r"\d{1,2}\s*[/.-]\s*\d{1,2}(?:\s*[/.-]\s*\d{2,4})?")


def read_status(
    status: str, progress: str = "", completed: str = "", *, today: dt.date,
    year: int | None = None,
) -> StatusRead:
    """Status, progress and completion day from a plan's status, progress and date columns:
    "Đã hoàn thành", "Hoàn thành ngày 15/3/2025", "Đang thực hiện", "60%", "Đã hủy"."""
    folded = fold(status)
    percent = _percent(progress) if progress else None
    if percent is None:
        percent = _percent(status)
    completed_on = _day(completed, today, year) or _day(status, today, year)
    if folded and _CANCELLED.search(folded):
        return StatusRead(TaskStatus.CANCELLED, percent or 0)
    done_words = bool(_DONE.search(folded)) and not _NOT_DONE.search(
        folded[: _DONE.search(folded).start()]  # type: ignore[union-attr]
    )
    if done_words or percent == 100 or (completed_on is not None and not folded):
        late = True if _LATE.search(folded) else (False if _ON_TIME.search(folded) else None)
        return StatusRead(TaskStatus.DONE, 100, completed_on, late)
    if percent:
        return StatusRead(TaskStatus.IN_PROGRESS, min(percent, 99))
    if percent == 0 and _IN_PROGRESS.search(folded):
        # "In progress" beside an explicit 0%: not started yet, as dondoc's own progress
        # rule has it (an export's class column says "in progress" of open tasks too).
        return StatusRead(TaskStatus.OPEN)
    if folded and _OPEN.search(folded) and not _IN_PROGRESS.search(folded.replace("chua", "")):
        return StatusRead(TaskStatus.OPEN)
    if folded and _IN_PROGRESS.search(folded):
        return StatusRead(TaskStatus.IN_PROGRESS)
    if folded and not _OPEN.search(folded):
        return StatusRead(unread=status)
    return StatusRead()


def _percent(text: str) -> int | None:
    found = _PERCENT.search(text)
    if found:
        value = int(found.group(1))
    elif re.fullmatch(r"\s*\d{1,3}\s*", text or ""):
        value = int(text)
    else:
        return None
    return value if 0 <= value <= 100 else None


def _day(text: str, today: dt.date, year: int | None) -> dt.date | None:
    found = _DAY_IN_TEXT.search(text or "")
    if not found:
        return None
    try:
        day = parse_plan_deadline(found.group(0), today=today, year=year or today.year)
    except DeadlineError:
        return None
    return day.day if isinstance(day, Deadline) else None
