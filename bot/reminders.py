"""When reminders, escalations and digests are due: a plan derived from the tasks and the time.

Nothing here is stored or sent. The handlers ask :func:`plan_due` what is due at `now`, send
it, log each reminder under its :class:`ReminderKey`, and sleep until :func:`next_wakeup`.
Because the plan is derived from the tasks every time, an edited, completed or cancelled task
changes its reminders without anyone telling this module, and because every key is logged,
a restart never sends one twice.

Rules decided here (defaults in :class:`ReminderPolicy`):

- Before a deadline, reminders go at lead times (7, 3, 1 and 0 days) at the policy hour, on
  working days only: a reminder that would fall on a Saturday, Sunday or Vietnamese public
  holiday (Tết included) goes on the working day before. Two that land on the same day make
  one. A task gets at most one owner reminder a day, whatever its kind.
- Once overdue, the owner is chased every working day, at most `weekly_cap` times per
  calendar week (Monday to Sunday); after `escalate_after` days overdue the task is also on
  the chair's daily escalation list, which no cap silences.
- "Remind me tomorrow" silences a task's owner reminders until the next working day, when
  one comes back at the policy hour (the regular one, or a snoozed one when none is due).
- A reminder is due only on its own day: one missed while the bot was down is sent at
  start-up if it is still that day, and otherwise the weekly digest covers it. A slot counts
  as missed only if the workspace existed at the slot time, no completed wake-up had covered
  it (:func:`slot_missed`), and, for a reminder about a task, the task had its present shape
  then: a task created or whose deadline moved after the slot is not reminded for it, and
  the lists (due soon, escalation, digest) leave out the tasks created after their slot.
- Quiet: outside working hours nothing is sent (a late start-up catches up next morning
  only through the digest and the following reminders).
- The weekly digest (Monday 08:00; the next working day of the week when Monday is off)
  lists what is due this week, what is overdue by agency, what was done last week, and the
  reminders that could not be delivered. An empty digest is not sent.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo

from bot.dates import is_working_day, working_day_after, working_day_before
from bot.indicators import MissingReport
from bot.model import Agency, HistoryKind, Member, Role, Task, TaskStatus, Timeliness, UserPrefs
from bot.names import fold
from bot.reports import Standing, due_within, overdue, standings
from bot.timeliness import due_at

__all__ = [
    "DeliveryFailure",
    "Digest",
    "ExtensionRequest",
    "ExtensionStatus",
    "Kind",
    "PolicyError",
    "Reminder",
    "ReminderKey",
    "ReminderPolicy",
    "Snooze",
    "change_policy",
    "escalation_recipients",
    "extension_choices",
    "extension_deadline",
    "is_working_day",
    "next_wakeup",
    "owner_recipients",
    "plan_due",
    "reminder_on",
    "report_refs",
    "route",
    "slot_missed",
    "snooze_until",
    "weekly_digest",
    "working_day_after",
    "working_day_before",
]

MAX_LEAD_DAYS = 60
MAX_LEADS = 6
EXTENSION_DAYS = (3, 7, 14, 30)  # the choices an owner is offered when asking for more time


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


# -- policy ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReminderPolicy:
    """How one workspace is reminded; set by the chair or a secretary."""

    enabled: bool = True
    lead_days: tuple[int, ...] = (7, 3, 1, 0)
    hour: dt.time = dt.time(8, 0)
    overdue_daily: bool = True
    escalate_after: int | None = 3  # days overdue before the chair's list; None: never
    weekly_cap: int | None = 3  # overdue reminders per task per week; None: no cap
    group_daily: bool = True  # the one grouped "due soon" message in the group
    digest_weekday: int | None = 0  # Monday; None: no weekly digest
    digest_hour: dt.time = dt.time(8, 0)
    work_start: dt.time = dt.time(7, 30)
    work_end: dt.time = dt.time(17, 30)
    quiet: bool = True  # nothing outside working hours

    @property
    def soon_days(self) -> int:
        """How far ahead the daily group message looks: the longest lead time."""
        return max(self.lead_days, default=0)

    def in_working_hours(self, time: dt.time) -> bool:
        """Whether a local time of day is inside working hours."""
        return self.work_start <= time < self.work_end


class PolicyError(ValueError):
    """A settings change that cannot be applied; `.reason` names the explanation to show."""

    def __init__(self, reason: str, setting: str = "", value: str = "") -> None:
        super().__init__(reason, setting, value)
        self.reason = reason  # "empty", "unknown_setting", "bad_value", "outside_hours"
        self.setting = setting
        self.value = value


# Setting names as typed, folded (no case, no diacritics), English and Vietnamese.
_SETTINGS = {
    "lead": "lead", "leads": "lead", "before": "lead", "truoc": "lead", "nhac truoc": "lead",
    "hour": "hour", "time": "hour", "gio": "hour", "gio nhac": "hour",
    "overdue": "overdue", "qua han": "overdue", "quahan": "overdue",
    "escalate": "escalate", "escalation": "escalate", "chu tri": "escalate",
    "chutri": "escalate", "bao cao": "escalate",
    "cap": "cap", "toi da": "cap", "toida": "cap",
    "group": "group", "nhom": "group",
    "digest": "digest", "tong hop": "digest", "tonghop": "digest",
    "hours": "hours", "working hours": "hours", "gio lam viec": "hours",
    "giolamviec": "hours",
    "quiet": "quiet", "yen lang": "quiet", "yenlang": "quiet",
    "reminders": "enabled", "nhac viec": "enabled", "nhacviec": "enabled",
}
_ON = frozenset({"on", "yes", "bat", "co", "mo"})
_OFF = frozenset({"off", "no", "tat", "khong", "none"})
_RESET = frozenset({"reset", "default", "defaults", "mac dinh", "macdinh"})
_WEEKDAYS = {
    "mon": 0, "monday": 0, "t2": 0, "thu 2": 0, "thu hai": 0,
    "tue": 1, "tuesday": 1, "t3": 1, "thu 3": 1, "thu ba": 1,
    "wed": 2, "wednesday": 2, "t4": 2, "thu 4": 2, "thu tu": 2,
    "thu": 3, "thursday": 3, "t5": 3, "thu 5": 3, "thu nam": 3,
    "fri": 4, "friday": 4, "t6": 4, "thu 6": 4, "thu sau": 4,
}
_TIME = re.compile(r"^(\d{1,2})(?:\s*[:h.]\s*(\d{2})?)?$")


def _parse_time(text: str) -> dt.time | None:
    match = _TIME.match(text.strip())
    if match is None:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if hour > 23 or minute > 59:
        return None
    return dt.time(hour, minute)


def _parse_switch(text: str) -> bool | None:
    if text in _ON:
        return True
    if text in _OFF:
        return False
    return None


def _parse_count(text: str, *, high: int, bad: PolicyError) -> int | None:
    """A whole number from 1 to `high`, or None for "off"; PolicyError when neither."""
    if text in _OFF:
        return None
    if text.isdigit() and 1 <= int(text) <= high:
        return int(text)
    raise bad


def _split_setting(folded: str) -> tuple[str, str]:
    # Setting names have up to three words ("gio lam viec"): try the longest first.
    words = folded.split()
    for size in (3, 2, 1):
        name = " ".join(words[:size])
        if len(words) >= size and name in _SETTINGS:
            return _SETTINGS[name], " ".join(words[size:])
    return "", folded


def change_policy(policy: ReminderPolicy, text: str) -> ReminderPolicy:
    """The policy after one typed change ("lead 7,3,1,0", "gio 8:00", "off"); PolicyError if not.

    Changes are validated together: the reminder hour and the digest hour must fall inside
    working hours, or quiet hours would silence them for good.
    """
    folded = fold(text)
    if not folded:
        raise PolicyError("empty")
    if folded in _RESET:
        return ReminderPolicy()
    switch = _parse_switch(folded)
    if switch is not None:
        return replace(policy, enabled=switch)
    setting, value = _split_setting(folded)
    if not setting:
        raise PolicyError("unknown_setting", folded.split()[0])
    changed = _apply(policy, setting, value.strip())
    if not changed.work_start < changed.work_end:
        raise PolicyError("bad_value", setting, value)
    if not changed.in_working_hours(changed.hour) or (
        changed.digest_weekday is not None and not changed.in_working_hours(changed.digest_hour)
    ):
        raise PolicyError("outside_hours", setting, value)
    return changed


def _apply(policy: ReminderPolicy, setting: str, value: str) -> ReminderPolicy:
    bad = PolicyError("bad_value", setting, value)
    if setting == "lead":
        parts = [p for p in re.split(r"[\s,;]+", value) if p]
        if not parts or len(parts) > MAX_LEADS or not all(p.isdigit() for p in parts):
            raise bad
        leads = tuple(sorted({int(p) for p in parts}, reverse=True))
        if leads[0] > MAX_LEAD_DAYS:
            raise bad
        return replace(policy, lead_days=leads)
    if setting == "hour":
        time = _parse_time(value)
        if time is None:
            raise bad
        return replace(policy, hour=time)
    if setting in ("overdue", "group", "quiet", "enabled"):
        switch = _parse_switch(value)
        if switch is None:
            raise bad
        if setting == "overdue":
            return replace(policy, overdue_daily=switch)
        if setting == "group":
            return replace(policy, group_daily=switch)
        if setting == "quiet":
            return replace(policy, quiet=switch)
        return replace(policy, enabled=switch)
    if setting == "escalate":
        return replace(policy, escalate_after=_parse_count(value, high=60, bad=bad))
    if setting == "cap":
        return replace(policy, weekly_cap=_parse_count(value, high=7, bad=bad))
    if setting == "digest":
        return _apply_digest(policy, value, bad)
    if setting == "hours":
        start, sep, end = value.replace(" ", "").partition("-")
        first, last = _parse_time(start), _parse_time(end)
        if not sep or first is None or last is None:
            raise bad
        return replace(policy, work_start=first, work_end=last)
    raise bad  # pragma: no cover - every name in _SETTINGS is handled above


def _apply_digest(policy: ReminderPolicy, value: str, bad: PolicyError) -> ReminderPolicy:
    if value in _OFF:
        return replace(policy, digest_weekday=None)
    # "mon 08:00", "thu 2 8h", "t2": a weekday and an optional time, in either order of words.
    for name in sorted(_WEEKDAYS, key=len, reverse=True):
        if value == name or value.startswith(name + " "):
            rest = value[len(name):].strip()
            time = _parse_time(rest) if rest else policy.digest_hour
            if time is None:
                raise bad
            return replace(policy, digest_weekday=_WEEKDAYS[name], digest_hour=time)
    time = _parse_time(value)
    if time is None:
        raise bad
    return replace(policy, digest_hour=time,
                   digest_weekday=0 if policy.digest_weekday is None else policy.digest_weekday)


# -- keys, reminders, snoozes, failures -----------------------------------------------------


class Kind(StrEnum):
    """What a reminder is; the first four go to a task's owners, the rest to a list's readers."""

    BEFORE = "before"
    DUE = "due"  # the deadline is today
    OVERDUE = "overdue"
    SNOOZED = "snoozed"  # brought back by "remind me tomorrow"
    DAILY = "daily"  # the group's one "due soon" message
    ESCALATION = "escalation"  # the chair's list of long-overdue tasks
    DIGEST = "digest"
    EXTENSION = "extension"  # an extension request or decision (only ever logged as failed)
    INDICATOR = "indicator"  # an agency has not reported an indicator's value for a period


OWNER_KINDS = frozenset({Kind.BEFORE, Kind.DUE, Kind.OVERDUE, Kind.SNOOZED})
WORKSPACE_TASK = 0  # the task number in the key of a message about the whole workspace


@dataclass(frozen=True, slots=True, order=True)
class ReminderKey:
    """What makes a reminder itself: logged once sent, so it is never sent twice."""

    task: int  # WORKSPACE_TASK for the daily message, the escalation list and the digest
    kind: Kind
    day: dt.date  # the working day it belongs to (the Monday of the week for a digest)
    # What else tells two reminders of a day apart: for INDICATOR (task: the indicator's
    # number) the agency and the period, "nghe-an@2024.1-9" ("@2024.1-9": the agencies that
    # nobody represents in the chat, reminded together in the group).
    ref: str = ""

    def __str__(self) -> str:
        text = f"{self.task}:{self.kind.value}:{self.day.isoformat()}"
        return f"{text}:{self.ref}" if self.ref else text

    @classmethod
    def parse(cls, text: str) -> ReminderKey:
        """The key written by str(); ValueError when it is not one."""
        task, kind, day, *ref = text.split(":", 3)
        return cls(int(task), Kind(kind), dt.date.fromisoformat(day), ref[0] if ref else "")


@dataclass(frozen=True, slots=True)
class Snooze:
    """A task's owner reminders silenced until a working day, asked for by `by`."""

    task: int
    until: dt.date
    by: int
    at: dt.datetime


