"""Reminders, escalations and the weekly digest: the jobs, their buttons, /remindersettings.

*What* is due *when* is decided in bot/reminders.py; this module wakes up when it is told to,
sends what the plan says, logs every delivery in the workspace's store before the next one,
and schedules the next wake-up. Tasks are read afresh at every wake-up, so a task edited by
any feature is reminded by its new state; the wake-up time itself is recomputed whenever a
workspace's store changes (watched after every update) or when :func:`reschedule` is called.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import html
import logging
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    TypeHandler,
)

from bot import reminders as plan
from bot import taskops
from bot.dates import Deadline
from bot.indicators import MissingReport, missing_reports
from bot.model import Member, Task, UserPrefs
from bot.permissions import Action
from bot.reminders import (
    DeliveryFailure,
    ExtensionStatus,
    Kind,
    Reminder,
    ReminderKey,
    Snooze,
)
from bot.render import normalize_lang
from handlers.common import Ctx, Scope, buttons, command_args, reply, require, resolve
from handlers.delivery import DeliveryStopped, Result, Status, deliver
from handlers.services import services
from store.reminders import ReminderStore
from store.workspace import WorkspaceStore

log = logging.getLogger(__name__)

PREFIX = "rem"
KEY = "reminders"
JOB_PREFIX = "rem:"
# A job may fire a little before its instant by the workspace clock (timer granularity); the
# plan then treats it as that instant rather than finding nothing and sleeping a day.
EARLY_TOLERANCE = dt.timedelta(seconds=2)
WATCH_GROUPS = (-100, 100)  # before and after every feature's handlers

App = Application[Any, Any, Any, Any, Any, Any]


@dataclass
class Engine:
    """The reminder machinery of one Application: per-workspace locks, wake-ups."""

    locks: dict[int, asyncio.Lock] = field(default_factory=dict)
    revisions: dict[int, int] = field(default_factory=dict)
    wakeups: dict[int, dt.datetime | None] = field(default_factory=dict)
    planned: dict[int, dt.datetime] = field(default_factory=dict)  # the last plan's `now`
    reading: asyncio.Lock = field(default_factory=asyncio.Lock)  # see _read_in_turn
    breath: float = 0.01  # seconds left to updates after a workspace is read for a wake-up

    def lock(self, chat_id: int) -> asyncio.Lock:
        return self.locks.setdefault(chat_id, asyncio.Lock())


def engine(app: App) -> Engine:
    """The Engine of an Application (made by register)."""
    found = app.bot_data[KEY]
    assert isinstance(found, Engine)
    return found


def reminder_store(app: App, store: WorkspaceStore) -> ReminderStore:
    """The reminder tables of a workspace."""
    return store.reminders


# -- scheduling -----------------------------------------------------------------------------


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
    for job in queue.get_jobs_by_name(_job_name(chat_id)):
        pending = job.data.get("at") if isinstance(job.data, dict) else None
        if keep_due and pending is not None and pending <= now and (
            wake is None or pending < wake
        ):
            # A wake-up already due (the start-up catch-up) is never put off by a reschedule.
            wake = pending
        job.schedule_removal()
    eng.wakeups[chat_id] = wake
    if wake is None:
        return
    # A delay from the bot's own clock, not a wall-clock instant: with a shifted clock
    # (Settings.fake_now) the job still fires at the right moment of the bot's time.
    delay = max((wake - now).total_seconds(), 0.0)
    queue.run_once(
        _on_job, delay, data={"chat": chat_id, "at": wake}, name=_job_name(chat_id),
        job_kwargs={"misfire_grace_time": None, "coalesce": True},
    )


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
    eng = engine(app)
    tables: tuple[dict[int, Any], ...] = (eng.locks, eng.revisions, eng.wakeups, eng.planned)
    for table in tables:
        if old in table:
            table.setdefault(new, table.pop(old))
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


async def _watch(update: object, context: Ctx) -> None:
    """After any update: a workspace whose data changed gets its wake-up recomputed."""
    app = context.application
    eng = engine(app)
    if isinstance(update, Update):
        _unblock_if_back(app, update)
    for store in services(app).registry.all():
        chat_id = store.workspace.chat_id
        if eng.revisions.get(chat_id) != store.revision:
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


# -- sending --------------------------------------------------------------------------------


def _lang(prefs: UserPrefs | None, store: WorkspaceStore) -> str:
    return normalize_lang((prefs.lang if prefs else None) or store.workspace.lang)


def _render(app: App, store: WorkspaceStore, lang: str, name: str, **values: Any) -> str:
    svc = services(app)
    tz = store.workspace.tz
    return svc.renderer.render(
        name, lang, tz=tz, workspace=store.workspace,
        agencies={a.code: a.label for a in store.agencies()},
        names={m.user_id: m.name for m in store.members()}, **values,
    )


def _labels(app: App, lang: str) -> dict[str, str]:
    return services(app).renderer.labels("reminder_buttons", lang)


def _data(action: str, chat_id: int, *args: object) -> str:
    data = ":".join([PREFIX, action, str(chat_id), *(str(a) for a in args)])
    assert len(data.encode()) <= 64, data
    return data


def task_markup(app: App, store: WorkspaceStore, lang: str, task: Task
                ) -> InlineKeyboardMarkup:
    """Done, Update progress, Remind me tomorrow, Request an extension."""
    label = _labels(app, lang)
    chat, n = store.workspace.chat_id, task.number
    return buttons([
        [(label["done"], _data("done", chat, n)), (label["progress"], _data("prog", chat, n))],
        [(label["snooze"], _data("snz", chat, n)), (label["extend"], _data("ext", chat, n))],
    ])


async def run_due(app: App, chat_id: int, *, scheduled: dt.datetime | None = None) -> int:
    """Send every reminder due now in one workspace, logging each; messages sent."""
    svc = services(app)
    store = svc.registry.get(chat_id)
    if store is None:
        return 0
    await _read_in_turn(app, store)
    async with engine(app).lock(chat_id):
        rs = reminder_store(app, store)
        now = svc.clock()
        if scheduled is not None and scheduled - EARLY_TOLERANCE <= now < scheduled:
            now = scheduled
        tz = store.workspace.tz
        engine(app).planned[chat_id] = now
        due = plan.plan_due(store.tasks(), rs.policy(), now, tz, rs.sent_keys(), rs.snoozes(),
                            failures=rs.unreported_failures(), reports=_reports(store, now),
                            since=store.workspace.created_at,
                            checked_through=rs.checked_through())
        sent = 0
        for reminder in due:
            sent += await _deliver(app, store, rs, reminder, now)
        # Only now: a bot stopped in the middle of the sends still owes the rest at its restart.
        rs.mark_checked(now)
        return sent


async def _send(app: App, rs: ReminderStore, key: ReminderKey, chat_id: int, text: str,
                markup: InlineKeyboardMarkup | None, now: dt.datetime) -> Result:
    """One delivery; logged as sent before the next one starts."""
    result = await deliver(app.bot, chat_id, text, markup)
    if result.status is Status.SENT:
        rs.log_sent(key, chat_id, now, result.message_id)
    else:
        log.warning("reminder %s to %s: %s (%s)", key, chat_id, result.status, result.reason)
    return result


async def _to_people(app: App, store: WorkspaceStore, rs: ReminderStore, key: ReminderKey,
                     people: list[Member], template: str, now: dt.datetime,
                     markup_for: Any = None, **values: Any) -> int:
    """Private messages to those who can get them, one group message mentioning the rest."""
    users = services(app).registry.users
    prefs = {m.user_id: users.get(m.user_id) for m in people}
    private, in_group = plan.route(people, prefs)
    done = rs.delivered(key)
    sent = 0
    for member in private:
        if member.user_id in done:
            continue
        lang = _lang(prefs[member.user_id], store)
        text = _render(app, store, lang, template, mentions=[], **values)
        markup = markup_for(lang) if markup_for else None
        result = await _send(app, rs, key, member.user_id, text, markup, now)
        if result.status is Status.SENT:
            sent += 1
            continue
        # Blocked (the delivery marked him so) or failing: the group is the way left.
        in_group.append(member)
    group = store.workspace.chat_id
    if in_group and group not in done:
        lang = store.workspace.lang
        text = _render(app, store, lang, template, mentions=in_group, **values)
        markup = markup_for(lang) if markup_for else None
        result = await _send(app, rs, key, group, text, markup, now)
        if result.status is Status.SENT:
            sent += 1
        else:
            for member in in_group:
                rs.log_failure(DeliveryFailure(key, group, result.reason, now, member.user_id))
    return sent


async def _to_group(app: App, store: WorkspaceStore, rs: ReminderStore, key: ReminderKey,
                    template: str, now: dt.datetime, **values: Any) -> int:
    group = store.workspace.chat_id
    if group in rs.delivered(key):
        return 0
    text = _render(app, store, store.workspace.lang, template, **values)
    result = await _send(app, rs, key, group, text, None, now)
    if result.status is not Status.SENT:
        rs.log_failure(DeliveryFailure(key, group, result.reason, now))
        return 0
    return 1


def _reports(store: WorkspaceStore, now: dt.datetime) -> list[MissingReport]:
    """Indicator values missing around their due day: reminded, and listed in the digest."""
    today = now.astimezone(ZoneInfo(store.workspace.tz)).date()
    represented = frozenset(m.agency for m in store.members() if m.agency)
    return missing_reports(store.indicators.all(), store.indicators.index(), store.agencies(),
                           today, represented=represented)


async def _report_reminder(app: App, store: WorkspaceStore, rs: ReminderStore,
                           reminder: Reminder, now: dt.datetime) -> int:
    """An agency's officials asked for a missing value; the group for unrepresented ones."""
    report = reminder.report
    assert report is not None
    code = reminder.key.ref.partition("@")[0]
    values = {"report": report, "days_left": reminder.days_left}
    if code:
        people = [m for m in store.members() if m.agency == code]
        missing = [a for a in report.agencies if a.code == code]
        return await _to_people(app, store, rs, reminder.key, people, "reminder_indicator",
                                now, missing=missing, **values)
    missing = [a for a in report.agencies if a.code not in report.represented]
    return await _to_group(app, store, rs, reminder.key, "reminder_indicator", now,
                           missing=missing, mentions=[], **values)


