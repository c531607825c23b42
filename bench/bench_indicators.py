"""Benchmark of the indicator ranking: 63 agencies x 12 indicators x 8 periods, against an echo.

Run by hand: `.venv/bin/python -m bench.bench_indicators [--rounds 300]`.
One workspace holds 63 provinces and 12 indicators, each reported by every province for 8
periods (6,048 values in the workspace file). `/indicators <name>` (the ranking of the
latest period, with its buttons) goes through the real Application and the in-process fake
Bot API, interleaved with an echo command that sends the very same reply (every part of it,
with the same buttons) with no work behind it, registered just before /indicators so that it
is reached through the same handlers. Both series are measured in the same run, so
the ratio is what the ranking itself costs. Each round changes one value first (as a report
does), then asks for that indicator's ranking twice: right after the change, when nothing
derived from the old data may be reused ("rank_fresh"), and again ("rank").

Both wall time and the main thread's CPU time are measured (everything, the fake Bot API
included, runs in that thread): on a shared, loaded machine the CPU time is the steadier
figure, as waiting for a core is not counted in it.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CommandHandler

from bot.clock import FixedClock
from bot.indicators import Entry, Indicator, Reporters
from bot.model import Agency, AgencyKind, Member, Role
from bot.periods import Frequency, ReportPeriod
from bot.settings import Settings
from handlers import reminders
from handlers.application import build_application
from handlers.services import services
from tests.factories import NOW
from tests.fakes import Limits, LocalBotAPI, LocalRequest, message_update

CHAT = -1009000000001
SECRETARY = 7001
PROVINCES = 63
INDICATORS = 12
PERIODS = [ReportPeriod.months(2022 + q // 4, 3 * (q % 4) + 1, 3 * (q % 4) + 3)
           for q in range(8)]  # quarters of 2022 and 2023
TARGET_RATIO = 1.3


def fill(app: Any) -> list[Indicator]:
    """The workspace: 63 provinces, 12 indicators, 8 quarters of values from every province."""
    store = services(app).registry.create(CHAT, "Tổ công tác (bench)", lang="vi",
                                          tz="Asia/Ho_Chi_Minh", at=NOW)
    rng = random.Random(766)
    with store.transaction():
        store.save_member(Member(SECRETARY, "Thư ký", Role.SECRETARY), actor=0, at=NOW)
        for n in range(PROVINCES):
            store.save_agency(Agency(f"tinh-{n:02d}", f"UBND tỉnh số {n:02d}",
                                     f"Tỉnh số {n:02d}", (), AgencyKind.PROVINCE),
                              actor=SECRETARY, at=NOW)
        indicators = [
            store.indicators.save(Indicator(
                number=0, name=f"Chỉ số thứ {i + 1} của Bộ chỉ số 766",
                short_name=f"Chỉ số {chr(65 + i)}", target=80.0, frequency=Frequency.QUARTER,
                reporters=Reporters.PROVINCES), actor=SECRETARY, at=NOW)
            for i in range(INDICATORS)
        ]
        entries = [Entry(ind.number, f"tinh-{n:02d}", period, round(rng.uniform(40, 100), 2))
                   for ind in indicators for period in PERIODS for n in range(PROVINCES)]
        store.indicators.report(entries, actor=SECRETARY, at=NOW)
    return indicators


async def _echo_same(update: Update, context: Any) -> None:
    """Send the very reply the ranking produced (all its parts), with no work behind it."""
    assert update.effective_chat is not None
    for text, markup in context.bot_data["bench.reply"]:
        await context.bot.send_message(update.effective_chat.id, text, reply_markup=markup)


async def run(rounds: int, data_dir: Path) -> dict[str, list[float]]:
    api = LocalBotAPI("123456:BENCH", limits=Limits.unlimited())
    api.add_chat(CHAT, "supergroup", "Tổ công tác (bench)")
    app = build_application(Settings(token="123456:BENCH", data_dir=data_dir),
                            clock=FixedClock(NOW), request=LocalRequest(api), rate_limiter=False)
    # The echo sits just before /indicators among the handlers, so reaching it costs the same
    # routing (the commands tried before it); what differs is the ranking's own work.
    group = app.handlers[0]
    at = next(i for i, h in enumerate(group)
              if isinstance(h, CommandHandler) and "indicators" in h.commands)
    group.insert(at, CommandHandler("echosame", _echo_same))
    await app.initialize()
    indicators = fill(app)
    store = services(app).registry.get(CHAT)
    assert store is not None

    async def command(text: str) -> tuple[float, float, list[Any]]:
        update = Update.de_json(message_update(api, chat_id=CHAT, user_id=SECRETARY, text=text,
                                               first_name="Thư ký"), app.bot)
        start_calls = len(api.calls)
        start, cpu = time.perf_counter(), time.thread_time()
        await app.process_update(update)
        return (time.perf_counter() - start, time.thread_time() - cpu,
                api.calls[start_calls:])

    names = ("rank", "same", "rank_fresh", "same_fresh")
    samples: dict[str, list[float]] = {k: [] for k in names + tuple(f"cpu:{n}" for n in names)}
    errors: list[Any] = []

    async def measure(name: str, text: str) -> None:
        elapsed, cpu, calls = await command(text)
        sent = [c for c in calls if c.method == "sendMessage" and c.ok]
        assert sent, f"{text} sent nothing"
        app.bot_data["bench.reply"] = [
            (c.params["text"], InlineKeyboardMarkup.de_json(c.params["reply_markup"], app.bot)
             if c.params.get("reply_markup") else None) for c in sent
        ]
        same, same_cpu, _ = await command("/echosame")
        echo = "same" if name == "rank" else "same_fresh"
        samples[name].append(elapsed)
        samples[echo].append(same)
        samples[f"cpu:{name}"].append(cpu)
        samples[f"cpu:{echo}"].append(same_cpu)
        errors.extend(c for c in api.calls if not c.ok)
        api.forget_messages()

    for indicator in indicators:  # warm: templates compiled, fuzzy matcher loaded
        await measure("rank", f"/chiso {indicator.label}")
    for key in samples:
        samples[key].clear()
    for i in range(rounds):
        indicator = indicators[i % INDICATORS]
        # A value changes, as a report would change it (the report's own update then
        # reschedules the reminders): the next ranking starts from the new data.
        store.indicators.report([Entry(indicator.number, f"tinh-{i % PROVINCES:02d}",
                                       PERIODS[-1], 40.0 + (i % 60))], actor=SECRETARY, at=NOW)
        reminders.reschedule(app, CHAT)
        await measure("rank_fresh", f"/chiso {indicator.label}")
        # The same question again, nothing changed since.
        await measure("rank", f"/chiso {indicator.label}")
    if errors:
        print(f"!! {len(errors)} Bot API errors, first: {errors[0]}")
    await app.shutdown()
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        samples = asyncio.run(run(args.rounds, Path(tmp)))
    med = {k: statistics.median(v) for k, v in samples.items()}
    print(f"{PROVINCES} agencies x {INDICATORS} indicators x {len(PERIODS)} periods, "
          f"{args.rounds} rounds (medians; 'paired': median of each round's op/echo)")
    for clock, prefix in (("wall", ""), ("cpu ", "cpu:")):
        for name, same in (("rank", "same"), ("rank_fresh", "same_fresh")):
            op, echo = med[prefix + name], med[prefix + same]
            paired = statistics.median(
                a / b for a, b in zip(samples[prefix + name], samples[prefix + same],
                                      strict=True))
            verdict = "ok" if op / echo <= TARGET_RATIO else "over target"
            print(f"{clock} {name:11} {op * 1e3:7.3f} ms | same reply by an echo "
                  f"{echo * 1e3:7.3f} ms | ratio {op / echo:.2f}, paired {paired:.2f} "
                  f"(target <= {TARGET_RATIO}) {verdict}")


if __name__ == "__main__":
    main()
