"""Benchmark of reminders: a morning burst against Telegram's limits, and the start-up rebuild.

Run by hand: `.venv/bin/python -m bench.bench_reminders [--workspaces 100] [--per 100]
[--speed 10] [--tasks 100000]`.

1. Burst: `workspaces` x `per` reminders due at the same minute, each to its own official in
   private, sent by the real Application (its Delivery, the store log) to the in-process fake
   Bot API enforcing Telegram's limits (30/s overall, 20/min per group, ~1/s per private
   chat). The least time the limits allow is messages / 30 s; the figure is that floor as a
   fraction of the time taken (goal >= 90%), with lost and duplicated messages counted.
   `speed` runs the clock of both sides that many times faster than real time, so that a
   five-minute burst takes half a minute; store writes (an fsync each) are not sped up, so a
   high speed understates the fraction.
2. Rebuild: the next wake-up of one workspace holding `tasks` tasks (goal <= 1 s), and of 100
   workspaces holding as many tasks between them.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import tempfile
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

from bot import reminders as plan
from bot.clock import FixedClock
from bot.model import Agency, AgencyKind, Member, Role, Task, UserPrefs
from bot.settings import Settings
from handlers import reminders
from handlers.application import build_application
from handlers.delivery import Delivery
from store.registry import Registry
from tests.fakes import Limits, LocalBotAPI, LocalRequest

TZ = "Asia/Ho_Chi_Minh"
VN = dt.timezone(dt.timedelta(hours=7))
MORNING = dt.datetime(2024, 7, 31, 8, 0, 30, tzinfo=VN)
CREATED = dt.datetime(2024, 7, 1, 9, tzinfo=VN)
DEADLINE = dt.date(2024, 8, 7)  # seven days later: every task has its reminder this morning
TOKEN = "123456:BENCH"


def _task(number: int, title: str, deadline: dt.date, responsible: tuple[int, ...]) -> Task:
    return Task(number=number, title=title, lead="nghe-an", deadline=deadline,
                created_at=CREATED, created_by=1, responsible=responsible)


def write_burst(data_dir: Path, workspaces: int, per: int) -> list[int]:
    """`workspaces` groups, each with `per` officials who started the bot and one task each."""
    registry = Registry(data_dir)
    groups = []
    for w in range(workspaces):
        group = -1_000_000_000_000 - w
        groups.append(group)
        store = registry.create(group, f"Tổ {w}", lang="vi", tz=TZ, at=CREATED)
        rs = store.reminders
        rs.save_policy(replace(rs.policy(), group_daily=False, escalate_after=None))
        with store.transaction():
            store.save_agency(Agency("nghe-an", "UBND tỉnh Nghệ An", "Nghệ An", (),
                                     AgencyKind.PROVINCE), actor=1, at=CREATED)
            for i in range(per):
                user = 10_000 + w * per + i
                store.save_member(Member(user, f"Cán bộ {user}", Role.MEMBER, agency="nghe-an"),
                                  actor=1, at=CREATED)
                store.add_task(_task(0, f"Nhiệm vụ {i} của tổ {w}", DEADLINE, (user,)),
                               actor=1, at=CREATED)
                registry.users.save(UserPrefs(user, has_private_chat=True))
    registry.close()  # the bot's process opens the directory next
    return groups


async def burst(data_dir: Path, groups: list[int], per: int, speed: float) -> dict[str, float]:
    """Wake every workspace at once, as the JobQueue does at 08:00; time the deliveries."""
    origin = time.monotonic()

    def scaled() -> float:
        return (time.monotonic() - origin) * speed

    async def scaled_sleep(seconds: float) -> None:
        await asyncio.sleep(seconds / speed)

    api = LocalBotAPI(TOKEN, limits=Limits(), clock=scaled)
    for g in groups:
        api.add_chat(g, "supergroup", f"Tổ {g}")
    first_user = 10_000
    for user in range(first_user, first_user + len(groups) * per):
        api.add_chat(user, "private", first_name=f"Cán bộ {user}")
    settings = Settings(token=TOKEN, data_dir=data_dir)
    app = build_application(settings, clock=FixedClock(MORNING), request=LocalRequest(api),
                            delivery=Delivery(clock=scaled, sleep=scaled_sleep))
    await app.initialize()
    start = scaled()
    counts = await asyncio.gather(*(reminders.run_due(app, g) for g in groups))
    elapsed = scaled() - start
    await app.shutdown()
    sent = [c for c in api.sent("sendMessage")]
    per_chat = Counter(c.chat_id for c in sent)
    expected = len(groups) * per
    floor = expected / 30.0
    return {
        "messages": float(sum(counts)),
        "elapsed_s": elapsed,
        "floor_s": floor,
        "fraction": floor / elapsed if elapsed else 0.0,
        "lost": float(expected - len(per_chat)),
        "duplicated": float(sum(n - 1 for n in per_chat.values() if n > 1)),
        "refused_429": float(sum(1 for c in api.calls if c.error is not None
                                 and getattr(c.error, "error_code", 0) == 429)),
    }


def rebuild(tasks: int) -> dict[str, float]:
    """The next wake-up computed from scratch, as at start-up."""
    rng = random.Random(7)
    today = MORNING.date()
    pool = [_task(n, f"Nhiệm vụ {n}", today + dt.timedelta(days=rng.randint(-60, 400)), (n,))
            for n in range(1, tasks + 1)]
    policy = plan.ReminderPolicy()
    began = time.perf_counter()
    plan.next_wakeup(pool, policy, MORNING, TZ)
    one = time.perf_counter() - began
    # Worst case: nothing due soon anywhere, so no task can end the search early.
    far = [_task(t.number, t.title, today + dt.timedelta(days=30 + t.number % 300), (1,))
           for t in pool]
    began = time.perf_counter()
    plan.next_wakeup(far, policy, MORNING, TZ)
    worst = time.perf_counter() - began
    chunk = max(tasks // 100, 1)
    began = time.perf_counter()
    for start in range(0, tasks, chunk):
        plan.next_wakeup(pool[start:start + chunk], policy, MORNING, TZ)
    spread = time.perf_counter() - began
    return {"one_workspace_s": one, "one_workspace_worst_s": worst,
            "hundred_workspaces_s": spread}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspaces", type=int, default=100)
    parser.add_argument("--per", type=int, default=100)
    parser.add_argument("--speed", type=float, default=10.0)
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--data", type=Path, default=None, help="data directory (default: temp)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dondoc-bench-") as tmp:
        data_dir = args.data or Path(tmp)
        groups = write_burst(data_dir, args.workspaces, args.per)
        result = asyncio.run(burst(data_dir, groups, args.per, args.speed))
    print(f"burst: {int(result['messages'])} messages in {result['elapsed_s']:.1f} s "
          f"(floor {result['floor_s']:.1f} s at 30/s, speed x{args.speed:g}): "
          f"{100 * result['fraction']:.1f}% of the ceiling; lost {int(result['lost'])}, "
          f"duplicated {int(result['duplicated'])}, 429 answers {int(result['refused_429'])}")
    times = rebuild(args.tasks)
    print(f"rebuild, {args.tasks} tasks: one workspace {times['one_workspace_s']:.3f} s "
          f"(worst case {times['one_workspace_worst_s']:.3f} s), "
          f"100 workspaces {times['hundred_workspaces_s']:.3f} s")


if __name__ == "__main__":
    main()
