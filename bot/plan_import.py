"""A plan's task table read into tasks: header, sections, agencies, deadlines and status.

The rows come from :mod:`bot.plan_table`. Here the header is found (one row, or two when a
merged heading such as "Cơ quan thực hiện" stands over "Chủ trì | Phối hợp"), columns are
recognised by their Vietnamese or English names in any order, with or without diacritics;
section rows ("I. CẢI CÁCH THỂ CHẾ", "1.", "a)") become the section kept on each task below
them, and each task row becomes a :class:`Draft`, or a :class:`Problem` that says which row
and why. Nothing here writes: :func:`to_tasks` makes the tasks the store then adds in one go.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from rapidfuzz import fuzz

from bot.dates import Deadline, DeadlineError
from bot.model import Agency, HistoryEntry, HistoryKind, Task, TaskStatus
from bot.names import agency_keys, fold, match_agencies
from bot.people import MAX_NAME
from bot.plan_columns import Column, find_header
from bot.plan_deadlines import Ongoing, PlanDeadline, parse_plan_deadline, years_named
from bot.plan_status import read_status
from bot.plan_table import MAX_ROWS, FileKind, Row, Table, read_tables
from bot.recurrence import Recurrence, first_occurrence, parse_recurrence

__all__ = [
    "Column",
    "Draft",
    "ImportError_",
    "ParsedPlan",
    "Problem",
    "Unresolved",
    "duplicates",
    "parse_plan",
    "preview",
    "read_plan",
    "resolve_agencies",
    "to_tasks",
]

TITLE_MAX = 1000
NAME_MAX = MAX_NAME  # as /addagency allows, so a name read here can become an agency


# -- rows -----------------------------------------------------------------------------------


class ImportError_(ValueError):  # ImportError is Python's own
    """A file that holds no task table, or too many rows; .reason says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Problem:
    """A row that could not be read, and why ("no_title", "no_lead", "no_deadline",
    "deadline", "title_too_long", "name_too_long")."""

    row: int
    reason: str
    text: str = ""


@dataclass(frozen=True, slots=True)
class Draft:
    """One task row as read: nothing of the workspace is looked up yet."""

    row: int
    ref: str
    title: str
    section: str
    lead: str  # the lead agency's name as written
    coordinators: tuple[str, ...]
    deadline: PlanDeadline
    occurrence: dt.date | None = None  # a periodic task's current deadline, when the file says
    output: str = ""
    plan: str = ""
    status: TaskStatus = TaskStatus.OPEN
    progress: int = 0
    completed_on: dt.date | None = None
    completed_late: bool | None = None  # said "on time"/"late" without a date
    note: str = ""

    @property
    def undated_done(self) -> bool:
        return self.status is TaskStatus.DONE and self.completed_on is None


@dataclass(slots=True)
class ParsedPlan:
    """Everything read from a file: its tasks, its problem rows, its sections."""

    kind: FileKind
    table: str  # the sheet's name or the table's number
    columns: dict[Column, int]
    drafts: list[Draft] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return len(self.drafts) + len(self.problems)


_ROMAN = re.compile(r"(?=[ivxlc]+$)c{0,3}(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3})")
_REF_TOKEN = re.compile(r"^\s*([A-Za-zĐđ]{1,4}|\d{1,3}(?:\.\d{1,3})*)\s*[.)/:-]?\s+(?=\S)")
_NUMBERING = re.compile(r"\(?\s*(?:\d{1,2}|[ivx]{1,4})\s*\)?")


def _ref_level(ref: str) -> int:
    """How deep a section's number sits: A. > I. > 1. > 1.1 > a)."""
    token = ref.strip().rstrip(".):/-").strip()
    if not token:
        return 2
    if token.isdigit():
        return 2
    if re.fullmatch(r"\d+(?:\.\d+)+", token):
        return 2 + token.count(".")
    lower = token.lower()
    if _ROMAN.fullmatch(lower) and (token.isupper() or len(token) > 1):
        return 1
    if len(token) == 1 and token.isalpha():
        return 0 if token.isupper() else 5
    return 2


def _clean_ref(text: str) -> str:
    return text.strip().rstrip(".):").strip()


def _is_numbering_row(row: Row) -> bool:
    """The "(1) (2) (3) …" row many tables have under their header."""
    filled = [c for c in row.cells if c]
    return len(filled) >= 3 and all(_NUMBERING.fullmatch(c.lower()) for c in filled)


