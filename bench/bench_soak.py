"""Benchmark of a long run: memory stays flat over many summaries, other chats stay answered.

Run by hand: `.venv/bin/python -m bench.bench_soak [--groups 50] [--tasks 500]
[--summaries 50] [--rate 10]`.

`groups` workspaces of `tasks` tasks each go through the real Application (updates handled
as polling hands them over, each in its own task) and the in-process fake Bot API without
flood limits. Other chats send a steady mix of reads and writes, `rate` updates a second,
all along. Meanwhile `/tomtat` is asked `summaries` times, in one group after another, each
after a pause with no summary running: time is compressed (no real two-minute waits), the
traffic is not. Reported, all from the same run:

- resident memory (RSS) of the bot's process after the first summary and after the last,
  and their difference (goal <= 20 MB); of the summary worker process too, and how many
  worker processes were started (it is replaced every few summaries);
- other chats' p99 latency while a summary runs, as a ratio to their p99 with none running
  (goal <= 1.5).

Every workspace is warmed with one /trangthai before the first summary, as a running bot's
would be (tasks are read on first use): what grows after that is what the run leaves behind.
The fake API's record of calls, messages and files is dropped after each summary so that it
does not count as the bot's memory.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import random
import statistics
import tempfile
import time
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path

from telegram import Update

from bench.generate import NOW, PROVINCES, SECRETARY, write_workspaces
from bot.clock import FixedClock
from bot.model import Task
from bot.settings import Settings
from handlers.application import build_application
from handlers.ordering import handle
from handlers.services import services
from tests.fakes import Limits, LocalBotAPI, LocalRequest, message_update

TOKEN = "123456:BENCH"
MEMORY_GOAL = 20.0  # MB more after the last summary than after the first
LATENCY_GOAL = 1.5  # p99 while a summary runs, as a ratio to p99 with none running
READS = ("/trangthai", "/quahan", "/theodonvi", "/sapden", "/donvi", "/timkiem", "/viec")
WRITES = ("/xong", "/tiendo")
WRITE_SHARE = 0.25  # of the traffic


def rss_mb(pid: int | str = "self") -> float:
    """Resident memory of a process (Linux), in MB; NaN once it has gone."""
    try:
        pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return float("nan")
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def worker_pids() -> list[int]:
    """This process's children that run multiprocessing's spawned interpreter: the summary
    worker (multiprocessing's resource tracker, a child too, is left out)."""
    me = str(os.getpid())
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        parent = stat.rsplit(")", 1)[1].split()[1]
        if parent == me and b"spawn_main" in cmdline:
            found.append(int(entry.name))
    return found


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@dataclass(slots=True)
class Sample:
    """One update of other chats' traffic: what it was, how long it took, and whether a
    summary was running when it came."""

    command: str
    seconds: float
    loaded: bool


@dataclass(slots=True)
class Point:
    """Memory after one summary."""

    number: int
    seconds: float  # the summary's own time
    bot: float  # MB
    worker: float  # MB, the worker process alive then (NaN if none)
    workers_started: int


@dataclass
class Soak:
    """The Application, the fake API, the traffic of other chats and what was measured."""

    data_dir: Path
    groups: list[int]
    rate: float
    rng: random.Random = field(default_factory=lambda: random.Random(15))
    samples: list[Sample] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    summarizing: int | None = None  # the group whose summary runs now
    paused: bool = False
    in_flight: set[asyncio.Task[None]] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.api = LocalBotAPI(TOKEN, limits=Limits.unlimited())
        for group in self.groups:
            self.api.add_chat(group, "supergroup", f"Tổ {group}")
        # The real worker process: it is what the run is about.
        self.app = build_application(Settings(token=TOKEN, data_dir=self.data_dir),
                                     clock=FixedClock(NOW), request=LocalRequest(self.api),
                                     rate_limiter=False)
        self.open_tasks: dict[int, itertools.cycle[int]] = {}

    def update(self, chat_id: int, text: str) -> Update:
        return Update.de_json(message_update(self.api, chat_id=chat_id, user_id=SECRETARY,
                                             text=text, first_name="Thư ký"), self.app.bot)

    async def command(self, chat_id: int, text: str) -> float:
        """Hand the update over as polling does; the seconds until it was handled."""
        began = time.perf_counter()
        await handle(self.app, self.update(chat_id, text))
        return time.perf_counter() - began

    def _open(self, chat_id: int) -> int:
        tasks = self.open_tasks.get(chat_id)
        if tasks is None:
            store = services(self.app).registry.get(chat_id)
            assert store is not None
            found: list[Task] = store.tasks()
            numbers = [t.number for t in found if not t.is_closed] or [1]
            tasks = self.open_tasks[chat_id] = itertools.cycle(numbers)
        return next(tasks)

    def _next_command(self, chat_id: int) -> str:
        if self.rng.random() < WRITE_SHARE:
            name = self.rng.choice(WRITES)
            # /xong closes a task for good; a /tiendo on a closed one is refused, as cheaply.
            if name == "/xong":
                return f"/xong {self._open(chat_id)}"
            return f"/tiendo {self._open(chat_id)} {self.rng.choice((20, 40, 60, 80))}"
        name = self.rng.choice(READS)
        if name == "/donvi":
            return f"/donvi {self.rng.choice(PROVINCES)}"
        if name == "/timkiem":
            return self.rng.choice(("/timkiem thanh toán", "/timkiem hồ sơ"))
        if name == "/viec":
            return f"/viec {self._open(chat_id)}"
        return name

    async def _one(self, chat_id: int, text: str) -> None:
        loaded = self.summarizing is not None
        seconds = await self.command(chat_id, text)
        # Counted as loaded if a summary ran when it came or when it was answered.
        loaded = loaded or self.summarizing is not None
        self.samples.append(Sample(text.split()[0], seconds, loaded))

    async def traffic(self) -> None:
        """Other chats' updates, `rate` a second, each in its own task, until cancelled."""
        period = 1.0 / self.rate
        tick = time.perf_counter()
        while True:
            tick += period
            await asyncio.sleep(max(tick - time.perf_counter(), 0.0))
            if self.paused:
                continue
            others = [g for g in self.groups if g != self.summarizing]
            chat_id = self.rng.choice(others)
            task = asyncio.ensure_future(self._one(chat_id, self._next_command(chat_id)))
            self.in_flight.add(task)
            task.add_done_callback(self.in_flight.discard)

    async def forget(self) -> None:
        """Drop the fake API's record (calls, messages, files), between two updates."""
        self.paused = True
        while self.in_flight:
            await asyncio.sleep(0.001)
        self.errors.extend(str(c) for c in self.api.calls if not c.ok)
        self.api.forget_messages()
        self.paused = False


def _grown(since: tracemalloc.Snapshot, top: int = 12) -> None:
    """Where the bot's own Python memory grew since `since`, by line, largest first."""
    stats = tracemalloc.take_snapshot().compare_to(since, "lineno")
    print(f"  Python memory grown since summary 1 (tracemalloc, top {top}):")
    for stat in stats[:top]:
        print(f"    {stat.size_diff / 2**20:+7.2f} MB {stat.count_diff:+8d} blocks  "
              f"{stat.traceback[0]}")


async def run(soak: Soak, summaries: int, pause: float, trace: bool = False) -> list[Point]:
    await soak.app.initialize()
    worker = services(soak.app).worker
    for group in soak.groups:  # tasks are read on first use: every workspace warmed
        await soak.command(group, "/trangthai")
    await soak.forget()
    print(f"  memory, every workspace warmed: {rss_mb():.0f} MB")
    traffic = asyncio.ensure_future(soak.traffic())
    points: list[Point] = []
    first_snapshot: tracemalloc.Snapshot | None = None
    try:
        for n in range(1, summaries + 1):
            await asyncio.sleep(pause)  # other chats alone
            group = soak.groups[(n - 1) % len(soak.groups)]
            soak.summarizing = group
            seconds = await soak.command(group, "/tomtat")
            soak.summarizing = None
            sent = soak.api.sent("sendDocument", group)
            if len(sent) < 2:  # the .docx and the PDF
                soak.errors.append(f"summary {n} in {group}: {len(sent)} documents sent")
            await soak.forget()
            pids = worker_pids()
            points.append(Point(n, seconds, rss_mb(),
                                sum(rss_mb(p) for p in pids) if pids else float("nan"),
                                worker.started))
            if n == 1 and trace:
                first_snapshot = tracemalloc.take_snapshot()
            if n == 1 or n % 10 == 0:
                p = points[-1]
                print(f"  after summary {n:3}: bot {p.bot:6.1f} MB, worker {p.worker:6.1f} MB"
                      f" ({len(pids)} alive, {p.workers_started} started)", flush=True)
        await asyncio.sleep(pause)
        if first_snapshot is not None:
            _grown(first_snapshot)
    finally:
        traffic.cancel()
        while soak.in_flight:
            await asyncio.sleep(0.001)
        await soak.forget()
        await soak.app.shutdown()
    return points


def _latencies(samples: list[Sample], loaded: bool, names: tuple[str, ...] | None = None
               ) -> list[float]:
    return [s.seconds for s in samples
            if s.loaded == loaded and (names is None or s.command in names)]


def report(soak: Soak, points: list[Point], args: argparse.Namespace) -> None:
    first, last = points[0], points[-1]
    ms = 1000.0
    print(f"soak ({len(soak.groups)} groups x {args.tasks:,} tasks, {len(points)} summaries, "
          f"other chats {args.rate:g} updates a second)")
    print(f"  summary, median: {statistics.median(p.seconds for p in points) * ms:.0f} ms")
    growth = last.bot - first.bot
    print(f"  bot RSS after summary 1: {first.bot:.1f} MB, after {last.number}: "
          f"{last.bot:.1f} MB, difference {growth:+.1f} MB (goal <= {MEMORY_GOAL:g})")
    print(f"  bot RSS, highest after a summary: {max(p.bot for p in points):.1f} MB")
    workers = [p.worker for p in points if p.worker == p.worker]
    if workers:
        print(f"  worker RSS after summary 1: {first.worker:.1f} MB, after {last.number}: "
              f"{last.worker:.1f} MB, highest {max(workers):.1f} MB; "
              f"{last.workers_started} worker processes started")
    for label, names in (("all", None), ("reads", READS), ("writes", WRITES)):
        idle, loaded = _latencies(soak.samples, False, names), _latencies(soak.samples, True,
                                                                          names)
        if not idle or not loaded:
            continue
        ratio = percentile(loaded, .99) / percentile(idle, .99)
        print(f"  other chats, {label:6}: p50 {percentile(idle, .5) * ms:.2f} / "
              f"{percentile(loaded, .5) * ms:.2f} ms, p99 {percentile(idle, .99) * ms:.2f} / "
              f"{percentile(loaded, .99) * ms:.2f} ms, no summary / summary running "
              f"({len(idle)} / {len(loaded)} updates); p99 ratio {ratio:.2f}"
              + (f" (goal <= {LATENCY_GOAL:g})" if names is None else ""))
    if soak.errors:
        print(f"!! {len(soak.errors)} errors, first: {soak.errors[0]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=50)
    parser.add_argument("--tasks", type=int, default=500)
    parser.add_argument("--summaries", type=int, default=50)
    parser.add_argument("--rate", type=float, default=10.0,
                        help="other chats' updates a second")
    parser.add_argument("--pause", type=float, default=1.0,
                        help="seconds with no summary running before each one")
    parser.add_argument("--trace", action="store_true",
                        help="also show where Python memory grew (tracemalloc: slower, "
                             "and its own memory counts in RSS)")
    args = parser.parse_args()
    if args.trace:
        tracemalloc.start()
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        groups = write_workspaces(data_dir, args.groups, args.tasks)
        soak = Soak(data_dir, groups, args.rate)
        points = asyncio.run(run(soak, args.summaries, args.pause, args.trace))
    report(soak, points, args)
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
