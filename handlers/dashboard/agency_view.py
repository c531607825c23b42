"""The dashboard's agencies page: the owners ranked as /theodonvi ranks them, with their tasks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot import reports
from bot.model import Agency, Task
from bot.reports import Tally
from handlers.dashboard.overview import Bar, bar
from handlers.dashboard.views import Row, row_of
from store.workspace import WorkspaceStore

AGENCY_LIST_MAX = 5  # tasks under an agency, the most urgent; all of them are in the table


@dataclass(frozen=True, slots=True)
class AgencyLine:
    """An agency's place in the ranking (its tally as lead, as /theodonvi) and its tasks."""

    agency: Agency
    tally: Tally
    rank: int
    bar: Bar
    rows: list[Row]  # the tasks it leads, overdue first, as the chat lists them (a few)
    more: int = 0  # tasks it leads beyond those


def agency_ranking(store: WorkspaceStore, now: dt.datetime) -> list[AgencyLine]:
    """Every agency that leads a task, ranked as /theodonvi ranks them (most overdue first)."""
    tz, rule = store.workspace.tz, store.workspace.deadline_rule
    tasks = store.tasks()
    known = {a.code: a for a in store.agencies()}
    labels = {a.code: a.label for a in known.values()}
    names = {m.user_id: m.name for m in store.members()}
    led: dict[str, list[Task]] = {}
    for task in tasks:
        led.setdefault(task.lead, []).append(task)
    lines: list[AgencyLine] = []
    for code, tally in reports.tally_by_agency(tasks, now, tz, rule):
        agency = known.get(code) or Agency(code=code, name=code)
        ordered = reports.by_urgency(led[code], now, tz, rule)
        rows = [row_of(s, labels, names) for s in ordered[:AGENCY_LIST_MAX]]
        lines.append(AgencyLine(agency, tally, len(lines) + 1, bar(agency.label, tally), rows,
                                max(len(ordered) - AGENCY_LIST_MAX, 0)))
    return lines
