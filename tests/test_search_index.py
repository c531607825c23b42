"""bot.search.SearchIndex: the same tasks as searching all of them anew, change after change."""

from __future__ import annotations

import dataclasses
import random

import pytest

from bot.model import Agency, Task
from bot.names import fold
from bot.search import SearchIndex
from tests.factories import AGENCIES, make_task

TITLES = ("Số hóa hồ sơ", "Rà soát thủ tục hành chính", "Kế hoạch thanh toán trực tuyến",
          "Đề án 06", "Hồ sơ điện tử đợt 2", "Cải cách TTHC nội bộ", "")
OUTPUTS = ("", "Báo cáo", "Quyết định", "Hệ thống vận hành")
SOURCES = ("", "Thông báo kết luận phiên họp thứ 5", "Kế hoạch 2024")
PLANS = ("", "Kế hoạch cải cách TTHC 2024", "Đề án Số hóa")
CODES = (*(a.code for a in AGENCIES), "so-khong-ro")  # the last is nobody's: its code is its name
QUERIES = ("số hóa", "ho so", "hồ", "so", "thanh toan", "nghe an", "ke hoach", "bao", "bao cao",
           "huế", "moj", "khong ro", "tthc 2024", "dot 2", "06", "ra soat ke", "x", "   ")


def _reference(tasks: list[Task], agencies: tuple[Agency, ...], words: str) -> list[Task]:
    """reports.search as it was written before the index: every task's text folded anew."""
    def words_of(text: str) -> list[str]:
        return [w for w in "".join(c if c.isalnum() and c.isascii() else " "
                                   for c in fold(text)).split()]

    wanted = words_of(words)
    if not wanted:
        return []
    names = {a.code: " ".join(n for n in (a.code, a.name, a.short_name, *a.aliases) if n)
             for a in agencies}
    found = []
    for task in tasks:
        fields = (task.title, task.output, task.source, task.plan, names.get(task.lead, task.lead),
                  *(names.get(c, c) for c in task.coordinators))
        have = set(words_of(" ".join(f for f in fields if f)))
        if all(w in have or (len(w) >= 4 and any(h.startswith(w) for h in have))
               for w in wanted):
            found.append(task)
    return found


def _random_task(rng: random.Random, number: int) -> Task:
    return make_task(rng.choice(TITLES), rng.choice(CODES), number=number,
                     output=rng.choice(OUTPUTS), source=rng.choice(SOURCES),
                     plan=rng.choice(PLANS),
                     coordinators=tuple(rng.sample(CODES, rng.choice((0, 0, 1, 2)))))


@pytest.mark.parametrize("seed", range(6))
def test_the_index_finds_what_searching_every_task_finds_as_tasks_change(seed: int) -> None:
    rng = random.Random(seed)
    tasks = [_random_task(rng, n) for n in range(1, 40)]
    index = SearchIndex()
    for _ in range(30):
        index.sync(tasks)
        for query in QUERIES:
            assert index.search(AGENCIES, query) == _reference(tasks, AGENCIES, query), query
        step = rng.random()
        if step < 0.6:  # a task changes: the store puts a new object in its place
            i = rng.randrange(len(tasks))
            tasks[i] = dataclasses.replace(_random_task(rng, tasks[i].number))
        elif step < 0.85:
            tasks.append(_random_task(rng, len(tasks) + 1))
        else:  # a restored file: fewer tasks than before
            tasks = [dataclasses.replace(t) for t in tasks[: len(tasks) // 2]]


def test_an_agency_renamed_is_found_by_its_new_name() -> None:
    tasks = [make_task("Báo cáo", "hue", number=1)]
    index = SearchIndex()
    index.sync(tasks)
    renamed = tuple(dataclasses.replace(a, short_name="Cố đô") if a.code == "hue" else a
                    for a in AGENCIES)
    assert index.search(renamed, "co do") == tasks
    assert index.search(AGENCIES, "co do") == []
