"""Creating a task: read the one-line form or the wizard's answers into a checked draft."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from bot.dates import Deadline, DeadlineError, parse_deadline
from bot.model import Agency, HistoryEntry, HistoryKind, Member, Task
from bot.names import contains_words, fold, match_agencies
from bot.timeliness import due_at

T = TypeVar("T")

TITLE_MIN = 3
TITLE_MAX = 200
TEXT_MAX = 200  # plan, expected output, source
SEPARATOR = "|"

# Labels of the optional parts, folded (no case, no diacritics), to the field they fill.
# The lead agency and the deadline may be labelled too, for users who write them anywhere.
LABELS: dict[str, str] = {
    "ke hoach": "plan", "kh": "plan", "plan": "plan",
    "san pham": "output", "ket qua": "output", "output": "output",
    "nguon": "source", "can cu": "source", "source": "source",
    "phoi hop": "coordinators", "with": "coordinators", "coordinators": "coordinators",
    "nguoi": "responsible", "phu trach": "responsible", "nguoi phu trach": "responsible",
    "responsible": "responsible", "who": "responsible",
    "chu tri": "lead", "co quan": "lead", "lead": "lead", "agency": "lead",
    "han": "deadline", "thoi han": "deadline", "deadline": "deadline", "due": "deadline",
}  # fmt: skip
_LABELLED = re.compile(r"^\s*([^:]{1,20}?)\s*:\s*(.*)$", re.DOTALL)
_LIST_SEPARATORS = re.compile(r"[,;]")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Draft:
    """A task being written: what is known so far; `lead` and `deadline` may still be missing."""

    title: str = ""
    lead: str = ""  # Agency.code
    deadline: dt.date | None = None
    deadline_time: dt.time | None = None
    deadline_next_year: bool = False  # the year was not typed and is next year's (Deadline)
    plan: str = ""
    coordinators: tuple[str, ...] = ()
    responsible: tuple[int, ...] = ()
    # Named by the user; otherwise the lead's members are filled in when the lead is known.
    responsible_named: bool = False
    output: str = ""
    source: str = ""

    @property
    def complete(self) -> bool:
        """Title, lead and deadline known: enough to create the task."""
        return bool(self.title and self.lead and self.deadline)


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with (or worth a warning about) what the user typed; templates word it.

    Codes: missing_parts, title_short, title_long, agency_missing, agency_unknown,
    agency_ambiguous, deadline_empty, deadline_unparseable, deadline_past, part_unknown,
    part_repeated, too_long, member_unknown, member_ambiguous, coordinator_unknown,
    coordinator_ambiguous; the warning: duplicate.
    """

    code: str
    text: str = ""  # what the user typed for this part
    field: str = ""  # for too_long and part_repeated: which field
    agencies: tuple[Agency, ...] = ()  # for agency_ambiguous, coordinator_ambiguous
    members: tuple[Member, ...] = ()  # for member_ambiguous
    day: dt.date | None = None  # for deadline_past: the day the text was read as
    task: int | None = None  # for duplicate: the open task's number

    @property
    def choices(self) -> tuple[Agency | Member, ...]:
        """The candidates an ambiguous name could mean."""
        return self.agencies or self.members


@dataclass(slots=True)
class Result:
    """The outcome of reading the one-line form: a draft, and errors or warnings if any.

    The draft holds every part that could be read, so that a lead left ambiguous can be
    chosen with buttons and the rest kept; it may be created only when `ok`.
    """

    draft: Draft
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def lead_choices(self) -> tuple[Agency, ...]:
        """The agencies to offer as buttons when the lead's name was the only problem."""
        if len(self.errors) == 1 and self.errors[0].code == "agency_ambiguous":
            return self.errors[0].agencies
        return ()


# --- one field at a time (the wizard asks them one by one) --------------------------------


