"""Benchmark of the foundation: reads and writes through the real Application, against floors.

Run by hand: `.venv/bin/python -m bench.bench_core [--workspaces 100] [--tasks 1000]`.
Reads are compared with an echo command measured in the same run; writes with the echo plus
one fsync'd atomic replace of a file the size of that workspace's data.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CommandHandler

from bench.generate import NOW, SECRETARY, write_workspaces
from bot.clock import FixedClock
from bot.settings import Settings
from handlers.application import build_application
from store.storage import atomic_write
from tests.fakes import Limits, LocalBotAPI, LocalRequest, message_update

ROOT = Path(__file__).resolve().parent.parent


def _rss_mb() -> float:
    """Resident memory now (Linux), to show where the peak comes from."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except OSError:
        return float("nan")
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _stats(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered), p99


async def _echo(update: Update, context: Any) -> None:
    """The floor: parse an update, send one short message."""
    assert update.effective_chat is not None
    await context.bot.send_message(update.effective_chat.id, "echo")


async def _echo_same(update: Update, context: Any) -> None:
    """A second reference: send the very reply an operation produced, with no work behind it."""
    assert update.effective_chat is not None
    text, markup = context.bot_data["bench.reply"]
    await context.bot.send_message(update.effective_chat.id, text, reply_markup=markup)


async def run(data_dir: Path, chat_ids: list[int], rounds: int) -> dict[str, list[float]]:
    api = LocalBotAPI("123456:BENCH", limits=Limits.unlimited())
    for chat_id in chat_ids:
        api.add_chat(chat_id, "supergroup", f"Tổ {chat_id}")
    app = build_application(
        Settings(token="123456:BENCH", data_dir=data_dir), clock=FixedClock(NOW),
        request=LocalRequest(api), rate_limiter=False,
    )
    # First in group 0, so the fallback's "unknown command" does not answer it too.
    app.handlers[0].insert(0, CommandHandler("echo", _echo))
    app.handlers[0].insert(0, CommandHandler("echosame", _echo_same))
    await app.initialize()
    print(f"  memory after loading every workspace: {_rss_mb():.0f} MB")

    async def command(chat_id: int, text: str) -> float:
        update = Update.de_json(
            message_update(api, chat_id=chat_id, user_id=SECRETARY, text=text,
                           first_name="Thư ký"),
            app.bot,
        )
        start = time.perf_counter()
        await app.process_update(update)
        return time.perf_counter() - start

    samples: dict[str, list[float]] = {k: [] for k in (
        "echo", "status", "overdue", "card", "done", "floor_write",
        "same:status", "same:overdue", "same:card", "same:done")}

    async def same_reply(name: str, chat_id: int) -> None:
        sent = [c for c in api.calls if c.method == "sendMessage" and c.ok]
        params = sent[-1].params
        markup = params.get("reply_markup")
        app.bot_data["bench.reply"] = (
            params["text"], InlineKeyboardMarkup.de_json(markup, app.bot) if markup else None,
        )
        samples[f"same:{name}"].append(await command(chat_id, "/echosame"))
    ops: dict[str, Callable[[int, int], str]] = {
        "echo": lambda _c, _i: "/echo",
        "status": lambda _c, _i: "/status",
        "overdue": lambda _c, _i: "/overdue",
        "card": lambda _c, i: f"/task {1 + (i * 37) % 1000}",
    }
    errors: list[Any] = []
    # Warm every workspace once, as a running bot would be.
    for chat_id in chat_ids:
        await command(chat_id, "/status")
    print(f"  memory after one /status in each: {_rss_mb():.0f} MB")
    for i in range(rounds):
        chat_id = chat_ids[i % len(chat_ids)]
        for name, make in ops.items():  # interleaved, so noise hits every series alike
            samples[name].append(await command(chat_id, make(chat_id, i)))
            if name != "echo":
                await same_reply(name, chat_id)
        samples["done"].append(await command(chat_id, f"/done {1 + (i * 53) % 1000}"))
        await same_reply("done", chat_id)
        size = (data_dir / "workspaces" / f"{chat_id}.json").stat().st_size
        payload = os.urandom(size)
        start = time.perf_counter()
        atomic_write(data_dir / "floor.bin", payload)
        samples["floor_write"].append(time.perf_counter() - start + samples["echo"][-1])
        # The fake API keeps every call and message; drop them so they do not count as the
        # bot's memory.
        errors += [c for c in api.calls if not c.ok]
        api.forget_messages()
    errors += [c for c in api.calls if not c.ok]
    print(f"  memory at the end: {_rss_mb():.0f} MB")
    if errors:
        print(f"!! {len(errors)} Bot API errors, first: {errors[0]}")
    await app.shutdown()
    return samples


def startup_seconds(data_dir: Path) -> float:
    """Wall time of a fresh process that imports, opens every file and initialises the bot."""
    code = (
        "import asyncio,time;t=time.perf_counter();"
        f"from bench.bench_core import _startup;asyncio.run(_startup({str(data_dir)!r}));"
        "print(time.perf_counter()-t)"
    )
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         check=True)
    total = time.perf_counter() - start
    print(f"  (in-process part {float(out.stdout.strip()):.3f} s)")
    return total


async def _startup(data_dir: str) -> None:
    api = LocalBotAPI("123456:BENCH", limits=Limits.unlimited())
    app = build_application(Settings(token="123456:BENCH", data_dir=Path(data_dir)),
                            request=LocalRequest(api), rate_limiter=False)
    await app.initialize()
    if app.post_init:
        await app.post_init(app)
    await app.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workspaces", type=int, default=100)
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        start = time.perf_counter()
        chat_ids = write_workspaces(data_dir, args.workspaces, args.tasks)
        print(f"generated {args.workspaces} x {args.tasks} tasks in "
              f"{time.perf_counter() - start:.1f} s")
        print(f"start-up: {startup_seconds(data_dir):.3f} s (target <= 2 s)")
        samples = asyncio.run(run(data_dir, chat_ids, args.rounds))
        echo, _ = _stats(samples["echo"])
        floor, _ = _stats(samples["floor_write"])
        print(f"{'op':10} {'median ms':>10} {'p99 ms':>8} {'ratio':>6}  floor"
              "          | same reply sent by an echo: median ms, op/that")
        for name in ("echo", "status", "overdue", "card", "done"):
            med, p99 = _stats(samples[name])
            base, label = (floor, "echo+fsync'd replace") if name == "done" else (echo, "echo")
            line = f"{name:10} {med * 1e3:10.3f} {p99 * 1e3:8.3f} {med / base:6.2f}  {label:20}"
            if name != "echo":
                same, _ = _stats(samples[f"same:{name}"])
                line += f" | {same * 1e3:.3f} ms, {med / same:.2f}"
            print(line)
        print(f"floor write (echo + replace): {floor * 1e3:.3f} ms median")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
        print(f"peak memory (this process, all {args.workspaces} workspaces loaded): "
              f"{peak:.0f} MB (target <= 200 MB)")


if __name__ == "__main__":
    main()