@dataclass(frozen=True, slots=True)
class DeliveryFailure:
    """A reminder that could not be delivered after every retry; the next digest shows it."""

    key: ReminderKey
    chat_id: int
    reason: str
    at: dt.datetime
    user_id: int | None = None  # the member it was for, when it was a private message


class ExtensionStatus(StrEnum):
    """Where an owner's request for more time stands."""

    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"


@dataclass(frozen=True, slots=True)
class ExtensionRequest:
    """An owner asking the chair or a secretary to move a deadline."""

    id: int
    task: int
    requested_by: int
    old_deadline: dt.date
    new_deadline: dt.date
    at: dt.datetime
    status: ExtensionStatus = ExtensionStatus.PENDING
    decided_by: int | None = None
    decided_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Digest:
    """The weekly digest: due this week, overdue by agency, done last week, undelivered."""

    week_start: dt.date
    due_this_week: tuple[Standing, ...] = ()
    overdue_by_agency: tuple[tuple[str, tuple[Standing, ...]], ...] = ()
    done_last_week: tuple[Task, ...] = ()
    undelivered: tuple[DeliveryFailure, ...] = ()
    missing_reports: tuple[MissingReport, ...] = ()  # indicator values due by the week's end

    @property
    def is_empty(self) -> bool:
        """Nothing to say: such a digest is not sent."""
        return not (self.due_this_week or self.overdue_by_agency or self.done_last_week
                    or self.undelivered or self.missing_reports)


