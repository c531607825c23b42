"""When the last summary of each scope was made, so the next one can say what changed since."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from tinydb import Query, TinyDB

if TYPE_CHECKING:
    from store.workspace import WorkspaceStore

TABLE = "summaries"  # one document per scope: {"scope", "at", "by"}


class SummaryMarks:
    """The workspace's "summaries" table: one mark per scope ("all", "plan:…", "meeting:5" …)."""

    def __init__(self, store: WorkspaceStore, db: TinyDB) -> None:
        self._store = store
        self._table = db.table(TABLE)

    def last(self, scope: str) -> dt.datetime | None:
        """When the last summary of `scope` was made; None if never (or unreadable by hand)."""
        doc = self._table.get(Query().scope == scope)
        if not isinstance(doc, dict):
            return None
        try:
            return dt.datetime.fromisoformat(doc["at"])
        except (KeyError, TypeError, ValueError):
            return None

    def remember(self, scope: str, at: dt.datetime, by: int) -> None:
        """A summary of `scope` was made at `at` by `by`; on disk before this returns."""
        with self._store.transaction():
            self._table.upsert({"scope": scope, "at": at.isoformat(), "by": by},
                               Query().scope == scope)
