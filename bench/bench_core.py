"""Benchmark of the foundation: every read and write command through the real Application.

Run by hand: `.venv/bin/python -m bench.bench_core [--workspaces 100] [--tasks 1000]`.
Each command is compared with its floor, measured in the same run, interleaved with it: for a
read, an echo that sends the very same reply (the same Bot API calls with the same text and
buttons, and no work behind them); for a write, that echo plus one fsync'd atomic replace of a
file the size of that workspace's data. `--profile FILE` writes cProfile's statistics of the
measured rounds (`python -m pstats FILE`).
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import cProfile
import itertools
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bench.generate import NOW, PROVINCES, SECRETARY
from bot.clock import FixedClock
from bot.model import Task
from bot.settings import Settings
from handlers.application import build_application
from handlers.services import services
from store.storage import atomic_write
from tests.fake_server import FakeTelegramServer
from tests.fakes import Call, Limits, LocalBotAPI, LocalRequest, callback_update, message_update

ROOT = Path(__file__).resolve().parent.parent
READ_GOAL = (1.3, 2.0)  # at most this times the floor: at the median, at p99
WRITE_GOAL = (1.3, None)  # the median only: a write's p99 is the disk's
STARTUP_GOAL = 1.0  # seconds to the first getUpdates
MEMORY_GOAL = 150  # MB, peak


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


# -- the floor: the same reply, sent by a handler that does nothing else --------------------


async def _replay(context: Any, calls: list[Call], query: Any = None) -> None:
    """Make the Bot API calls an operation made, as it made them; a button's edits and answer
    go to the echo's own message and query."""
    bot = context.bot
    for call in calls:
        params = call.params
        markup = params.get("reply_markup")
        buttons = InlineKeyboardMarkup.de_json(markup, bot) if markup else None
        if call.method == "sendMessage":
            await bot.send_message(params["chat_id"], params["text"], reply_markup=buttons)
        elif call.method == "editMessageText":
            await query.edit_message_text(params["text"], reply_markup=buttons)
        elif call.method == "answerCallbackQuery":
            await query.answer(params.get("text"), show_alert=params.get("show_alert", False))
        else:
            raise ValueError(f"the echo does not replay {call.method}")


async def _echo_command(update: Update, context: Any) -> None:
    """The floor of a command: send the very reply the command sent."""
    await _replay(context, context.bot_data["bench.reply"])


async def _echo_button(update: Update, context: Any) -> None:
    """The floor of a button press: answer and edit as the press did."""
    await _replay(context, context.bot_data["bench.reply"], update.callback_query)


# -- the run --------------------------------------------------------------------------------


@dataclass
class Measure:
    """One command: its name as it is typed, whether it writes, and its timings."""

    name: str
    writes: bool
    times: list[float] = field(default_factory=list)
    floors: list[float] = field(default_factory=list)


class Bench:
    """The real Application on the fake Bot API, and the updates a benchmark feeds it."""

    def __init__(self, app: Application[Any, Any, Any, Any, Any, Any], api: LocalBotAPI,
                 data_dir: Path) -> None:
        self.app = app
        self.api = api
        self.data_dir = data_dir

    async def _process(self, update: dict[str, Any]) -> tuple[float, list[Call]]:
        before = len(self.api.calls)
        parsed = Update.de_json(update, self.app.bot)
        start = time.perf_counter()
        await self.app.process_update(parsed)
        elapsed = time.perf_counter() - start
        calls = self.api.calls[before:]
        failed = [c for c in calls if not c.ok]
        if failed:
            raise RuntimeError(f"Bot API error in the benchmark: {failed[0]}")
        return elapsed, calls

    async def command(self, chat_id: int, text: str) -> tuple[float, list[Call]]:
        return await self._process(message_update(
            self.api, chat_id=chat_id, user_id=SECRETARY, text=text, first_name="Thư ký"))

    async def press(self, chat_id: int, message_id: int, data: str) -> tuple[float, list[Call]]:
        return await self._process(callback_update(
            self.api, chat_id=chat_id, user_id=SECRETARY, message_id=message_id, data=data,
            first_name="Thư ký", check_button=data.startswith("task:")))

    async def echo_command(self, chat_id: int, calls: list[Call]) -> float:
        self.app.bot_data["bench.reply"] = calls
        return (await self.command(chat_id, "/benchecho"))[0]

    async def echo_press(self, chat_id: int, calls: list[Call], shown: Call) -> float:
        """The same answer and edit, on a copy of the message that was pressed."""
        params = shown.params
        copy = self.api.call("sendMessage", {
            "chat_id": chat_id, "text": params["text"], "parse_mode": "HTML",
            "reply_markup": params.get("reply_markup")})
        self.app.bot_data["bench.reply"] = calls
        return (await self.press(chat_id, copy["message_id"], "benchecho"))[0]

    def replace_seconds(self, chat_id: int) -> float:
        """One fsync'd atomic replace of a file the size of the workspace's data file."""
        size = (self.data_dir / "workspaces" / f"{chat_id}.json").stat().st_size
        payload = os.urandom(size)
        start = time.perf_counter()
        atomic_write(self.data_dir / "floor.bin", payload)
        return time.perf_counter() - start