def _squash(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def clean_title(text: str) -> str | Problem:
    """The title with spaces tidied, or why it cannot be one."""
    title = _squash(text)
    if len(title) < TITLE_MIN:
        return Problem("title_short", title)
    if len(title) > TITLE_MAX:
        return Problem("title_long", title[:40])
    return title


def clean_text(text: str, field_name: str) -> str | Problem:
    """A free-text field (plan, output, source) tidied, or too_long."""
    value = _squash(text)
    if len(value) > TEXT_MAX:
        return Problem("too_long", value[:40], field=field_name)
    return value


def read_lead(text: str, agencies: Iterable[Agency]) -> Agency | Problem:
    """The one agency a typed name means, or unknown / ambiguous (with the candidates)."""
    name = _squash(text)
    if not name:
        return Problem("agency_missing")
    found = match_agencies(name, agencies)
    if not found:
        return Problem("agency_unknown", name)
    if len(found) > 1:
        return Problem("agency_ambiguous", name, agencies=tuple(found))
    return found[0]


def read_deadline(text: str, *, now: dt.datetime, tz: str, lang: str) -> Deadline | Problem:
    """The deadline typed, or why it cannot be used (empty, unreadable or already past).

    `now` is the current time in the workspace's zone. A deadline today at an hour already
    gone is past too: a task must not be overdue the moment it is created.
    """
    try:
        deadline = parse_deadline(text, today=now.date(), lang=lang)
    except DeadlineError as exc:
        return Problem(f"deadline_{exc.reason}", _squash(text)[:40], day=exc.day)
    if due_at(deadline.day, deadline.time, tz) <= now:
        return Problem("deadline_past", _squash(text)[:40], day=deadline.day)
    return deadline


def with_deadline(draft: Draft, deadline: Deadline) -> Draft:
    """The draft with the deadline read, and whether its year was chosen forward."""
    return dataclasses.replace(draft, deadline=deadline.day, deadline_time=deadline.time,
                               deadline_next_year=deadline.next_year)


def deadline_passed(draft: Draft, *, now: dt.datetime, tz: str) -> Problem | None:
    """deadline_past if the draft's deadline went by while it was being written, else None."""
    if draft.deadline is not None and due_at(draft.deadline, draft.deadline_time, tz) <= now:
        return Problem("deadline_past", day=draft.deadline)
    return None


def read_coordinators(
    text: str, agencies: Sequence[Agency], lead: str = ""
) -> tuple[tuple[str, ...], list[Problem]]:
    """Agency codes from a comma-separated list, and a problem for each name not pinned down."""
    names = [name for name in (_squash(n) for n in _LIST_SEPARATORS.split(text)) if name]
    found, problems = _pin_each(
        names, lambda name: match_agencies(name, agencies), "coordinator",
        lambda name, several: Problem("coordinator_ambiguous", name, agencies=several))
    return tuple(dict.fromkeys(a.code for a in found if a.code != lead)), problems


def _pin_each(names: Iterable[str], match: Callable[[str], Sequence[T]], what: str,
              ambiguous: Callable[[str, tuple[T, ...]], Problem]) -> tuple[list[T], list[Problem]]:
    """The one match of each name, and a problem for each name that matches none
    (`<what>_unknown`) or several (`ambiguous`)."""
    pinned: list[T] = []
    problems: list[Problem] = []
    for name in names:
        found = match(name)
        if len(found) == 1:
            pinned.append(found[0])
        elif not found:
            problems.append(Problem(f"{what}_unknown", name))
        else:
            problems.append(ambiguous(name, tuple(found)))
    return pinned, problems


def _match_member(name: str, members: Sequence[Member]) -> list[Member]:
    if name.startswith("@"):
        wanted = name[1:].casefold()
        return [m for m in members if m.username and m.username.casefold() == wanted]
    exact = [m for m in members if fold(m.name) == fold(name)]
    return exact or [m for m in members if contains_words(m.name, name)]


def read_members(text: str, members: Sequence[Member]) -> tuple[tuple[int, ...], list[Problem]]:
    """User ids from "@user, Full Name, ..." and a problem for each name not pinned down."""
    # "@a @b" is as natural as "@a, @b": split on spaces before an @ as well as on commas.
    names = [
        _squash(n) for part in _LIST_SEPARATORS.split(text) for n in re.split(r"\s+(?=@)", part)
    ]
    found, problems = _pin_each(
        (name for name in names if name and name != "@"),
        lambda name: _match_member(name, members), "member",
        lambda name, several: Problem("member_ambiguous", name, members=several))
    return tuple(dict.fromkeys(m.user_id for m in found)), problems


def default_responsible(lead: str, members: Iterable[Member]) -> tuple[int, ...]:
    """The members who represent the lead agency: who answers for a task nobody was named for."""
    return tuple(m.user_id for m in members if lead and m.agency == lead)


def with_lead(draft: Draft, lead: str, members: Iterable[Member]) -> Draft:
    """The draft with its lead set, and the lead's members responsible unless some were named."""
    if draft.responsible_named:
        return dataclasses.replace(draft, lead=lead)
    return dataclasses.replace(draft, lead=lead, responsible=default_responsible(lead, members))


def duplicates(draft: Draft, tasks: Iterable[Task]) -> list[Problem]:
    """A warning for each open task with the same title (any case or accents) and lead."""
    title = fold(draft.title)
    return [
        Problem("duplicate", draft.title, task=t.number)
        for t in tasks
        if not t.is_closed and t.lead == draft.lead and fold(t.title) == title
    ]


# --- the one-line form -----------------------------------------------------------------


def _split_label(part: str) -> tuple[str | None, str]:
    """(field, value) when the part starts with a known label, else (None, part)."""
    found = _LABELLED.match(part)
    if found:
        name = LABELS.get(fold(found.group(1)))
        if name is not None:
            return name, found.group(2).strip()
    return None, part.strip()


def parse_oneliner(
    text: str,
    *,
    agencies: Sequence[Agency],
    members: Sequence[Member],
    tasks: Iterable[Task],
    now: dt.datetime,
    tz: str,
    lang: str = "vi",
) -> Result:
    """Read `title | agency | deadline | label: value ...` into a draft, checking every part.

    Every problem is reported at once, so the user fixes his line in one go. An ambiguous
    lead is an error that carries its candidates: the caller asks which one, never guesses.
    """
    parts = [p.strip() for p in text.split(SEPARATOR)]
    values: dict[str, str] = {}
    part_errors: list[Problem] = []
    positional = iter(("lead", "deadline"))
    for part in parts[1:]:
        name, value = _split_label(part)
        if name is None and part.startswith("@"):
            name = "responsible"
        if name is None:
            # Unlabelled parts fill the lead, then the deadline, in that order.
            name = next((n for n in positional if n not in values), None)
            if name is None:
                if part:
                    part_errors.append(Problem("part_unknown", part[:40]))
                continue
        if name in values:
            part_errors.append(Problem("part_repeated", value[:40], field=name))
            continue
        values[name] = value
    if "lead" not in values or "deadline" not in values:
        return Result(Draft(), [Problem("missing_parts", _squash(text)[:60]), *part_errors])

    errors: list[Problem] = []
    draft = Draft()
    title = clean_title(parts[0])
    if isinstance(title, Problem):
        errors.append(title)
    else:
        draft = dataclasses.replace(draft, title=title)

    lead = read_lead(values["lead"], agencies)
    if isinstance(lead, Problem):
        errors.append(lead)
        lead_code = ""
    else:
        lead_code = lead.code

    deadline = read_deadline(values["deadline"], now=now, tz=tz, lang=lang)
    if isinstance(deadline, Problem):
        errors.append(deadline)
    else:
        draft = with_deadline(draft, deadline)

    free: dict[str, str] = {}
    for name in ("plan", "output", "source"):
        cleaned = clean_text(values.get(name, ""), name)
        if isinstance(cleaned, Problem):
            errors.append(cleaned)
        else:
            free[name] = cleaned
    draft = dataclasses.replace(
        draft, plan=free.get("plan", ""), output=free.get("output", ""),
        source=free.get("source", ""),
    )

    if "coordinators" in values:
        codes, problems = read_coordinators(values["coordinators"], agencies, lead_code)
        errors.extend(problems)
        draft = dataclasses.replace(draft, coordinators=codes)

    if "responsible" in values:
        ids, problems = read_members(values["responsible"], members)
        errors.extend(problems)
        draft = dataclasses.replace(draft, responsible=ids, responsible_named=bool(ids))

    errors.extend(part_errors)
    warnings: list[Problem] = []
    if lead_code:
        draft = with_lead(draft, lead_code, members)
        if draft.title:
            warnings = duplicates(draft, tasks)
    return Result(draft, errors, warnings)


# --- what the wizard offers ---------------------------------------------------------------


def plan_names(tasks: Iterable[Task], limit: int = 6) -> list[str]:
    """The workspace's plans, most recently used first, each once (any case or accents)."""
    seen: set[str] = set()
    names: list[str] = []
    for task in sorted(tasks, key=lambda t: t.number, reverse=True):
        key = fold(task.plan)
        if key and key not in seen:
            seen.add(key)
            names.append(task.plan)
    return names[:limit]


def frequent_agencies(
    tasks: Iterable[Task], agencies: Sequence[Agency], limit: int = 6
) -> list[Agency]:
    """The agencies that lead the most tasks (ties by name), for a row of quick buttons."""
    counts = Counter(t.lead for t in tasks)
    used = [a for a in agencies if counts[a.code]]
    used.sort(key=lambda a: (-counts[a.code], a.label.casefold()))
    return used[:limit]


def to_task(draft: Draft, *, actor: int, now: dt.datetime) -> Task:
    """The Task to store (number 0: the store numbers it), with its creation in the history."""
    if not draft.complete:
        raise ValueError("a task needs a title, a lead and a deadline")
    assert draft.deadline is not None
    return Task(
        number=0,
        title=draft.title,
        lead=draft.lead,
        deadline=draft.deadline,
        deadline_time=draft.deadline_time,
        created_at=now,
        created_by=actor,
        plan=draft.plan,
        coordinators=draft.coordinators,
        responsible=draft.responsible,
        output=draft.output,
        source=draft.source,
        history=[HistoryEntry(at=now, user_id=actor, kind=HistoryKind.CREATED)],
    )
