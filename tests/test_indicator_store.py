"""Tests of store.indicators: indicators and values in the workspace file, audited, atomic."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.indicators import Entry, Indicator, PastValue
from bot.periods import ReportPeriod
from store.registry import Registry
from tests.factories import GROUP_ID, NOW, OWNER, SECRETARY, seeded_store
from tests.test_indicators import digitization

NINE_MONTHS = ReportPeriod.months(2024, 1, 9)
LATER = NOW + dt.timedelta(hours=3)


def test_indicators_are_numbered_and_survive_reopening(tmp_path: Path) -> None:
    store = Registry(tmp_path).create(GROUP_ID, "Tổ", lang="vi", tz="Asia/Ho_Chi_Minh", at=NOW)
    seeded_store(store)
    first = store.indicators.save(digitization(number=0, targets={"hue": 60.0}),
                                  actor=SECRETARY, at=NOW)
    second = store.indicators.save(Indicator(number=0, name="Mức độ hài lòng"),
                                   actor=SECRETARY, at=NOW)
    assert (first.number, second.number) == (1, 2)
    store.indicators.report([Entry(1, "nghe-an", NINE_MONTHS, 72.47)], actor=OWNER, at=NOW)
    reopened = Registry(tmp_path).get(GROUP_ID)
    assert reopened is not None
    assert reopened.indicators.all() == [first, second]
    value = reopened.indicators.value(1, "nghe-an", NINE_MONTHS)
    assert value is not None and (value.value, value.by, value.at) == (72.47, OWNER, NOW)


def test_a_correction_keeps_the_old_value_in_its_history_and_the_audit(tmp_path: Path) -> None:
    store = Registry(tmp_path).create(GROUP_ID, "Tổ", lang="vi", tz="Asia/Ho_Chi_Minh", at=NOW)
    store.indicators.save(digitization(number=0), actor=SECRETARY, at=NOW)
    store.indicators.report([Entry(1, "nghe-an", NINE_MONTHS, 70.0)], actor=OWNER, at=NOW)
    [(new, old)] = store.indicators.report([Entry(1, "nghe-an", NINE_MONTHS, 72.47)],
                                           actor=SECRETARY, at=LATER)
    assert old is not None and old.value == 70.0
    assert new.history == (PastValue(70.0, NOW, OWNER),)
    reopened = Registry(tmp_path).get(GROUP_ID)
    assert reopened is not None
    kept = reopened.indicators.value(1, "nghe-an", NINE_MONTHS)
    assert kept is not None and kept.value == 72.47 and kept.history == new.history
    audit = [e for e in reopened.audit() if e.action.startswith("indicator_value")]
    assert [(e.action, e.user_id, e.before, e.after) for e in audit] == [
        ("indicator_value:1:nghe-an:2024.1-9", OWNER, None,
         {"indicator": 1, "agency": "nghe-an", "period": "2024.1-9", "value": 70.0}),
        ("indicator_value:1:nghe-an:2024.1-9", SECRETARY, {"value": 70.0},
         {"value": 72.47}),
    ]


def test_the_same_value_again_writes_nothing() -> None:
    store = seeded_store()
    store.indicators.save(digitization(number=0), actor=SECRETARY, at=NOW)
    store.indicators.report([Entry(1, "nghe-an", NINE_MONTHS, 72.47)], actor=OWNER, at=NOW)
    audited = len(store.audit())
    [(new, old)] = store.indicators.report([Entry(1, "nghe-an", NINE_MONTHS, 72.47)],
                                           actor=OWNER, at=LATER)
    assert new is old and new.history == ()
    assert len(store.audit()) == audited


def test_a_pasted_table_is_written_whole_or_not_at_all(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    store = Registry(tmp_path).create(GROUP_ID, "Tổ", lang="vi", tz="Asia/Ho_Chi_Minh", at=NOW)
    store.indicators.save(digitization(number=0), actor=SECRETARY, at=NOW)
    writes: list[bytes] = []
    import store.storage as storage

    real = storage.atomic_write

    def counted(path: Path, payload: bytes) -> None:
        writes.append(payload)
        real(path, payload)

    monkeypatch.setattr(storage, "atomic_write", counted)
    entries = [Entry(1, code, NINE_MONTHS, v) for code, v in
               [("binh-dinh", 89.51), ("hai-duong", 88.32), ("hue", 55.15)]]
    store.indicators.report(entries, actor=SECRETARY, at=NOW)
    assert len(writes) == 1  # three values and their three audit entries: one replace

    def disk_full(path: Path, payload: bytes) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(storage, "atomic_write", disk_full)
    with pytest.raises(storage.WriteFailed):
        store.indicators.report([Entry(1, "hue", NINE_MONTHS, 60.0),
                                 Entry(1, "nghe-an", NINE_MONTHS, 72.47)],
                                actor=SECRETARY, at=LATER)
    # Memory went back to what is on disk: neither value of the failed paste is there.
    hue = store.indicators.value(1, "hue", NINE_MONTHS)
    assert hue is not None and hue.value == 55.15
    assert store.indicators.value(1, "nghe-an", NINE_MONTHS) is None
    reopened = Registry(tmp_path).get(GROUP_ID)
    assert reopened is not None
    assert reopened.indicators.value(1, "nghe-an", NINE_MONTHS) is None


def test_changing_an_indicator_is_audited_under_its_number() -> None:
    store = seeded_store()
    saved = store.indicators.save(digitization(number=0), actor=SECRETARY, at=NOW)
    saved.target = 85.0  # the caller's copy: the store's is unchanged until saved
    assert store.indicators.get(1) is not None and store.indicators.get(1).target == 80.0  # type: ignore[union-attr]
    store.indicators.save(saved, actor=SECRETARY, at=LATER)
    changes = [e for e in store.audit() if e.action == "indicator:1"]
    assert [(e.before, e.after) for e in changes][-1] == ({"target": 80.0}, {"target": 85.0})
