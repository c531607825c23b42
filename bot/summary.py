"""The chair's summary: what a period's report contains, computed from the tasks and the time.

A summary is a snapshot of the tasks in scope at the end of its period (now, for a period
that has not ended), compared with the snapshot at its start, which is what the previous
period's summary would have shown at its end. The scope is every task, one plan's tasks, or
one meeting's conclusions. Counting is bot.reports' (the four report classes); this module
adds the period, the past snapshots and the lists the report needs.

Owners report obstacles and proposals in their updates' notes by starting them with a marker
("Vướng mắc:", "Khó khăn:", "Obstacle:"; "Đề xuất:", "Kiến nghị:", "Proposal:"); the hint
that tells them so is in the summary templates and /help.
"""

from __future__ import annotations

import calendar
import copy
import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal
from zoneinfo import ZoneInfo

from bot import reports
from bot.errors import InputError
from bot.meetings import latest_meeting
from bot.model import (
    Agency,
    DeadlineRule,
    HistoryKind,
    Meeting,
    Member,
    Task,
    TaskStatus,
    Timeliness,
)
from bot.names import fold
from bot.ranking import Ranking
from bot.reports import Standing, Tally
from bot.timeliness import classify, due_at

DUE_SOON_DAYS = 30

__all__ = [
    "DUE_SOON_DAYS",
    "AgencyRow",
    "Kind",
    "Note",
    "Period",
    "Request",
    "RequestError",
    "Summary",
    "as_of",
    "note_kind",
    "parse_request",
    "period_for",
    "summarize",
]


class Kind(StrEnum):
    """What a summary covers."""

    SINCE_MEETING = "since_meeting"  # the default: every task, since the last meeting
    ALL = "all"  # every task, no start (no meeting yet, or asked for)
    RANGE = "range"  # every task, between two days
    PLAN = "plan"  # one plan's tasks, since the last meeting
    MEETING = "meeting"  # one meeting's conclusions, since that meeting


# -- reading the request --------------------------------------------------------------------

RequestReason = Literal["date", "range_order", "range_future", "meeting_number"]


class RequestError(InputError[RequestReason]):
    """A /summary argument that cannot be used (`.text`: what was typed)."""


@dataclass(frozen=True, slots=True)
class Request:
    """What the chair asked for, before plans and meetings are looked up."""

    kind: Kind = Kind.SINCE_MEETING
    start: dt.date | None = None
    end: dt.date | None = None
    plan_query: str = ""
    meeting: int | None = None


