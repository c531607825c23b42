"""Name matching: typed agency names against the known ones, diacritics and small typos forgiven."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import TypeVar

from rapidfuzz import fuzz

from bot.model import Agency

_SPACES = re.compile(r"\s+")
# Prefixes officials add or drop at will: "UBND tỉnh Nghệ An", "tỉnh Nghệ An", "Bộ Tư pháp".
_NOISE = ("ubnd tinh ", "ubnd thanh pho ", "ubnd ", "tinh ", "thanh pho ", "tp. ", "tp ")
FUZZY_MIN = 85.0
T = TypeVar("T")


@lru_cache(maxsize=8192)
def fold(text: str) -> str:
    """Lower case, no diacritics, single spaces: "  Nghệ  An" -> "nghe an"."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", stripped.casefold()).strip()


def _core(folded: str) -> str:
    for prefix in _NOISE:
        if folded.startswith(prefix) and len(folded) > len(prefix):
            return folded[len(prefix):]
    return folded


def agency_keys(agency: Agency) -> set[str]:
    """Every folded form an agency answers to."""
    names = [agency.code, agency.name, agency.short_name, *agency.aliases]
    keys = {fold(n) for n in names if n}
    return keys | {_core(k) for k in keys}


def match_agencies(query: str, agencies: Iterable[Agency]) -> list[Agency]:
    """The agencies `query` may mean: none, one (found), or several (ask which, never guess).

    Exact matches win; then names that start with or contain the query; then near spellings
    (a typo or two), keeping only the best-scoring ones so one typo does not bring in all.
    """
    return match_keyed(_core(fold(query)), [(a, agency_keys(a)) for a in agencies])


def match_keyed(wanted: str, keyed: Sequence[tuple[T, set[str]]]) -> list[T]:
    """What a folded query may mean among things with folded keys, by match_agencies' rules."""
    if not wanted:
        return []
    exact = [a for a, keys in keyed if wanted in keys]
    if exact:
        return exact
    words = [
        a for a, keys in keyed
        if any(k.startswith(wanted) or f" {wanted}" in f" {k}" for k in keys)
    ]
    if words:
        return words
    scored = []
    for item, keys in keyed:
        score = max((fuzz.ratio(wanted, k) for k in keys), default=0.0)
        if score >= FUZZY_MIN:
            scored.append((score, item))
    if not scored:
        return []
    best = max(s for s, _ in scored)
    return [a for s, a in scored if s >= best - 3]


def contains_words(haystack: str, query: str) -> bool:
    """Whether every word of `query` appears in `haystack`, ignoring case and diacritics."""
    text = fold(haystack)
    return all(word in text for word in fold(query).split())


def slug(text: str) -> str:
    """A short ASCII code for a name: "Thừa Thiên Huế" -> "thua-thien-hue"."""
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")[:24].strip("-") or "agency"
