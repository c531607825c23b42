"""The dashboard's meetings page: each meeting with what came of its conclusions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot import meetings as meeting_rules
from bot import reports
from bot.model import Meeting
from bot.reports import Tally
from handlers.dashboard.overview import Bar, bar
from handlers.dashboard.views import Row, row_of
from store.workspace import WorkspaceStore

LIST_MAX = 20  # conclusions listed under a meeting; the rest are in the table


@dataclass(frozen=True, slots=True)
class MeetingView:
    """A meeting with its conclusions and what came of each."""

    meeting: Meeting
    outcomes: list[Row]  # the first LIST_MAX conclusions
    tally: Tally
    bar: Bar
    more: int = 0  # conclusions beyond those


def meeting_views(store: WorkspaceStore, now: dt.datetime) -> list[MeetingView]:
    """Every meeting, latest first, each with its conclusions' classes now."""
    tz, rule = store.workspace.tz, store.workspace.deadline_rule
    tasks = store.tasks()
    labels = {a.code: a.label for a in store.agencies()}
    names = {m.user_id: m.name for m in store.members()}
    views: list[MeetingView] = []
    for meeting in sorted(store.meetings(), key=lambda m: (m.day, m.number), reverse=True):
        standings = meeting_rules.outcomes(tasks, meeting.number, now, tz, rule)
        tally = reports.tally((s.task for s in standings), now, tz, rule)
        views.append(MeetingView(
            meeting=meeting,
            outcomes=[row_of(s, labels, names) for s in standings[:LIST_MAX]],
            tally=tally,
            bar=bar(meeting.title, tally),
            more=max(len(standings) - LIST_MAX, 0),
        ))
    return views
