"""The reminders' wake-ups: one JobQueue job per workspace, rescheduled whenever its data changes.

*What* is due *when* is decided in bot/reminders.py and bot/wakeups.py; a wake-up sends what
the plan says (handlers/reminders/sending.py) and schedules the next one. Tasks are read
afresh at every wake-up, so a task edited by any feature is reminded by its new state.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import Application, ContextTypes, Job, JobQueue

from bot import reminders as plan
from bot.indicators import MissingReport, missing_reports
from bot.wakeups import Wakeups, kept_wakeup, plan_instant
from handlers.common import Ctx
from handlers.delivery import DeliveryStopped
from handlers.reminders.sending import deliver_reminder
from handlers.services import services
from store.reminders import ReminderStore
from store.workspace import WorkspaceStore

log = logging.getLogger(__name__)

KEY = "reminders"
JOB_PREFIX = "rem:"

App = Application[Any, Any, Any, Any, Any, Any]


@dataclass
class Engine(Wakeups):
    """The reminder machinery of one Application: the schedule, per-workspace locks."""

    locks: dict[int, asyncio.Lock] = field(default_factory=dict)
    reading: asyncio.Lock = field(default_factory=asyncio.Lock)  # see _read_in_turn
    breath: float = 0.01  # seconds left to updates after a workspace is read for a wake-up

    def lock(self, chat_id: int) -> asyncio.Lock:
        return self.locks.setdefault(chat_id, asyncio.Lock())

    def tables(self) -> tuple[dict[int, Any], ...]:
        return (*super().tables(), self.locks)


def engine(app: App) -> Engine:
    """The Engine of an Application (made by register)."""
    found = app.bot_data[KEY]
    assert isinstance(found, Engine)
    return found


def reminder_store(app: App, store: WorkspaceStore) -> ReminderStore:
    """The reminder tables of a workspace."""
    return store.reminders


def _job_name(chat_id: int) -> str:
    return f"{JOB_PREFIX}{chat_id}"


def _schedule_at(app: App, chat_id: int, wake: dt.datetime | None, now: dt.datetime,
                 *, keep_due: bool = True) -> None:
    eng = engine(app)
    eng.wakeups[chat_id] = wake
    if not services(app).settings.reminders:
        return  # the console on real data: the real bot sends them
    queue = app.job_queue
    if queue is None:
        log.warning("no job queue: reminders of %s are not scheduled", chat_id)
        return
    job = _scheduled(queue, chat_id)
    if job is not None:
        pending = job.data.get("at") if isinstance(job.data, dict) else None
        wake = kept_wakeup(wake, pending, now, keep_due=keep_due)
        if wake is not None and wake == pending:
            # Most writes leave the next wake-up where it was: the job stays as it is.
            eng.wakeups[chat_id] = wake
            return
        job.schedule_removal()
    eng.wakeups[chat_id] = wake
    if wake is None:
        return
    # A delay from the bot's own clock, not a wall-clock instant: with a shifted clock
    # (Settings.fake_now) the job still fires at the right moment of the bot's time.
    delay = max((wake - now).total_seconds(), 0.0)
    queue.run_once(
        _on_job, delay, data={"chat": chat_id, "at": wake}, name=_job_name(chat_id),
        job_kwargs={"misfire_grace_time": None, "coalesce": True, "id": _job_name(chat_id)},
    )


def _scheduled(queue: JobQueue[Any], chat_id: int) -> Job[Any] | None:
    """The workspace's wake-up still to run, found by its id: `get_jobs_by_name` looks at
    every job, which made start-up quadratic in the number of workspaces and cost every write
    a look at all of them."""
    found = queue.scheduler.get_job(_job_name(chat_id))
    return None if found is None else Job.from_aps_job(found)


def reschedule(app: App, chat_id: int, *, keep_due: bool = True,
               after: dt.datetime | None = None) -> dt.datetime | None:
    """Recompute a workspace's next wake-up from its tasks; features may call it on a change.

    A wake-up already due and not yet run (the start-up catch-up) is kept unless `keep_due`
    is False, which only the wake-up itself says once it has sent what was due. `after` is
    the instant the next wake-up is looked for from (default: now); a wake-up passes the
    time of its own plan, so a slot that came while it ran is not skipped to the next day.
    """
    svc = services(app)
    store = svc.registry.get(chat_id)
    if store is None:
        return None
    chat_id = store.workspace.chat_id  # its id now, if the group was upgraded meanwhile
    rs = reminder_store(app, store)
    now = svc.clock()
    start = after or now
    wake = plan.next_wakeup(store.tasks(), rs.policy(), start, store.workspace.tz,
                            rs.snoozes(), reports=_reports(store, start))
    engine(app).revisions[chat_id] = store.revision
    _schedule_at(app, chat_id, wake, now, keep_due=keep_due)
    return wake


def moved(app: App, old: int, new: int) -> None:
    """A workspace's group got a new chat id: its reminder state and wake-up follow it."""
    engine(app).moved(old, new)
    _schedule_at(app, old, None, services(app).clock())  # no wake-up under the old id
    reschedule(app, new)


