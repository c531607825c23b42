"""One store API: store/ hands out domain objects and takes changes; only it touches TinyDB."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from store.registry import Registry, UserStore
from store.reminders import ReminderStore
from store.summaries import SummaryMarks
from store.workspace import WorkspaceStore

ROOT = Path(__file__).resolve().parent.parent
# The store's own tests may look inside it; nothing else may.
STORE_TESTS = {"test_storage.py", "test_failed_writes.py", "test_lock.py", "test_store_api.py"}
INSIDE = {"db", "_db", "storage", "_storage"}  # what leads from a store to its TinyDB


def _outside_the_store() -> list[Path]:
    files = [ROOT / "bot.py"]
    for folder in ("bot", "handlers", "bench", "tests"):
        files += sorted((ROOT / folder).rglob("*.py"))
    return [f for f in files if f.name not in STORE_TESTS]


def _touches_tinydb(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] == "tinydb"]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "tinydb":
            found.append(node.module or "")
        elif isinstance(node, ast.Attribute) and node.attr in INSIDE:
            module = isinstance(node.value, ast.Name) and node.value.id == "store"
            if not module:  # `store.storage` is the module, patched by tests that count writes
                found.append(f".{node.attr} (line {node.lineno})")
    return found


def test_nothing_outside_the_store_touches_tinydb() -> None:
    offenders = {str(p.relative_to(ROOT)): hits for p in _outside_the_store()
                 if (hits := _touches_tinydb(p))}
    assert offenders == {}


@pytest.mark.parametrize("cls", [Registry, UserStore, WorkspaceStore, ReminderStore,
                                 SummaryMarks])
def test_the_stores_public_api_speaks_domain_objects(cls: type) -> None:
    raw = ("TinyDB", "Table", "Document", "Storage", "Doc")
    leaks = {}
    for name, member in inspect.getmembers(cls):
        if name.startswith("_"):
            continue
        function = member.fget if isinstance(member, property) else member
        if not callable(function):
            continue
        returned = str(inspect.signature(function).return_annotation)
        if any(word in returned.replace("None", "") for word in raw):
            leaks[name] = returned
    assert leaks == {}
