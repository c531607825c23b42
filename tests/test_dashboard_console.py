"""`python bot.py console --demo --web`: the dashboard for the console's cast, without Telegram."""

from __future__ import annotations

import asyncio
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import aiohttp
from aiohttp.test_utils import TestClient, TestServer

from bot import demo
from bot.clock import FixedClock
from bot.settings import Settings
from handlers.console import CAST, Console
from handlers.dashboard import SERVER
from tests.dashboard_kit import make_kit
from tests.factories import NOW

ROOT = Path(__file__).resolve().parent.parent
URL = re.compile(r"(http://127\.0\.0\.1:\d+/)")


async def _sign_in(session: aiohttp.ClientSession, url: str, user_id: int) -> dict[str, str]:
    async with session.post(url + "api/console/sign-in", json={"user": user_id}) as response:
        assert response.status == 200
        return {"Authorization": "tma " + (await response.json())["initData"]}


async def test_the_console_serves_the_dashboard_and_signs_its_cast_in(tmp_path: Path) -> None:
    out = io.StringIO()
    console = Console.build(Settings(web_port=0), out, demo_data=True, data_dir=tmp_path / "d",
                            clock=FixedClock(NOW))
    await console.start(run_jobs=False)
    try:
        url = await console.serve_dashboard(0)
        assert URL.search(out.getvalue()) and url in out.getvalue()
        async with aiohttp.ClientSession() as session:
            async with session.get(url) as response:
                assert 'data-console="1"' in await response.text()
            async with session.get(url + "api/console/cast") as response:
                cast = await response.text()
            assert all(f'data-sign-in="{p.user_id}"' in cast for p in CAST)
            headers = await _sign_in(session, url, demo.NGHE_AN_ID)
            async with session.get(url + "api/home", headers=headers) as response:
                assert response.status == 200 and "37/68" in await response.text()
            stranger = await _sign_in(session, url, demo.STRANGER_ID)
            async with session.get(url + f"api/overview?ws={demo.DEMO_CHAT_ID}",
                                   headers=stranger) as response:
                assert response.status == 403
    finally:
        await console.close()
    assert SERVER not in console.application.bot_data


async def test_the_sign_in_exists_only_in_the_console() -> None:
    kit = make_kit()  # as the bot serves it, with DONDOC_WEB_URL
    async with TestClient(TestServer(kit.dashboard.app())) as client:
        assert (await client.get("/api/console/cast")).status == 404
        response = await client.post("/api/console/sign-in", json={"user": demo.SECRETARY_ID})
        assert response.status in (401, 404, 405)
        page = await (await client.get("/")).text()
        assert 'data-console=""' in page


async def test_the_sign_in_knows_only_the_cast() -> None:
    kit = make_kit(console=CAST)
    async with TestClient(TestServer(kit.dashboard.app())) as client:
        assert (await client.post("/api/console/sign-in", json={"user": 4242})).status == 404
        assert (await client.post("/api/console/sign-in", json=["x"])).status == 400


def test_bot_py_console_demo_web_prints_the_url_and_serves_the_demo(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DONDOC_"))}
    env.update(DONDOC_WEB_PORT="0", PYTHONIOENCODING="utf-8",
               DONDOC_FAKE_NOW="2024-07-31T09:00:00+07:00")
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "bot.py"), "console", "--demo", "--web"], cwd=tmp_path,
        env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None and process.stdin is not None
        seen = []
        for _ in range(200):  # the help and the cast come first; bounded
            line = process.stdout.readline()
            seen.append(line)
            found = URL.search(line)
            if found or not line:
                break
        assert found, "".join(seen)

        async def check(url: str) -> None:
            async with aiohttp.ClientSession() as session:
                headers = await _sign_in(session, url, demo.CHAIR_ID)
                async with session.get(url + "api/home", headers=headers) as response:
                    text = await response.text()
                    assert response.status == 200 and '<span class="big">37/68</span>' in text

        asyncio.run(check(found.group(1)))
        process.stdin.write(":quit\n")
        process.stdin.flush()
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