async def _deliver(app: App, store: WorkspaceStore, rs: ReminderStore, reminder: Reminder,
                   now: dt.datetime) -> int:
    key = reminder.key
    members = store.members()
    sent = 0
    if reminder.task is not None:
        task = reminder.task
        sent = await _to_people(
            app, store, rs, key, plan.owner_recipients(task, members), "reminder_task", now,
            markup_for=lambda lang: task_markup(app, store, lang, task),
            task=task, kind=key.kind.value, days_left=reminder.days_left, flash=None,
        )
    elif key.kind is Kind.DAILY:
        sent = await _to_group(app, store, rs, key, "reminder_daily", now,
                               standings=reminder.tasks, today=key.day)
    elif key.kind is Kind.ESCALATION:
        sent = await _to_people(app, store, rs, key, plan.escalation_recipients(members),
                                "reminder_escalation", now, standings=reminder.tasks,
                                today=key.day)
    elif key.kind is Kind.INDICATOR and reminder.report is not None:
        sent = await _report_reminder(app, store, rs, reminder, now)
    elif key.kind is Kind.DIGEST and reminder.digest is not None:
        sent = await _to_group(app, store, rs, key, "reminder_digest", now,
                               digest=reminder.digest)
        # Failures shown (or logged again, if the digest itself failed) are not repeated.
        rs.mark_reported()
    # Every recipient has been handled, reached or logged as failed: never again.
    rs.log_done(key, now)
    return sent