class _Sections:
    """The section path above the current row: each new heading replaces those at its level
    and below."""

    def __init__(self) -> None:
        self.stack: list[tuple[int, str]] = []
        self.seen: list[str] = []

    def enter(self, ref: str, text: str) -> None:
        if not ref:
            found = _REF_TOKEN.match(text)
            ref = found.group(1) if found else ""
        level = _ref_level(ref) if ref else (self.stack[-1][0] + 1 if self.stack else 1)
        heading = text if not ref or text.startswith(ref) else f"{_clean_ref(ref)}. {text}"
        self.stack = [(lvl, t) for lvl, t in self.stack if lvl < level]
        self.stack.append((level, heading.strip()))
        path = self.current
        if path not in self.seen:
            self.seen.append(path)

    @property
    def current(self) -> str:
        return " › ".join(text for _, text in self.stack)


def _is_section(cells: dict[Column, str], row: Row) -> bool:
    filled = {c for c in row.cells if c}
    if len(filled) == 1 and sum(1 for c in row.cells if c) >= 2:
        return True  # one text merged across the row
    if not (cells.get(Column.TITLE) or cells.get(Column.REF)):
        return False
    task_data = (Column.LEAD, Column.DEADLINE, Column.OUTPUT, Column.COORDINATORS)
    return not any(cells.get(c) for c in task_data)


def read_plan(
    data: bytes, *, today: dt.date, plan: str = "", lang: str = "vi", filename: str = "",
) -> ParsedPlan:
    """A file's task table, read: TableError or ImportError_ when there is none to read."""
    kind, tables = read_tables(data, filename)
    return parse_plan(kind, tables, today=today, plan=plan, lang=lang)


def parse_plan(
    kind: FileKind, tables: Sequence[Table], *, today: dt.date, plan: str = "",
    lang: str = "vi",
) -> ParsedPlan:
    """Read the task table of a file. ImportError_("no_header") when no table has a header
    naming at least the task and its lead or deadline; ("too_many_rows") past MAX_ROWS."""
    header = find_header(tables)
    if header is None:
        raise ImportError_("no_header")
    table = tables[header.table]
    body = table.rows[header.first_row + header.height :]
    if body and _is_numbering_row(body[0]):
        body = body[1:]
    columns = header.columns
    parsed = ParsedPlan(kind=kind, table=table.name, columns=dict(columns))
    rows = [(row, {c: row.cell(i) for c, i in columns.items()}) for row in body]
    tasks_rows = sum(1 for row, cells in rows if not _is_section(cells, row))
    if tasks_rows > MAX_ROWS:
        raise ImportError_("too_many_rows")
    year = years_named([cells.get(Column.DEADLINE, "") for _, cells in rows]) or (
        years_named([plan]) if plan else None
    )
    sections = _Sections()
    for row, cells in rows:
        if _is_section(cells, row):
            if Column.SECTION not in columns:
                merged = next((c for c in row.cells if c), "")
                title = cells.get(Column.TITLE) or merged
                # A heading merged across the row fills the STT cell with its whole text;
                # its number is then read off the text ("II. …" stays above "1. …").
                across = len({c for c in row.cells if c}) == 1
                ref = cells.get(Column.REF, "") if cells.get(Column.TITLE) and not across else ""
                sections.enter(ref, title)
            continue
        outcome = _read_row(row, cells, sections.current, plan, today, year, lang)
        if isinstance(outcome, Problem):
            parsed.problems.append(outcome)
        else:
            parsed.drafts.append(outcome)
    parsed.sections = [s for s in sections.seen if any(d.section == s for d in parsed.drafts)]
    if Column.SECTION in columns:
        parsed.sections = list(dict.fromkeys(d.section for d in parsed.drafts if d.section))
    return parsed


_SEPARATORS = re.compile(r"\s*(?:\n|;|\+|\s-\s)\s*")
_COMMA = re.compile(r"\s*,\s*")


def split_agencies(text: str, known: Iterable[Agency] = ()) -> list[str]:
    """The agency names in a cell: one a line or separated by ";", and by commas when each
    part is a name ("Bộ Tư pháp, Văn phòng Chính phủ") rather than a phrase that has commas
    ("Các bộ, ngành, địa phương")."""
    names: list[str] = []
    agencies = list(known)
    for part in _SEPARATORS.split(text):
        part = part.strip(" .-•")
        if not part:
            continue
        pieces = [p.strip(" .") for p in _COMMA.split(part) if p.strip(" .")]
        if len(pieces) > 1 and all(
            len(p.split()) >= 2 or match_agencies(p, agencies) for p in pieces
        ):
            names.extend(pieces)
        else:
            names.append(part)
    return list(dict.fromkeys(names))


