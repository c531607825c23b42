"""Whether the update being handled has saved a change, for the notice that follows an error.

A reply that cannot be sent after the change was written must not say "try again": trying
again would apply the change twice. The update processor watches each update; the store
notes each transaction that reached the disk.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(slots=True)
class Saves:
    """The changes saved while one update was handled."""

    count: int = 0


_current: ContextVar[Saves | None] = ContextVar("dondoc_saves", default=None)


@contextlib.contextmanager
def watching() -> Iterator[Saves]:
    """Count the transactions saved inside this block (in this task only)."""
    saves = Saves()
    token = _current.set(saves)
    try:
        yield saves
    finally:
        _current.reset(token)


def note() -> None:
    """A transaction reached the disk (called by the store)."""
    saves = _current.get()
    if saves is not None:
        saves.count += 1


def made() -> bool:
    """Whether the update being handled has saved anything so far."""
    saves = _current.get()
    return saves is not None and saves.count > 0
