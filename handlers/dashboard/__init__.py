"""The dashboard, a Telegram Mini App: how the chat opens it, and its server's lifecycle.

In a private chat ``/dashboard`` (``/bangdieuhanh``) answers with a ``web_app`` button and sets
the chat's menu button to the dashboard; in a group, where Telegram refuses ``web_app``
buttons, it answers with a button to the private chat, whose ``/start dashboard_<group>``
gives the ``web_app`` button there. The server (``handlers.dashboard.server``) runs on the
bot's event loop when ``DONDOC_WEB_URL`` is set; the console starts its own.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MenuButtonWebApp,
    Update,
    WebAppInfo,
)
from telegram.error import TelegramError
from telegram.ext import Application, CommandHandler, filters

from bot.permissions import Action
from handlers.common import Ctx, Scope, labels, reply, require, resolve
from handlers.services import services

log = logging.getLogger(__name__)

SERVER = "dashboard.server"  # bot_data key: the running Dashboard
START_PREFIX = "dashboard"  # /start dashboard_<group chat id>
_START = re.compile(rf"^{START_PREFIX}_?(-?\d{{1,20}})?$")

App = Application[Any, Any, Any, Any, Any, Any]


def web_app_url(base: str, chat_id: int | None = None) -> str:
    """The dashboard's URL, opening on workspace `chat_id` when given."""
    if chat_id is None:
        return base
    parts = urlsplit(base)
    query = "&".join(q for q in (parts.query, urlencode({"ws": chat_id})) if q)
    return urlunsplit(parts._replace(query=query))


async def _open_here(update: Update, context: Ctx, scope: Scope) -> None:
    """In private: the web_app button, and the chat's menu button set to the dashboard."""
    base = services(context).settings.web_url
    assert base is not None
    chat = scope.store.workspace.chat_id if scope.store else None
    url = web_app_url(base, chat)
    label = labels(scope, "dashboard_buttons")
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(label["open"], web_app=WebAppInfo(url))]])
    await reply(update, context, scope, "dashboard_open", markup)
    try:
        await context.bot.set_chat_menu_button(
            chat_id=scope.chat_id, menu_button=MenuButtonWebApp(label["menu"], WebAppInfo(url)),
        )
    except TelegramError as exc:  # the button in the message still works
        log.warning("could not set the menu button of chat %s: %s", scope.chat_id, exc)


async def open_dashboard(update: Update, context: Ctx) -> None:
    """`/dashboard`: a button that opens the dashboard (in a group: via the private chat)."""
    scope = await resolve(update, context)
    if not services(context).settings.web_url:
        await reply(update, context, scope, "dashboard_off")
        return
    if scope.is_group:
        if not await require(update, context, scope, Action.READ):
            return
        assert scope.store is not None
        link = (f"https://t.me/{context.bot.username}?start={START_PREFIX}_"
                f"{scope.store.workspace.chat_id}")
        label = labels(scope, "dashboard_buttons")["private"]
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(label, url=link)]])
        await reply(update, context, scope, "dashboard_open_group", markup)
        return
    await _open_private(update, context, scope)


async def _open_private(update: Update, context: Ctx, scope: Scope) -> None:
    if scope.store is None and not services(context).registry.workspaces_of(scope.user_id):
        await require(update, context, scope, Action.READ)  # says how to join
        return
    await _open_here(update, context, scope)


async def start_dashboard(update: Update, context: Ctx) -> None:
    """`/start dashboard_<group>` (from the group's button): the dashboard of that group."""
    scope = await resolve(update, context)
    svc = services(context)
    match = _START.match(" ".join(context.args or ()))
    wanted = int(match.group(1)) if match and match.group(1) else None
    prefs = scope.prefs
    if not prefs.has_private_chat:
        prefs = dataclasses.replace(prefs, has_private_chat=True)
    chosen = scope.in_workspace(wanted) if wanted is not None else scope
    if chosen is not None and chosen.member is not None and chosen.store is not None:
        prefs = dataclasses.replace(prefs, current_workspace=chosen.store.workspace.chat_id)
        scope = chosen
    if prefs != scope.prefs:
        svc.registry.users.save(prefs)
    if not svc.settings.web_url:
        await reply(update, context, scope, "dashboard_off")
        return
    await _open_private(update, context, scope)


def workspace_hold(application: App) -> Any:
    """The bot's per-workspace update order, for the dashboard's changes to keep it too."""
    from handlers.dashboard.server import no_hold
    from handlers.ordering import WorkspaceOrder

    order = application.update_processor
    return order.holding if isinstance(order, WorkspaceOrder) else no_hold


async def on_start(application: App) -> None:
    """Start the dashboard's server and make it every private chat's menu button."""
    svc = services(application)
    url = svc.settings.web_url
    if not url:
        return
    from handlers.dashboard.server import Dashboard

    dashboard = Dashboard(svc, application.bot.token, path=urlsplit(url).path,
                          hold=workspace_hold(application), bot=application.bot)
    await dashboard.start(svc.settings.web_listen, svc.settings.web_port)
    application.bot_data[SERVER] = dashboard
    log.info("dashboard: %s, served on %s:%s", url, svc.settings.web_listen,
             svc.settings.web_port)
    menu = svc.renderer.labels("dashboard_buttons", svc.settings.default_lang)
    try:
        await application.bot.set_chat_menu_button(
            menu_button=MenuButtonWebApp(menu["menu"], WebAppInfo(url)),
        )
    except TelegramError as exc:
        log.warning("could not set the default menu button: %s", exc)


async def serve_locally(application: App, people: Any, port: int) -> Any:
    """The console's dashboard on 127.0.0.1 (`port`, or a free one when it is taken).

    Nobody there has Telegram to sign in with, so the page lets one choose among `people`
    (the console's cast): a sign-in that exists only here, never when the bot serves it.
    """
    from handlers.dashboard.server import Dashboard

    dashboard = Dashboard(services(application), application.bot.token,
                          console_sign_in=tuple(people), hold=workspace_hold(application),
                          bot=application.bot)
    try:
        await dashboard.start("127.0.0.1", port)
    except OSError:
        await dashboard.stop()
        await dashboard.start("127.0.0.1", 0)
    application.bot_data[SERVER] = dashboard
    return dashboard


async def on_stop(application: App) -> None:
    """Stop the dashboard's server, if it runs."""
    dashboard = application.bot_data.pop(SERVER, None)
    if dashboard is not None:
        await dashboard.stop()


def register(application: App) -> None:
    """Add /dashboard and the /start link the group's button opens."""
    application.add_handler(CommandHandler(["dashboard", "bangdieuhanh"], open_dashboard))
    application.add_handler(CommandHandler(
        ["start", "batdau"], start_dashboard,
        filters=filters.ChatType.PRIVATE & filters.Regex(rf"^/\S+\s+{START_PREFIX}"),
    ))