@dataclass(frozen=True, slots=True)
class Reminder:
    """One message due now: about one task (owner kinds) or a list (daily, escalation, digest)."""

    key: ReminderKey
    at: dt.datetime  # when it was due, in the workspace's time zone
    task: Task | None = None
    days_left: int = 0  # calendar days to the deadline; negative: days overdue
    tasks: tuple[Standing, ...] = ()  # the daily message's and the escalation list's lines
    digest: Digest | None = None
    report: MissingReport | None = None  # INDICATOR: the indicator, period and agencies

    @property
    def kind(self) -> Kind:
        return self.key.kind


# -- the schedule of one task ----------------------------------------------------------------


@lru_cache(maxsize=65536)
def _lead_schedule(deadline: dt.date, leads: tuple[int, ...]) -> Mapping[dt.date, int]:
    """Working day -> lead time, for the reminders before `deadline` (shifted off days off)."""
    days: dict[dt.date, int] = {}
    for lead in leads:
        day = working_day_before(deadline - dt.timedelta(days=lead))
        # Two lead times landing on one working day make one reminder, the more urgent one.
        days[day] = min(lead, days.get(day, lead))
    return days


def _slot(day: dt.date, time: dt.time, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, time, zone)


def _settled_at(task: Task) -> dt.datetime:
    """When the task last took the shape its reminders derive from (created, moved, reopened)."""
    moments = [task.created_at]
    moments.extend(
        h.at for h in task.history
        if h.kind in (HistoryKind.DEADLINE, HistoryKind.REOPENED, HistoryKind.REASSIGNED)
    )
    return max(moments)


