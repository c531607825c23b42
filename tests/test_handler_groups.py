"""The handler groups the Application uses are the ones docs/ARCHITECTURE.md names."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import Harness

ARCHITECTURE = Path(__file__).parent.parent / "docs" / "ARCHITECTURE.md"

# Outside group 0, by group: the callbacks there (docs/ARCHITECTURE.md, "Handler groups").
OUTSIDE_GROUP_0 = {-100: ["watch"], -1: ["note_reply"], 100: ["watch"]}


def _callbacks(harness: Harness, group: int) -> list[str]:
    return [getattr(getattr(h, "callback", None), "__name__", type(h).__name__)
            for h in harness.app.handlers[group]]


async def test_only_the_documented_handlers_are_outside_group_0(harness: Harness) -> None:
    outside = {g: _callbacks(harness, g) for g in sorted(harness.app.handlers) if g != 0}
    assert outside == OUTSIDE_GROUP_0


async def test_the_fallback_is_last_in_group_0(harness: Harness) -> None:
    assert _callbacks(harness, 0)[-3:] == ["nothing_to_cancel", "unknown_command",
                                           "private_text"]


def test_the_architecture_names_every_group_the_code_uses() -> None:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    rule = text[text.index("- Handler groups:"):]
    named: set[int] = set()
    for numbers in re.findall(r"groups? (-?\d+)(?: and (-?\d+))?", rule):
        named.update(int(n) for n in numbers if n)
    assert named == {0, *OUTSIDE_GROUP_0}
