"""One working group's data file: its settings, agencies, members, tasks, meetings and audit."""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
from tinydb import TinyDB
from tinydb.table import Document

from bot.model import Agency, AuditEntry, Meeting, Member, Task, Workspace
from store import codec, saves
from store.documents import put
from store.indicators import IndicatorStore
from store.reminders import ReminderStore
from store.storage import BatchStorage, CorruptDataFile, DurableStorage, MemoryStorage
from store.summaries import SummaryMarks

Doc = dict[str, Any]


def _plain_json(doc: Doc) -> bytes:
    """A small document as JSON, by the standard library: unlike orjson, it leaves no UTF-8
    copy inside the strings it writes, some of which (titles, notes) the store keeps."""
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


def _task_json(doc: Doc) -> bytes:
    """A task document as JSON, leaving the strings of the kept task as they were.

    orjson stores the UTF-8 form of a non-ASCII str inside the str object when it serialises
    it, for as long as the str lives: every kept title and note would carry a second copy of
    itself (7 MB for 100,000 Vietnamese titles). So throwaway copies of them are serialised.
    The result is not to be kept as it is either: it holds the spare room of orjson's buffer
    (the storage copies it into the document's member).
    """
    loose = dict(doc)
    loose["title"] = _copy(doc["title"])
    history = doc.get("history")
    if history:
        loose["history"] = [
            {**entry, "note": _copy(entry["note"])} if "note" in entry else entry
            for entry in history
        ]
    return orjson.dumps(loose)


def _copy(text: str) -> str:
    # A new str equal to `text` (slicing a str whole returns the same object). ASCII text needs
    # none: its UTF-8 form is the str's own data.
    return text if text.isascii() else (text + " ")[:-1]


def _diff(before: Doc | None, after: Doc | None) -> tuple[Doc | None, Doc | None]:
    """Only the fields that changed, so the audit trail says what, not everything."""
    if before is None or after is None:
        return before, after
    keys = sorted(set(before) | set(after))
    changed = [k for k in keys if before.get(k) != after.get(k) and k != "history"]
    return ({k: before.get(k) for k in changed}, {k: after.get(k) for k in changed})


