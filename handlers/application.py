"""build_application: the one place where dondoc's Application is wired, for every mode."""

from __future__ import annotations

import functools
import importlib
import logging
from collections.abc import Iterable
from typing import Any

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseHandler,
    CommandHandler,
    ConversationHandler,
    Defaults,
    filters,
)
from telegram.request import BaseRequest

from bot.clock import Clock, OffsetClock, system_clock
from bot.render import LANGUAGES, Renderer
from bot.settings import Settings
from handlers.delivery import Delivery, DeliveryStopped, delivery_of
from handlers.ordering import WorkspaceOrder, workspace_keys
from handlers.services import KEY, Services
from handlers.summary_job import Worker
from store import saves
from store.registry import Registry
from store.storage import CorruptDataFile, WriteFailed

log = logging.getLogger(__name__)

# Feature modules. Their handlers are tried in this order, so the commands people type most
# (status questions, task updates) come first; "fallback" answers what none took.
FEATURES = (
    "handlers.migration",  # first: an upgraded group's data moves before anything reads it
    "handlers.status",
    "handlers.tasks",
    "handlers.newtask",
    "handlers.dashboard",  # before workspace: it takes /start dashboard_<group> links
    "handlers.workspace",
    "handlers.people",
    "handlers.meetings",
    "handlers.summary",
    "handlers.reminders",
    "handlers.imports",
    "handlers.exports",
    "handlers.backup",
    "handlers.indicators",
    "handlers.indicator_report",
    "handlers.indicator_admin",
    "handlers.fallback",
)


def feature_modules() -> list[Any]:
    """The feature modules, imported."""
    return [importlib.import_module(name) for name in FEATURES]


def command_menu(renderer: Renderer, lang: str) -> list[BotCommand]:
    """The command menu in one language, from templates/<lang>/commands.html."""
    text = renderer.render("commands", lang)
    commands = []
    for line in text.splitlines():
        name, _, description = line.partition(" - ")
        if name.strip():
            commands.append(BotCommand(name.strip(), description.strip()))
    return commands


async def _post_init(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    svc: Services = application.bot_data[KEY]
    for lang in LANGUAGES:
        await application.bot.set_my_commands(
            command_menu(svc.renderer, lang), language_code=lang,
        )
    # Users whose Telegram speaks neither language see the workspace default.
    await application.bot.set_my_commands(command_menu(svc.renderer, svc.settings.default_lang))
    for module in feature_modules():
        start = getattr(module, "on_start", None)
        if start is not None:
            await start(application)


async def _post_shutdown(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    for module in feature_modules():
        stop = getattr(module, "on_stop", None)
        if stop is not None:
            await stop(application)


class DondocApplication(Application[Any, Any, Any, Any, Any, Any]):
    """PTB's Application, which stops promptly and lets its worker go."""

    async def start(self) -> None:
        delivery_of(self.bot).resume()
        await super().start()

    async def stop(self) -> None:
        # PTB's stop waits for every update and job in flight; replies queued behind a
        # group's 20-a-minute limit would hold it for minutes. They fail fast instead.
        delivery_of(self.bot).stop()
        await super().stop()

    async def shutdown(self) -> None:
        await super().shutdown()
        svc: Services = self.bot_data[KEY]
        svc.worker.close()


def build_application(
    settings: Settings,
    *,
    clock: Clock | None = None,
    request: BaseRequest | None = None,
    updates_request: BaseRequest | None = None,
    registry: Registry | None = None,
    rate_limiter: bool = True,
    delivery: Delivery | None = None,
    worker: Worker | None = None,
) -> Application[Any, Any, Any, Any, Any, Any]:
    """The Application with every handler registered; the same for tests, console and prod.

    Every request the bot makes goes through one :class:`Delivery` (`delivery`, or one that
    paces messages within Telegram's limits unless `rate_limiter` is False); summaries are
    made by `worker` (by default a worker process).
    """
    if clock is None:
        clock = OffsetClock(settings.fake_now) if settings.fake_now else system_clock
    builder = (
        ApplicationBuilder()
        .application_class(DondocApplication)
        .token(settings.token or "0:console")
        .base_url(settings.api_url)
        .base_file_url(settings.file_url)
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if request is not None:
        builder = builder.request(request)
        builder = builder.get_updates_request(updates_request or request)
    if delivery is None:
        delivery = Delivery(pace=rate_limiter)
    builder = builder.rate_limiter(delivery)
    # One chat never waits for another; one workspace's updates keep their order.
    order = WorkspaceOrder()
    builder = builder.concurrent_updates(order)
    application = builder.build()
    svc = Services(
        settings=settings,
        clock=clock,
        registry=registry if registry is not None else Registry(settings.data_dir),
        renderer=Renderer(),
        worker=worker if worker is not None else Worker(),
    )
    application.bot_data[KEY] = svc
    delivery.on_blocked = svc.registry.users.mark_blocked
    order.keys_of = functools.partial(workspace_keys, svc.registry)
    for module in feature_modules():
        module.register(application)
    for group in application.handlers.values():
        _commands_from_new_messages_only(group)
    application.add_error_handler(_on_error)
    return application


def _commands_from_new_messages_only(handlers: Iterable[BaseHandler[Any, Any, Any]]) -> None:
    """Make every command ignore edited messages, in conversations too.

    Telegram delivers an edit of "/newtask ..." as an update of its own: run again, the fixed
    typo would create a second task. An official who corrects a command sends it anew.
    """
    for handler in handlers:
        if isinstance(handler, CommandHandler):
            handler.filters = handler.filters & filters.UpdateType.MESSAGE
        elif isinstance(handler, ConversationHandler):
            _commands_from_new_messages_only(handler.entry_points)
            _commands_from_new_messages_only(handler.fallbacks)
            for state in handler.states.values():
                _commands_from_new_messages_only(state)


async def _on_error(update: object, context: Any) -> None:
    """Log the failure with its update; tell the user what became of his request.

    A change that was saved is said to be saved: "try again" would apply it twice.
    """
    if isinstance(context.error, DeliveryStopped):
        log.info("stopping: the answer to %r was not sent", update)
        return
    log.error("error while handling %r", update, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    svc: Services = context.bot_data[KEY]
    user = update.effective_user
    prefs = svc.registry.users.get(user.id) if user else None
    store = svc.registry.get(update.effective_chat.id)
    lang = (prefs.lang if prefs and prefs.lang else None) or (
        store.workspace.lang if store else svc.settings.default_lang
    )
    template = "error_saved" if saves.made() else "error"
    if template == "error" and isinstance(context.error, WriteFailed):
        template = "not_saved"  # the disk refused the write: no bug, and nothing was saved
    elif template == "error" and isinstance(context.error, CorruptDataFile):
        template = "data_unreadable"  # found on first use; the log above names the file
    try:
        await context.bot.send_message(
            update.effective_chat.id, svc.renderer.render(template, lang), parse_mode="HTML",
        )
    except Exception:
        log.exception("could not tell the user about the error")