def reminder_on(task: Task, day: dt.date, policy: ReminderPolicy, tz: str
                ) -> tuple[Kind, int] | None:
    """The owner reminder a task has on `day` by its schedule alone: (kind, days left), or None.

    Sent log, snoozes and cap are not considered here; :func:`plan_due` applies them.
    """
    deadline = task.deadline
    # An ongoing task has no deadline to remind of; a periodic one has its occurrence's.
    if task.is_closed or deadline is None or not is_working_day(day):
        return None
    zone = ZoneInfo(tz)
    days_left = (deadline - day).days
    if _slot(day, policy.hour, zone) >= due_at(deadline, task.deadline_time, tz):
        return (Kind.OVERDUE, days_left) if policy.overdue_daily else None
    if day not in _lead_schedule(deadline, policy.lead_days):
        return None
    return (Kind.DUE if days_left == 0 else Kind.BEFORE), days_left


class _SentIndex:
    """The sent log, indexed the ways the plan asks it."""

    def __init__(self, keys: Iterable[ReminderKey]) -> None:
        self.keys = frozenset(keys)
        self.owner_days = {(k.task, k.day) for k in self.keys if k.kind in OWNER_KINDS}
        self.overdue_weeks = Counter(
            (k.task, _monday(k.day)) for k in self.keys if k.kind is Kind.OVERDUE
        )


