"""A workspace's reminder policy, sent log, snoozes, delivery failures and extension requests.

They live in the workspace's own TinyDB file, beside its tasks, so that a reminder's log entry
and the task it is about share one durable file. Every write is one
:meth:`WorkspaceStore.transaction`: the log entry is on disk before the next message goes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tinydb.table import Document

from bot.reminders import (
    DeliveryFailure,
    ExtensionRequest,
    ExtensionStatus,
    ReminderKey,
    ReminderPolicy,
    Snooze,
)
from store.workspace import WorkspaceStore

Doc = dict[str, Any]

SETTINGS = "reminder_settings"
LOG = "reminder_log"
SNOOZES = "reminder_snoozes"
FAILURES = "reminder_failures"
EXTENSIONS = "reminder_extensions"
LOG_KEPT_DAYS = 40  # the plan looks back a week at most (the cap); the rest is history
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
    """The reminder tables of one workspace, read once and kept in memory like its tasks."""

    def __init__(self, store: WorkspaceStore) -> None:
        self.store = store
        self._delivered: dict[ReminderKey, set[int]] = {}
        self._done: set[ReminderKey] = set()
        for doc in store.table(LOG):
            key = ReminderKey.parse(doc["key"])
            if doc.get("chat", DONE) == DONE:
                self._done.add(key)
            else:
                self._delivered.setdefault(key, set()).add(doc["chat"])
        settings = store.table(SETTINGS).get(doc_id=1)
        self._policy = policy_from_doc(settings) if isinstance(settings, dict) else \
            ReminderPolicy()
        self._snoozes = {
            d["task"]: Snooze(d["task"], dt.date.fromisoformat(d["until"]), d.get("by", 0),
                              dt.datetime.fromisoformat(d["at"]))
            for d in store.table(SNOOZES)
        }

    # -- policy ---------------------------------------------------------------------------

    def policy(self) -> ReminderPolicy:
        return self._policy

    def save_policy(self, policy: ReminderPolicy, *, actor: int = 0,
                    at: dt.datetime | None = None) -> None:
        table = self.store.table(SETTINGS)
        before = policy_to_doc(self.policy())
        after = policy_to_doc(policy)
        with self.store.transaction():
            table.upsert(Document(after, doc_id=1))
            if at is not None:
                self.store.record(actor, at, "reminder_settings", before=before, after=after)
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
        with self.store.transaction():
            self.store.table(LOG).insert(doc)
        self._delivered.setdefault(key, set()).add(chat_id)

    def log_done(self, key: ReminderKey, at: dt.datetime) -> None:
        """Record that every recipient of `key` was handled: the plan will not offer it again."""
        with self.store.transaction():
            self.store.table(LOG).insert({"key": str(key), "chat": DONE, "at": at.isoformat()})
        self._done.add(key)

    def prune(self, today: dt.date) -> int:
        """Forget log entries older than LOG_KEPT_DAYS; how many were removed."""
        limit = today - dt.timedelta(days=LOG_KEPT_DAYS)
        table = self.store.table(LOG)
        old = [d.doc_id for d in table if ReminderKey.parse(d["key"]).day < limit]
        if not old:
            return 0
        with self.store.transaction():
            table.remove(doc_ids=old)
        self._done = {k for k in self._done if k.day >= limit}
        self._delivered = {k: v for k, v in self._delivered.items() if k.day >= limit}
        return len(old)

    # -- snoozes --------------------------------------------------------------------------

    def snoozes(self) -> dict[int, Snooze]:
        return dict(self._snoozes)

    def snooze(self, snooze: Snooze) -> None:
        """Silence a task until `snooze.until`; a later snooze of the same task replaces it."""
        doc = {"task": snooze.task, "until": snooze.until.isoformat(), "by": snooze.by,
               "at": snooze.at.isoformat()}
        with self.store.transaction():
            self.store.table(SNOOZES).upsert(Document(doc, doc_id=snooze.task))
        self._snoozes[snooze.task] = snooze

    # -- failures -------------------------------------------------------------------------

    def log_failure(self, failure: DeliveryFailure) -> None:
        doc = {"key": str(failure.key), "chat": failure.chat_id, "reason": failure.reason,
               "at": failure.at.isoformat(), "user": failure.user_id, "reported": False}
        with self.store.transaction():
            self.store.table(FAILURES).insert(doc)

    def unreported_failures(self) -> list[DeliveryFailure]:
        """Failures the digest has not shown yet, oldest first."""
        docs = [d for d in self.store.table(FAILURES) if not d.get("reported")]
        return sorted((_failure_from_doc(d) for d in docs), key=lambda f: f.at)

    def mark_reported(self) -> None:
        """The digest showed every failure so far."""
        table = self.store.table(FAILURES)
        ids = [d.doc_id for d in table if not d.get("reported")]
        if ids:
            with self.store.transaction():
                table.update({"reported": True}, doc_ids=ids)

    # -- extension requests ---------------------------------------------------------------

    def request_extension(self, task: int, requested_by: int, old: dt.date, new: dt.date,
                          at: dt.datetime) -> ExtensionRequest:
        doc = {"task": task, "requested_by": requested_by, "old_deadline": old.isoformat(),
               "new_deadline": new.isoformat(), "at": at.isoformat(), "status": "pending"}
        table = self.store.table(EXTENSIONS)
        with self.store.transaction():
            doc_id = table.insert(doc)
            self.store.record(requested_by, at, "extension_requested", task=task, after=doc)
        found = self.extension(doc_id)
        assert found is not None
        return found

    def extension(self, request_id: int) -> ExtensionRequest | None:
        doc = self.store.table(EXTENSIONS).get(doc_id=request_id)
        return _extension_from_doc(doc) if isinstance(doc, Document) else None

    def extensions(self, task: int | None = None) -> list[ExtensionRequest]:
        docs = self.store.table(EXTENSIONS).all()
        found = [_extension_from_doc(d) for d in docs if task is None or d["task"] == task]
        return sorted(found, key=lambda e: e.id)

    def decide_extension(self, request_id: int, status: ExtensionStatus, by: int,
                         at: dt.datetime) -> ExtensionRequest | None:
        """Record a decision on a pending request; None when it is unknown or already decided."""
        current = self.extension(request_id)
        if current is None or current.status is not ExtensionStatus.PENDING:
            return None
        table = self.store.table(EXTENSIONS)
        with self.store.transaction():
            table.update({"status": status.value, "decided_by": by,
                          "decided_at": at.isoformat()}, doc_ids=[request_id])
            self.store.record(by, at, f"extension_{status.value}", task=current.task,
                              before={"status": "pending"}, after={"status": status.value})
        return self.extension(request_id)

