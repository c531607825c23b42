"""Typed input that cannot be used: one exception shape for every parser of the core."""

from __future__ import annotations

from typing import Generic, TypeVar

Reason = TypeVar("Reason", bound=str)


class InputError(ValueError, Generic[Reason]):
    """`.reason` says why (each reason has its explanation in a template), `.text` which
    part of the input, or what was typed."""

    def __init__(self, reason: Reason, text: str = "") -> None:
        super().__init__(reason, text)
        self.reason: Reason = reason
        self.text = text
