"""The workspace's tasks as an Excel workbook, which the secretariat edits before a meeting.

Sheets: every task (one row each: number, STT, title, plan and section, agencies, people,
deadline as a real Excel date, class, progress, completion day, output, last note, number of
updates), then the totals per lead agency in the four classes. Headers are frozen and
filtered, widths set, and every text the users wrote is stored as text: a title starting
with "=", "+", "-" or "@" is never a formula (CSV/formula injection). The words (sheet names,
headings, class names) come from the `export_labels` template, in the workspace's language.

The columns' headings are names :mod:`bot.plan_import` recognises, so exporting and importing
the file into an empty workspace gives the same tasks. openpyxl is imported only here.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from bot.model import Agency, DeadlineRule, HistoryKind, Member, Task, TaskStatus, Timeliness
from bot.recurrence import Recurrence
from bot.reports import Tally, tally_by_agency
from bot.timeliness import classify

__all__ = ["TASK_COLUMNS", "build_export"]

# The tasks sheet's columns, by key (headings in the template) and width in characters.
TASK_COLUMNS: tuple[tuple[str, int], ...] = (
    ("number", 7), ("ref", 7), ("title", 60), ("plan", 28), ("section", 28), ("lead", 26),
    ("coordinators", 30), ("responsible", 22), ("deadline", 13), ("recurrence", 18),
    ("first_deadline", 13), ("class", 22), ("progress", 10), ("completed", 13),
    ("output", 26), ("last_note", 40), ("updates", 10),
)  # fmt: skip
AGENCY_COLUMNS: tuple[tuple[str, int], ...] = (
    ("agency", 36), ("total", 9), ("done_on_time", 14), ("done_late", 14),
    ("in_progress", 14), ("overdue", 12), ("completion_rate", 14),
)  # fmt: skip
# Characters that make a spreadsheet read a cell as a formula; tab and carriage return are
# on OWASP's list too.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_DATE_FORMAT = "dd/mm/yyyy"
_MAX_WIDTH = 60


def _last_note(task: Task) -> str:
    for entry in reversed(task.history):
        if entry.note and entry.kind is not HistoryKind.CREATED:
            return entry.note
    return ""


def _class_label(task: Task, now: dt.datetime, tz: str, labels: Mapping[str, str],
                 rule: DeadlineRule) -> str:
    timeliness = classify(task, now, tz, rule)
    if timeliness is Timeliness.CONTINUOUS and task.status is not TaskStatus.DONE:
        # Read back by the import as a task still running (it is not "done").
        return labels["class_continuous_running"]
    return labels[f"class_{timeliness.value if timeliness else 'cancelled'}"]


def task_rows(
    tasks: Sequence[Task], *, agencies: Mapping[str, Agency], members: Mapping[int, Member],
    now: dt.datetime, tz: str, labels: Mapping[str, str],
    rule: DeadlineRule = DeadlineRule.ADJUSTED,
    recurrences: Mapping[Recurrence, str] | None = None,
) -> list[list[object]]:
    """The tasks sheet's rows as values (str, int, float, date), before any styling.

    An ongoing task's deadline cell says so in words; a periodic task's holds its current
    occurrence's date, and the "recurrence" column its rule in words (`recurrences`).
    """
    recurrences = recurrences or {}
    zone = ZoneInfo(tz)

    def name(code: str) -> str:
        agency = agencies.get(code)
        return agency.name if agency else code

    rows: list[list[object]] = []
    for task in tasks:
        completed = task.completed_at.astimezone(zone).date() if task.completed_at else None
        rows.append([
            task.number,
            task.ref,
            task.title,
            task.plan,
            task.section,
            name(task.lead),
            # "; " and not ", ": an agency's name may hold a comma, and the import splits
            # a cell at semicolons always.
            "; ".join(name(c) for c in task.coordinators),
            "; ".join(members[u].name if u in members else str(u) for u in task.responsible),
            task.deadline if task.deadline is not None else labels["ongoing"],
            recurrences.get(task.recurrence, "") if task.recurrence else "",
            task.original_deadline,
            _class_label(task, now, tz, labels, rule),
            task.progress / 100,
            completed,
            task.output,
            _last_note(task),
            len(task.history),
        ])
    return rows


def agency_rows(
    tasks: Sequence[Task], *, agencies: Mapping[str, Agency], now: dt.datetime, tz: str,
    rule: DeadlineRule = DeadlineRule.ADJUSTED,
) -> list[list[object]]:
    """Totals per lead agency in the four classes, worst first, then the grand total."""
    rows: list[list[object]] = []
    total = Tally()
    for code, tally in tally_by_agency(tasks, now, tz, rule):
        agency = agencies.get(code)
        rows.append(_tally_row(agency.name if agency else code, tally))
        total = total + tally
    return [*rows, _tally_row("", total)]


def _tally_row(label: str, tally: Tally) -> list[object]:
    return [label, tally.total, tally.done_on_time, tally.done_late, tally.in_progress,
            tally.overdue, tally.completion_rate / 100]


def build_export(
    tasks: Sequence[Task], *, agencies: Sequence[Agency], members: Sequence[Member],
    now: dt.datetime, tz: str, labels: Mapping[str, str],
    rule: DeadlineRule = DeadlineRule.ADJUSTED,
    recurrences: Mapping[Recurrence, str] | None = None,
) -> bytes:
    """The workbook, as the bytes of an .xlsx file; `rule` judges on time or late."""
    import openpyxl  # only an export needs it
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill

    by_code = {a.code: a for a in agencies}
    by_id = {m.user_id: m for m in members}
    workbook = openpyxl.Workbook(write_only=True)
    head_font = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="DDEBF7")
    wrap = Alignment(wrap_text=True, vertical="top")

    def sheet(title: str, columns: Sequence[tuple[str, int]], rows: list[list[object]],
              formats: Mapping[int, str], total_row: bool = False) -> None:
        ws: Any = workbook.create_sheet(title[:31])
        ws.freeze_panes = "A2"
        for index, (_, width) in enumerate(columns):
            ws.column_dimensions[_letter(index)].width = min(width, _MAX_WIDTH)
        header = []
        for key, _ in columns:
            cell = WriteOnlyCell(ws, value=labels[f"col_{key}"])
            cell.font, cell.fill, cell.alignment = head_font, head_fill, wrap
            header.append(cell)
        ws.append(header)
        for number, row in enumerate(rows, start=1):
            bold = total_row and number == len(rows)
            ws.append([_cell(ws, WriteOnlyCell, value, formats.get(i), wrap, bold, head_font)
                       for i, value in enumerate(row)])
        if rows:
            ws.auto_filter.ref = f"A1:{_letter(len(columns) - 1)}{len(rows) + 1}"

    keys = [key for key, _ in TASK_COLUMNS]
    task_formats = {
        keys.index("deadline"): _DATE_FORMAT,
        keys.index("first_deadline"): _DATE_FORMAT,
        keys.index("completed"): _DATE_FORMAT,
        keys.index("progress"): "0%",
    }
    rows = task_rows(tasks, agencies=by_code, members=by_id, now=now, tz=tz, labels=labels,
                     rule=rule, recurrences=recurrences)
    sheet(labels["sheet_tasks"], TASK_COLUMNS, rows, task_formats)
    totals = agency_rows(tasks, agencies=by_code, now=now, tz=tz, rule=rule)
    totals[-1][0] = labels["total"]
    sheet(labels["sheet_agencies"], AGENCY_COLUMNS, totals, {6: "0.0%"}, total_row=True)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(index + 1))


def _cell(ws: Any, make: Any, value: object, number_format: str | None, wrap: Any, bold: bool,
          font: Any) -> Any:
    if value is None or value == "":
        return None
    cell = make(ws, value=value)
    if isinstance(value, str):
        if value.startswith(_FORMULA_START):
            # Stored as a string, and marked so that Excel keeps it text when it is edited.
            cell.data_type = "s"
            cell.quotePrefix = True
        if len(value) > 30:
            cell.alignment = wrap
    elif number_format is not None:
        cell.number_format = number_format
    if bold:
        cell.font = font
    return cell
