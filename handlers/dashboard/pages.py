"""The dashboard's views as routes: read the request, ask the core, render a fragment.

Every route under ``api/`` first asks :meth:`Dashboard.viewer` who is asking; those about a
workspace go through :meth:`Dashboard.place`, which refuses a workspace the viewer is not a
member of.
Changes (done, progress, note) go through the same core functions, permission check and
audited store write as the task card's buttons in the chat.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from aiohttp import web
from markupsafe import Markup

from bot import taskops
from bot.permissions import Action, may
from handlers.dashboard import agency_view, indicator_view, meeting_view, overview, task_view, views
from handlers.dashboard.server import Place, json_response

if TYPE_CHECKING:
    from handlers.dashboard.server import Dashboard

log = logging.getLogger(__name__)

ACTIONS = ("done", "progress", "note")


class Pages:
    """The route handlers of one :class:`Dashboard`."""

    def __init__(self, dashboard: Dashboard) -> None:
        self.d = dashboard

    def _view(self, place: Place, name: str, tab: str, status: int = 200, **values: Any
              ) -> web.Response:
        others = len(self.d.services.registry.workspaces_of(place.viewer.user.id)) > 1
        return self.d.fragment(
            name, place.lang, status, workspace=place.store.workspace, tab=tab, others=others,
            tz=place.store.workspace.tz, now=place.now, **values,
        )

    async def home(self, request: web.Request) -> web.Response:
        """The workspace to open: the one asked for, the user's current one, or a choice."""
        viewer = self.d.viewer(request)
        mine = self.d.services.registry.workspaces_of(viewer.user.id)
        if "ws" in request.query:
            return await self.overview(request)
        current = [s for s in mine if s.workspace.chat_id == viewer.prefs.current_workspace]
        chosen = mine if len(mine) == 1 else current
        if chosen and "pick" not in request.query:
            # The same answer as overview?ws=..., so the page needs no second request.
            return self._overview(self.d.place(request, chosen[0].workspace.chat_id, viewer))
        return self.d.fragment("workspaces", viewer.lang, choices=mine)

    async def overview(self, request: web.Request) -> web.Response:
        return self._overview(self.d.place(request))

    def _overview(self, place: Place) -> web.Response:
        return self._view(place, "overview", "overview",
                          o=overview.overview(place.store, place.now, self.d.figures))

    async def tasks(self, request: web.Request) -> web.Response:
        place = self.d.place(request)
        filters = views.Filters.from_query(request.query)
        return self._view(place, "tasks", "tasks",
                          table=views.task_table(place.store, place.now, filters),
                          may_export=self.d.bot is not None
                          and may(place.member, Action.SUMMARY))

    async def export(self, request: web.Request) -> web.Response:
        """POST export: the /export workbook, sent to the viewer's private chat with the bot."""
        from telegram.error import TelegramError

        from handlers.common import Scope
        from handlers.exports import workbook

        place = self.d.place(request)
        if self.d.bot is None or not may(place.member, Action.SUMMARY):
            raise self.d.problem(403, place.lang, "not_allowed_export")
        user = place.viewer.user
        scope = Scope(services=self.d.services, user_id=user.id, user_name=user.full_name,
                      chat_id=user.id, is_group=False, store=place.store, member=place.member,
                      prefs=place.viewer.prefs, lang=place.lang, now=place.now)
        made = await workbook(scope)
        if made is None:
            raise self.d.problem(409, place.lang, "export_empty")
        try:
            await self.d.bot.send_document(user.id, made[0], caption=made[1])
        except TelegramError as exc:
            # Most often he has never pressed Start in the private chat: the bot may not write.
            log.info("dashboard: could not send the export to %s: %s", user.id, exc)
            raise self.d.problem(409, place.lang, "export_failed") from None
        return self.d.fragment("sent", place.lang)

    def _number(self, request: web.Request, place: Place) -> int:
        try:
            return int(request.match_info["number"])
        except ValueError:
            raise self.d.problem(404, place.lang, "no_task") from None

    async def task(self, request: web.Request) -> web.Response:
        place = self.d.place(request)
        return self._task_page(place, self._number(request, place))

    def _task_page(self, place: Place, number: int, status: int = 200, **values: Any
                   ) -> web.Response:
        page = task_view.task_page(place.store, place.now, number, place.member)
        if page is None:
            raise self.d.problem(404, place.lang, "no_task")
        values.setdefault("flash", None)
        values.setdefault("error", None)
        return self._view(place, "task", "tasks", status, page=page, **values)

    async def act(self, request: web.Request) -> web.Response:
        """POST task/<n>/<action>: done, progress or note, as the card's buttons do them."""
        place = self.d.place(request)
        number = self._number(request, place)
        action = request.match_info["action"]
        try:
            body = await request.json() if request.can_read_body else {}
        except (ValueError, UnicodeDecodeError):
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("note", ""), str):
            raise self.d.problem(400, place.lang, "bad_input", reason="JSON")
        async with self.d.hold([place.store.workspace.chat_id]):
            # Read, decide and save with no await between: nothing else changes the task.
            return self._change(place, number, action, body)

    def _change(self, place: Place, number: int, action: str, body: dict[str, Any]
                ) -> web.Response:
        task = place.store.task(number)
        if task is None or action not in ACTIONS:
            raise self.d.problem(404, place.lang, "no_task")
        if not may(place.member, Action.UPDATE_TASK, task):
            raise self.d.problem(403, place.lang, "not_allowed")
        note = body.get("note", "")
        user = place.viewer.user.id
        if action == "done":
            outcome = taskops.mark_done(task, now=place.now, actor=user, note=note)
        elif action == "progress":
            percent = body.get("percent")
            if isinstance(percent, str) and percent.isdigit():
                percent = int(percent)
            if not isinstance(percent, int) or isinstance(percent, bool):
                raise self.d.problem(400, place.lang, "bad_input", reason="percent")
            outcome = taskops.set_progress(task, percent, now=place.now, actor=user, note=note)
        else:
            outcome = taskops.add_note(task, note, now=place.now, actor=user)
        if isinstance(outcome, taskops.TaskError):
            # The chat's own explanation of the refusal, word for word.
            text = self.d.services.renderer.render(
                "task_error", place.lang, error=outcome.value, task=task,
                note_max=taskops.NOTE_MAX,
            )
            return self._task_page(place, number, 409, error=Markup(text))
        place.store.save_task(outcome, actor=user, at=place.now,
                              action=taskops.audit_action(outcome))
        return self._task_page(place, number, flash=outcome.history[-1].kind.value)

    async def agencies(self, request: web.Request) -> web.Response:
        place = self.d.place(request)
        return self._view(place, "agencies", "agencies",
                          ranking=agency_view.agency_ranking(place.store, place.now),
                          figures=indicator_view.agency_indicators(place.store))

    async def indicators(self, request: web.Request) -> web.Response:
        place = self.d.place(request)
        raw = request.query.get("n", "")
        number = int(raw) if raw.isdigit() and len(raw) < 9 else None
        agency = request.query.get("agency", "")[:64]
        page = indicator_view.indicator_page(place.store, number, agency)
        return self._view(place, "indicators", "indicators", page=page)

    async def meetings(self, request: web.Request) -> web.Response:
        place = self.d.place(request)
        return self._view(place, "meetings", "meetings",
                          meetings=meeting_view.meeting_views(place.store, place.now))

    # -- the console's sign-in (only when the console serves the dashboard) -----------------

    async def console_cast(self, request: web.Request) -> web.Response:
        lang = self.d.services.settings.default_lang
        return self.d.fragment("console", lang, cast=self.d.console_sign_in)

    async def console_sign_in(self, request: web.Request) -> web.Response:
        try:
            wanted = int((await request.json()).get("user"))
        except (ValueError, TypeError, AttributeError):
            raise web.HTTPBadRequest() from None
        person = next((p for p in self.d.console_sign_in if p.user_id == wanted), None)
        if person is None:
            raise web.HTTPNotFound()
        from handlers.dashboard.auth import init_data_for

        signed = init_data_for(person.user_id, person.name, self.d.token,
                               at=self.d.wall_clock())
        return json_response({"initData": signed})


def add_routes(dashboard: Dashboard, router: web.UrlDispatcher, api: str) -> None:
    """The api/ routes; the console's sign-in only when the console asked for it."""
    pages = Pages(dashboard)
    router.add_get(api + "home", pages.home)
    router.add_get(api + "overview", pages.overview)
    router.add_get(api + "tasks", pages.tasks)
    router.add_post(api + "export", pages.export)
    router.add_get(api + "task/{number}", pages.task)
    router.add_post(api + "task/{number}/{action}", pages.act)
    router.add_get(api + "agencies", pages.agencies)
    router.add_get(api + "indicators", pages.indicators)
    router.add_get(api + "meetings", pages.meetings)
    if dashboard.console_sign_in is not None:
        router.add_get(api + "console/cast", pages.console_cast)
        router.add_post(api + "console/sign-in", pages.console_sign_in)