# -- /remindersettings --------------------------------------------------------------------


async def settings_command(update: Update, context: Ctx) -> None:
    """/remindersettings [change]: show the reminder policy, or change it (chair, secretaries)."""
    scope = await resolve(update, context)
    if not await require(update, context, scope, Action.READ):
        return
    assert scope.store is not None
    app = context.application
    rs = reminder_store(app, scope.store)
    text = command_args(update)
    if not text:
        await reply(update, context, scope, "reminder_settings", policy=rs.policy(), saved=False,
                    wake=engine(app).wakeups.get(scope.store.workspace.chat_id),
                    leader=scope.may(Action.MANAGE))
        return
    if not await require(update, context, scope, Action.MANAGE):
        return
    try:
        policy = plan.change_policy(rs.policy(), text)
    except plan.PolicyError as error:
        await reply(update, context, scope, "reminder_settings_error", reason=error.reason,
                    setting=error.setting, value=error.value, typed=text)
        return
    rs.save_policy(policy, actor=scope.user_id, at=scope.now)
    wake = reschedule(app, scope.store.workspace.chat_id)
    await reply(update, context, scope, "reminder_settings", policy=policy, saved=True,
                wake=wake, leader=True)


# -- buttons --------------------------------------------------------------------------------


def _toast(scope: Scope, kind: str, **values: Any) -> str:
    # Toasts are plain text, at most 200 characters.
    text = scope.services.renderer.render("reminder_toast", scope.lang, kind=kind, tz=scope.tz,
                                          **values)
    return html.unescape(text)[:200]


