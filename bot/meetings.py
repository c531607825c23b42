"""Meetings and their conclusions: reading what a secretary types, and what came of each."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from bot import reports
from bot.dates import Deadline, DeadlineError, parse_deadline
from bot.errors import InputError
from bot.model import DeadlineRule, Meeting, Member, Task
from bot.names import fold
from bot.newtask import TEXT_MAX, TITLE_MAX, TITLE_MIN, Draft, default_responsible, to_task
from bot.reports import Standing, Tally
from bot.timeliness import due_at

MAX_TITLE = 300
MAX_NUMBER = 10_000

MeetingReason = Literal["empty", "number", "date", "date_future", "title", "exists"]
ConclusionReason = Literal[
    "empty", "fields", "meeting", "title", "agency", "deadline", "deadline_past", "output",
]

_SEPARATOR = re.compile(r"\s*\|\s*")
# "5", "số 5", "thứ 5", "#5", "no. 5": the ways a meeting number gets typed.
_NUMBER = re.compile(r"^(?:#|s[oố]\s*|no\.?\s*|ph[iì][eê]n\s*|meeting\s*)?(\d{1,5})$",
                     re.IGNORECASE)


class MeetingError(InputError[MeetingReason]):
    """A meeting line that cannot be recorded (`.text`: what was typed)."""


class ConclusionError(InputError[ConclusionReason]):
    """A conclusion line that cannot be recorded (`.text`: what was typed)."""


@dataclass(frozen=True, slots=True)
class MeetingDraft:
    """A meeting as typed: its number is None when the next free one should be used."""

    number: int | None
    day: dt.date
    title: str
    chair: str


@dataclass(frozen=True, slots=True)
class ConclusionDraft:
    """A conclusion as typed; the agency is still the user's words, matched by the caller."""

    meeting: int | None
    title: str
    agency: str
    deadline: Deadline
    output: str


def _fields(text: str) -> list[str]:
    return [part.strip() for part in _SEPARATOR.split(text.strip())]


def meeting_number(text: str) -> int | None:
    """A meeting number typed alone ("5", "số 5", "#5"), or None when `text` is not one."""
    found = _NUMBER.match(text.strip())
    if found is None:
        return None
    number = int(found.group(1))
    return number if 0 < number <= MAX_NUMBER else None


def parse_meeting(text: str, *, today: dt.date, lang: str = "vi") -> MeetingDraft:
    """Read "5 | 31/7/2024 | Phiên họp thứ năm | Phó Thủ tướng Trần Lưu Quang".

    The number may be left out (the next one is used), and so may the title and the chair.
    A meeting may be recorded ahead of its day, but not more than a year ahead: that is a typo.
    """
    if not text.strip():
        raise MeetingError("empty", text)
    fields = _fields(text)
    number: int | None = None
    if fields[0].isdigit() or meeting_number(fields[0]) is not None:
        number = meeting_number(fields[0])
        if number is None:
            raise MeetingError("number", fields[0])
        fields = fields[1:]
    if not fields or not fields[0]:
        raise MeetingError("date", "")
    try:
        day = parse_deadline(fields[0], today=today, lang=lang, allow_past=True).day
    except DeadlineError as exc:
        raise MeetingError("date", fields[0]) from exc
    if (day - today).days > 366:
        raise MeetingError("date_future", fields[0])
    title = fields[1] if len(fields) > 1 else ""
    chair = " | ".join(f for f in fields[2:] if f)
    if len(title) > MAX_TITLE or len(chair) > MAX_TITLE:
        raise MeetingError("title", title)
    return MeetingDraft(number=number, day=day, title=title, chair=chair)


