"""A workspace's indicators and their reported values, kept in the workspace's own file.

Two tables beside the tasks: "indicators" (one document per indicator, by number) and
"indicator_values" (one per indicator, agency and period). Both are read once into domain
objects; every change is one :meth:`WorkspaceStore.transaction` with its audit entries, so a
pasted table of ten provinces reaches the disk whole or not at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from tinydb import TinyDB
from tinydb.table import Document

from bot.indicators import (
    Direction,
    Entry,
    Indicator,
    IndicatorValue,
    PastValue,
    Reporters,
    ValueIndex,
)
from bot.periods import Frequency, ReportPeriod, Unit
from store.codec import names_from_doc
from store.documents import put

if TYPE_CHECKING:
    from store.workspace import WorkspaceStore

Doc = dict[str, Any]
INDICATORS = "indicators"
VALUES = "indicator_values"


def indicator_to_doc(indicator: Indicator) -> Doc:
    doc: Doc = {
        "number": indicator.number,
        "name": indicator.name,
        "short_name": indicator.short_name,
        "aliases": list(indicator.aliases),
        "unit": indicator.unit.value,
        "direction": indicator.direction.value,
        "target": indicator.target,
        "targets": dict(indicator.targets),
        "frequency": indicator.frequency.value,
        "source": indicator.source,
        "reporters": indicator.reporters.value,
        "agencies": list(indicator.agencies),
        "report_day": indicator.report_day,
        "created_at": indicator.created_at.isoformat() if indicator.created_at else None,
        "created_by": indicator.created_by,
    }
    return {k: v for k, v in doc.items() if v not in (None, "", [], {}) or k == "number"}


def indicator_from_doc(doc: Doc) -> Indicator:
    created_at = doc.get("created_at")
    return Indicator(
        number=doc["number"],
        **names_from_doc(doc),
        unit=Unit(doc.get("unit", "percent")),
        direction=Direction(doc.get("direction", "higher")),
        target=doc.get("target"),
        targets={k: float(v) for k, v in (doc.get("targets") or {}).items()},
        frequency=Frequency(doc.get("frequency", "year")),
        source=doc.get("source", ""),
        reporters=Reporters(doc.get("reporters", "all")),
        agencies=tuple(doc.get("agencies", ())),
        report_day=doc.get("report_day"),
        created_at=dt.datetime.fromisoformat(created_at) if created_at else None,
        created_by=doc.get("created_by", 0),
    )


def value_to_doc(value: IndicatorValue) -> Doc:
    doc: Doc = {
        "indicator": value.indicator,
        "agency": value.agency,
        "period": value.period.key,
        "value": value.value,
        "at": value.at.isoformat(),
        "by": value.by,
    }
    if value.history:
        doc["history"] = [
            {"value": p.value, "at": p.at.isoformat(), "by": p.by} for p in value.history
        ]
    return doc


def value_from_doc(doc: Doc) -> IndicatorValue:
    period = ReportPeriod.from_key(doc["period"])
    if period is None:
        raise ValueError(f"bad period {doc['period']!r} in an indicator value")
    return IndicatorValue(
        indicator=doc["indicator"],
        agency=doc["agency"],
        period=period,
        value=float(doc["value"]),
        at=dt.datetime.fromisoformat(doc["at"]),
        by=doc.get("by", 0),
        history=tuple(
            PastValue(float(h["value"]), dt.datetime.fromisoformat(h["at"]), h.get("by", 0))
            for h in doc.get("history", ())
        ),
    )


_Key = tuple[int, str, ReportPeriod]


class IndicatorStore:
    """The indicator tables of one workspace, as domain objects kept in memory."""

    def __init__(self, store: WorkspaceStore, db: TinyDB) -> None:
        self.store = store
        self._db = db
        self._indicators = {
            d["number"]: indicator_from_doc(d) for d in db.table(INDICATORS)
        }
        self._values: dict[int, dict[ReportPeriod, dict[str, IndicatorValue]]] = {}
        self._doc_ids: dict[_Key, int] = {}
        for doc in db.table(VALUES):
            assert isinstance(doc, Document)
            value = value_from_doc(doc)
            self._keep(value)
            self._doc_ids[(value.indicator, value.agency, value.period)] = doc.doc_id

    def _keep(self, value: IndicatorValue) -> None:
        by_period = self._values.setdefault(value.indicator, {})
        by_period.setdefault(value.period, {})[value.agency] = value

    # -- reads ----------------------------------------------------------------------------

    def all(self) -> list[Indicator]:
        """Every indicator, by number (the order they were defined in); shared objects: change
        a copy (dataclasses.replace) and save it."""
        return [self._indicators[n] for n in sorted(self._indicators)]

    def get(self, number: int) -> Indicator | None:
        return self._indicators.get(number)

    def values(self, number: int) -> ValueIndex:
        """One indicator's values: period -> agency code -> value (shared, do not change)."""
        return self._values.get(number, {})

    def index(self) -> dict[int, ValueIndex]:
        """Every indicator's values, by indicator number."""
        return dict(self._values)

    def value(self, number: int, agency: str, period: ReportPeriod) -> IndicatorValue | None:
        return self._values.get(number, {}).get(period, {}).get(agency)

    # -- writes ---------------------------------------------------------------------------

    def save(self, indicator: Indicator, *, actor: int, at: dt.datetime) -> Indicator:
        """Store a new indicator (number 0: the next one) or a changed one; audited."""
        numbered = indicator
        if not indicator.number:
            numbered = replace(indicator, number=max(self._indicators, default=0) + 1)
        old = self._indicators.get(numbered.number)
        before = indicator_to_doc(old) if old else None
        after = indicator_to_doc(numbered)
        with self.store.transaction():
            put(self._db.table(INDICATORS), numbered.number, after)
            # The audit keeps only changed fields: the action names which indicator it was.
            self.store.record(actor, at, f"indicator:{numbered.number}", before=before,
                              after=after)
            # A copy is kept: the caller's object may go on changing without telling us.
            self._indicators[numbered.number] = replace(numbered, targets=dict(numbered.targets))
        return numbered

    def report(self, entries: Sequence[Entry], *, actor: int, at: dt.datetime
               ) -> list[tuple[IndicatorValue, IndicatorValue | None]]:
        """Store values in one transaction; (stored, replaced) for each entry.

        A value equal to the stored one is left alone (and comes back as its own replaced
        value); a different one replaces it and keeps it in its history.
        """
        table = self._db.table(VALUES)
        results: list[tuple[IndicatorValue, IndicatorValue | None]] = []
        kept: list[IndicatorValue] = []
        with self.store.transaction():
            for entry in entries:
                key = (entry.indicator, entry.agency, entry.period)
                old = self.value(*key)
                if old is not None and old.value == entry.value:
                    results.append((old, old))
                    continue
                history = (*old.history, PastValue(old.value, old.at, old.by)) if old else ()
                new = IndicatorValue(entry.indicator, entry.agency, entry.period, entry.value,
                                     at, actor, history)
                doc = value_to_doc(new)
                doc_id = self._doc_ids.get(key)
                if doc_id is None:
                    doc_id = table.insert(doc)
                else:
                    put(table, doc_id, doc)
                self._doc_ids[key] = doc_id
                self.store.record(
                    actor, at, f"indicator_value:{entry.indicator}:{entry.agency}:"
                    f"{entry.period.key}", before=_audited(old), after=_audited(new),
                )
                kept.append(new)
                results.append((new, old))
        for value in kept:  # only once the transaction is on disk
            self._keep(value)
        return results


def _audited(value: IndicatorValue | None) -> Doc | None:
    if value is None:
        return None
    return {"indicator": value.indicator, "agency": value.agency,
            "period": value.period.key, "value": value.value}
