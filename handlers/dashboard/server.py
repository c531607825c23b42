"""The dashboard's web server: aiohttp on the bot's own event loop, one page and its fragments.

The page (``GET <path>``) is a shell with no data. Its script reads the initData Telegram hands
the Mini App and asks ``<path>api/...`` for each view with the header
``Authorization: tma <initData>``; the answer is an HTML fragment rendered by the project's
Jinja2 templates (autoescaped) in the user's language. No cookies, nothing secret in a URL.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.clock import Clock, system_clock
from bot.model import Member, UserPrefs
from bot.render import normalize_lang
from handlers.common import lang_for
from handlers.dashboard import auth
from handlers.dashboard.budget import RequestBudget
from handlers.services import Services
from store.workspace import WorkspaceStore

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
BODY_MAX = 16 * 1024  # an action's JSON: a note of at most 1,000 characters and a number
TELEGRAM_SCRIPT = "https://telegram.org/js/telegram-web-app.js"
# Telegram's web clients show a Mini App in a frame; its phone and desktop apps in a web view.
FRAME_ANCESTORS = "https://web.telegram.org https://*.telegram.org"
CSP = "; ".join((
    "default-src 'none'",
    "script-src 'self' https://telegram.org",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    f"frame-ancestors {FRAME_ANCESTORS}",
))
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


@dataclass(slots=True)
class Viewer:
    """Who asked, proven by initData, with his preferences and language."""

    user: auth.WebAppUser
    prefs: UserPrefs
    lang: str


@dataclass(slots=True)
class Place:
    """A request about one workspace: the viewer, the workspace, his membership, the time."""

    viewer: Viewer
    store: WorkspaceStore
    member: Member
    now: dt.datetime  # in the workspace's time zone

    @property
    def lang(self) -> str:
        return self.viewer.lang


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Hold = Callable[[list[int]], contextlib.AbstractAsyncContextManager[None]]


@contextlib.asynccontextmanager
async def no_hold(keys: list[int]) -> AsyncIterator[None]:
    yield


class Refusal(Exception):
    """Raised by a page to answer with an error fragment instead of the page."""

    def __init__(self, response: web.Response) -> None:
        super().__init__(response.status)
        self.response = response


class Dashboard:
    """The dashboard's aiohttp application and server, bound to one bot's services."""

    def __init__(self, services: Services, token: str, *, path: str = "/",
                 wall_clock: Clock = system_clock, console_sign_in: Any = None,
                 hold: Hold = no_hold, bot: Any = None) -> None:
        self.services = services
        self.bot = bot  # the bot's telegram.Bot, which sends the export to a private chat
        from handlers.dashboard.overview import Figures

        self.figures = Figures()
        # Holds a workspace's lane of the bot's update order (handlers.ordering), so that a
        # change made here never interleaves with a chat update changing the same workspace.
        self.hold = hold
        self.token = token
        self.path = "/" + path.strip("/") + "/" if path.strip("/") else "/"
        self.wall_clock = wall_clock
        # The console's cast, who may sign in without Telegram; None everywhere but the console.
        self.console_sign_in = console_sign_in
        settings = services.settings
        self.max_age = dt.timedelta(seconds=settings.web_auth_max_age)
        self.budget = RequestBudget(settings.web_requests_per_minute, wall_clock)
        self._static = {
            name: (STATIC_DIR / name).read_bytes() for name in ("app.js", "app.css")
        }
        self._runner: web.AppRunner | None = None
        self.url: str | None = None

    # -- the aiohttp application --------------------------------------------------------------

    def app(self) -> web.Application:
        """The aiohttp application: routes under :attr:`path`, security headers, auth."""
        from handlers.dashboard import pages

        app = web.Application(client_max_size=BODY_MAX,
                              middlewares=[self._headers])
        p = self.path
        app.router.add_get(p, self._shell)
        app.router.add_get(p + "static/{name}", self._asset)
        pages.add_routes(self, app.router, p + "api/")
        return app

    async def start(self, host: str, port: int) -> str:
        """Listen on host:port; the URL it serves (the local one: the public one is a setting)."""
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        bound = self._runner.addresses[0]
        self.url = f"http://{bound[0]}:{bound[1]}{self.path}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- middlewares ----------------------------------------------------------------------------

    @web.middleware
    async def _headers(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        started = time.perf_counter()
        response: web.StreamResponse
        try:
            response = await handler(request)
        except Refusal as refusal:
            response = refusal.response
        except web.HTTPException as exc:  # aiohttp's own answers: 404, 405, 413 ...
            response = web.Response(status=exc.status, text=exc.text or exc.reason,
                                    content_type="text/plain")
        except Exception:
            # As in the chat: logged with its request, and a plain apology without a traceback.
            log.exception("dashboard: error while answering %s %s", request.method, request.path)
            lang = normalize_lang(self.services.settings.default_lang)
            response = self.fragment("problem", lang, 500, kind="error")
        response.headers.update(SECURITY_HEADERS)
        if request.path.startswith(self.path + "api/") or request.path == self.path:
            response.headers["Cache-Control"] = "no-store"
        # Server time, for the benchmark and for anyone who looks in the browser's tools.
        spent = (time.perf_counter() - started) * 1000
        response.headers["Server-Timing"] = f"app;dur={spent:.2f}"
        return response

    # -- pieces the pages use -------------------------------------------------------------------

    def viewer(self, request: web.Request) -> Viewer:
        """Who sent `request`, proven by its initData; refused with 401, or 429 past his budget.

        Every api/ route calls it first (through :meth:`place` for a workspace's views).
        """
        header = request.headers.get("Authorization", "")
        scheme, _, init_data = header.partition(" ")
        lang = normalize_lang(self.services.settings.default_lang)
        try:
            if scheme.lower() != "tma":
                raise auth.AuthError(auth.AuthFailure.MISSING)
            user = auth.check(init_data.strip(), self.token, now=self.wall_clock(),
                              max_age=self.max_age)
        except auth.AuthError as exc:
            log.info("dashboard: refused a request to %s: %s", request.path, exc.reason)
            raise self.problem(401, lang, "auth", reason=exc.reason.value) from None
        prefs = self.services.registry.users.get(user.id)
        viewer = Viewer(user, prefs, lang_for(self.services, prefs, None, user.language_code))
        wait = self.budget.take(user.id)
        if wait:
            seconds = max(int(wait + 0.999), 1)
            refusal = self.problem(429, viewer.lang, "busy", wait=seconds)
            refusal.response.headers["Retry-After"] = str(seconds)
            raise refusal
        return viewer

    def place(self, request: web.Request, chat_id: int | None = None,
              viewer: Viewer | None = None) -> Place:
        """The workspace a request names (``ws``) and the viewer's membership; else 403/404."""
        viewer = viewer or self.viewer(request)
        registry = self.services.registry
        if chat_id is None:
            try:
                chat_id = int(request.query.get("ws", ""))
            except ValueError:
                chat_id = None
        store = registry.get(chat_id) if chat_id is not None else None
        if store is None:
            raise self.problem(404, viewer.lang, "no_workspace")
        member = store.member(viewer.user.id)
        if member is None:
            # Someone else's working group: it exists, he is not in it, and learns nothing more.
            raise self.problem(403, viewer.lang, "not_member")
        viewer.lang = lang_for(self.services, viewer.prefs, store, viewer.user.language_code)
        now = self.services.clock().astimezone(ZoneInfo(store.workspace.tz))
        return Place(viewer, store, member, now)

    def render(self, name: str, lang: str, **values: Any) -> str:
        """A dashboard template (templates/dashboard/<name>.html) in `lang`."""
        template = self.services.renderer.env.get_template(f"dashboard/{name}.html")
        return template.render(lang=normalize_lang(lang), **values)

    def fragment(self, name: str, lang: str, status: int = 200, **values: Any) -> web.Response:
        return web.Response(text=self.render(name, lang, **values), status=status,
                            content_type="text/html", charset="utf-8")

    def problem(self, status: int, lang: str, kind: str, **values: Any) -> Refusal:
        """An error answer (to raise) whose fragment says, in words, what went wrong."""
        return Refusal(self.fragment("problem", lang, status, kind=kind, **values))

    # -- the page and its files -----------------------------------------------------------------

    async def _shell(self, request: web.Request) -> web.Response:
        lang = normalize_lang(self.services.settings.default_lang)
        text = self.render("shell", lang, base=self.path, telegram_script=TELEGRAM_SCRIPT,
                           console=self.console_sign_in is not None)
        return web.Response(text=text, content_type="text/html", charset="utf-8")

    async def _asset(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        body = self._static.get(name)
        if body is None:
            raise web.HTTPNotFound()
        kind = "text/javascript" if name.endswith(".js") else "text/css"
        return web.Response(body=body, content_type=kind, charset="utf-8",
                            headers={"Cache-Control": "public, max-age=300"})


def json_response(value: Any, status: int = 200) -> web.Response:
    """JSON with everything outside ASCII escaped, so it is safe wherever it lands."""
    return web.Response(text=json.dumps(value), status=status, content_type="application/json")