def _owner_reminder(task: Task, today: dt.date, slot: dt.datetime, policy: ReminderPolicy,
                    tz: str, sent: _SentIndex, snooze: Snooze | None) -> Reminder | None:
    if task.is_closed or task.deadline is None or (task.number, today) in sent.owner_days:
        return None
    if _settled_at(task) > slot:
        return None
    if snooze is not None and today < snooze.until:
        return None
    scheduled = reminder_on(task, today, policy, tz)
    if (
        scheduled is not None and scheduled[0] is Kind.OVERDUE and policy.weekly_cap is not None
        and sent.overdue_weeks[(task.number, _monday(today))] >= policy.weekly_cap
    ):
        scheduled = None
    if scheduled is None and snooze is not None and snooze.until == today:
        scheduled = (Kind.SNOOZED, (task.deadline - today).days)
    if scheduled is None:
        return None
    kind, days_left = scheduled
    return Reminder(ReminderKey(task.number, kind, today), slot, task, days_left)


def _digest_day(week_start: dt.date, policy: ReminderPolicy) -> dt.date | None:
    """The working day of the week the digest goes out, None when it has none."""
    if policy.digest_weekday is None:
        return None
    day = working_day_after(week_start + dt.timedelta(days=policy.digest_weekday))
    return day if _monday(day) == week_start else None


def weekly_digest(tasks: Iterable[Task], now: dt.datetime, tz: str,
                  failures: Sequence[DeliveryFailure] = (),
                  reports: Sequence[MissingReport] = ()) -> Digest:
    """The digest of the week containing `now`: what is due, late, done, undelivered, and the
    indicator values still missing that are due by the end of the week."""
    today = now.astimezone(ZoneInfo(tz)).date()
    week_start = _monday(today)
    week_end = week_start + dt.timedelta(days=6)
    last_week = week_start - dt.timedelta(days=7)
    tasks = list(tasks)
    due = tuple(
        s for s in standings(tasks, now, tz)
        if s.timeliness is Timeliness.IN_PROGRESS and s.task.deadline is not None
        and s.task.deadline <= week_end
    )
    by_agency: dict[str, list[Standing]] = {}
    for standing in overdue(tasks, now, tz):
        by_agency.setdefault(standing.task.lead, []).append(standing)
    # Worst agency first: the one with most overdue tasks, then by code for a stable order.
    agencies = sorted(by_agency, key=lambda code: (-len(by_agency[code]), code))
    zone = ZoneInfo(tz)
    done = tuple(
        t for t in tasks
        if t.status is TaskStatus.DONE and t.completed_at is not None
        and last_week <= t.completed_at.astimezone(zone).date() < week_start
    )
    return Digest(
        week_start=week_start,
        due_this_week=tuple(sorted(due, key=lambda s: (s.task.deadline, s.task.number))),
        overdue_by_agency=tuple((code, tuple(by_agency[code])) for code in agencies),
        done_last_week=done,
        undelivered=tuple(failures),
        missing_reports=tuple(r for r in reports if r.due <= week_end),
    )


# -- missing indicator values ----------------------------------------------------------------


