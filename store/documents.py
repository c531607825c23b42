"""Writing whole TinyDB documents, for the store's classes (nothing outside store/ sees these)."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from tinydb.table import Document, Table

Doc = dict[str, Any]


def put(table: Table, doc_id: int, doc: Doc) -> None:
    """Add or replace document `doc_id` whole (TinyDB's update and upsert merge keys, which
    would keep stale ones)."""
    if table.contains(doc_id=doc_id):

        def replace(existing: MutableMapping[str, Any]) -> None:
            existing.clear()
            existing.update(doc)

        table.update(replace, doc_ids=[doc_id])
    else:
        table.insert(Document(doc, doc_id=doc_id))