def _read_row(
    row: Row, cells: dict[Column, str], section: str, plan: str, today: dt.date,
    year: int | None, lang: str,
) -> Draft | Problem:
    title = cells.get(Column.TITLE, "")
    if not title:
        return Problem(row.number, "no_title")
    if len(title) > TITLE_MAX:
        return Problem(row.number, "title_too_long", title[:60])
    lead_cell = cells.get(Column.LEAD, "")
    names = split_agencies(lead_cell)
    if not names:
        return Problem(row.number, "no_lead", title[:60])
    coordinators = tuple(
        n for n in names[1:] + split_agencies(cells.get(Column.COORDINATORS, ""))
        if n != names[0]
    )
    too_long = next((n for n in (names[0], *coordinators) if len(n) > NAME_MAX), None)
    if too_long is not None:
        return Problem(row.number, "name_too_long", too_long[:60])
    deadline_text = cells.get(Column.DEADLINE, "")
    recurrence_text = cells.get(Column.RECURRENCE, "")
    try:
        deadline = parse_plan_deadline(deadline_text, today=today, year=year, lang=lang)
    except DeadlineError as exc:
        if not deadline_text:
            return Problem(row.number, "no_deadline", title[:60])
        return Problem(row.number, "deadline", exc.text)
    occurrence: dt.date | None = None
    if recurrence_text and isinstance(deadline, Deadline):
        # An export's "Lặp lại" column: the date is the current occurrence's deadline.
        again = parse_recurrence(recurrence_text)
        if again is not None:
            occurrence = deadline.day
            deadline = again
    status = read_status(
        cells.get(Column.STATUS, ""), cells.get(Column.PROGRESS, ""),
        cells.get(Column.COMPLETED, ""), today=today, year=year,
    )
    return Draft(
        row=row.number,
        ref=_clean_ref(cells.get(Column.REF, "")),
        title=title,
        section=cells.get(Column.SECTION, "") or section,
        lead=names[0],
        coordinators=coordinators,
        deadline=deadline,
        occurrence=occurrence,
        output=cells.get(Column.OUTPUT, ""),
        plan=cells.get(Column.PLAN, "") or plan,
        status=status.status,
        progress=status.progress,
        completed_on=status.completed_on,
        completed_late=status.late,
        note=_note(cells.get(Column.NOTE, ""), status.unread),
    )


def _note(note: str, unread_status: str) -> str:
    return "\n".join(t for t in (unread_status, note) if t)


# -- agencies -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Unresolved:
    """An agency name that matches none of the workspace's agencies, or several."""

    name: str
    candidates: tuple[str, ...]  # agency codes it may mean, best first
    rows: int  # how many tasks name it


def resolve_agencies(
    drafts: Sequence[Draft], agencies: Sequence[Agency], chosen: dict[str, str] | None = None,
) -> tuple[dict[str, str], list[Unresolved]]:
    """Each agency name's code, as /giaoviec matches names; and the names still to settle.

    `chosen` holds the secretary's answers so far (name -> code).
    """
    chosen = chosen or {}
    codes: dict[str, str] = {}
    open_names: Counter[str] = Counter()
    for draft in drafts:
        for name in (draft.lead, *draft.coordinators):
            if name in codes:
                continue
            if name in open_names:
                open_names[name] += 1
                continue
            if name in chosen:
                codes[name] = chosen[name]
                continue
            found = match_agencies(name, agencies)
            if len(found) == 1:
                codes[name] = found[0].code
            else:
                open_names[name] += 1
    unresolved = [
        Unresolved(name, tuple(_candidates(name, agencies)), count)
        for name, count in open_names.items()
    ]
    return codes, unresolved


def _candidates(name: str, agencies: Sequence[Agency], limit: int = 3) -> list[str]:
    found = match_agencies(name, agencies)
    if found:
        return [a.code for a in found[:limit]]
    wanted = fold(name)
    scored = sorted(
        ((max(fuzz.token_set_ratio(wanted, k) for k in agency_keys(a)), a.code)
         for a in agencies),
        reverse=True,
    )
    return [code for score, code in scored[:limit] if score >= 60]


# -- duplicates and tasks -------------------------------------------------------------------


def _task_key(title: str, plan: str) -> tuple[str, str]:
    return fold(title), fold(plan)


def duplicates(drafts: Sequence[Draft], tasks: Iterable[Task]) -> list[Draft]:
    """The drafts whose task the workspace already has: same title in the same plan."""
    existing = {_task_key(t.title, t.plan) for t in tasks}
    return [d for d in drafts if _task_key(d.title, d.plan) in existing]


_COMPLETION_HOUR = dt.time(17, 0)  # a plan gives the day only: the end of the working day