def report_refs(report: MissingReport, represented: Iterable[str]) -> list[str]:
    """The keys' refs of a missing report: one per agency someone represents in the chat, and
    one for the others together (reminded in the group), as "<agency>@<period>"."""
    period = report.period.key
    chat = set(represented)
    refs = [f"{a.code}@{period}" for a in report.agencies if a.code in chat]
    if any(a.code not in chat for a in report.agencies):
        refs.append(f"@{period}")
    return refs


def _report_day(report: MissingReport, day: dt.date, policy: ReminderPolicy) -> bool:
    """Whether a missing report is chased on `day` by its schedule (lead days before its due
    day, then every working day while it is late)."""
    if not is_working_day(day):
        return False
    if day > report.due:
        return policy.overdue_daily
    return day in _lead_schedule(report.due, policy.lead_days)


def _report_reminders(reports: Sequence[MissingReport], today: dt.date, slot: dt.datetime,
                      policy: ReminderPolicy, sent: _SentIndex) -> list[Reminder]:
    """Reminders of missing indicator values: the task rules, with the agency as the owner.

    Before the due day at the lead times, on working days; once late, every working day and
    at most `weekly_cap` times a week per agency; never before the indicator was defined.
    """
    found: list[Reminder] = []
    for report in reports:
        created = report.indicator.created_at
        if (created is not None and created > slot) or not _report_day(report, today, policy):
            continue
        refs = report_refs(report, report.represented)
        for ref in refs:
            key = ReminderKey(report.indicator.number, Kind.INDICATOR, today, ref)
            if key in sent.keys:
                continue
            if today > report.due and policy.weekly_cap is not None and sum(
                1 for k in sent.keys
                if k.kind is Kind.INDICATOR and k.task == key.task and k.ref == ref
                and _monday(k.day) == _monday(today) and k.day > report.due
            ) >= policy.weekly_cap:
                continue
            found.append(Reminder(key, slot, days_left=(report.due - today).days,
                                  report=report))
    return found


def _report_wakeup(report: MissingReport, policy: ReminderPolicy, earliest: dt.date
                   ) -> dt.date | None:
    """The first working day from `earliest` on which a missing report is chased."""
    candidates = [d for d in _lead_schedule(report.due, policy.lead_days) if d >= earliest]
    if policy.overdue_daily:
        candidates.append(working_day_after(max(earliest, report.due + dt.timedelta(days=1))))
    return min(candidates, default=None)


# -- the plan -------------------------------------------------------------------------------


def slot_missed(slot: dt.datetime, *, since: dt.datetime | None,
                checked_through: dt.datetime | None) -> bool:
    """Whether a slot that has come is still owed: the workspace existed at the slot time
    (`since`: when it was created) and no completed wake-up has covered it (`checked_through`:
    the time of the last wake-up that sent everything due). A slot is thus owed when the bot
    was down at that time, or stopped in the middle of sending it; not when the workspace was
    made after it, nor when a running bot already decided what it held.
    """
    if since is not None and since > slot:
        return False
    return checked_through is None or checked_through < slot


def _existing(tasks: Sequence[Task], slot: dt.datetime) -> list[Task]:
    """The tasks that existed at a slot's time: the lists of that slot show only these."""
    return [t for t in tasks if t.created_at <= slot]