def _open_tasks(app: Application[Any, Any, Any, Any, Any, Any], chat_id: int) -> list[int]:
    store = services(app).registry.get(chat_id)
    assert store is not None
    tasks: list[Task] = store.tasks()
    return [t.number for t in tasks if not t.is_closed]


async def run(data_dir: Path, chat_ids: list[int], rounds: int,
              profile: Path | None = None) -> tuple[list[Measure], float]:
    """The measures, and the memory once every workspace's tasks are read (MB)."""
    api = LocalBotAPI("123456:BENCH", limits=Limits.unlimited())
    for chat_id in chat_ids:
        api.add_chat(chat_id, "supergroup", f"Tổ {chat_id}")
    app = build_application(
        Settings(token="123456:BENCH", data_dir=data_dir), clock=FixedClock(NOW),
        request=LocalRequest(api), rate_limiter=False,
    )
    # First in group 0, so the fallback's "unknown command" does not answer them too.
    app.handlers[0].insert(0, CommandHandler("benchecho", _echo_command))
    app.handlers[0].insert(0, CallbackQueryHandler(_echo_button, pattern="^benchecho$"))
    await app.initialize()
    print(f"  memory after loading every workspace: {_rss_mb():.0f} MB")
    bench = Bench(app, api, data_dir)
    # Open tasks, taken in turn by the writes, so that every write changes something.
    open_tasks = {c: iter(_open_tasks(app, c)) for c in chat_ids}
    reads: dict[str, Callable[[int, int], str]] = {
        "/trangthai": lambda _c, _i: "/trangthai",
        "/quahan": lambda _c, _i: "/quahan",
        "/theodonvi": lambda _c, _i: "/theodonvi",
        "/donvi": lambda _c, i: f"/donvi {PROVINCES[i % len(PROVINCES)]}",
        "/sapden": lambda _c, _i: "/sapden",
        "/timkiem": lambda _c, i: ("/timkiem thanh toán", "/timkiem hồ sơ")[i % 2],
    }
    measures = {name: Measure(name, False) for name in (*reads, "/viec")}
    measures.update((name, Measure(name, True)) for name in ("/xong", "/tiendo", "button"))
    # Warm every workspace once, as a running bot would be.
    for chat_id in chat_ids:
        await bench.command(chat_id, "/trangthai")
    loaded = _rss_mb()
    print(f"  memory after one /trangthai in each: {loaded:.0f} MB")
    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    for i in range(rounds):
        chat_id = chat_ids[i % len(chat_ids)]
        # Interleaved, each beside its floor, so that noise hits every series alike.
        for name, make in reads.items():
            elapsed, calls = await bench.command(chat_id, make(chat_id, i))
            measures[name].times.append(elapsed)
            measures[name].floors.append(await bench.echo_command(chat_id, calls))
        pressed, done, moved = itertools.islice(open_tasks[chat_id], 3)
        elapsed, calls = await bench.command(chat_id, f"/viec {pressed}")
        measures["/viec"].times.append(elapsed)
        measures["/viec"].floors.append(await bench.echo_command(chat_id, calls))
        card = calls[-1]
        for name, (elapsed, calls) in (
            ("/xong", await bench.command(chat_id, f"/xong {done}")),
            ("/tiendo", await bench.command(chat_id, f"/tiendo {moved} {10 + i % 9 * 10}")),
            ("button", await bench.press(chat_id, card.result["message_id"],
                                         f"task:done::{pressed}")),
        ):
            measures[name].times.append(elapsed)
            echo = (await bench.echo_press(chat_id, calls, card) if name == "button"
                    else await bench.echo_command(chat_id, calls))
            measures[name].floors.append(echo + bench.replace_seconds(chat_id))
        # The fake API keeps every call and message; drop them so they do not count as the
        # bot's memory.
        api.forget_messages()
    if profiler and profile:
        profiler.disable()
        profiler.dump_stats(profile)
    print(f"  memory at the end: {_rss_mb():.0f} MB")
    await app.shutdown()
    return list(measures.values()), loaded


@dataclass(frozen=True)
class Startup:
    """A fresh `python bot.py` on the data: when it polled first, and answered first."""

    ready: float  # seconds from the process's start to its first getUpdates
    answer: float  # to its answer to a /trangthai waiting for it there


