"""Open deadlines as an iCalendar (.ics) file, for Outlook or a phone's calendar.

Each open task with a deadline is one event on its deadline day (all day, or ending at its
time), with a reminder the day before. The event's text names the task's number and lead
agency so the official can find it in the chat (/viec 12); it carries no link and nothing
that identifies the group's chat. Its UID is stable, so importing a newer file updates the
events rather than doubling them. icalendar is imported only here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.recurrence import Cadence, Recurrence

__all__ = ["CalendarEntry", "build_calendar", "calendar_key", "rrule_of"]

_TIMED_EVENT = dt.timedelta(minutes=30)  # a deadline at 17:00 shows as 16:30-17:00


@dataclass(frozen=True, slots=True)
class CalendarEntry:
    """One deadline to show: its task's number, the event's text, and when."""

    number: int
    summary: str
    description: str
    day: dt.date
    time: dt.time | None = None
    rrule: dict[str, object] | None = None  # a periodic task's rule, from its next deadline


def rrule_of(recurrence: Recurrence) -> dict[str, object]:
    """The RRULE of a periodic task, from its current occurrence (the event's start).

    A day past the 28th, like no day at all, is the period's last day (BYMONTHDAY=-1):
    RRULE would skip the months without a 30th, where dondoc takes the month's last day.
    """
    day = recurrence.day if recurrence.day is not None and recurrence.day <= 28 else -1
    if recurrence.cadence is Cadence.YEARLY:
        return {"freq": "yearly", "bymonth": recurrence.month or 12, "bymonthday": day}
    return {"freq": "monthly", "interval": recurrence.cadence.months, "bymonthday": day}


def calendar_key(chat_id: int) -> str:
    """A short stable key for a workspace in event UIDs, which does not reveal its chat."""
    return hashlib.blake2s(str(chat_id).encode(), digest_size=6).hexdigest()


def build_calendar(
    entries: Sequence[CalendarEntry], *, name: str, key: str, now: dt.datetime, tz: str,
    alarm_text: str,
) -> bytes:
    """The .ics file's bytes: one VEVENT per entry, each with a reminder the day before."""
    from icalendar import Alarm, Calendar, Event  # only a calendar export needs it

    calendar = Calendar()
    calendar.add("prodid", "-//dondoc//dondoc//VI")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", tz)
    stamp = now.astimezone(dt.UTC)
    zone = ZoneInfo(tz)
    for entry in entries:
        event = Event()
        event.add("uid", f"task-{entry.number}-{key}@dondoc")
        event.add("dtstamp", stamp)
        if entry.time is None:
            event.add("dtstart", entry.day)
            event.add("dtend", entry.day + dt.timedelta(days=1))
            event.add("transp", "TRANSPARENT")  # a deadline is not a busy day
        else:
            due = dt.datetime.combine(entry.day, entry.time, zone).astimezone(dt.UTC)
            event.add("dtstart", due - _TIMED_EVENT)
            event.add("dtend", due)
        event.add("summary", entry.summary)
        event.add("description", entry.description)
        event.add("categories", ["dondoc"])
        if entry.rrule:
            event.add("rrule", entry.rrule)
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", alarm_text)
        alarm.add("trigger", dt.timedelta(days=-1))
        event.add_component(alarm)
        calendar.add_component(event)
    return bytes(calendar.to_ical())