def plan_due(
    tasks: Iterable[Task],
    policy: ReminderPolicy,
    now: dt.datetime,
    tz: str,
    sent_keys: Iterable[ReminderKey] = (),
    snoozes: Mapping[int, Snooze] | None = None,
    *,
    failures: Sequence[DeliveryFailure] = (),
    reports: Sequence[MissingReport] = (),
    since: dt.datetime | None = None,
    checked_through: dt.datetime | None = None,
) -> list[Reminder]:
    """Exactly the reminders due at `now` and not yet sent: owners' first, then the lists.

    `failures` are the undelivered reminders not yet reported, which the digest lists;
    `reports` the indicator values missing around their due day (bot.indicators), whose
    agencies are reminded like a task's owners (see :func:`_report_reminders`). `since`
    (the workspace's creation) and `checked_through` (the last completed wake-up) say which
    of today's slots are still owed (:func:`slot_missed`); None: all of them.
    """
    if not policy.enabled:
        return []
    zone = ZoneInfo(tz)
    local = now.astimezone(zone)
    today = local.date()
    if not is_working_day(today):
        return []
    if policy.quiet and not policy.in_working_hours(local.time()):
        return []
    tasks = list(tasks)
    sent = _SentIndex(sent_keys)
    snoozes = snoozes or {}
    due: list[Reminder] = []
    slot = _slot(today, policy.hour, zone)
    if local >= slot and slot_missed(slot, since=since, checked_through=checked_through):
        existing = _existing(tasks, slot)
        for task in tasks:
            reminder = _owner_reminder(task, today, slot, policy, tz, sent,
                                       snoozes.get(task.number))
            if reminder is not None:
                due.append(reminder)
        due.sort(key=lambda r: r.key)
        daily_key = ReminderKey(WORKSPACE_TASK, Kind.DAILY, today)
        if policy.group_daily and daily_key not in sent.keys:
            soon = due_within(existing, now, tz, policy.soon_days)
            if soon:
                due.append(Reminder(daily_key, slot, tasks=tuple(soon)))
        due.extend(_report_reminders(reports, today, slot, policy, sent))
        escalation_key = ReminderKey(WORKSPACE_TASK, Kind.ESCALATION, today)
        if policy.escalate_after is not None and escalation_key not in sent.keys:
            limit = policy.escalate_after
            late = tuple(s for s in overdue(existing, now, tz) if s.days_late >= limit)
            if late:
                due.append(Reminder(escalation_key, slot, tasks=late))
    week_start = _monday(today)
    digest_key = ReminderKey(WORKSPACE_TASK, Kind.DIGEST, week_start)
    if _digest_day(week_start, policy) == today and digest_key not in sent.keys:
        digest_slot = _slot(today, policy.digest_hour, zone)
        if local >= digest_slot and slot_missed(digest_slot, since=since,
                                                checked_through=checked_through):
            digest = weekly_digest(_existing(tasks, digest_slot), now, tz, failures, reports)
            if not digest.is_empty:
                due.append(Reminder(digest_key, digest_slot, digest=digest))
    return due


def _first_slot_day(local: dt.datetime, time: dt.time, zone: ZoneInfo) -> dt.date:
    """The first working day whose slot at `time` is strictly after `local`."""
    today = local.date()
    start = today if local < _slot(today, time, zone) else today + dt.timedelta(days=1)
    return working_day_after(start)


def _first_due_day(task: Task, policy: ReminderPolicy, tz: str, earliest: dt.date
                   ) -> dt.date | None:
    """The first working day from `earliest` on which the task's schedule has something."""
    zone = ZoneInfo(tz)
    deadline = task.deadline
    if deadline is None:
        return None  # ongoing: nothing is ever due
    candidates: list[dt.date] = [
        d for d in _lead_schedule(deadline, policy.lead_days) if d >= earliest
    ]
    due = due_at(deadline, task.deadline_time, tz)
    # The first day whose slot is at or after the moment the task falls overdue.
    first_late = deadline if _slot(deadline, policy.hour, zone) >= due \
        else deadline + dt.timedelta(days=1)
    if policy.overdue_daily:
        candidates.append(working_day_after(max(earliest, first_late)))
    soon = policy.soon_days
    if policy.group_daily and first_late - dt.timedelta(days=1) >= earliest:
        # The group's daily message lists the task on every working day of its last stretch.
        start = working_day_after(max(earliest, deadline - dt.timedelta(days=soon)))
        if start < first_late:
            candidates.append(start)
    if policy.escalate_after is not None:
        escalate_from = deadline + dt.timedelta(days=policy.escalate_after)
        candidates.append(working_day_after(max(earliest, escalate_from, first_late)))
    return min(candidates, default=None)


