"""Opening the dashboard from the chat: /dashboard, the private chat's button and menu button."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.clock import FixedClock
from bot.settings import Settings
from handlers.dashboard import SERVER, web_app_url
from handlers.dashboard.auth import init_data_for
from tests.conftest import TOKEN, Harness, make_harness, texts
from tests.factories import CHAIR, GROUP_ID, OWNER, SECRETARY, STRANGER

WEB_URL = "https://dondoc.example.org/dondoc/"


@pytest.fixture
async def web(tmp_path: Path, clock: FixedClock) -> AsyncIterator[Harness]:
    """The seeded bot with the dashboard switched on (its server on a free local port)."""
    settings = Settings(token=TOKEN, data_dir=tmp_path / "data", web_url=WEB_URL, web_port=0)
    h = await make_harness(tmp_path / "data", clock, seed=True, settings=settings)
    yield h
    await h.app.shutdown()
    assert h.app.post_shutdown is not None
    await h.app.post_shutdown(h.app)


def _keyboard(call: object) -> list[dict[str, object]]:
    markup = getattr(call, "params", {}).get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


async def test_without_a_url_the_bot_says_the_dashboard_is_off(seeded: Harness) -> None:
    calls = await seeded.send("/bangdieuhanh")
    (text,) = texts(calls)
    assert "DONDOC_WEB_URL" in text
    assert SERVER not in seeded.app.bot_data


async def test_in_the_group_the_button_leads_to_the_private_chat(web: Harness) -> None:
    calls = await web.send("/bangdieuhanh", user=OWNER)
    (sent,) = [c for c in calls if c.method == "sendMessage"]
    (button,) = _keyboard(sent)
    username = web.api.bot_user["username"]
    assert button["url"] == f"https://t.me/{username}?start=dashboard_{GROUP_ID}"
    assert "web_app" not in button  # Telegram refuses web_app buttons in groups


async def test_in_the_group_a_stranger_is_told_how_to_join(web: Harness) -> None:
    calls = await web.send("/dashboard", user=STRANGER)
    (text,) = texts(calls)
    assert "/thamgia" in text or "/join" in text
    assert not _keyboard(calls[-1])


async def test_in_private_the_button_opens_the_mini_app_and_becomes_the_menu(web: Harness
                                                                            ) -> None:
    calls = await web.send("/dashboard", user=OWNER, chat=OWNER)
    (sent,) = [c for c in calls if c.method == "sendMessage"]
    (button,) = _keyboard(sent)
    assert button["web_app"] == {"url": web_app_url(WEB_URL, GROUP_ID)}
    assert button["web_app"]["url"] == f"{WEB_URL}?ws={GROUP_ID}"
    (menu,) = [c for c in calls if c.method == "setChatMenuButton"]
    assert menu.params["chat_id"] == OWNER
    assert menu.params["menu_button"]["type"] == "web_app"
    assert menu.params["menu_button"]["web_app"]["url"] == f"{WEB_URL}?ws={GROUP_ID}"


async def test_the_groups_link_opens_that_groups_dashboard_in_private(web: Harness) -> None:
    calls = await web.send(f"/start dashboard_{GROUP_ID}", user=OWNER, chat=OWNER)
    (sent,) = [c for c in calls if c.method == "sendMessage"]
    assert _keyboard(sent)[0]["web_app"] == {"url": f"{WEB_URL}?ws={GROUP_ID}"}
    prefs = web.registry.users.get(OWNER)
    assert prefs.has_private_chat and prefs.current_workspace == GROUP_ID


async def test_a_plain_start_still_greets(web: Harness) -> None:
    calls = await web.send("/start", user=OWNER, chat=OWNER)
    (text,) = texts(calls)
    assert "dondoc" in text and not any(c.method == "setChatMenuButton" for c in calls)


async def test_a_link_to_a_group_he_is_not_in_opens_no_data(web: Harness) -> None:
    calls = await web.send(f"/start dashboard_{GROUP_ID}", user=STRANGER, chat=STRANGER)
    assert web.registry.users.get(STRANGER).current_workspace is None
    assert not any("web_app" in b for c in calls for b in _keyboard(c))
    assert not any(c.method == "setChatMenuButton" for c in calls)
    (text,) = texts(calls)
    assert "/themthanhvien" in text


async def test_the_server_runs_with_the_bot_and_the_menu_button_is_set(web: Harness) -> None:
    dashboard = web.app.bot_data[SERVER]
    assert dashboard.url is not None and dashboard.url.endswith("/dondoc/")
    async with aiohttp.ClientSession() as session, session.get(dashboard.url) as response:
        assert response.status == 200
        assert "app.js" in await response.text()
    default = [c for c in web.api.calls if c.method == "setChatMenuButton"
               and not c.params.get("chat_id")]
    assert default and default[-1].params["menu_button"]["web_app"]["url"] == WEB_URL


async def test_the_server_stops_with_the_bot(tmp_path: Path, clock: FixedClock) -> None:
    settings = Settings(token=TOKEN, data_dir=tmp_path / "d", web_url=WEB_URL, web_port=0)
    h = await make_harness(tmp_path / "d", clock, seed=False, settings=settings)
    url = h.app.bot_data[SERVER].url
    await h.app.shutdown()
    assert h.app.post_shutdown is not None
    await h.app.post_shutdown(h.app)
    assert SERVER not in h.app.bot_data
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.ClientConnectionError):
            await session.get(url)


def test_web_app_url_keeps_a_query_the_setting_has() -> None:
    assert web_app_url("https://x.org/d/?a=1", -100) == "https://x.org/d/?a=1&ws=-100"
    assert web_app_url("https://x.org/d/") == "https://x.org/d/"


def test_the_setting_must_be_https() -> None:
    with pytest.raises(ValueError, match="https"):
        Settings.from_env({"DONDOC_WEB_URL": "http://x.org/"})
    read = Settings.from_env({"DONDOC_WEB_URL": WEB_URL, "DONDOC_WEB_PORT": "9000",
                              "DONDOC_WEB_AUTH_MAX_AGE": "600"})
    assert dataclasses.astuple(read)[-5:] == (WEB_URL, "127.0.0.1", 9000, 600, 120)


# -- the export button ----------------------------------------------------------------------


async def _post_export(web: Harness, user_id: int) -> tuple[int, str]:
    dashboard = web.app.bot_data[SERVER]
    signed = init_data_for(user_id, "X", TOKEN, at=dt.datetime.now(dt.UTC))
    async with aiohttp.ClientSession() as session, session.post(
        f"{dashboard.url}api/export?ws={GROUP_ID}", json={},
        headers={"Authorization": f"tma {signed}"},
    ) as response:
        return response.status, await response.text()


async def _with_tasks(web: Harness) -> None:
    await web.send("/giaoviec Rà soát TTHC nội bộ | Nghệ An | 30/9/2024")
    await web.send("/giaoviec Số hóa hồ sơ | Hà Tĩnh | 31/10/2024")


async def test_the_export_button_sends_the_workbook_to_the_private_chat(web: Harness) -> None:
    await _with_tasks(web)
    await web.send("/start", user=SECRETARY, chat=SECRETARY)
    status, text = await _post_export(web, SECRETARY)
    assert status == 200 and 'data-test="export-sent"' in text
    (sent,) = [c for c in web.api.calls if c.method == "sendDocument"]
    assert sent.ok and sent.params["chat_id"] == SECRETARY
    assert str(sent.params["document"]).endswith(".xlsx") or "xlsx" in str(sent.params)


async def test_a_member_may_not_export_and_sees_no_button(web: Harness) -> None:
    await _with_tasks(web)
    status, text = await _post_export(web, OWNER)
    assert status == 403 and "not_allowed_export" in text
    assert not [c for c in web.api.calls if c.method == "sendDocument"]
    dashboard = web.app.bot_data[SERVER]
    signed = init_data_for(OWNER, "X", TOKEN, at=dt.datetime.now(dt.UTC))
    async with aiohttp.ClientSession() as session, session.get(
        f"{dashboard.url}api/tasks?ws={GROUP_ID}", headers={"Authorization": f"tma {signed}"},
    ) as response:
        assert 'data-action="export"' not in await response.text()


async def test_an_export_to_a_chat_the_bot_cannot_write_to_says_what_to_do(web: Harness) -> None:
    await _with_tasks(web)
    status, text = await _post_export(web, CHAIR)  # never opened the private chat
    assert status == 409 and 'data-problem="export_failed"' in text
