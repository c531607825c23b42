"""A workspace's reminder policy, sent log, snoozes, delivery failures and extension requests.

They live in the workspace's own TinyDB file, beside its tasks, so that a reminder's log entry
and the task it is about share one durable file. Every write is one
:meth:`WorkspaceStore.transaction`: the log entry is on disk before the next message goes.
Reached as :attr:`WorkspaceStore.reminders`.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from tinydb import TinyDB
from tinydb.table import Document, Table

from bot.model import Task
from bot.reminders import (
    DeliveryFailure,
    ExtensionRequest,
    ExtensionStatus,
    ReminderKey,
    ReminderPolicy,
    Snooze,
)
from store.documents import put

if TYPE_CHECKING:
    from store.workspace import WorkspaceStore

Doc = dict[str, Any]

SETTINGS = "reminder_settings"
LOG = "reminder_log"
SNOOZES = "reminder_snoozes"
FAILURES = "reminder_failures"
EXTENSIONS = "reminder_extensions"
# How long the sent log and the failures are kept: the plan looks back a week at most (the
# cap), the digest a week; the rest is history, and the file must not grow with time alone.
KEPT_DAYS = 60
CHECKED = "reminder_checked"  # one document: the time of the last completed wake-up
DONE = 0  # the "chat" of the entry saying every recipient of a key was handled


def _time(value: dt.time) -> str:
    return value.isoformat("minutes")


def policy_to_doc(policy: ReminderPolicy) -> Doc:
    return {
        "enabled": policy.enabled,
        "lead_days": list(policy.lead_days),
        "hour": _time(policy.hour),
        "overdue_daily": policy.overdue_daily,
        "escalate_after": policy.escalate_after,
        "weekly_cap": policy.weekly_cap,
        "group_daily": policy.group_daily,
        "digest_weekday": policy.digest_weekday,
        "digest_hour": _time(policy.digest_hour),
        "work_start": _time(policy.work_start),
        "work_end": _time(policy.work_end),
        "quiet": policy.quiet,
    }


def policy_from_doc(doc: Doc) -> ReminderPolicy:
    default = ReminderPolicy()

    def time(name: str, fallback: dt.time) -> dt.time:
        value = doc.get(name)
        return dt.time.fromisoformat(value) if value else fallback

    return ReminderPolicy(
        enabled=doc.get("enabled", default.enabled),
        lead_days=tuple(doc.get("lead_days", default.lead_days)),
        hour=time("hour", default.hour),
        overdue_daily=doc.get("overdue_daily", default.overdue_daily),
        escalate_after=doc.get("escalate_after", default.escalate_after),
        weekly_cap=doc.get("weekly_cap", default.weekly_cap),
        group_daily=doc.get("group_daily", default.group_daily),
        digest_weekday=doc.get("digest_weekday", default.digest_weekday),
        digest_hour=time("digest_hour", default.digest_hour),
        work_start=time("work_start", default.work_start),
        work_end=time("work_end", default.work_end),
        quiet=doc.get("quiet", default.quiet),
    )


def _failure_from_doc(doc: Doc) -> DeliveryFailure:
    return DeliveryFailure(
        key=ReminderKey.parse(doc["key"]),
        chat_id=doc["chat"],
        reason=doc.get("reason", ""),
        at=dt.datetime.fromisoformat(doc["at"]),
        user_id=doc.get("user"),
    )


def _extension_from_doc(doc: Document) -> ExtensionRequest:
    decided_at = doc.get("decided_at")
    return ExtensionRequest(
        id=doc.doc_id,
        task=doc["task"],
        requested_by=doc["requested_by"],
        old_deadline=dt.date.fromisoformat(doc["old_deadline"]),
        new_deadline=dt.date.fromisoformat(doc["new_deadline"]),
        at=dt.datetime.fromisoformat(doc["at"]),
        status=ExtensionStatus(doc.get("status", "pending")),
        decided_by=doc.get("decided_by"),
        decided_at=dt.datetime.fromisoformat(decided_at) if decided_at else None,
    )


class ReminderStore:
    """The reminder tables of one workspace, read once and kept in memory like its tasks.

    The sent log and the failure list are kept for :data:`KEPT_DAYS`: every write that adds
    to them also drops what is older, so a workspace's file does not grow with time alone
    (whatever the digest settings, which once decided when the log was pruned).
    """

    def __init__(self, store: WorkspaceStore, db: TinyDB) -> None:
        self._store = store
        self._log = db.table(LOG)
        self._settings = db.table(SETTINGS)
        self._snooze_table = db.table(SNOOZES)
        self._failures = db.table(FAILURES)
        self._extensions = db.table(EXTENSIONS)
        self._checked = db.table(CHECKED)
        self._delivered: dict[ReminderKey, set[int]] = {}
        self._done: set[ReminderKey] = set()
        for doc in self._log:
            key = ReminderKey.parse(doc["key"])
            if doc.get("chat", DONE) == DONE:
                self._done.add(key)
            else:
                self._delivered.setdefault(key, set()).add(doc["chat"])
        # No entry is older than this day: pruning needs no scan until it is a day too old.
        days = [k.day for k in (*self._done, *self._delivered)]
        days += [dt.datetime.fromisoformat(d["at"]).date() for d in self._failures]
        self._oldest: dt.date | None = min(days, default=None)
        settings = self._settings.get(doc_id=1)
        self._policy = policy_from_doc(settings) if isinstance(settings, dict) else \
            ReminderPolicy()
        self._snoozes = {
            d["task"]: Snooze(d["task"], dt.date.fromisoformat(d["until"]), d.get("by", 0),
                              dt.datetime.fromisoformat(d["at"]))
            for d in self._snooze_table
        }

    # -- policy ---------------------------------------------------------------------------

    def policy(self) -> ReminderPolicy:
        return self._policy

    def save_policy(self, policy: ReminderPolicy, *, actor: int = 0,
                    at: dt.datetime | None = None) -> None:
        before = policy_to_doc(self.policy())
        after = policy_to_doc(policy)
        with self._store.transaction():
            put(self._settings, 1, after)
            if at is not None:
                self._store.record(actor, at, "reminder_settings", before=before, after=after)
        self._policy = policy

    # -- the sent log ---------------------------------------------------------------------

    def sent_keys(self) -> frozenset[ReminderKey]:
        """The reminders fully handled: every recipient was sent to, or failed for good."""
        return frozenset(self._done)

    def delivered(self, key: ReminderKey) -> frozenset[int]:
        """The chats a reminder already reached (a restart skips them)."""
        return frozenset(self._delivered.get(key, ()))

    def log_sent(self, key: ReminderKey, chat_id: int, at: dt.datetime,
                 message_id: int | None = None) -> None:
        """Record that `key` reached `chat_id`; on disk before this returns."""
        doc = {"key": str(key), "chat": chat_id, "at": at.isoformat(), "message": message_id}
        self._add(self._log, doc, key.day, at)
        self._delivered.setdefault(key, set()).add(chat_id)

    def log_done(self, key: ReminderKey, at: dt.datetime) -> None:
        """Record that every recipient of `key` was handled: the plan will not offer it again."""
        self._add(self._log, {"key": str(key), "chat": DONE, "at": at.isoformat()}, key.day, at)
        self._done.add(key)

    def prune(self, today: dt.date) -> int:
        """Forget sent-log entries and failures older than KEPT_DAYS; how many were removed."""
        with self._store.transaction():
            removed = self._remove_old(today)
        self._forget_old(today)
        return removed

    def _add(self, table: Table, doc: Doc, day: dt.date, at: dt.datetime) -> None:
        """Insert `doc` (of `day`) into the log or the failure list and drop what is too old,
        in one write."""
        # Lowered first: too low only costs a scan, should the write fail.
        self._oldest = day if self._oldest is None else min(self._oldest, day)
        with self._store.transaction():
            table.insert(doc)
            self._remove_old(at.date())
        self._forget_old(at.date())

    def _remove_old(self, today: dt.date) -> int:
        limit = today - dt.timedelta(days=KEPT_DAYS)
        if self._oldest is None or self._oldest >= limit:
            return 0
        old_log = [d.doc_id for d in self._log if ReminderKey.parse(d["key"]).day < limit]
        old_failures = [
            d.doc_id for d in self._failures
            if dt.datetime.fromisoformat(d["at"]).date() < limit
        ]
        if old_log:
            self._log.remove(doc_ids=old_log)
        if old_failures:
            self._failures.remove(doc_ids=old_failures)
        return len(old_log) + len(old_failures)

    def _forget_old(self, today: dt.date) -> None:
        """What the log no longer holds (as written) is forgotten in memory too."""
        limit = today - dt.timedelta(days=KEPT_DAYS)
        if self._oldest is None or self._oldest >= limit:
            return
        self._oldest = limit
        self._done = {k for k in self._done if k.day >= limit}
        self._delivered = {k: v for k, v in self._delivered.items() if k.day >= limit}

    # -- the last completed wake-up -----------------------------------------------------

    def checked_through(self) -> dt.datetime | None:
        """When the last wake-up that sent everything due ran; None: never recorded."""
        doc = self._checked.get(doc_id=1)
        if not isinstance(doc, dict):
            return None
        return dt.datetime.fromisoformat(doc["through"])

    def mark_checked(self, at: dt.datetime) -> None:
        """Record that everything due up to `at` was handled; written after the sends, so a
        crash in the middle of them leaves the slot owed (at-least-once)."""
        with self._store.transaction():
            put(self._checked, 1, {"through": at.isoformat()})

    # -- snoozes --------------------------------------------------------------------------

    def snoozes(self) -> dict[int, Snooze]:
        return dict(self._snoozes)

    def snooze(self, snooze: Snooze) -> None:
        """Silence a task until `snooze.until`; a later snooze of the same task replaces it."""
        doc = {"task": snooze.task, "until": snooze.until.isoformat(), "by": snooze.by,
               "at": snooze.at.isoformat()}
        with self._store.transaction():
            put(self._snooze_table, snooze.task, doc)
        self._snoozes[snooze.task] = snooze

    # -- failures -------------------------------------------------------------------------

    def log_failure(self, failure: DeliveryFailure) -> None:
        doc = {"key": str(failure.key), "chat": failure.chat_id, "reason": failure.reason,
               "at": failure.at.isoformat(), "user": failure.user_id, "reported": False}
        self._add(self._failures, doc, failure.at.date(), failure.at)

    def unreported_failures(self) -> list[DeliveryFailure]:
        """Failures the digest has not shown yet, oldest first."""
        docs = [d for d in self._failures if not d.get("reported")]
        return sorted((_failure_from_doc(d) for d in docs), key=lambda f: f.at)

    def mark_reported(self) -> None:
        """The digest showed every failure so far."""
        ids = [d.doc_id for d in self._failures if not d.get("reported")]
        if ids:
            with self._store.transaction():
                self._failures.update({"reported": True}, doc_ids=ids)

    # -- extension requests ---------------------------------------------------------------

    def request_extension(self, task: int, requested_by: int, old: dt.date, new: dt.date,
                          at: dt.datetime) -> ExtensionRequest:
        doc = {"task": task, "requested_by": requested_by, "old_deadline": old.isoformat(),
               "new_deadline": new.isoformat(), "at": at.isoformat(), "status": "pending"}
        with self._store.transaction():
            doc_id = self._extensions.insert(doc)
            self._store.record(requested_by, at, "extension_requested", task=task, after=doc)
        found = self.extension(doc_id)
        assert found is not None
        return found

    def extension(self, request_id: int) -> ExtensionRequest | None:
        doc = self._extensions.get(doc_id=request_id)
        return _extension_from_doc(doc) if isinstance(doc, Document) else None

    def extensions(self, task: int | None = None) -> list[ExtensionRequest]:
        docs = self._extensions.all()
        found = [_extension_from_doc(d) for d in docs if task is None or d["task"] == task]
        return sorted(found, key=lambda e: e.id)

    def decide_extension(self, request_id: int, status: ExtensionStatus, by: int,
                         at: dt.datetime, *, moved: Task | None = None
                         ) -> ExtensionRequest | None:
        """Record a decision on a pending request; None when it is unknown or already decided.

        `moved` is the task with its new deadline, when the request is approved: it is saved
        in the same write as the decision, so neither is ever on disk without the other.
        """
        current = self.extension(request_id)
        if current is None or current.status is not ExtensionStatus.PENDING:
            return None
        with self._store.transaction():
            if moved is not None:
                self._store.save_task(moved, actor=by, at=at, action="task_extension")
            self._extensions.update({"status": status.value, "decided_by": by,
                                     "decided_at": at.isoformat()}, doc_ids=[request_id])
            self._store.record(by, at, f"extension_{status.value}", task=current.task,
                               before={"status": "pending"}, after={"status": status.value})
        return self.extension(request_id)