def to_tasks(
    drafts: Sequence[Draft], codes: dict[str, str], *, now: dt.datetime, tz: str, actor: int,
    source: str = "",
) -> list[Task]:
    """The tasks to add (numbered by the store), each with its "created" history entry."""
    tasks = []
    today = now.astimezone(ZoneInfo(tz)).date()
    for draft in drafts:
        deadline, recurrence = _deadline_of(draft, today)
        history = [HistoryEntry(at=now, user_id=actor, kind=HistoryKind.CREATED)]
        completed_at = None
        status, progress = draft.status, draft.progress
        if recurrence is not None and status is TaskStatus.DONE:
            # "Done" of a periodic task is its last occurrence's: the next one is open.
            status, progress = TaskStatus.OPEN, 0
        if status is TaskStatus.DONE:
            completed_at = _completed_at(draft, deadline, now, tz)
        if draft.note:
            history.append(HistoryEntry(at=now, user_id=actor, kind=HistoryKind.NOTE,
                                        note=draft.note[:1000]))
        task = Task(
            number=0,
            title=draft.title,
            lead=codes[draft.lead],
            deadline=deadline,
            created_at=now,
            created_by=actor,
            plan=draft.plan,
            coordinators=tuple(dict.fromkeys(
                codes[c] for c in draft.coordinators if codes[c] != codes[draft.lead]
            )),
            output=draft.output,
            source=source,
            progress=progress,
            status=status,
            completed_at=completed_at,
            history=history,
            ref=draft.ref,
            section=draft.section,
            recurrence=recurrence,
        )
        tasks.append(task)
    return tasks


def _deadline_of(draft: Draft, today: dt.date) -> tuple[dt.date | None, Recurrence | None]:
    deadline = draft.deadline
    if isinstance(deadline, Recurrence):
        return draft.occurrence or first_occurrence(deadline, today), deadline
    if isinstance(deadline, Ongoing):
        return None, None
    return deadline.day, None


def _completed_at(draft: Draft, deadline: dt.date | None, now: dt.datetime, tz: str
                  ) -> dt.datetime:
    zone = ZoneInfo(tz)
    day = draft.completed_on
    if day is None:
        # Done, the plan says, but not when: on its deadline day when that has passed ("đúng
        # hạn" or no word on it), the day after when it says late; today otherwise.
        if deadline is None or deadline >= now.astimezone(zone).date():
            return now
        day = deadline + dt.timedelta(days=1) if draft.completed_late else deadline
    return min(dt.datetime.combine(day, _COMPLETION_HOUR, zone), now)



# -- the preview ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Preview:
    """What the secretary is shown before anything is written."""

    plan: str
    tasks: int
    by_agency: list[tuple[str, int]]  # lead agency (its name, or as written), tasks
    by_section: list[tuple[str, int]]
    problems: list[Problem]
    unresolved: list[Unresolved]
    duplicates: int
    done: int = 0
    cancelled: int = 0
    ongoing: int = 0
    periodic: int = 0
    overdue: int = 0  # open, with a deadline already past
    undated_done: int = 0

    @property
    def ready(self) -> bool:
        """Every agency settled, and something to write."""
        return not self.unresolved and self.tasks > 0


def preview(
    parsed: ParsedPlan, *, agencies: Sequence[Agency], chosen: dict[str, str],
    tasks: Iterable[Task], today: dt.date,
) -> Preview:
    """The counts per agency and section, the rows not read, and what is left to settle."""
    codes, unresolved = resolve_agencies(parsed.drafts, agencies, chosen)
    names = {a.code: a.name for a in agencies}
    leads = Counter(names.get(codes.get(d.lead, ""), d.lead) for d in parsed.drafts)
    sections = Counter(d.section for d in parsed.drafts)
    drafts = parsed.drafts
    return Preview(
        plan=next((d.plan for d in drafts if d.plan), ""),
        tasks=len(drafts),
        by_agency=leads.most_common(),
        by_section=[(s, sections[s]) for s in dict.fromkeys(d.section for d in drafts)],
        problems=list(parsed.problems),
        unresolved=unresolved,
        duplicates=len(duplicates(drafts, tasks)),
        done=sum(1 for d in drafts if d.status is TaskStatus.DONE
                 and not isinstance(d.deadline, Recurrence)),
        cancelled=sum(1 for d in drafts if d.status is TaskStatus.CANCELLED),
        ongoing=sum(1 for d in drafts if isinstance(d.deadline, Ongoing)),
        periodic=sum(1 for d in drafts if isinstance(d.deadline, Recurrence)),
        overdue=sum(
            1 for d in drafts
            if isinstance(d.deadline, Deadline) and d.deadline.day < today
            and d.status in (TaskStatus.OPEN, TaskStatus.IN_PROGRESS)
        ),
        undated_done=sum(1 for d in drafts if d.undated_done
                         and isinstance(d.deadline, Deadline)),
    )

