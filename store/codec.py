"""Conversion between domain objects and the JSON documents TinyDB keeps."""

from __future__ import annotations

import datetime as dt
import sys
from functools import lru_cache
from typing import Any, TypedDict

from bot import model
from bot.recurrence import Recurrence

Doc = dict[str, Any]


# Deadlines and meeting dates repeat across many tasks; dates and datetimes are immutable,
# so equal strings can share one object (less memory, faster loading).
@lru_cache(maxsize=8192)
def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


@lru_cache(maxsize=256)
def _time(value: str | None) -> dt.time | None:
    return dt.time.fromisoformat(value) if value else None


@lru_cache(maxsize=8192)
def _datetime(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


# TaskStatus(value) runs Enum's Python-level __call__; a dict is several times quicker, and
# 100,000 tasks are read at start-up.
_STATUSES = {status.value: status for status in model.TaskStatus}
_HISTORY_KINDS = {kind.value: kind for kind in model.HistoryKind}


def _compact(doc: Doc) -> Doc:
    # Defaults are left out: a thousand tasks' files stay small and quick to rewrite.
    return {k: v for k, v in doc.items() if v not in (None, "", (), [], 0) or k == "number"}


def workspace_to_doc(ws: model.Workspace) -> Doc:
    doc: Doc = {
        "chat_id": ws.chat_id,
        "title": ws.title,
        "lang": ws.lang,
        "tz": ws.tz,
        "next_task_number": ws.next_task_number,
        "created_at": ws.created_at.isoformat() if ws.created_at else None,
    }
    if ws.deadline_rule is not model.DeadlineRule.ADJUSTED:
        # Written only when set, so the files of groups on the default stay as they were.
        doc["deadline_rule"] = ws.deadline_rule.value
    if ws.former_chat_ids:
        doc["former_chat_ids"] = list(ws.former_chat_ids)
    return doc


def workspace_from_doc(doc: Doc) -> model.Workspace:
    return model.Workspace(
        chat_id=doc["chat_id"],
        title=doc.get("title", ""),
        lang=doc.get("lang", "vi"),
        tz=doc.get("tz", "Asia/Ho_Chi_Minh"),
        next_task_number=doc.get("next_task_number", 1),
        created_at=_datetime(doc.get("created_at")),
        deadline_rule=model.DeadlineRule(doc.get("deadline_rule", "adjusted")),
        former_chat_ids=tuple(doc.get("former_chat_ids", ())),
    )


def agency_to_doc(agency: model.Agency) -> Doc:
    return _compact(
        {
            "code": agency.code,
            "name": agency.name,
            "short_name": agency.short_name,
            "aliases": list(agency.aliases),
            "kind": agency.kind.value,
        }
    )


class Names(TypedDict):
    """How an agency or an indicator is called, as its document keeps it."""

    name: str
    short_name: str
    aliases: tuple[str, ...]


def names_from_doc(doc: Doc) -> Names:
    return Names(name=doc["name"], short_name=doc.get("short_name", ""),
                 aliases=tuple(doc.get("aliases", ())))


def agency_from_doc(doc: Doc) -> model.Agency:
    return model.Agency(code=doc["code"], **names_from_doc(doc),
                        kind=model.AgencyKind(doc.get("kind", "other")))


def member_to_doc(member: model.Member) -> Doc:
    return _compact(
        {
            "user_id": member.user_id,
            "name": member.name,
            "role": member.role.value,
            "username": member.username,
            "agency": member.agency,
        }
    )


def member_from_doc(doc: Doc) -> model.Member:
    return model.Member(
        user_id=doc["user_id"],
        name=doc.get("name", ""),
        role=model.Role(doc.get("role", "member")),
        username=doc.get("username"),
        agency=doc.get("agency"),
    )


def history_to_doc(entry: model.HistoryEntry) -> Doc:
    return _compact(
        {
            "at": entry.at.isoformat(),
            "user_id": entry.user_id,
            "kind": entry.kind.value,
            "note": entry.note,
            "progress": entry.progress,
            "old_deadline": entry.old_deadline.isoformat() if entry.old_deadline else None,
            "new_deadline": entry.new_deadline.isoformat() if entry.new_deadline else None,
        }
    )


def history_from_doc(doc: Doc) -> model.HistoryEntry:
    at = _datetime(doc["at"])
    assert at is not None
    return model.HistoryEntry(
        at=at,
        user_id=doc.get("user_id") or 0,
        kind=_HISTORY_KINDS.get(doc["kind"]) or model.HistoryKind(doc["kind"]),
        note=doc.get("note") or "",
        progress=doc.get("progress"),
        old_deadline=_date(doc.get("old_deadline")),
        new_deadline=_date(doc.get("new_deadline")),
    )


def task_to_doc(task: model.Task) -> Doc:
    return _compact(
        {
            "number": task.number,
            "title": task.title,
            "lead": task.lead,
            "deadline": task.deadline.isoformat() if task.deadline else None,
            "deadline_time": (
                task.deadline_time.isoformat("minutes") if task.deadline_time else None
            ),
            "original_deadline": (
                task.original_deadline.isoformat() if task.original_deadline else None
            ),
            "original_deadline_time": (
                task.original_deadline_time.isoformat("minutes")
                if task.original_deadline_time else None
            ),
            "created_at": task.created_at.isoformat(),
            "created_by": task.created_by,
            "plan": task.plan,
            "coordinators": list(task.coordinators),
            "responsible": list(task.responsible),
            "output": task.output,
            "source": task.source,
            "meeting": task.meeting,
            "progress": task.progress,
            "status": task.status.value,
            "completed_at": task.completed_at.isoformat() if task.completed_at else None,
            "history": [history_to_doc(h) for h in task.history],
            "ref": task.ref,
            "section": task.section,
            "recurrence": task.recurrence.text() if task.recurrence else None,
        }
    )


def _shared(doc: Doc, key: str) -> str:
    # Plans, agencies, sources and statuses repeat across thousands of tasks: one copy each,
    # in the raw document and the domain object alike.
    value = doc.get(key)
    if not value:
        return ""
    value = sys.intern(value)
    doc[key] = value
    return value


def task_from_doc(doc: Doc) -> model.Task:
    deadline = _date(doc.get("deadline"))  # none: an ongoing task
    created_at = _datetime(doc["created_at"])
    assert created_at is not None
    return model.Task(
        number=doc["number"],
        title=doc["title"],
        lead=_shared(doc, "lead"),
        deadline=deadline,
        created_at=created_at,
        created_by=doc.get("created_by") or 0,
        deadline_time=_time(doc.get("deadline_time")),
        original_deadline=_date(doc.get("original_deadline")),
        original_deadline_time=_time(doc.get("original_deadline_time")),
        plan=_shared(doc, "plan"),
        coordinators=tuple(doc.get("coordinators") or ()),
        responsible=tuple(doc.get("responsible") or ()),
        output=_shared(doc, "output"),
        source=_shared(doc, "source"),
        meeting=doc.get("meeting"),
        progress=doc.get("progress") or 0,
        status=_STATUSES.get(doc.get("status") or "open") or model.TaskStatus(doc["status"]),
        completed_at=_datetime(doc.get("completed_at")),
        history=[history_from_doc(h) for h in doc.get("history") or ()],
        ref=doc.get("ref") or "",
        section=_shared(doc, "section"),
        recurrence=_recurrence(doc.get("recurrence")),
    )


@lru_cache(maxsize=64)
def _recurrence(text: str | None) -> Recurrence | None:
    return Recurrence.from_text(text) if text else None


def audit_to_doc(entry: model.AuditEntry) -> Doc:
    return _compact(
        {
            "at": entry.at.isoformat(),
            "user_id": entry.user_id,
            "action": entry.action,
            "task": entry.task,
            "before": entry.before,
            "after": entry.after,
        }
    )


def audit_from_doc(doc: Doc) -> model.AuditEntry:
    at = _datetime(doc["at"])
    assert at is not None
    return model.AuditEntry(
        at=at,
        user_id=doc.get("user_id", 0),
        action=doc["action"],
        task=doc.get("task"),
        before=doc.get("before"),
        after=doc.get("after"),
    )


def meeting_to_doc(meeting: model.Meeting) -> Doc:
    return _compact(
        {
            "number": meeting.number,
            "day": meeting.day.isoformat(),
            "title": meeting.title,
            "chair": meeting.chair,
            "created_at": meeting.created_at.isoformat() if meeting.created_at else None,
            "created_by": meeting.created_by,
        }
    )


def meeting_from_doc(doc: Doc) -> model.Meeting:
    day = _date(doc["day"])
    assert day is not None
    return model.Meeting(
        number=doc["number"],
        day=day,
        title=doc.get("title", ""),
        chair=doc.get("chair", ""),
        created_at=_datetime(doc.get("created_at")),
        created_by=doc.get("created_by", 0),
    )


def prefs_to_doc(prefs: model.UserPrefs) -> Doc:
    return _compact(
        {
            "user_id": prefs.user_id,
            "lang": prefs.lang,
            "has_private_chat": prefs.has_private_chat,
            "blocked": prefs.blocked,
            "current_workspace": prefs.current_workspace,
        }
    )


def prefs_from_doc(doc: Doc) -> model.UserPrefs:
    return model.UserPrefs(
        user_id=doc["user_id"],
        lang=doc.get("lang"),
        has_private_chat=doc.get("has_private_chat", False),
        blocked=doc.get("blocked", False),
        current_workspace=doc.get("current_workspace"),
    )