def startup_seconds(data_dir: Path, chat_id: int) -> Startup:
    """Start `python bot.py` against the fake Bot API over HTTP, with a /trangthai waiting."""
    api = LocalBotAPI("123456:BENCH", limits=Limits.unlimited())
    api.add_chat(chat_id, "supergroup", f"Tổ {chat_id}")
    api.push_update(message_update(api, chat_id=chat_id, user_id=SECRETARY, text="/trangthai",
                                   first_name="Thư ký"))
    polls: list[float] = []
    begin_poll = api.begin_poll

    def first_poll() -> int:
        polls.append(time.perf_counter())
        return begin_poll()

    api.begin_poll = first_poll  # type: ignore[method-assign]
    # Bytecode as the Docker image has it (compiled at build): here PYTHONDONTWRITEBYTECODE
    # may have left the newest modules uncompiled, which every start would compile again.
    for folder in ("bot", "handlers", "store"):
        compileall.compile_dir(ROOT / folder, quiet=1)
    with FakeTelegramServer(api) as server:
        env = {**os.environ, "TELEGRAM_BOT_TOKEN": api.token, "TELEGRAM_API_URL": server.api_url,
               "DONDOC_DATA_DIR": str(data_dir), "DONDOC_FAKE_NOW": NOW.isoformat()}
        start = time.perf_counter()
        bot = subprocess.Popen([sys.executable, "bot.py"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            # Reminders may come first: the answer is the message that starts as /status's.
            server.wait_for(lambda: any(t.startswith("📊") for t in api.texts(chat_id)),
                            timeout=120)
            answered = time.perf_counter()
        finally:
            bot.terminate()
            bot.wait()
    return Startup(polls[0] - start, answered - start)


def import_floor_seconds() -> float:
    """A fresh Python that only imports what any bot of this kind needs (PTB with its HTTP
    client and job queue, Jinja2, TinyDB): the part of a start no code of ours can remove."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import telegram.ext, jinja2, tinydb, orjson"],
                   cwd=ROOT, check=True)
    return time.perf_counter() - start


def _generate(data_dir: Path, workspaces: int, tasks: int) -> list[int]:
    """The data, written by another process, so that its memory is not counted here."""
    code = ("import json,sys;from pathlib import Path;from bench.generate import write_workspaces;"
            f"print(json.dumps(write_workspaces(Path({str(data_dir)!r}), {workspaces}, {tasks})))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         check=True)
    chat_ids: list[int] = json.loads(out.stdout)
    return chat_ids


# -- the table ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One line of the table: a measure, its floor, and the goal for their ratio (or for the
    measure itself, where `floor` is None)."""

    measure: str
    value: str
    floor: str
    ratio: float | None
    goal: str
    met: bool


def timing_rows(measure: Measure) -> list[Row]:
    """The median and p99 of a command against those of its floor."""
    rows = []
    goals = WRITE_GOAL if measure.writes else READ_GOAL
    floor_name = "echo+replace" if measure.writes else "echo"
    for label, value, floor, goal in zip(
        ("median", "p99"), _stats(measure.times), _stats(measure.floors), goals, strict=True
    ):
        ratio = value / floor
        rows.append(Row(
            f"{measure.name} {label}", f"{value * 1e3:.2f} ms",
            f"{floor * 1e3:.2f} ms {floor_name}", ratio,
            f"<= {goal}x" if goal else "-", goal is None or ratio <= goal,
        ))
    return rows


def print_table(rows: list[Row]) -> None:
    header = ("measure", "value", "floor", "ratio", "goal", "met")
    table = [header] + [
        (r.measure, r.value, r.floor, f"{r.ratio:.2f}" if r.ratio is not None else "-",
         r.goal, "yes" if r.met else "NO")
        for r in rows
    ]
    widths = [max(len(line[c]) for line in table) for c in range(len(header))]
    for line in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workspaces", type=int, default=100)
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--profile", type=Path, help="write cProfile statistics here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        start = time.perf_counter()
        chat_ids = _generate(data_dir, args.workspaces, args.tasks)
        print(f"generated {args.workspaces} x {args.tasks} tasks in "
              f"{time.perf_counter() - start:.1f} s; load average {os.getloadavg()[0]:.2f}")
        startup = startup_seconds(data_dir, chat_ids[0])
        imports = min(import_floor_seconds() for _ in range(3))
        measures, loaded = asyncio.run(run(data_dir, chat_ids, args.rounds, args.profile))
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    rows = [row for measure in measures for row in timing_rows(measure)]
    rows.append(Row("start-up: first getUpdates", f"{startup.ready:.2f} s",
                    f"{imports:.2f} s imports", startup.ready / imports, f"<= {STARTUP_GOAL} s",
                    startup.ready <= STARTUP_GOAL))
    rows.append(Row("start-up: first answer", f"{startup.answer:.2f} s", "-", None, "-", True))
    rows.append(Row("peak memory", f"{peak:.0f} MB", f"{loaded:.0f} MB tasks read", peak / loaded,
                    f"<= {MEMORY_GOAL} MB", peak <= MEMORY_GOAL))
    print(f"{args.workspaces} workspaces x {args.tasks} tasks, {args.rounds} rounds; "
          f"load average {os.getloadavg()[0]:.2f}")
    print_table(rows)


if __name__ == "__main__":
    main()
