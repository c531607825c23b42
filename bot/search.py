"""A workspace's tasks kept searchable: `reports.search`'s rule, without folding every title anew.

`reports.search` folds the text of all 1,000 tasks of a workspace for every `/find`, which is
what made it 40 times slower than the reply it sends. :class:`SearchIndex` keeps each task's
own words (title, output, source), folded once, in one string, and follows the store's task
objects by identity, as `reports.Ledger` does: a task changed since the last search is the
only one folded again. Plan and agency names are few and matched apart.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from itertools import accumulate, compress
from operator import attrgetter, is_not

from bot.model import Agency, Task
from bot.reports import PREFIX_MIN, words_of


class SearchIndex:
    """The folded words of one workspace's tasks, for :meth:`search`.

    Each task is one line of :attr:`_text`, its words between spaces (" so hoa ho so \\n"), so
    that a word is found as a plain string (" ho " whole, " hoan" as a word's start), which
    the regular expression engine finds fast. Memory: about 90 bytes a task, in one string.
    """

    def __init__(self) -> None:
        self._tasks: list[Task] = []
        self._text = ""
        self._sizes = array("I")  # each task's line, in characters
        self._ends = array("q")  # where each task's line ends in _text
        # Every plan and agency code the tasks named, with their words (few; kept as seen).
        self._plans: dict[str, set[str]] = {}
        self._codes: dict[str, set[str]] = {}

    def sync(self, tasks: Sequence[Task]) -> None:
        """Follow `tasks` (the store's, in a stable order), folding only the changed ones."""
        old = self._tasks
        if not old or len(tasks) < len(old):
            lines = [self._line(task) for task in tasks]
            self._sizes = array("I", map(len, lines))
            self._text = "".join(lines)
        else:
            changed = list(compress(range(len(old)), map(is_not, tasks, old)))
            if not changed and len(tasks) == len(old):
                return
            # The lines between two changed tasks are copied as one slice.
            text, ends, sizes = self._text, self._ends, self._sizes
            pieces: list[str] = []
            at = 0
            for index in changed:
                line = self._line(tasks[index])
                pieces += (text[at:ends[index] - sizes[index]], line)
                at = ends[index]
                sizes[index] = len(line)
            pieces.append(text[at:])
            for task in tasks[len(old):]:
                line = self._line(task)
                pieces.append(line)
                sizes.append(len(line))
            self._text = "".join(pieces)
        self._ends = array("q", accumulate(self._sizes))
        self._tasks = list(tasks)

    def _line(self, task: Task) -> str:
        if task.plan not in self._plans:
            self._plans[task.plan] = set(words_of(task.plan))
        for code in (task.lead, *task.coordinators):
            if code not in self._codes:
                self._codes[code] = set(words_of(code))
        own = (task.title, task.output, task.source)
        # Folded once each: not through fold's cache, which a workspace's titles would fill.
        return " " + " ".join(words_of(" ".join(f for f in own if f), cached=False)) + " \n"

    def search(self, agencies: Iterable[Agency], words: str) -> list[Task]:
        """As `reports.search(tasks, agencies, words)` for the tasks last synced."""
        wanted = words_of(words)
        if not wanted:
            return []
        # A task unknown agency's code stands for its name, as in reports.search.
        names = dict(self._codes)
        names.update(
            (a.code, set(words_of(" ".join(n for n in (a.code, a.name, a.short_name, *a.aliases)
                                           if n))))
            for a in agencies
        )
        tasks = self._tasks
        found: set[int] | None = None
        for word in wanted:
            hits = self._own(word)
            # A word of a plan's or an agency's name finds every task of it.
            plans = {p for p, have in self._plans.items() if _matches(word, have)}
            codes = {code for code, have in names.items() if _matches(word, have)}
            if plans:
                hits.update(compress(range(len(tasks)),
                                     map(plans.__contains__, map(_PLAN, tasks))))
            if codes:
                hits.update(compress(range(len(tasks)),
                                     map(codes.__contains__, map(_LEAD, tasks))))
                hits.update(index for index, task in enumerate(tasks)
                            if task.coordinators and not codes.isdisjoint(task.coordinators))
            found = hits if found is None else found & hits
            if not found:
                return []
        assert found is not None
        return [tasks[index] for index in sorted(found)]

    def _own(self, word: str) -> set[int]:
        """The tasks whose own words have `word`, or one starting with it if it is long."""
        pattern = re.compile(f" {word}" if len(word) >= PREFIX_MIN else f" {word} ")
        ends = self._ends
        return {bisect_right(ends, hit.start()) for hit in pattern.finditer(self._text)}


_PLAN = attrgetter("plan")
_LEAD = attrgetter("lead")


def _matches(word: str, have: set[str]) -> bool:
    return word in have or (len(word) >= PREFIX_MIN and any(h.startswith(word) for h in have))