async def _edit(update: Update, app: App, scope: Scope, template: str,
                markup: InlineKeyboardMarkup | None, **values: Any) -> None:
    """Replace the pressed message (a reminder stays one message, whatever was pressed)."""
    query = update.callback_query
    assert query is not None and scope.store is not None
    text = _render(app, scope.store, scope.lang, template, **values)
    try:
        await query.edit_message_text(text, parse_mode="HTML", reply_markup=markup)
    except TelegramError as exc:
        if "not modified" not in str(exc):
            log.info("could not edit a reminder: %s", exc)


async def _show_task(update: Update, app: App, scope: Scope, task: Task, flash: str | None,
                     markup: InlineKeyboardMarkup | None, **extra: Any) -> None:
    assert scope.store is not None
    today = scope.today
    await _edit(update, app, scope, "reminder_task", markup, task=task, mentions=[],
                kind="update", days_left=(task.deadline - today).days if task.deadline else 0,
                flash=flash, **extra)


async def on_button(update: Update, context: Ctx) -> None:
    """`rem:<action>:<workspace>:<number>[:<arg>]`: the buttons under reminders and requests."""
    query = update.callback_query
    assert query is not None
    parts = (query.data or "").split(":")
    if len(parts) < 4 or not all(p.lstrip("-").isdigit() for p in parts[2:]):
        await query.answer()
        return
    action, chat_id, number = parts[1], int(parts[2]), int(parts[3])
    arg = int(parts[4]) if len(parts) > 4 else None
    base = await resolve(update, context)
    scope = base.in_workspace(chat_id)
    if scope is None or scope.store is None:
        await query.answer(_toast(base, "no_workspace"), show_alert=True)
        return
    if scope.member is None:
        await query.answer(_toast(scope, "not_member"), show_alert=True)
        return
    if action in ("exok", "exno"):
        await _decide_extension(update, context, scope, number, action == "exok")
        return
    task = scope.store.task(number)
    if task is None:
        await query.answer(_toast(scope, "unknown", number=number), show_alert=True)
        return
    if not scope.may(Action.UPDATE_TASK, task):
        await query.answer(_toast(scope, "not_yours", task=task), show_alert=True)
        return
    if task.is_closed:
        await query.answer(_toast(scope, "closed", task=task), show_alert=True)
        await _show_task(update, context.application, scope, task, None, None)
        return
    handler = _ACTIONS.get(action)
    if handler is None:
        await query.answer()
        return
    await handler(update, context, scope, task, arg)


async def _done(update: Update, context: Ctx, scope: Scope, task: Task, _: int | None) -> None:
    await _apply(update, context, scope, task,
                 taskops.mark_done(task, now=scope.now, actor=scope.user_id), "task_done", "done")


async def _progress_choices(update: Update, context: Ctx, scope: Scope, task: Task,
                            _: int | None) -> None:
    assert scope.store is not None and update.callback_query is not None
    label = _labels(context.application, scope.lang)
    chat, n = scope.store.workspace.chat_id, task.number
    markup = buttons([
        [(f"{p}%", _data("pset", chat, n, p)) for p in taskops.PROGRESS_STEPS],
        [(label["back"], _data("back", chat, n))],
    ])
    await update.callback_query.answer()
    await _show_task(update, context.application, scope, task, None, markup)


