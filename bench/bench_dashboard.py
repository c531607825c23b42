"""Dashboard: each view of a 1,000-task workspace served over HTTP, server time per request.

The server time is what the dashboard's middleware measures around the handler (the
``Server-Timing`` header: the core's figures, the filters and sorting, the template); the
round trip adds aiohttp's parsing and loopback. Only the overview keeps figures between
requests (a Ledger, re-classifying what changed); "right after a change" reports a task's
progress before each request, so each one counts the change.

    .venv/bin/python -m bench.bench_dashboard [--runs 31]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import time
from urllib.parse import urlencode

from aiohttp.test_utils import TestClient, TestServer

from bench.bench_summary import NOW, TZ, workspace
from bot import taskops
from bot.clock import FixedClock
from bot.render import Renderer
from bot.settings import Settings
from handlers.dashboard.auth import init_data_for
from handlers.dashboard.server import Dashboard
from handlers.services import Services
from store.registry import Registry
from store.workspace import WorkspaceStore

TOKEN = "1:bench"
WS = -100
GOALS = {"tasks table, 1,000 tasks (page 1)": 100.0, "overview": 50.0,
         "overview, right after a change": 50.0}


def _views() -> dict[str, str]:
    return {
        "tasks table, 1,000 tasks (page 1)": "tasks?" + urlencode({"ws": WS}),
        "tasks table, sorted by agency": "tasks?" + urlencode({"ws": WS, "sort": "agency"}),
        "tasks, one agency and class": "tasks?" + urlencode({"ws": WS, "agency": "p3",
                                                             "cls": "overdue"}),
        "tasks, searched, by deadline": "tasks?" + urlencode(
            {"ws": WS, "q": "don gian hoa", "sort": "deadline", "dir": "desc"}),
        "overview": "overview?" + urlencode({"ws": WS}),
        "overview, right after a change": "overview?" + urlencode({"ws": WS}),
        "one task's page": "task/500?" + urlencode({"ws": WS}),
        "agencies (60)": "agencies?" + urlencode({"ws": WS}),
        "meetings": "meetings?" + urlencode({"ws": WS}),
    }


async def _measure(runs: int) -> dict[str, tuple[list[float], list[float], int]]:
    registry = Registry(None)
    store = registry.create(WS, "Tổ công tác cải cách TTHC", lang="vi", tz=TZ, at=NOW)
    workspace(tasks=1000, agencies=60, store=store)
    settings = Settings(token=TOKEN, web_requests_per_minute=1_000_000)
    services = Services(settings, FixedClock(NOW), registry, Renderer())
    wall = FixedClock(dt.datetime.now(dt.UTC))
    dashboard = Dashboard(services, TOKEN, wall_clock=wall)
    headers = {"Authorization": "tma " + init_data_for(1, "Thư ký", TOKEN, at=wall())}
    results: dict[str, tuple[list[float], list[float], int]] = {}
    async with TestClient(TestServer(dashboard.app())) as client:
        for name, path in _views().items():
            server, trip = [], []
            size = 0
            for run in range(runs + 2):
                if "change" in name:
                    _change(store, run)
                started = time.perf_counter()
                response = await client.get("/api/" + path, headers=headers)
                body = await response.read()
                spent = (time.perf_counter() - started) * 1000
                assert response.status == 200, (name, response.status)
                if run >= 2:  # the first two compile the templates and warm the caches
                    server.append(float(response.headers["Server-Timing"].split("=")[1]))
                    trip.append(spent)
                size = len(body)
            results[name] = (server, trip, size)
    return results


def _change(store: WorkspaceStore, run: int) -> None:
    """Progress reported on one more open task: the next request counts it afresh."""
    task = [t for t in store.tasks() if not t.is_closed][run]
    changed = taskops.set_progress(task, (task.progress + 10) % 100, now=NOW, actor=1)
    assert not isinstance(changed, taskops.TaskError)
    store.save_task(changed, actor=1, at=NOW, action=taskops.audit_action(changed))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=31)
    args = parser.parse_args()
    results = asyncio.run(_measure(args.runs))
    print(f"1,000 tasks, 60 agencies, 4 meetings; {args.runs} requests per view")
    print(f"{'view':<32} {'server median':>14} {'round trip':>11} {'size':>9}  goal")
    met = True
    for name, (server, trip, size) in results.items():
        median = statistics.median(server)
        goal = GOALS.get(name)
        verdict = ""
        if goal is not None:
            ok = median <= goal
            met = met and ok
            verdict = f"≤ {goal:.0f} ms: {'met' if ok else 'NOT met'}"
        print(f"{name:<32} {median:11.1f} ms {statistics.median(trip):8.1f} ms "
              f"{size / 1024:7.0f} KB  {verdict}")
    print("goals:", "met" if met else "NOT met")


if __name__ == "__main__":
    main()