def next_wakeup(
    tasks: Iterable[Task],
    policy: ReminderPolicy,
    now: dt.datetime,
    tz: str,
    snoozes: Mapping[int, Snooze] | None = None,
    reports: Sequence[MissingReport] = (),
) -> dt.datetime | None:
    """The first instant after `now` at which :func:`plan_due` may have something; None: never.

    It may be early (a capped reminder, an empty digest) but never late, so the scheduler
    sleeps until then instead of polling; waking early costs one empty plan.
    """
    if not policy.enabled:
        return None
    zone = ZoneInfo(tz)
    local = now.astimezone(zone)
    first_day = _first_slot_day(local, policy.hour, zone)
    best: dt.date | None = None
    for task in tasks:
        if task.is_closed:
            continue
        day = _first_due_day(task, policy, tz, first_day)
        if day is not None and (best is None or day < best):
            best = day
            if best == first_day:
                break  # nothing can be earlier than the first slot
    for snooze in (snoozes or {}).values():
        day = working_day_after(max(snooze.until, first_day))
        if best is None or day < best:
            best = day
    for report in reports:
        found = _report_wakeup(report, policy, first_day)
        if found is not None and (best is None or found < best):
            best = found
    wake = _slot(best, policy.hour, zone) if best is not None else None
    digest = _next_digest(local, policy, zone)
    if digest is not None and (wake is None or digest < wake):
        wake = digest
    return wake


def _next_digest(local: dt.datetime, policy: ReminderPolicy, zone: ZoneInfo
                 ) -> dt.datetime | None:
    if policy.digest_weekday is None:
        return None
    week_start = _monday(local.date())
    for _ in range(60):  # a year of weeks; a policy without a working day has no digest
        day = _digest_day(week_start, policy)
        if day is not None:
            slot = _slot(day, policy.digest_hour, zone)
            if slot > local:
                return slot
        week_start += dt.timedelta(days=7)
    return None


# -- recipients -----------------------------------------------------------------------------


def owner_recipients(task: Task, members: Iterable[Member]) -> list[Member]:
    """Who is reminded of a task: its responsible officials, else its lead agency's members."""
    pool = list(members)
    named = [m for m in pool if m.user_id in task.responsible]
    if named:
        return sorted(named, key=lambda m: task.responsible.index(m.user_id))
    return [m for m in pool if m.agency is not None and m.agency == task.lead]


def escalation_recipients(members: Iterable[Member]) -> list[Member]:
    """Who gets the escalation list and extension requests: the chair, else the secretaries."""
    pool = list(members)
    chairs = [m for m in pool if m.role is Role.CHAIR]
    return chairs or [m for m in pool if m.role is Role.SECRETARY]


def report_recipients(ref: str, report: MissingReport, members: Iterable[Member]
                      ) -> tuple[list[Member] | None, list[Agency]]:
    """(who is asked, for which agencies) for a missing indicator value: an agency's officials
    for its own value (`ref` "CODE@..."), else None (the group) for the agencies that nobody
    in the chat represents."""
    code = ref.partition("@")[0]
    if code:
        return ([m for m in members if m.agency == code],
                [a for a in report.agencies if a.code == code])
    return None, [a for a in report.agencies if a.code not in report.represented]


def route(members: Iterable[Member], prefs: Mapping[int, UserPrefs]
          ) -> tuple[list[Member], list[Member]]:
    """(written to in private, mentioned in the group): private needs a started, unblocked chat."""
    private: list[Member] = []
    group: list[Member] = []
    for member in members:
        p = prefs.get(member.user_id)
        if p is not None and p.has_private_chat and not p.blocked:
            private.append(member)
        else:
            group.append(member)
    return private, group


# -- the buttons' rules ---------------------------------------------------------------------


def snooze_until(today: dt.date) -> dt.date:
    """ "Remind me tomorrow" means the next working day."""
    return working_day_after(today + dt.timedelta(days=1))


def extension_deadline(deadline: dt.date, days: int) -> dt.date:
    """The deadline asked for: `days` later, on a working day (nobody submits on Tết)."""
    return working_day_after(deadline + dt.timedelta(days=days))


def extension_choices(deadline: dt.date, today: dt.date) -> list[tuple[int, dt.date]]:
    """(days, new deadline) offered to an owner; counted from today when the task is late."""
    base = max(deadline, today)
    seen: set[dt.date] = set()
    choices = []
    for days in EXTENSION_DAYS:
        day = extension_deadline(base, days)
        if day not in seen:
            seen.add(day)
            choices.append((days, day))
    return choices

