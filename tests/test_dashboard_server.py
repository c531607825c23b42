"""The dashboard over HTTP: who gets in (401/403), headers, the request budget, the fragments."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator
from urllib.parse import urlencode

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot import demo
from bot.model import Member, TaskStatus, UserPrefs
from bot.settings import Settings
from handlers.dashboard.auth import sign
from handlers.dashboard.server import FRAME_ANCESTORS
from store.registry import Registry
from tests.dashboard_kit import (
    OTHER_WS,
    OUTSIDER,
    TOKEN,
    WS,
    Kit,
    add_ongoing_and_periodic,
    demo_registry,
    make_kit,
)

HOA, HUNG, LAN = demo.SECRETARY_ID, demo.NGHE_AN_ID, demo.HA_TINH_ID


@pytest.fixture(scope="module")
def demo_data() -> Registry:
    """The demo, built once for the tests that only read it (building it takes 0.1 s)."""
    return demo_registry()


@pytest.fixture
def kit(demo_data: Registry) -> Kit:
    return make_kit(registry=demo_data)


@pytest.fixture
def fresh() -> Kit:
    """A kit of its own, for tests that change the data."""
    return make_kit()


@pytest.fixture
async def client(kit: Kit) -> AsyncIterator[TestClient]:  # type: ignore[type-arg]
    async with TestClient(TestServer(kit.dashboard.app())) as client:
        yield client


@pytest.fixture
async def fresh_client(fresh: Kit) -> AsyncIterator[TestClient]:  # type: ignore[type-arg]
    async with TestClient(TestServer(fresh.dashboard.app())) as client:
        yield client


Client = TestClient  # type: ignore[type-arg]


async def _get(client: Client, path: str, headers: dict[str, str] | None = None
               ) -> tuple[int, str]:
    response = await client.get(path, headers=headers or {})
    return response.status, await response.text()


# -- who gets in ----------------------------------------------------------------------------


async def test_the_overview_of_the_demo_shows_37_of_68(kit: Kit, client: Client) -> None:
    status, text = await _get(client, f"/api/overview?ws={WS}", kit.auth(HOA))
    assert status == 200
    assert '<span class="big">37/68</span>' in text
    for cls, count in (("done_on_time", 29), ("done_late", 8), ("in_progress", 23),
                       ("overdue", 8)):
        assert f'data-class="{cls}"' in text and f'<span class="count">{count}</span>' in text


@pytest.mark.parametrize("header", [
    None,  # no initData at all
    "tma ",
    "Bearer abc",
    "tma user=%7B%22id%22%3A1001%7D&auth_date=1722391200&hash=00",  # forged
])
async def test_a_request_without_valid_init_data_gets_401(client: Client, header: str | None
                                                         ) -> None:
    headers = {"Authorization": header} if header is not None else {}
    status, text = await _get(client, f"/api/overview?ws={WS}", headers)
    assert status == 401
    assert 'data-problem="auth"' in text and "37/68" not in text


async def test_tampered_init_data_gets_401(kit: Kit, client: Client) -> None:
    signed = kit.auth(HUNG)["Authorization"]
    posing = signed.replace(str(HUNG), str(HOA))  # the same signature, another user
    status, _ = await _get(client, f"/api/overview?ws={WS}", {"Authorization": posing})
    assert status == 401


async def test_init_data_signed_for_another_bot_gets_401(kit: Kit, client: Client) -> None:
    fields = {"auth_date": str(int(kit.wall().timestamp())), "user": json.dumps({"id": HOA})}
    header = {"Authorization": "tma " + sign(fields, "999:OTHER-BOT")}
    assert (await _get(client, f"/api/overview?ws={WS}", header))[0] == 401


async def test_expired_init_data_gets_401(kit: Kit, client: Client) -> None:
    headers = kit.auth(HOA)
    kit.wall.advance(hours=1, seconds=1)  # default DONDOC_WEB_AUTH_MAX_AGE: one hour
    status, text = await _get(client, f"/api/overview?ws={WS}", headers)
    assert status == 401 and "expired" in text


async def test_init_data_without_a_user_gets_401(kit: Kit, client: Client) -> None:
    fields = {"auth_date": str(int(kit.wall().timestamp())), "query_id": "AAH"}
    header = {"Authorization": "tma " + sign(fields, TOKEN)}
    status, text = await _get(client, f"/api/overview?ws={WS}", header)
    assert status == 401 and "no_user" in text


async def test_the_age_limit_is_a_setting() -> None:
    kit = make_kit(settings=Settings(token=TOKEN, web_auth_max_age=6 * 3600))
    async with TestClient(TestServer(kit.dashboard.app())) as client:
        headers = kit.auth(HOA)
        kit.wall.advance(hours=5)
        assert (await _get(client, f"/api/overview?ws={WS}", headers))[0] == 200


@pytest.mark.parametrize("path", ["overview", "tasks", "task/2", "agencies", "meetings"])
async def test_another_working_group_gets_403(kit: Kit, client: Client, path: str) -> None:
    status, text = await _get(client, f"/api/{path}?ws={OTHER_WS}", kit.auth(HOA))
    assert status == 403 and 'data-problem="not_member"' in text
    assert "Người ngoài" not in text  # nothing of that group is shown


async def test_a_stranger_in_the_telegram_group_gets_403(kit: Kit, client: Client) -> None:
    status, _ = await _get(client, f"/api/tasks?ws={WS}", kit.auth(demo.STRANGER_ID))
    assert status == 403


async def test_an_unknown_working_group_gets_404(kit: Kit, client: Client) -> None:
    for ws in ("-1", "abc", ""):
        assert (await _get(client, f"/api/overview?ws={ws}", kit.auth(HOA)))[0] == 404


async def test_home_opens_the_only_working_group_or_offers_a_choice(
    fresh: Kit, fresh_client: Client,
) -> None:
    status, text = await _get(fresh_client, "/api/home", fresh.auth(HOA))
    assert status == 200 and "37/68" in text
    status, text = await _get(fresh_client, "/api/home", fresh.auth(OUTSIDER))
    assert status == 200 and "Ban chỉ đạo tỉnh" in text and demo.DEMO_TITLE not in text
    fresh.store.save_member(Member(OUTSIDER, "Người ngoài"), actor=HOA, at=fresh.clock())
    status, text = await _get(fresh_client, "/api/home", fresh.auth(OUTSIDER))
    assert 'class="workspaces"' in text and demo.DEMO_TITLE in text and "Ban chỉ đạo" in text
    status, text = await _get(fresh_client, "/api/home", fresh.auth(777))
    assert status == 200 and 'data-problem="no_membership"' in text


# -- headers --------------------------------------------------------------------------------


@pytest.mark.parametrize("path, auth", [("/", False), ("/static/app.js", False),
                                        (f"/api/overview?ws={WS}", True),
                                        (f"/api/overview?ws={WS}", False),
                                        (f"/api/overview?ws={OTHER_WS}", True),
                                        ("/nothing-here", False)])
async def test_every_answer_carries_the_security_headers(kit: Kit, client: Client, path: str,
                                                         auth: bool) -> None:
    response = await client.get(path, headers=kit.auth(HOA) if auth else {})
    csp = response.headers["Content-Security-Policy"]
    assert f"frame-ancestors {FRAME_ANCESTORS}" in csp
    assert "default-src 'none'" in csp and "script-src 'self' https://telegram.org" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "Set-Cookie" not in response.headers


async def test_the_page_has_no_inline_script_and_no_data(client: Client) -> None:
    status, text = await _get(client, "/")
    assert status == 200
    assert "<script>" not in text and "onclick" not in text
    assert '<script src="https://telegram.org/js/telegram-web-app.js"></script>' in text
    assert "37/68" not in text and "Nghệ An" not in text


async def test_everything_typed_by_users_is_escaped(fresh: Kit, fresh_client: Client) -> None:
    task = fresh.store.task(2)
    assert task is not None
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    fresh.store.update_task(2, lambda t: setattr(t, "title", evil), actor=HOA,
                            at=fresh.clock(), action="task_edited")
    for path in ("tasks", "task/2", "agencies"):
        _, text = await _get(fresh_client, f"/api/{path}?ws={WS}", fresh.auth(HOA))
        assert "<script>alert" not in text and "<img src=x" not in text
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in text


# -- the request budget ---------------------------------------------------------------------


async def test_a_flood_of_requests_gets_429_then_the_budget_comes_back() -> None:
    kit = make_kit(settings=Settings(token=TOKEN, web_requests_per_minute=60))
    async with TestClient(TestServer(kit.dashboard.app())) as client:
        headers = kit.auth(HUNG)
        statuses = [(await client.get(f"/api/meetings?ws={WS}", headers=headers)).status
                    for _ in range(31)]
        assert statuses == [200] * 30 + [429]  # a burst of half a minute's budget
        response = await client.get(f"/api/meetings?ws={WS}", headers=headers)
        assert response.status == 429 and response.headers["Retry-After"] == "1"
        assert 'data-problem="busy"' in await response.text()
        # Another user is not held back by him.
        assert (await client.get(f"/api/meetings?ws={WS}", headers=kit.auth(HOA))).status == 200
        kit.wall.advance(seconds=2)
        assert (await client.get(f"/api/meetings?ws={WS}", headers=headers)).status == 200


# -- views ----------------------------------------------------------------------------------


async def test_the_tasks_table_filters_by_agency_and_class(kit: Kit, client: Client) -> None:
    query = urlencode({"ws": WS, "agency": "nghe-an", "cls": "overdue"})
    status, text = await _get(client, f"/api/tasks?{query}", kit.auth(HOA, lang="en"))
    assert status == 200
    rows = [t for t in kit.store.tasks() if t.lead == "nghe-an" and t.status is not
            TaskStatus.DONE and t.deadline is not None and t.deadline < kit.clock().date()]
    assert rows
    assert text.count('<tr data-task="') == len(rows)
    for task in rows:
        assert f'<tr data-task="{task.number}" data-class="overdue">' in text


async def test_the_tasks_table_filters_by_kind(fresh: Kit, fresh_client: Client) -> None:
    ongoing, periodic = add_ongoing_and_periodic(fresh.store)
    for kind, task in (("ongoing", ongoing), ("periodic", periodic)):
        query = urlencode({"ws": WS, "kind": kind})
        status, text = await _get(fresh_client, f"/api/tasks?{query}", fresh.auth(HOA))
        assert status == 200
        assert text.count('<tr data-task="') == 1 and f'<tr data-task="{task.number}"' in text
        assert f'<option value="{kind}" selected>' in text
    _, text = await _get(fresh_client, f"/api/tasks?ws={WS}", fresh.auth(HOA))
    assert '<option value="periodic">Định kỳ (1)</option>' in text
    assert '<option value="dated">Có thời hạn (71)</option>' in text


async def test_views_speak_the_users_language(fresh: Kit, fresh_client: Client) -> None:
    fresh.registry.users.save(UserPrefs(user_id=HOA, lang="en"))
    _, text = await _get(fresh_client, f"/api/overview?ws={WS}", fresh.auth(HOA))
    assert "completed" in text and "Completed on time" in text
    _, text = await _get(fresh_client, f"/api/overview?ws={WS}", fresh.auth(HUNG))
    assert "hoàn thành" in text  # the workspace's language


async def test_a_missing_task_gets_404(kit: Kit, client: Client) -> None:
    for number in ("999", "abc"):
        status, text = await _get(client, f"/api/task/{number}?ws={WS}", kit.auth(HOA))
        assert status == 404 and 'data-problem="no_task"' in text


@pytest.mark.parametrize("path", ["overview", "tasks", "task/2", "agencies", "meetings"])
async def test_every_view_renders_in_both_languages(fresh: Kit, fresh_client: Client, path: str
                                                    ) -> None:
    for lang, word in (("en", "Overview"), ("vi", "Tổng quan")):
        fresh.registry.users.save(UserPrefs(user_id=HOA, lang=lang))
        status, text = await _get(fresh_client, f"/api/{path}?ws={WS}", fresh.auth(HOA))
        assert status == 200 and word in text


async def test_server_timing_is_reported(kit: Kit, client: Client) -> None:
    response = await client.get(f"/api/tasks?ws={WS}", headers=kit.auth(HOA))
    assert response.headers["Server-Timing"].startswith("app;dur=")


async def test_when_init_data_was_signed_is_checked_against_the_wall_clock(kit: Kit,
                                                                           client: Client
                                                                           ) -> None:
    # The bot's clock may be set to a rehearsal day; Telegram signs with the real time.
    kit.clock.set(kit.clock() - dt.timedelta(days=30))
    assert (await _get(client, f"/api/overview?ws={WS}", kit.auth(HOA)))[0] == 200


async def test_every_api_route_refuses_a_request_without_init_data(kit: Kit) -> None:
    app = kit.dashboard.app()
    routes = [(r.method, r.resource.canonical) for r in app.router.routes()  # type: ignore[union-attr]
              if "/api/" in r.resource.canonical]  # type: ignore[union-attr]
    assert len(routes) >= 7
    async with TestClient(TestServer(app)) as client:
        for method, path in routes:
            url = path.replace("{number}", "2").replace("{action}", "done") + f"?ws={WS}"
            response = await client.request(method, url, json={})
            assert response.status == 401, (method, path)


# -- actions --------------------------------------------------------------------------------


def _open_task_of(kit: Kit, lead: str) -> int:
    return next(t.number for t in kit.store.tasks()
                if t.lead == lead and t.status in (TaskStatus.OPEN, TaskStatus.IN_PROGRESS))


async def test_an_owner_marks_his_task_done_with_the_audit_as_in_the_chat(
    fresh: Kit, fresh_client: Client,
) -> None:
    number = _open_task_of(fresh, "nghe-an")
    response = await fresh_client.post(f"/api/task/{number}/done?ws={WS}",
                                       json={"note": "Đã ban hành"}, headers=fresh.auth(HUNG))
    assert response.status == 200
    text = await response.text()
    assert 'class="flash"' in text and 'data-kind="done"' in text
    task = fresh.store.task(number)
    assert task is not None and task.status is TaskStatus.DONE
    assert task.history[-1].note == "Đã ban hành" and task.history[-1].user_id == HUNG
    last = fresh.store.audit(number)[-1]
    assert (last.user_id, last.action, last.after) == (HUNG, "task_done", last.after)
    assert last.after is not None and last.after["status"] == "done"


async def test_progress_and_notes_go_through_the_same_rules(fresh: Kit, fresh_client: Client
                                                            ) -> None:
    number = _open_task_of(fresh, "nghe-an")
    auth = fresh.auth(HUNG)
    response = await fresh_client.post(f"/api/task/{number}/progress?ws={WS}",
                                       json={"percent": "50", "note": "Đang lấy ý kiến"},
                                       headers=auth)
    assert response.status == 200
    task = fresh.store.task(number)
    assert task is not None and task.progress == 50
    response = await fresh_client.post(f"/api/task/{number}/note?ws={WS}",
                                       json={"note": "Vướng mắc: chưa có hướng dẫn"},
                                       headers=auth)
    assert response.status == 200
    assert "Vướng mắc: chưa có hướng dẫn" in await response.text()
    assert [e.action for e in fresh.store.audit(number)][-2:] == ["task_progress", "task_note"]
    # An empty note is refused with the chat's own words, and nothing is written.
    before = len(fresh.store.audit(number))
    response = await fresh_client.post(f"/api/task/{number}/note?ws={WS}", json={"note": " "},
                                       headers=auth)
    assert response.status == 409 and 'data-test="error"' in await response.text()
    assert len(fresh.store.audit(number)) == before


async def test_a_member_without_rights_changes_nothing(fresh: Kit, fresh_client: Client) -> None:
    number = _open_task_of(fresh, "nghe-an")
    page = await (await fresh_client.get(f"/api/task/{number}?ws={WS}",
                                         headers=fresh.auth(LAN))).text()
    assert 'data-test="actions"' not in page and "data-action" not in page
    for action, body in (("done", {}), ("progress", {"percent": 50}), ("note", {"note": "x"})):
        response = await fresh_client.post(f"/api/task/{number}/{action}?ws={WS}", json=body,
                                           headers=fresh.auth(LAN))
        assert response.status == 403
    task = fresh.store.task(number)
    assert task is not None and task.status is not TaskStatus.DONE
    assert all(e.user_id != LAN for e in fresh.store.audit(number))


@pytest.mark.parametrize("action, body", [("progress", {"percent": "lots"}),
                                          ("progress", {}), ("note", {"note": 5}),
                                          ("done", ["not", "an", "object"])])
async def test_bad_input_gets_400_and_changes_nothing(fresh: Kit, fresh_client: Client,
                                                     action: str, body: object) -> None:
    number = _open_task_of(fresh, "nghe-an")
    before = len(fresh.store.audit(number))
    response = await fresh_client.post(f"/api/task/{number}/{action}?ws={WS}", json=body,
                                       headers=fresh.auth(HOA))
    assert response.status == 400 and 'data-problem="bad_input"' in await response.text()
    assert len(fresh.store.audit(number)) == before


async def test_a_change_waits_for_the_workspaces_turn_in_the_update_order() -> None:
    import asyncio

    from handlers.ordering import WorkspaceOrder

    order = WorkspaceOrder()
    kit = make_kit(hold=order.holding)
    number = _open_task_of(kit, "nghe-an")
    async with TestClient(TestServer(kit.dashboard.app())) as client:
        async with order.holding([WS]):  # a chat update of that group is being handled
            posting = asyncio.ensure_future(client.post(
                f"/api/task/{number}/done?ws={WS}", json={}, headers=kit.auth(HOA)))
            for _ in range(10_000):  # until the request waits for the lane (bounded)
                if order._lanes[WS].users == 2:
                    break
                await asyncio.sleep(0)
            assert order._lanes[WS].users == 2 and not posting.done()
            task = kit.store.task(number)
            assert task is not None and task.status is not TaskStatus.DONE
        response = await posting
        assert response.status == 200
    task = kit.store.task(number)
    assert task is not None and task.status is TaskStatus.DONE


async def test_the_indicators_view_ranks_and_shows_a_trend(kit: Kit, client: Client) -> None:
    status, text = await _get(client, f"/api/indicators?ws={WS}", kit.auth(HOA))
    assert status == 200 and 'data-indicator="1"' in text
    assert text.count('data-met="yes"') == 4 and text.count('data-met="no"') == 6
    status, text = await _get(client, f"/api/indicators?ws={WS}&n=2&agency=nghe-an",
                              kit.auth(HOA))
    assert status == 200 and 'data-test="trend"' in text and text.count("data-period=") == 2
    status, _ = await _get(client, f"/api/indicators?ws={OTHER_WS}", kit.auth(HOA))
    assert status == 403