async def _set_progress(update: Update, context: Ctx, scope: Scope, task: Task,
                        percent: int | None) -> None:
    if percent is None:
        await _progress_choices(update, context, scope, task, None)
        return
    outcome = taskops.set_progress(task, percent, now=scope.now, actor=scope.user_id)
    flash = "done" if percent == 100 else "progress"
    await _apply(update, context, scope, task, outcome, "task_progress", flash)


async def _apply(update: Update, context: Ctx, scope: Scope, task: Task,
                 outcome: taskops.Outcome, audit: str, flash: str) -> None:
    query = update.callback_query
    assert query is not None and scope.store is not None
    app = context.application
    if isinstance(outcome, taskops.TaskError):
        await query.answer(_toast(scope, "error", error=outcome.value, task=task),
                           show_alert=True)
        return
    scope.store.save_task(outcome, actor=scope.user_id, at=scope.now, action=audit)
    reschedule(app, scope.store.workspace.chat_id)
    await query.answer(_toast(scope, flash, task=outcome))
    markup = None if outcome.is_closed else task_markup(app, scope.store, scope.lang, outcome)
    await _show_task(update, app, scope, outcome, flash, markup)


async def _back(update: Update, context: Ctx, scope: Scope, task: Task, _: int | None) -> None:
    assert scope.store is not None and update.callback_query is not None
    await update.callback_query.answer()
    markup = task_markup(context.application, scope.store, scope.lang, task)
    await _show_task(update, context.application, scope, task, None, markup)


async def _snooze(update: Update, context: Ctx, scope: Scope, task: Task, _: int | None
                  ) -> None:
    assert scope.store is not None and update.callback_query is not None
    app = context.application
    until = plan.snooze_until(scope.today)
    reminder_store(app, scope.store).snooze(Snooze(task.number, until, scope.user_id, scope.now))
    reschedule(app, scope.store.workspace.chat_id)
    await update.callback_query.answer(_toast(scope, "snoozed", task=task, until=until))
    await _show_task(update, app, scope, task, "snoozed", None, until=until)


async def _extension_choices(update: Update, context: Ctx, scope: Scope, task: Task,
                             _: int | None) -> None:
    assert scope.store is not None and update.callback_query is not None
    app = context.application
    rs = reminder_store(app, scope.store)
    if any(e.status is ExtensionStatus.PENDING for e in rs.extensions(task.number)):
        await update.callback_query.answer(_toast(scope, "ext_pending", task=task),
                                           show_alert=True)
        return
    if task.deadline is None:  # an ongoing task has no deadline to extend
        await update.callback_query.answer()
        return
    choices = plan.extension_choices(task.deadline, scope.today)
    lines = html.unescape(_render(app, scope.store, scope.lang, "reminder_extension_choices",
                                  choices=choices)).splitlines()
    label = _labels(app, scope.lang)
    chat = scope.store.workspace.chat_id
    rows = [[(text.strip(), _data("exq", chat, task.number, days))]
            for (days, _day), text in zip(choices, lines, strict=False)]
    rows.append([(label["back"], _data("back", chat, task.number))])
    await update.callback_query.answer()
    await _show_task(update, app, scope, task, "extend", buttons(rows))


async def _request_extension(update: Update, context: Ctx, scope: Scope, task: Task,
                             days: int | None) -> None:
    assert scope.store is not None and update.callback_query is not None
    app = context.application
    query = update.callback_query
    if task.deadline is None:  # an ongoing task has no deadline to extend
        await query.answer()
        return
    choices = dict(plan.extension_choices(task.deadline, scope.today))
    if days is None or days not in choices:
        await _extension_choices(update, context, scope, task, None)
        return
    rs = reminder_store(app, scope.store)
    if any(e.status is ExtensionStatus.PENDING for e in rs.extensions(task.number)):
        await query.answer(_toast(scope, "ext_pending", task=task), show_alert=True)
        return
    request = rs.request_extension(task.number, scope.user_id, task.deadline, choices[days],
                                   scope.now)
    store = scope.store
    chat = store.workspace.chat_id
    leaders = plan.escalation_recipients(store.members())

    def markup_for(lang: str) -> InlineKeyboardMarkup:
        label = _labels(app, lang)
        return buttons([[(label["approve"], _data("exok", chat, request.id)),
                         (label["decline"], _data("exno", chat, request.id))]])

    key = ReminderKey(task.number, Kind.EXTENSION, scope.today)
    await _to_people_now(app, store, key, leaders, "reminder_extension_request", scope.now,
                         markup_for, task=task, request=request)
    await query.answer(_toast(scope, "ext_sent", task=task))
    await _show_task(update, app, scope, task, "ext_sent", None, request=request)


