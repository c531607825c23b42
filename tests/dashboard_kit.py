"""Test equipment for the dashboard: the demo workspace behind a Dashboard, and signed users."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from bot import demo
from bot.clock import FixedClock
from bot.model import Member, Role, Task
from bot.recurrence import Cadence, Recurrence
from bot.render import Renderer
from bot.settings import Settings
from handlers.dashboard.auth import init_data_for
from handlers.dashboard.server import Dashboard
from handlers.services import Services
from store.registry import Registry
from store.workspace import WorkspaceStore
from tests.factories import make_task

TOKEN = "123456:TEST-TOKEN"
# The day of the fifth meeting; the demo's figures hold whatever the day.
NOW = dt.datetime(2024, 7, 31, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
WS = demo.DEMO_CHAT_ID
OTHER_WS = -1009999999999  # another working group, where the demo's cast are not members
OUTSIDER = 4242  # a member of the other working group only


@dataclass
class Kit:
    """A Dashboard on the demo workspace (and another group), with its clocks and stores."""

    dashboard: Dashboard
    registry: Registry
    clock: FixedClock
    wall: FixedClock

    @property
    def store(self) -> WorkspaceStore:
        store = self.registry.get(WS)
        assert store is not None
        return store

    def auth(self, user_id: int, name: str = "Test", *, lang: str = "vi",
             at: dt.datetime | None = None) -> dict[str, str]:
        """The header a Mini App opened by `user_id` sends."""
        signed = init_data_for(user_id, name, TOKEN, at=at or self.wall(), language_code=lang)
        return {"Authorization": f"tma {signed}"}


def demo_registry(now: dt.datetime = NOW) -> Registry:
    """An in-memory registry with the demo workspace, and another group it has no part in."""
    registry = Registry(None)
    built = demo.build_demo(now.astimezone(ZoneInfo(demo.DEMO_TZ)).date())
    ws = built.workspace
    store = registry.create(ws.chat_id, ws.title, lang=ws.lang, tz=ws.tz, at=now)
    demo.install_demo(store, built, at=now)
    other = registry.create(OTHER_WS, "Ban chỉ đạo tỉnh", lang="vi", tz=ws.tz, at=now)
    other.save_member(Member(OUTSIDER, "Người ngoài", Role.SECRETARY), actor=0, at=now)
    return registry


def add_ongoing_and_periodic(store: WorkspaceStore) -> tuple[Task, Task]:
    """An ongoing task ("Thường xuyên") of VPCP and a monthly one of Hà Tĩnh, beside the
    demo's tasks, which all have a deadline."""
    ongoing = store.add_task(make_task("Theo dõi, đôn đốc việc thực hiện Kế hoạch", "vpcp",
                                       None, plan=demo.PLAN_TO_CONG_TAC),  # type: ignore[arg-type]
                             actor=demo.SECRETARY_ID, at=NOW)
    periodic = store.add_task(make_task("Báo cáo tỷ lệ số hóa hồ sơ", "ha-tinh",
                                        dt.date(2024, 8, 20), plan=demo.PLAN_TO_CONG_TAC,
                                        recurrence=Recurrence(Cadence.MONTHLY, 20)),
                              actor=demo.SECRETARY_ID, at=NOW)
    return ongoing, periodic


RENDERER = Renderer()  # one for all tests: compiling the templates again each time is slow


def make_kit(*, settings: Settings | None = None, console: object = None,
             path: str = "/", registry: Registry | None = None, **extra: Any) -> Kit:
    """A Dashboard with its own clocks and budget, on `registry` (default: a new demo one)."""
    clock, wall = FixedClock(NOW), FixedClock(NOW)
    registry = registry or demo_registry()
    services = Services(settings or Settings(token=TOKEN), clock, registry, RENDERER)
    dashboard = Dashboard(services, TOKEN, path=path, wall_clock=wall, console_sign_in=console,
                          **extra)
    return Kit(dashboard, registry, clock, wall)


class Served:
    """A kit's dashboard served on 127.0.0.1 from a thread of its own, for a real browser.

    The browser's calls block the test, so the server runs its own event loop meanwhile.
    """

    def __init__(self, kit: Kit) -> None:
        self.kit = kit
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="dashboard",
                                        daemon=True)

    def __enter__(self) -> Served:
        self._thread.start()
        started = asyncio.run_coroutine_threadsafe(
            self.kit.dashboard.start("127.0.0.1", 0), self._loop)
        self.url = started.result(timeout=10)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.kit.dashboard.stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()