async def _on_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The JobQueue's callback: send what is due in one workspace, then sleep until the next."""
    job = context.job
    assert job is not None and isinstance(job.data, dict)
    await wake(context.application, job.data["chat"], scheduled=job.data.get("at"))


async def wake(app: App, chat_id: int, *, scheduled: dt.datetime | None = None) -> int:
    """Send what is due now in a workspace and schedule its next wake-up; messages sent."""
    try:
        return await run_due(app, chat_id, scheduled=scheduled)
    except DeliveryStopped:
        # The bot is stopping: what was not sent is not logged, so the next start sends it.
        log.info("stopping: reminders of %s left for the next start", chat_id)
        return 0
    finally:
        reschedule(app, chat_id, keep_due=False, after=engine(app).planned.get(chat_id))


async def on_start(app: App) -> None:
    """At start-up: every workspace wakes at once, sending today's missed reminders once."""
    svc = services(app)
    now = svc.clock()
    for store in svc.registry.all():
        # The catch-up runs as a job, so start-up is not held up by a morning's burst.
        engine(app).revisions[store.workspace.chat_id] = store.revision
        _schedule_at(app, store.workspace.chat_id, now, now)


async def _read_in_turn(app: App, store: WorkspaceStore) -> None:
    """Have a workspace's tasks read from its file before its wake-up plans from them.

    After a start they are still in the file (the store reads them on first use), and the
    catch-up wakes every workspace at once: they are read one workspace at a time, with a
    breath after each, so that an update that comes meanwhile is answered between two reads
    rather than after all of them.
    """
    if store.loaded:
        return
    eng = engine(app)
    async with eng.reading:
        if not store.loaded:
            store.tasks()
            await asyncio.sleep(eng.breath)


async def watch(update: object, context: Ctx) -> None:
    """After any update: a workspace whose data changed gets its wake-up recomputed."""
    app = context.application
    eng = engine(app)
    if isinstance(update, Update):
        _unblock_if_back(app, update)
    for store in services(app).registry.all():
        chat_id = store.workspace.chat_id
        if eng.stale(chat_id, store.revision):
            reschedule(app, chat_id)


def _unblock_if_back(app: App, update: Update) -> None:
    """A user who writes to the bot in private has unblocked it: reminders go to him again."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or chat.id != user.id:
        return
    users = services(app).registry.users
    prefs = users.get(user.id)
    if prefs.blocked:
        users.save(dataclasses.replace(prefs, blocked=False, has_private_chat=True))


def _reports(store: WorkspaceStore, now: dt.datetime) -> list[MissingReport]:
    """Indicator values missing around their due day: reminded, and listed in the digest."""
    today = now.astimezone(ZoneInfo(store.workspace.tz)).date()
    represented = frozenset(m.agency for m in store.members() if m.agency)
    return missing_reports(store.indicators.all(), store.indicators.index(), store.agencies(),
                           today, represented=represented)


async def run_due(app: App, chat_id: int, *, scheduled: dt.datetime | None = None) -> int:
    """Send every reminder due now in one workspace, logging each; messages sent."""
    svc = services(app)
    store = svc.registry.get(chat_id)
    if store is None:
        return 0
    await _read_in_turn(app, store)
    async with engine(app).lock(chat_id):
        rs = reminder_store(app, store)
        now = plan_instant(svc.clock(), scheduled)
        engine(app).planned[chat_id] = now
        due = plan.plan_due(store.tasks(), rs.policy(), now, store.workspace.tz,
                            rs.sent_keys(), rs.snoozes(),
                            failures=rs.unreported_failures(), reports=_reports(store, now),
                            since=store.workspace.created_at,
                            checked_through=rs.checked_through())
        sent = 0
        for reminder in due:
            sent += await deliver_reminder(app, store, rs, reminder, now)
        # Only now: a bot stopped in the middle of the sends still owes the rest at its restart.
        rs.mark_checked(now)
        return sent