async def _to_people_now(app: App, store: WorkspaceStore, key: ReminderKey, people: list[Member],
                         template: str, now: dt.datetime, markup_for: Any, **values: Any
                         ) -> None:
    """An immediate message (not a scheduled reminder): same routes, no sent log."""
    users = services(app).registry.users
    prefs = {m.user_id: users.get(m.user_id) for m in people}
    private, in_group = plan.route(people, prefs)
    for member in private:
        lang = _lang(prefs[member.user_id], store)
        text = _render(app, store, lang, template, mentions=[], **values)
        result = await deliver(app.bot, member.user_id, text, markup_for(lang))
        if result.status is not Status.SENT:
            in_group.append(member)
    if in_group:
        lang = store.workspace.lang
        text = _render(app, store, lang, template, mentions=in_group, **values)
        result = await deliver(app.bot, store.workspace.chat_id, text, markup_for(lang))
        if result.status is not Status.SENT:
            rs = reminder_store(app, store)
            for member in in_group:
                rs.log_failure(DeliveryFailure(key, store.workspace.chat_id, result.reason,
                                               now, member.user_id))


async def _decide_extension(update: Update, context: Ctx, scope: Scope, request_id: int,
                            approve: bool) -> None:
    query = update.callback_query
    assert query is not None and scope.store is not None
    app = context.application
    store = scope.store
    rs = reminder_store(app, store)
    request = rs.extension(request_id)
    if request is None:
        await query.answer(_toast(scope, "ext_unknown"), show_alert=True)
        return
    task = store.task(request.task)
    if not scope.may(Action.CHANGE_DEADLINE, task):
        await query.answer(_toast(scope, "leaders_only"), show_alert=True)
        return
    if request.status is not ExtensionStatus.PENDING or task is None:
        await query.answer(_toast(scope, "ext_decided", request=request), show_alert=True)
        await _edit(update, app, scope, "reminder_extension_decided", None, request=request,
                    task=task, mentions=[])
        return
    if approve:
        note = html.unescape(_render(app, store, store.workspace.lang,
                                     "reminder_extension_note", request=request))
        outcome = taskops.change_deadline(task, Deadline(request.new_deadline), note,
                                          now=scope.now, actor=scope.user_id)
        if isinstance(outcome, taskops.TaskError):
            await query.answer(_toast(scope, "error", error=outcome.value, task=task),
                               show_alert=True)
            return
        task = outcome
    status = ExtensionStatus.APPROVED if approve else ExtensionStatus.DECLINED
    # The new deadline and the closed request are one write: never one without the other.
    decided = rs.decide_extension(request_id, status, scope.user_id, scope.now,
                                  moved=task if approve else None)
    assert decided is not None
    reschedule(app, store.workspace.chat_id)
    await query.answer(_toast(scope, "ext_" + status.value, task=task))
    await _edit(update, app, scope, "reminder_extension_decided", None, request=decided,
                task=task, mentions=[])
    requester = store.member(decided.requested_by)
    if requester is not None:
        key = ReminderKey(task.number, Kind.EXTENSION, scope.today)
        await _to_people_now(app, store, key, [requester], "reminder_extension_decided",
                             scope.now, lambda _lang: None, request=decided, task=task)


_ACTIONS = {
    "done": _done,
    "prog": _progress_choices,
    "pset": _set_progress,
    "back": _back,
    "snz": _snooze,
    "ext": _extension_choices,
    "exq": _request_extension,
}


def register(application: App) -> None:
    """Add /remindersettings, the reminder buttons, and the watcher that reschedules."""
    application.bot_data[KEY] = Engine()
    application.add_handler(CommandHandler(["remindersettings", "caidatnhacviec"],
                                           settings_command))
    application.add_handler(CallbackQueryHandler(on_button, pattern=rf"^{PREFIX}:"))
    for group in WATCH_GROUPS:
        application.add_handler(TypeHandler(Update, _watch), group=group)