class WorkspaceStore:
    """Access to one workspace's TinyDB, returning domain objects.

    Domain objects are built once and kept; every change goes through :meth:`transaction`,
    which writes all touched tables with one atomic file replace and bumps :attr:`revision`
    so that callers can cache what they derive from the data. The reminder tables and the
    summaries' marks are kept by their own classes (:attr:`reminders`, :attr:`summaries`),
    which write through the same transactions.
    """

    def __init__(self, db: TinyDB) -> None:
        storage = db.storage
        assert isinstance(storage, BatchStorage), "a WorkspaceStore needs a BatchStorage"
        self._db = db
        self._storage = storage
        self.revision = 0
        self._load()

    @classmethod
    def in_memory(cls, workspace: Workspace) -> WorkspaceStore:
        """A store without a file, for tests."""
        store = cls(TinyDB(storage=MemoryStorage, log="audit"))
        store.save_workspace(workspace, actor=0, at=workspace.created_at)
        return store

    # -- loading ---------------------------------------------------------------------------

    def _load(self) -> None:
        db = self._db
        meta = db.table("meta").get(doc_id=1)
        self._workspace = codec.workspace_from_doc(meta) if meta else None
        self._agencies = {d["code"]: codec.agency_from_doc(d) for d in db.table("agencies")}
        self._members = {d["user_id"]: codec.member_from_doc(d) for d in db.table("members")}
        # Tasks live once, as dataclasses; the storage writes their JSON from the file and
        # from what changed (see store.detached). In a file written by this version they are
        # read when first needed: most of a start was reading them.
        self._task_cache: dict[int, Task] | None = None
        if not self._storage.deferred("tasks"):
            self._task_cache = self._read_tasks()
        self._meetings = {d["number"]: codec.meeting_from_doc(d) for d in db.table("meetings")}
        # Read from the tables when first asked for (most workspaces never are, in a run).
        self._reminders: ReminderStore | None = None
        self._summaries: SummaryMarks | None = None
        self._indicators: IndicatorStore | None = None

    def _read_tasks(self) -> dict[int, Task]:
        """The tasks from the storage, in number order; CorruptDataFile if they cannot be read."""
        storage = self._storage
        docs = storage.take("tasks")
        read: list[tuple[Task, Doc]] = []
        for key, doc in docs.items():
            try:
                read.append((codec.task_from_doc(doc), doc))
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                raise CorruptDataFile(self._storage.path, f"task {key} cannot be read ({exc!r})"
                                      ) from exc
        storage.detach("tasks", ((task.number, _task_json(doc)) for task, doc in read))
        # Kept in number order, so that tasks() needs no sorting (the file's order already).
        read.sort(key=lambda pair: pair[0].number)
        return {task.number: task for task, _ in read}

    @property
    def _tasks(self) -> dict[int, Task]:
        tasks = self._task_cache
        if tasks is None:
            tasks = self._task_cache = self._first_read()
        return tasks

    def _first_read(self) -> dict[int, Task]:
        """The tasks, read on first use. If the file changed since it was opened (another
        program wrote it), it is read again whole, and reported if it cannot be."""
        try:
            return self._read_tasks()
        except CorruptDataFile:
            if self._storage.in_batch:
                raise  # the batch fails and reloads (transaction() reads the tasks first)
            self._storage.reload()
            self._rebuild()
            return self._read_tasks() if self._task_cache is None else self._task_cache

    @property
    def loaded(self) -> bool:
        """Whether the tasks have been read from the file (they are on first use)."""
        return self._task_cache is not None

    def _keep_task(self, task: Task, doc: Doc) -> None:
        tasks = self._tasks
        number = task.number
        in_order = number in tasks or not tasks or number > next(reversed(tasks))
        tasks[number] = task
        if not in_order:  # new tasks take the next number: this takes a hand-edited file
            self._task_cache = dict(sorted(tasks.items()))
        self._storage.put("tasks", number, _task_json(doc))

    # -- reads ----------------------------------------------------------------------------

    @property
    def workspace(self) -> Workspace:
        assert self._workspace is not None, "workspace metadata missing"
        return self._workspace

    @property
    def path(self) -> Path | None:
        """The workspace's file, None for a store in memory (a worker process reads it)."""
        path = getattr(self._db.storage, "path", None)
        return path if isinstance(path, Path) else None

    @property
    def exists(self) -> bool:
        return self._workspace is not None

    def agencies(self) -> list[Agency]:
        return sorted(self._agencies.values(), key=lambda a: a.label.casefold())

    def agency(self, code: str) -> Agency | None:
        return self._agencies.get(code)

    def members(self) -> list[Member]:
        return sorted(self._members.values(), key=lambda m: m.name.casefold())

    def member(self, user_id: int) -> Member | None:
        return self._members.get(user_id)

    def tasks(self) -> list[Task]:
        """Every task, by number (a fresh list; the tasks themselves are shared, not copied)."""
        return list(self._tasks.values())

    def task(self, number: int) -> Task | None:
        return self._tasks.get(number)

    def meetings(self) -> list[Meeting]:
        return [self._meetings[n] for n in sorted(self._meetings)]

    def meeting(self, number: int) -> Meeting | None:
        return self._meetings.get(number)

    def audit(self, task: int | None = None) -> list[AuditEntry]:
        """The audit trail, oldest first; of one task when `task` is given."""
        docs: dict[str, Doc] = self._storage.log_entries()
        return [
            codec.audit_from_doc(doc)
            for key, doc in sorted(docs.items(), key=lambda item: int(item[0]))
            if task is None or doc.get("task") == task
        ]

    @property
    def reminders(self) -> ReminderStore:
        """The workspace's reminder policy, sent log, snoozes, failures and extension requests."""
        if self._reminders is None:
            self._reminders = ReminderStore(self, self._db)
        return self._reminders

    @property
    def summaries(self) -> SummaryMarks:
        """When the last summary of each scope was made."""
        if self._summaries is None:
            self._summaries = SummaryMarks(self, self._db)
        return self._summaries

    @property
    def indicators(self) -> IndicatorStore:
        """The workspace's indicators and their values (store/indicators.py)."""
        if self._indicators is None:
            self._indicators = IndicatorStore(self, self._db)
        return self._indicators

    # -- writes ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything written inside reaches the disk in one atomic replace, or nothing does.

        Transactions nest: only the outermost writes. If anything fails, in the body or in
        the write (WriteFailed), memory is rebuilt from the file, so the next write starts
        from what the disk holds.
        """
        outermost = not self._storage.in_batch
        if outermost:
            if self._storage.unreadable is not None:
                # The last failure left a file that could not be read: if it can be now, start
                # from what it holds (WriteFailed while it still cannot).
                self._storage.recover()
                self._rebuild()
            # Read before the batch: a file changed behind our back is then found here, not
            # halfway through the batch's changes.
            _ = self._tasks
        try:
            with self._storage.batch():
                yield
        except BaseException:
            if outermost and self._storage.unreadable is None:
                self._rebuild()
            raise
        self.revision += 1
        if outermost:
            saves.note()

    def _rebuild(self) -> None:
        """Build every object again from the storage's data, as just reloaded."""
        # TinyDB caches tables, their queries and their next ids: all may be stale now.
        self._db._tables.clear()
        self._load()
        self.revision += 1  # what callers derived from the old objects is stale too

    def compact(self) -> None:
        """Write the file again in the layout this version writes (the audit trail last)."""
        with self.transaction():
            self._storage.touch()

    def _audit(
        self, actor: int, at: dt.datetime, action: str, task: int | None, before: Doc | None,
        after: Doc | None,
    ) -> None:
        old, new = _diff(before, after)
        entry = AuditEntry(at=at, user_id=actor, action=action, task=task, before=old, after=new)
        self._storage.append_log(_plain_json(codec.audit_to_doc(entry)))

    def record(self, actor: int, at: dt.datetime, action: str, *, task: int | None = None,
               before: Doc | None = None, after: Doc | None = None) -> None:
        """Add an audit entry for a change a feature stores in its own table.

        Call it inside the same :meth:`transaction` as the change, so both land together.
        """
        self._audit(actor, at, action, task, before, after)

    def save_workspace(self, ws: Workspace, *, actor: int, at: dt.datetime | None) -> None:
        before = codec.workspace_to_doc(self._workspace) if self._workspace else None
        after = codec.workspace_to_doc(ws)
        with self.transaction():
            put(self._db.table("meta"), 1, after)
            if at is not None:
                self._audit(actor, at, "workspace", None, before, after)
            self._workspace = ws

    def save_agency(self, agency: Agency, *, actor: int, at: dt.datetime) -> None:
        old = self._agencies.get(agency.code)
        before = codec.agency_to_doc(old) if old else None
        after = codec.agency_to_doc(agency)
        table = self._db.table("agencies")
        with self.transaction():
            existing = table.get(lambda d: d["code"] == agency.code)
            if isinstance(existing, Document):
                put(table, existing.doc_id, after)
            else:
                table.insert(after)
            self._audit(actor, at, "agency", None, before, after)
            self._agencies[agency.code] = agency

    def save_member(self, member: Member, *, actor: int, at: dt.datetime) -> None:
        old = self._members.get(member.user_id)
        before = codec.member_to_doc(old) if old else None
        after = codec.member_to_doc(member)
        with self.transaction():
            put(self._db.table("members"), member.user_id, after)
            self._audit(actor, at, "member", None, before, after)
            self._members[member.user_id] = member

    def remove_member(self, user_id: int, *, actor: int, at: dt.datetime) -> None:
        old = self._members.get(user_id)
        if old is None:
            return
        with self.transaction():
            self._db.table("members").remove(doc_ids=[user_id])
            self._audit(actor, at, "member_removed", None, codec.member_to_doc(old), None)
            del self._members[user_id]

    def add_task(self, task: Task, *, actor: int, at: dt.datetime) -> Task:
        """Store a new task under the workspace's next number, which it returns filled in."""
        ws = self.workspace
        numbered = copy.copy(task)
        numbered.number = ws.next_task_number
        numbered.history = list(task.history)
        ws_after = copy.copy(ws)
        ws_after.next_task_number = ws.next_task_number + 1
        doc = codec.task_to_doc(numbered)
        with self.transaction():
            self._keep_task(numbered, doc)
            put(self._db.table("meta"), 1, codec.workspace_to_doc(ws_after))
            self._audit(actor, at, "task_created", numbered.number, None, doc)
            self._workspace = ws_after
        return numbered

    def save_task(self, task: Task, *, actor: int, at: dt.datetime, action: str) -> None:
        """Replace a task with its changed copy; the audit keeps what changed."""
        old = self._tasks.get(task.number)
        before = codec.task_to_doc(old) if old else None
        after = codec.task_to_doc(task)
        with self.transaction():
            self._keep_task(task, after)
            self._audit(actor, at, action, task.number, before, after)

    def update_task(
        self, number: int, change: Callable[[Task], None], *, actor: int, at: dt.datetime,
        action: str,
    ) -> Task:
        """Apply `change` to a copy of task `number`, store it, and return the stored copy."""
        old = self._tasks[number]
        new = copy.copy(old)
        new.history = list(old.history)
        change(new)
        self.save_task(new, actor=actor, at=at, action=action)
        return new

    def add_meeting(self, meeting: Meeting, *, actor: int, at: dt.datetime) -> Meeting:
        numbered = copy.copy(meeting)
        if not numbered.number:
            numbered.number = max(self._meetings, default=0) + 1
        doc = codec.meeting_to_doc(numbered)
        with self.transaction():
            put(self._db.table("meetings"), numbered.number, doc)
            self._audit(actor, at, "meeting", None, None, doc)
            self._meetings[numbered.number] = numbered
        return numbered

    def move_to(self, path: Path) -> None:
        """Rename the workspace's file (its group got a new chat id); in memory, nothing."""
        move = getattr(self._db.storage, "move", None)
        if move is not None:
            move(path)

    def snapshot(self) -> bytes:
        """The workspace's data exactly as its file holds it (what a backup keeps)."""
        data = self._storage._read_all()
        if data is None:
            raise ValueError("the workspace has never been written")
        return data

    def close(self) -> None:
        self._db.close()


def open_workspace_file(path: Any) -> WorkspaceStore:
    """Open (or create) a workspace's file; CorruptDataFile if it cannot be read."""
    return WorkspaceStore(TinyDB(path, storage=DurableStorage, log="audit"))


