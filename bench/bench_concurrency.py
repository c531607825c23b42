"""Benchmark of concurrency: group B's /status while group A's /summary (1,000 tasks) runs.

Run by hand: `.venv/bin/python -m bench.bench_concurrency [--rounds 5] [--tasks 1000]`.

Both groups hold `tasks` tasks. Updates go through the real Application's update processor,
each in its own task as polling does, against the in-process fake Bot API without flood
limits (the bench measures the bot's own work, not Telegram's pacing). Group B's `/trangthai`
is sent back to back: alone ("idle"), then while group A's `/tomtat` makes its message,
chart, .docx and PDF ("loaded"), interleaved round by round so noise hits both alike. The
figure is the p95 latency loaded as a ratio to p95 idle, in the same run (goal <= 2).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from telegram import Update

from bench.generate import NOW, SECRETARY, write_workspaces
from bot.clock import FixedClock
from bot.settings import Settings
from handlers.application import build_application
from handlers.ordering import handle
from tests.fakes import Limits, LocalBotAPI, LocalRequest, message_update

TOKEN = "123456:BENCH"
App = Any


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class Bench:
    """The Application, the fake API, and a way to send one command and time its handling."""

    def __init__(self, data_dir: Path, groups: list[int]) -> None:
        self.api = LocalBotAPI(TOKEN, limits=Limits.unlimited())
        for group in groups:
            self.api.add_chat(group, "supergroup", f"Tổ {group}")
        self.app = build_application(Settings(token=TOKEN, data_dir=data_dir),
                                     clock=FixedClock(NOW), request=LocalRequest(self.api),
                                     rate_limiter=False)

    def update(self, chat_id: int, text: str) -> Update:
        return Update.de_json(message_update(self.api, chat_id=chat_id, user_id=SECRETARY,
                                             text=text, first_name="Thư ký"), self.app.bot)

    def start(self, chat_id: int, text: str) -> asyncio.Task[None]:
        """Hand the update over as polling does: a task of its own."""
        return asyncio.ensure_future(handle(self.app, self.update(chat_id, text)))

    async def timed(self, chat_id: int, text: str) -> float:
        began = time.perf_counter()
        await self.start(chat_id, text)
        return time.perf_counter() - began


async def run(data_dir: Path, groups: list[int], rounds: int) -> dict[str, Any]:
    a, b = groups
    bench = Bench(data_dir, groups)
    await bench.app.initialize()
    began = time.perf_counter()
    await bench.timed(a, "/tomtat")  # imports and compiles once, as the first summary does
    first = time.perf_counter() - began
    for _ in range(20):
        await bench.timed(b, "/trangthai")
    idle: list[float] = []
    loaded: list[float] = []
    summaries: list[float] = []
    for _ in range(rounds):
        for _ in range(40):
            idle.append(await bench.timed(b, "/trangthai"))
            await asyncio.sleep(0.005)
        began = time.perf_counter()
        summary = bench.start(a, "/tomtat")
        while not summary.done():
            loaded.append(await bench.timed(b, "/trangthai"))
            await asyncio.sleep(0.005)
        await summary
        summaries.append(time.perf_counter() - began)
        bench.api.forget_messages()
    errors = [c for c in bench.api.calls if not c.ok]
    await bench.app.shutdown()
    return {"idle": idle, "loaded": loaded, "summaries": summaries, "first": first,
            "errors": errors}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--tasks", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        groups = write_workspaces(data_dir, 2, args.tasks)
        result = asyncio.run(run(data_dir, groups, args.rounds))
    idle, loaded = result["idle"], result["loaded"]
    ms = 1000.0
    print(f"concurrency ({args.tasks:,} tasks each, {args.rounds} summaries in group A)")
    print(f"  first summary after start-up: {result['first'] * ms:.0f} ms")
    print(f"  summary, median: {statistics.median(result['summaries']) * ms:.0f} ms")
    print(f"  /trangthai in group B, idle:   p50 {percentile(idle, .5) * ms:.2f} ms, "
          f"p95 {percentile(idle, .95) * ms:.2f} ms ({len(idle)} samples)")
    print(f"  /trangthai in group B, loaded: p50 {percentile(loaded, .5) * ms:.2f} ms, "
          f"p95 {percentile(loaded, .95) * ms:.2f} ms ({len(loaded)} samples)")
    ratio = percentile(loaded, .95) / percentile(idle, .95)
    print(f"  p95 loaded / p95 idle: {ratio:.2f} (goal <= 2)")
    if result["errors"]:
        print(f"!! {len(result['errors'])} Bot API errors, first: {result['errors'][0]}")


if __name__ == "__main__":
    main()
