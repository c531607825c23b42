"""The demo carries the reports' indicator figures, and the console shows them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bot import demo
from bot.indicators import NATIONAL
from bot.ranking import rank
from store.registry import Registry
from tests.factories import NOW

BOT_PY = Path(__file__).resolve().parent.parent / "bot.py"


def test_the_demo_holds_the_seeds_figures(tmp_path: Path) -> None:
    built = demo.build_demo(NOW.date())
    ws = built.workspace
    store = Registry(tmp_path).create(ws.chat_id, ws.title, lang=ws.lang, tz=ws.tz, at=NOW)
    demo.install_demo(store, built, at=NOW)
    agencies = store.agencies()
    digitization, payment, online, satisfaction = (
        rank(i, store.indicators.values(i.number), agencies) for i in store.indicators.all())
    assert [(r.label, r.value) for r in digitization.rows][::9] == [
        ("Bình Định", 89.51), ("Thừa Thiên Huế", 55.15)]
    assert (len(digitization.met), len(digitization.not_met)) == (4, 6)
    nghe_an = next(r for r in payment.rows if r.label == "Nghệ An")
    assert (nghe_an.previous, nghe_an.value) == (13.51, 40.47)
    online_2023 = rank(online.indicator, store.indicators.values(3), agencies)
    assert online_2023.national == 38.26 and online_2023.rows[0].value == 57.01
    assert satisfaction.rows[0].met is True and satisfaction.rows[0].value == 94.44
    assert store.indicators.value(2, NATIONAL, payment.previous_period) is not None  # type: ignore[arg-type]


def test_the_console_demo_ranks_the_ten_provinces(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(BOT_PY), "console", "--demo"], cwd=tmp_path,
        input="/chiso số hóa\n/chiso thanh toán | Nghệ An\n:quit\n", capture_output=True,
        text=True, timeout=60, check=False,
        env={"PATH": "/usr/bin:/bin", "PYTHONIOENCODING": "utf-8",
             "DONDOC_FAKE_NOW": "2024-10-11T09:00:00+07:00",
             "DONDOC_DATA_DIR": str(tmp_path / "data")},
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Đạt 4/10 · chưa đạt 6 · bình quân nhóm 76,47%" in out
    assert "10. ❌ Thừa Thiên Huế — 55,15% (−24,85 điểm %)" in out
    assert "7 tháng 2024: 40,47% (📈 +26,96 điểm %)" in out