def parse_conclusion(text: str, *, now: dt.datetime, tz: str, lang: str = "vi"
                     ) -> ConclusionDraft:
    """Read "5 | Title | Nghệ An | 30/9/2024 | expected output".

    The meeting number may be left out (the latest meeting is meant), and so may the output.
    The deadline may not be past (`now` is in the workspace's zone): a conclusion is a task
    still to do, and must not be overdue the moment it is recorded.
    """
    if not text.strip():
        raise ConclusionError("empty", text)
    fields = _fields(text)
    meeting: int | None = None
    first = meeting_number(fields[0])
    if first is not None:
        meeting = first
        fields = fields[1:]
    elif fields[0].isdigit():
        raise ConclusionError("meeting", fields[0])
    if len(fields) < 3:
        raise ConclusionError("fields", text)
    title, agency, deadline_text = fields[0], fields[1], fields[2]
    output = " | ".join(f for f in fields[3:] if f)
    title = " ".join(title.split())
    if not TITLE_MIN <= len(title) <= TITLE_MAX:
        raise ConclusionError("title", title[:40])
    if not agency:
        raise ConclusionError("agency", agency)
    try:
        deadline = parse_deadline(deadline_text, today=now.date(), lang=lang)
    except DeadlineError as exc:
        reason: ConclusionReason = "deadline_past" if exc.reason == "past" else "deadline"
        raise ConclusionError(reason, deadline_text) from exc
    if due_at(deadline.day, deadline.time, tz) <= now:
        raise ConclusionError("deadline_past", deadline_text)
    output = " ".join(output.split())
    if len(output) > TEXT_MAX:
        raise ConclusionError("output", output[:40])
    return ConclusionDraft(meeting=meeting, title=title, agency=agency, deadline=deadline,
                           output=output)


def next_meeting_number(meetings: Iterable[Meeting]) -> int:
    """The number a new meeting gets when none is typed."""
    return max((m.number for m in meetings), default=0) + 1


def latest_meeting(meetings: Iterable[Meeting]) -> Meeting | None:
    """The most recent meeting by day (then number): the one conclusions go to by default."""
    return max(meetings, key=lambda m: (m.day, m.number), default=None)


def previous_meeting(meetings: Iterable[Meeting], meeting: Meeting) -> Meeting | None:
    """The meeting held before `meeting`, if any."""
    earlier = [m for m in meetings if (m.day, m.number) < (meeting.day, meeting.number)]
    return max(earlier, key=lambda m: (m.day, m.number), default=None)


def duplicate(tasks: Iterable[Task], meeting: int, title: str) -> Task | None:
    """A conclusion of `meeting` already recorded under the same title (a message sent twice)."""
    wanted = fold(title)
    return next((t for t in tasks if t.meeting == meeting and fold(t.title) == wanted), None)


def conclusion_task(draft: ConclusionDraft, meeting: Meeting, lead: str, *, source: str,
                    members: Iterable[Member], actor: int, now: dt.datetime) -> Task:
    """The task a conclusion becomes: led by `lead`, its officials responsible, from `meeting`.

    `source` is the words the task card shows for where it came from ("KL phiên họp thứ 5").
    """
    task = to_task(
        Draft(title=draft.title, lead=lead, deadline=draft.deadline.day,
              deadline_time=draft.deadline.time, output=draft.output, source=source,
              responsible=default_responsible(lead, members)),
        actor=actor, now=now,
    )
    task.meeting = meeting.number
    return task


def conclusions(tasks: Iterable[Task], number: int) -> list[Task]:
    """The tasks that are meeting `number`'s conclusions, in the order they were recorded."""
    return sorted((t for t in tasks if t.meeting == number), key=lambda t: t.number)


def outcomes(tasks: Iterable[Task], number: int, now: dt.datetime, tz: str,
             rule: DeadlineRule = DeadlineRule.ADJUSTED) -> list[Standing]:
    """Each conclusion of meeting `number` with what came of it at `now` (its report class)."""
    return reports.standings(conclusions(tasks, number), now, tz, rule)


def meeting_tallies(tasks: Iterable[Task], meetings: Iterable[Meeting], now: dt.datetime,
                    tz: str, rule: DeadlineRule = DeadlineRule.ADJUSTED) -> dict[int, Tally]:
    """What came of each meeting's conclusions, counted, by meeting number."""
    numbers = {m.number for m in meetings}
    grouped: dict[int, list[Task]] = {n: [] for n in numbers}
    for task in tasks:
        if task.meeting in grouped:
            grouped[task.meeting].append(task)
    return {n: reports.tally(grouped[n], now, tz, rule) for n in numbers}
