"""The README's promises name the tests that keep them: every one of those tests exists."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAMED = re.compile(r"(tests/[\w/]+\.py)::(test_\w+)")


def _section(title: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(f"## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start:] if end < 0 else text[start:end]


def _tests_in(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in tree.body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)}


def test_every_guarantee_names_tests_that_exist() -> None:
    section = _section("What dondoc guarantees")
    promises = section.split("\n- ")[1:]
    assert promises, "no promise found"
    missing = []
    for promise in promises:
        named = NAMED.findall(promise)
        assert named, f"a promise names no test: {promise[:60]!r}"
        missing += [f"{file}::{name}" for file, name in named
                    if not (ROOT / file).exists() or name not in _tests_in(ROOT / file)]
    assert missing == []