_ALL = frozenset({"all", "tat ca", "toan bo", "everything", "tu dau", "ca nam"})
_MEETING = re.compile(
    r"^(?:meeting|phien(?: hop)?|cuoc hop|hop|ket luan|kl)\s*(?:so|thu|no\.?|#)?\s*(\d{1,5})$"
)
_FROM = r"(?:(?:tu|from|since|ky)\s+)?"
_RANGE = re.compile(
    rf"^{_FROM}(\S+?)\s*(?:-|–|—|\.\.|\bden\b|\bto\b|\btoi\b|\buntil\b)\s*(\S+)$"
)
_SINGLE = re.compile(rf"^{_FROM}(?:thang\s+|month\s+)?(\S+)$")
_DMY = re.compile(r"^(\d{1,2})[/.](\d{1,2})(?:[/.](\d{2}|\d{4}))?$")
_MY = re.compile(r"^(\d{1,2})[/.](\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_DATE_LIKE = re.compile(r"\d{1,4}[/.]\d{1,2}")
_WORDS = re.compile(r"\b(?:tu|den|toi|from|to|until|since|ky|thang|month)\b")
_ONLY_DIGITS = re.compile(r"[\s\-–—./\d]*")


def _read_day(token: str, today: dt.date, *, end: bool) -> dt.date | None:
    """A day typed with digits; a month alone ("7/2024") means its first or last day."""
    try:
        if found := _ISO.match(token):
            return dt.date(int(found[1]), int(found[2]), int(found[3]))
        if found := _MY.match(token):
            year, month = int(found[2]), int(found[1])
            last = calendar.monthrange(year, month)[1] if 1 <= month <= 12 else 1
            return dt.date(year, month, last if end else 1)
        if found := _DMY.match(token):
            day, month = int(found[1]), int(found[2])
            if found[3] is None:
                # "1/7" in a report request means the latest 1 July, not a future one.
                guess = dt.date(today.year, month, day)
                return guess if guess <= today else guess.replace(year=today.year - 1)
            year = int(found[3])
            return dt.date(year + 2000 if year < 100 else year, month, day)
    except ValueError:
        return None
    return None


def parse_request(text: str, *, today: dt.date) -> Request:
    """Read /summary's argument: nothing, "all", "meeting 5", a day range, or a plan's name.

    Ranges use digits only ("1/7/2024-31/7/2024", "từ 1/7 đến 31/7", "7/2024" for a month,
    "1/7/2024" alone for "since then"), so a plan named "APR 2024" is never taken for a date.
    Anything else is a plan name, which the caller matches against the plans.
    """
    words = fold(text)
    if not words:
        return Request()
    if words in _ALL:
        return Request(kind=Kind.ALL)
    if found := _MEETING.match(words):
        return Request(kind=Kind.MEETING, meeting=int(found[1]))
    if words.startswith(("meeting", "phien", "cuoc hop")):
        raise RequestError("meeting_number", text.strip())
    if found := _RANGE.match(words):
        start = _read_day(found[1], today, end=False)
        end = _read_day(found[2], today, end=True)
        if start is None or end is None:
            if _DATE_LIKE.search(words):
                raise RequestError("date", text.strip())
        else:
            return _range(start, end, today, text)
    if found := _SINGLE.match(words):
        token = found[1]
        start = _read_day(token, today, end=False)
        if start is not None:
            end = _read_day(token, today, end=True) if _MY.match(token) else None
            return _range(start, end or max(today, start), today, text)
    if _DATE_LIKE.search(words) and _ONLY_DIGITS.fullmatch(_WORDS.sub("", words)):
        # Only digits and range words, yet no day could be read: a mistyped date, not a plan.
        raise RequestError("date", text.strip())
    return Request(kind=Kind.PLAN, plan_query=text.strip())


def _range(start: dt.date, end: dt.date, today: dt.date, text: str) -> Request:
    # Reversed first: "1/12/2026-1/1/2026" is two days typed the wrong way round, whether or
    # not the first has come yet.
    if end < start:
        raise RequestError("range_order", text.strip())
    if start > today:
        raise RequestError("range_future", text.strip())
    return Request(kind=Kind.RANGE, start=start, end=end)


# -- the period -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Period:
    """The tasks a summary covers and the days it runs between."""

    kind: Kind
    start: dt.date | None  # None: since the first task
    end: dt.date
    plan: str = ""
    meeting: Meeting | None = None  # the meeting the period starts at, or whose conclusions


def _base_meeting(meetings: Sequence[Meeting], today: dt.date) -> Meeting | None:
    # On the day of a meeting the chair wants what came of the previous one: "since the last
    # meeting" means the last one held before today.
    return latest_meeting(m for m in meetings if m.day < today)


def period_for(request: Request, *, meetings: Sequence[Meeting], today: dt.date,
               plan: str = "") -> Period:
    """The period of a request; MEETING requests must name a meeting that exists."""
    if request.kind is Kind.MEETING:
        meeting = next((m for m in meetings if m.number == request.meeting), None)
        if meeting is None:
            raise LookupError(request.meeting)
        return Period(Kind.MEETING, meeting.day, max(today, meeting.day), meeting=meeting)
    if request.kind is Kind.RANGE:
        assert request.start is not None and request.end is not None
        return Period(Kind.RANGE, request.start, request.end)
    if request.kind is Kind.ALL:
        return Period(Kind.ALL, None, today)
    base = _base_meeting(meetings, today)
    if request.kind is Kind.PLAN:
        return Period(Kind.PLAN, base.day if base else None, today, plan=plan, meeting=base)
    if base is None:
        return Period(Kind.ALL, None, today)
    return Period(Kind.SINCE_MEETING, base.day, today, meeting=base)


# -- the past: what a task looked like at an earlier instant ---------------------------------


def as_of(task: Task, at: dt.datetime) -> Task | None:
    """The task as it stood at `at` (None if it did not exist yet), rebuilt from its history.

    Status changes and deadline changes recorded after `at` are undone. A task whose history
    lacks an entry (tasks imported whole) keeps what its fields say.
    """
    if task.created_at > at:
        return None
    later = [h for h in task.history if h.at > at]
    completed_later = task.completed_at is not None and task.completed_at > at
    if not later and not completed_later:
        return task
    past = copy.copy(task)
    for entry in sorted(later, key=lambda h: h.at, reverse=True):
        # A deadline change, or a deadline moved off a weekend (an edit): undone alike.
        if entry.old_deadline is not None:
            past.deadline = entry.old_deadline
            past.deadline_time = None
    if past.original_deadline is not None and past.deadline == past.original_deadline:
        past.deadline_time = past.original_deadline_time
        past.original_deadline = past.original_deadline_time = None
    status_changes = [h for h in task.history if h.kind in _STATUS_KINDS]
    before = [h for h in status_changes if h.at <= at]
    if status_changes and len(before) < len(status_changes):
        last = before[-1] if before else None
        if last is None:
            past.status, past.completed_at = TaskStatus.OPEN, None
        elif last.kind is HistoryKind.DONE:
            past.status, past.completed_at = TaskStatus.DONE, last.at
        elif last.kind is HistoryKind.CANCELLED:
            past.status, past.completed_at = TaskStatus.CANCELLED, None
        else:
            past.status, past.completed_at = TaskStatus.OPEN, None
    elif completed_later:
        past.status, past.completed_at = TaskStatus.OPEN, None
    return past


_STATUS_KINDS = frozenset({HistoryKind.DONE, HistoryKind.REOPENED, HistoryKind.CANCELLED})


def _snapshot(tasks: Iterable[Task], at: dt.datetime, now: dt.datetime) -> list[Task]:
    if at >= now:
        return list(tasks)
    return [past for t in tasks if (past := as_of(t, at)) is not None]


# -- obstacles and proposals ----------------------------------------------------------------

NoteKind = Literal["obstacle", "proposal"]
_MARKERS: dict[str, NoteKind] = {
    "vuong mac": "obstacle", "kho khan": "obstacle", "obstacle": "obstacle",
    "obstacles": "obstacle", "problem": "obstacle", "de xuat": "proposal",
    "kien nghi": "proposal", "proposal": "proposal", "proposals": "proposal",
}
_MARKER_JOIN = re.compile(r"\s*(?:,|/|&|\bva\b|\band\b)\s*")
_MARKER_END = re.compile(r"\s*[:\-–]\s*")


def note_kind(note: str) -> tuple[NoteKind, str] | None:
    """("obstacle" | "proposal", the text after the marker) when a note starts with a marker.

    "Vướng mắc: chưa có hướng dẫn" is an obstacle, "Đề xuất: gia hạn đến 30/9" a proposal;
    case and diacritics are ignored, and the marker must be followed by ":" or "-".
    """
    stripped = note.strip()
    found = _MARKER_END.search(stripped[:40])
    if found is None:
        return None
    # Only markers may come before the ":" ("Khó khăn, vướng mắc:" is one; "Vướng mắc lớn
    # là ..." is not), and the first one gives the kind.
    words = [w for w in _MARKER_JOIN.split(fold(stripped[:found.start()])) if w]
    if not words or any(w not in _MARKERS for w in words):
        return None
    text = stripped[found.end():].strip()
    return (_MARKERS[words[0]], text) if text else None


@dataclass(frozen=True, slots=True)
class Note:
    """An obstacle or proposal an owner reported on a task."""

    kind: NoteKind
    task: Task
    at: dt.datetime
    author: str
    text: str


# -- the summary ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AgencyRow:
    """One agency's line of the per-agency table, and its overdue tasks."""

    code: str
    label: str
    tally: Tally
    overdue: list[Standing]


@dataclass(frozen=True, slots=True)
class Summary:
    """Everything the message, the chart and the document show, computed once."""

    made_at: dt.datetime
    tz: str
    period: Period
    as_of: dt.datetime  # the instant the totals describe: the period's end, or now
    totals: Tally
    previous: Tally | None  # at the period's start: what the previous period ended with
    by_plan: list[tuple[str, Tally]]
    by_agency: list[AgencyRow]
    overdue: list[Standing]
    due_soon: list[Standing]
    meeting: Meeting | None  # whose conclusions are followed up
    conclusions: list[Standing]
    since: dt.datetime | None  # newly done / overdue since then (the previous summary)
    since_summary: bool  # `since` is a previous summary's time, not the period's start
    newly_completed: list[Standing]
    newly_overdue: list[Standing]
    notes: list[Note]
    cancelled: list[Task]
    agency_names: dict[str, str] = field(default_factory=dict)
    member_names: dict[int, str] = field(default_factory=dict)
    rule: DeadlineRule = DeadlineRule.ADJUSTED  # which deadline judges on time or late
    deadline_changed: list[Task] = field(default_factory=list)  # changed in the period
    # Indicators against their requirement (bot.ranking), each for its latest period.
    indicators: tuple[Ranking, ...] = ()
    # What moved the total between the period's start and its end (with `previous`).
    added: int = 0  # tasks created in the period
    cancelled_in_period: int = 0  # tasks cancelled or merged in the period

    @property
    def total_unexplained(self) -> int:
        """The change of the total that neither additions nor cancellations explain (a task
        moved into or out of a plan, say); 0 when they account for all of it."""
        if self.previous is None:
            return 0
        change = self.totals.total - self.previous.total
        return change - self.added + self.cancelled_in_period

    @property
    def empty(self) -> bool:
        """No task at all in the period: the summary says so instead of showing zeros."""
        return self.totals.total == 0 and not self.cancelled and not self.totals.continuous

    @property
    def obstacles(self) -> list[Note]:
        return [n for n in self.notes if n.kind == "obstacle"]

    @property
    def proposals(self) -> list[Note]:
        return [n for n in self.notes if n.kind == "proposal"]

    @property
    def conclusions_tally(self) -> Tally:
        """What came of the followed-up meeting's conclusions, counted."""
        return reports.tally((s.task for s in self.conclusions), self.as_of, self.tz, self.rule)

    def agency(self, code: str) -> str:
        """An agency's label; its code when it was deleted."""
        return self.agency_names.get(code, code)

    def owners(self, task: Task) -> list[str]:
        """The names of the officials responsible for a task."""
        return [self.member_names[u] for u in task.responsible if u in self.member_names]


def summarize(
    tasks: Iterable[Task], *, period: Period, now: dt.datetime, tz: str,
    agencies: Iterable[Agency] = (), members: Iterable[Member] = (),
    previous_summary: dt.datetime | None = None, rule: DeadlineRule = DeadlineRule.ADJUSTED,
    indicators: Sequence[Ranking] = (),
) -> Summary:
    """The summary of `period` at `now`; `previous_summary` is when the last one was made.

    `rule` is the workspace's: which deadline judges a task on time or late.
    """
    zone = ZoneInfo(tz)
    now = now.astimezone(zone)
    scope = _in_scope(tasks, period)
    # The last instant of the end day: a task due that day had not yet passed its deadline.
    end_at = min(now, due_at(period.end, None, tz) - dt.timedelta(microseconds=1))
    start_at = _start_instant(period, tz)
    current = _snapshot(scope, end_at, now)
    counted = [t for t in current if t.status is not TaskStatus.CANCELLED]
    totals = reports.tally(counted, end_at, tz, rule)
    previous = None
    if start_at is not None and start_at < end_at:
        previous = reports.tally(
            [t for t in _snapshot(scope, start_at, now) if t.status is not TaskStatus.CANCELLED],
            start_at, tz, rule,
        )
    since_summary = previous_summary is not None and (
        start_at is None or previous_summary > start_at
    ) and previous_summary < end_at
    since = previous_summary if since_summary else start_at
    standings = reports.standings(counted, end_at, tz, rule)
    by_number = {s.task.number: s for s in standings}
    overdue = reports.overdue(counted, end_at, tz, rule)
    agency_names = {a.code: a.label for a in agencies}
    return Summary(
        made_at=now, tz=tz, period=period, as_of=end_at, totals=totals, previous=previous,
        by_plan=reports.tally_by_plan(counted, end_at, tz, rule),
        by_agency=_agency_rows(counted, overdue, end_at, tz, agency_names, rule),
        overdue=overdue,
        due_soon=reports.due_within(counted, end_at, tz, DUE_SOON_DAYS, rule),
        meeting=period.meeting,
        conclusions=_conclusions(current, period, end_at, tz, rule),
        since=since,
        since_summary=since_summary,
        newly_completed=_newly_completed(standings, since, end_at),
        newly_overdue=_newly_overdue(scope, by_number, since, now, tz, rule),
        notes=_notes(counted, start_at, end_at, {m.user_id: m.name for m in members}),
        cancelled=[t for t in current if t.status is TaskStatus.CANCELLED],
        agency_names=agency_names,
        member_names={m.user_id: m.name for m in members},
        rule=rule,
        deadline_changed=_deadline_changed(counted, start_at, end_at),
        indicators=tuple(indicators),
        added=_created_between(current, start_at, end_at),
        cancelled_in_period=_cancelled_between(current, start_at, end_at),
    )


def _in_scope(tasks: Iterable[Task], period: Period) -> list[Task]:
    if period.kind is Kind.PLAN:
        return [t for t in tasks if t.plan == period.plan]
    if period.kind is Kind.MEETING:
        assert period.meeting is not None
        return [t for t in tasks if t.meeting == period.meeting.number]
    return list(tasks)


def _start_instant(period: Period, tz: str) -> dt.datetime | None:
    if period.start is None:
        return None
    if period.meeting is not None and period.kind is not Kind.RANGE:
        # From the end of the meeting's day: its conclusions are on the books by then, and a
        # task due that day has not yet passed its deadline.
        return due_at(period.start, None, tz) - dt.timedelta(microseconds=1)
    return dt.datetime.combine(period.start, dt.time(0), ZoneInfo(tz))


def _conclusions(current: list[Task], period: Period, at: dt.datetime, tz: str,
                 rule: DeadlineRule) -> list[Standing]:
    meeting = period.meeting
    if meeting is None:
        return []
    mine = sorted((t for t in current if t.meeting == meeting.number), key=lambda t: t.number)
    return reports.standings(mine, at, tz, rule)


def _agency_rows(counted: list[Task], overdue: list[Standing], at: dt.datetime, tz: str,
                 names: dict[str, str], rule: DeadlineRule) -> list[AgencyRow]:
    late: dict[str, list[Standing]] = {}
    for standing in overdue:
        late.setdefault(standing.task.lead, []).append(standing)
    return [
        AgencyRow(code, names.get(code, code), tally, late.get(code, []))
        for code, tally in reports.tally_by_agency(counted, at, tz, rule)
    ]


def _newly_completed(standings: list[Standing], since: dt.datetime | None, at: dt.datetime
                     ) -> list[Standing]:
    if since is None:
        return []
    done = [
        s for s in standings
        if s.timeliness in (Timeliness.DONE_ON_TIME, Timeliness.DONE_LATE)
        and s.task.completed_at is not None and since < s.task.completed_at <= at
    ]
    done.sort(key=lambda s: (s.task.completed_at, s.task.number))
    return done


def _newly_overdue(scope: list[Task], now_by_number: dict[int, Standing],
                   since: dt.datetime | None, now: dt.datetime, tz: str, rule: DeadlineRule
                   ) -> list[Standing]:
    if since is None:
        return []
    found = []
    for task in scope:
        standing = now_by_number.get(task.number)
        if standing is None or standing.timeliness is not Timeliness.OVERDUE:
            continue
        then = as_of(task, since) if since < now else task
        if then is None or classify(then, since, tz, rule) is not Timeliness.OVERDUE:
            found.append(standing)
    found.sort(key=lambda s: (-s.days_late, s.task.number))
    return found


def _created_between(current: list[Task], start: dt.datetime | None, end: dt.datetime) -> int:
    """Tasks in scope created in the period (cancelled since or not)."""
    if start is None:
        return 0
    return sum(1 for task in current if start < task.created_at <= end)


def _cancelled_between(current: list[Task], start: dt.datetime | None, end: dt.datetime
                       ) -> int:
    """Tasks in scope cancelled (or merged) in the period."""
    if start is None:
        return 0
    return sum(
        1 for task in current
        if task.status is TaskStatus.CANCELLED and any(
            entry.kind is HistoryKind.CANCELLED and start < entry.at <= end
            for entry in task.history
        )
    )


def _deadline_changed(counted: list[Task], start: dt.datetime | None, end: dt.datetime
                      ) -> list[Task]:
    """The counted tasks whose deadline was officially changed in the period, by number."""
    return [
        task for task in counted
        if any(
            entry.kind is HistoryKind.DEADLINE and entry.at <= end
            and (start is None or entry.at > start)
            for entry in task.history
        )
    ]


def _notes(counted: list[Task], start: dt.datetime | None, end: dt.datetime,
           names: dict[int, str]) -> list[Note]:
    notes = []
    for task in counted:
        for entry in task.history:
            if not entry.note or entry.at > end or (start is not None and entry.at <= start):
                continue
            marked = note_kind(entry.note)
            if marked is not None:
                kind, text = marked
                author = names.get(entry.user_id, "")
                notes.append(Note(kind, task, entry.at, author, " ".join(text.split())))
    notes.sort(key=lambda n: (n.at, n.task.number), reverse=True)
    return notes
