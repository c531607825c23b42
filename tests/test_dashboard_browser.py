"""The dashboard in a real headless Chromium, with Telegram's WebApp object stood in for.

The page loads Telegram's telegram-web-app.js, which this offline machine cannot reach: the
browser is told to block it, and a stand-in ``window.Telegram.WebApp`` carrying a signed
initData is put in the page before any of its scripts runs. Screenshots go to
``tests/screenshots/`` (not kept in git) for a person to look at.

The tests need Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them);
without them they are skipped on a developer's machine, and fail in CI.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import demo
from bot.model import TaskStatus
from handlers.dashboard.auth import init_data_for
from tests.dashboard_kit import TOKEN, WS, Kit, Served, add_ongoing_and_periodic, make_kit

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
SHOTS = Path(__file__).parent / "screenshots"
WAIT = 15  # seconds; a real browser on a busy machine

LIGHT = {"bg_color": "#ffffff", "text_color": "#000000", "hint_color": "#999999",
         "link_color": "#2481cc", "button_color": "#2481cc", "button_text_color": "#ffffff",
         "secondary_bg_color": "#efeff3"}
DARK = {"bg_color": "#212121", "text_color": "#ffffff", "hint_color": "#aaaaaa",
        "link_color": "#8774e1", "button_color": "#8774e1", "button_text_color": "#ffffff",
        "secondary_bg_color": "#181818"}

if not (CHROMIUM and DRIVER):
    if os.environ.get("CI"):
        pytest.fail("chromium and chromium-driver are missing; .ci/run installs them",
                    pytrace=False)
    pytest.skip("chromium and chromium-driver are not installed (apt-get install chromium "
                "chromium-driver); CI runs these tests", allow_module_level=True)

from selenium import webdriver  # noqa: E402  (only once the browser is known to be there)
from selenium.webdriver.chrome.options import Options  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    """One headless Chromium for the module, with a fresh profile and no network but ours."""
    profile = tempfile.mkdtemp(prefix="dondoc-chromium-")
    options = Options()
    options.binary_location = CHROMIUM or ""
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-extensions", "--hide-scrollbars",
                f"--user-data-dir={profile}", "--window-size=420,900", "--lang=vi"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(DRIVER or ""), options=options)
    driver.execute_cdp_cmd("Network.enable", {})
    # Telegram's script is out of reach here; the page must work without it.
    driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*telegram.org*"]})
    SHOTS.mkdir(exist_ok=True)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def served() -> Iterator[Served]:
    with Served(make_kit()) as served:
        yield served


class Page:
    """The dashboard open in the browser as one user, as Telegram would open it."""

    def __init__(self, driver: WebDriver, served: Served) -> None:
        self.driver = driver
        self.served = served
        self._script: str | None = None

    @property
    def kit(self) -> Kit:
        return self.served.kit

    def open(self, user_id: int, name: str, *, theme: dict[str, str] = LIGHT,
             scheme: str = "light", lang: str = "vi", width: int = 420,
             outside: bool = False) -> Page:
        """Open the page as Telegram does for `user_id` (`outside`: in a plain browser)."""
        signed = "" if outside else init_data_for(user_id, name, TOKEN, at=self.kit.wall(),
                                                  language_code=lang)
        stub = {"initData": signed, "initDataUnsafe": {"user": {"id": user_id}},
                "colorScheme": scheme, "themeParams": theme, "version": "8.0",
                "platform": "android"}
        source = (
            "window.Telegram = {WebApp: Object.assign(" + json.dumps(stub) + ", {"
            "ready() { window.__tgReady = true; }, expand() {}, onEvent() {},"
            "BackButton: {show() {}, hide() {}, onClick() {}}})};"
        )
        if self._script is not None:
            self.driver.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument",
                                        {"identifier": self._script})
        added = self.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument",
                                            {"source": source})
        self._script = added["identifier"]
        self.driver.set_window_size(width, 900)
        self.driver.get(self.served.url)
        self.wait_for("#app .view, #app .problem")
        return self

    def wait_for(self, selector: str) -> None:
        WebDriverWait(self.driver, WAIT).until(
            ec.presence_of_element_located((By.CSS_SELECTOR, selector)))

    def wait_route(self, route: str) -> None:
        WebDriverWait(self.driver, WAIT).until(
            lambda d: d.find_element(By.ID, "app").get_attribute("data-route") == route)

    def tab(self, name: str) -> None:
        self.driver.find_element(By.CSS_SELECTOR, f".tabs a[href^='#/{name}?']").click()

    def find(self, selector: str) -> list:  # type: ignore[type-arg]
        return self.driver.find_elements(By.CSS_SELECTOR, selector)

    def text(self, selector: str) -> str:
        return str(self.driver.find_element(By.CSS_SELECTOR, selector).text)

    def rows(self) -> list[int]:
        return [int(r.get_attribute("data-task")) for r in self.find("table.tasks tbody tr")]

    def changed(self, action: object) -> None:
        """Do `action` (a click, a choice) and wait until the view is drawn anew."""
        marker = self.driver.find_element(By.CSS_SELECTOR, "#app > *")
        action()  # type: ignore[operator]
        WebDriverWait(self.driver, WAIT).until(ec.staleness_of(marker))
        self.wait_for("#app .view, #app .problem")

    def shot(self, name: str) -> Path:
        path = SHOTS / f"{name}.png"
        height = self.driver.execute_script("return document.body.scrollHeight")
        width = self.driver.get_window_size()["width"]
        self.driver.set_window_size(width, min(max(int(height) + 120, 600), 4000))
        self.driver.save_screenshot(str(path))
        return path


@pytest.fixture
def page(browser: WebDriver, served: Served) -> Page:
    return Page(browser, served)


def test_the_demos_overview_shows_37_of_68_and_the_four_classes(page: Page) -> None:
    page.open(demo.CHAIR_ID, "Trần Minh Quang")
    assert page.text("[data-test=headline] .big") == "37/68"
    counts = {li.get_attribute("data-class"): li.find_element(By.CSS_SELECTOR, ".count").text
              for li in page.find(".classes li")}
    assert counts == {"done_on_time": "29", "done_late": "8", "in_progress": "23",
                      "overdue": "8"}
    assert len(page.find(".bars svg.bar")) == 4  # all tasks, and each of the three plans
    assert page.driver.execute_script("return window.__tgReady === true")
    assert page.shot("overview-light").stat().st_size > 10_000


def test_the_overview_follows_telegrams_dark_theme(page: Page) -> None:
    page.open(demo.CHAIR_ID, "Trần Minh Quang", theme=DARK, scheme="dark", lang="en")
    background = page.driver.execute_script(
        "return getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(33, 33, 33)"
    page.shot("overview-dark")


def test_filtering_by_agency_and_class_gives_the_expected_rows(page: Page) -> None:
    page.open(demo.SECRETARY_ID, "Nguyễn Thị Hoa", width=1100)
    page.changed(lambda: page.tab("tasks"))
    page.wait_route("tasks")
    assert len(page.rows()) == 71
    page.changed(lambda: Select(page.find("select[name=agency]")[0]).select_by_value("nghe-an"))
    nghe_an = [t.number for t in page.kit.store.tasks() if t.lead == "nghe-an"]
    assert page.rows() == nghe_an
    page.changed(lambda: Select(page.find("select[name=cls]")[0]).select_by_value("overdue"))
    expected = [t.number for t in page.kit.store.tasks() if t.lead == "nghe-an"
                and t.status not in (TaskStatus.DONE, TaskStatus.CANCELLED)
                and t.deadline is not None and t.deadline < page.kit.clock().date()]
    assert expected and page.rows() == expected
    assert all(r.get_attribute("data-class") == "overdue"
               for r in page.find("table.tasks tbody tr"))
    assert "agency=nghe-an" in page.driver.current_url  # back and forward keep the filters
    page.shot("tasks-filtered")


def test_the_kind_filter_shows_the_ongoing_then_the_periodic_tasks(page: Page) -> None:
    ongoing, periodic = add_ongoing_and_periodic(page.kit.store)
    page.open(demo.SECRETARY_ID, "Nguyễn Thị Hoa", width=1100)
    page.changed(lambda: page.tab("tasks"))
    page.wait_route("tasks")
    assert len(page.rows()) == 73
    page.changed(lambda: Select(page.find("select[name=kind]")[0]).select_by_value("ongoing"))
    assert page.rows() == [ongoing.number]
    assert "kind=ongoing" in page.driver.current_url
    page.changed(lambda: Select(page.find("select[name=kind]")[0]).select_by_value("periodic"))
    assert page.rows() == [periodic.number]
    page.shot("tasks-periodic")


def test_search_without_diacritics_and_sorting_by_a_column(page: Page) -> None:
    page.open(demo.SECRETARY_ID, "Nguyễn Thị Hoa", width=1100)
    page.changed(lambda: page.tab("tasks"))
    page.changed(lambda: page.find("input[name=q]")[0].send_keys("thanh toan"))
    found = page.rows()
    titles = {t.number: t.title for t in page.kit.store.tasks()}
    assert found and all("thanh toán" in titles[n].lower() for n in found)
    page.changed(lambda: page.find("th.col-deadline a")[0].click())
    deadlines = [page.kit.store.task(n).deadline or dt.date.max  # type: ignore[union-attr]
                 for n in page.rows()]
    assert deadlines == sorted(deadlines)
    page.changed(lambda: page.find("th.col-deadline a")[0].click())
    deadlines = [page.kit.store.task(n).deadline or dt.date.max  # type: ignore[union-attr]
                 for n in page.rows()]
    assert deadlines == sorted(deadlines, reverse=True)


def _nghe_an_open_task(kit: Kit) -> int:
    return next(t.number for t in kit.store.tasks()
                if t.lead == "nghe-an" and t.status is TaskStatus.IN_PROGRESS)


def test_a_member_without_rights_sees_no_action_buttons(page: Page) -> None:
    number = _nghe_an_open_task(page.kit)
    page.driver.get("about:blank")
    page.open(demo.HA_TINH_ID, "Phạm Thị Lan")
    page.changed(lambda: page.driver.execute_script(
        f"location.hash = '#/task/{number}?ws={WS}'"))
    page.wait_for("[data-test=history]")
    assert page.find("[data-test=actions]") == [] and page.find("form[data-action]") == []
    assert page.find("button[type=submit]") == []
    page.shot("task-no-rights")


def test_a_tasks_page_shows_its_history_and_its_owner_marks_it_done(page: Page) -> None:
    number = _nghe_an_open_task(page.kit)
    page.open(demo.NGHE_AN_ID, "Lê Văn Hùng")
    page.changed(lambda: page.tab("tasks"))
    page.changed(lambda: page.driver.find_element(
        By.CSS_SELECTOR, f"tr[data-task='{number}'] .col-title a").click())
    page.wait_for("[data-test=history]")
    kinds = [li.get_attribute("data-kind") for li in page.find("[data-test=history] li")]
    task = page.kit.store.task(number)
    assert task is not None
    assert kinds == [h.kind.value for h in reversed(task.history)] and "created" in kinds
    assert len(page.find("[data-test=actions] form[data-action]")) == 3
    page.shot("task-owner")
    page.changed(lambda: page.find("form[data-action$='/done'] button")[0].click())
    assert page.find(".flash")
    done = page.kit.store.task(number)
    assert done is not None and done.status is TaskStatus.DONE
    assert done.history[-1].user_id == demo.NGHE_AN_ID
    assert page.kit.store.audit(number)[-1].action == "task_done"
    # Done: only a note may be added now, as on the chat's card.
    assert [f.get_attribute("data-action") for f in page.find("form[data-action]")] == [
        f"task/{number}/note"]


def test_agencies_and_meetings_pages(page: Page) -> None:
    page.open(demo.CHAIR_ID, "Trần Minh Quang", width=420)
    page.changed(lambda: page.tab("agencies"))
    ranks = [li.get_attribute("data-agency") for li in page.find("ol.agencies > li")]
    assert ranks[0] in {"nghe-an", "quang-nam", "bac-ninh", "hue", "dien-bien"}
    page.find("ol.agencies > li summary")[0].click()
    page.shot("agencies")
    page.changed(lambda: page.tab("meetings"))
    assert page.find("article.meeting[data-meeting='4'] .task-lines li")
    page.shot("meetings")


def test_the_page_outside_telegram_says_where_to_open_it(page: Page) -> None:
    page.open(0, "", outside=True)
    assert "Telegram" in page.text("#app .problem")
    assert page.find("#app .view") == []


def test_indicators_ranked_with_the_requirement_and_an_agencys_trend(page: Page) -> None:
    page.open(demo.CHAIR_ID, "Trần Minh Quang")
    page.changed(lambda: page.tab("indicators"))
    page.wait_route("indicators")
    met = [li.get_attribute("data-met") for li in page.find("ol.ranking li")]
    assert met == ["yes"] * 4 + ["no"] * 6  # digitization, 9 months of 2024, against 80%
    page.shot("indicators")
    page.changed(lambda: page.find(".chips a")[1].click())  # online payment
    page.changed(lambda: Select(page.find("select[name=agency]")[0]).select_by_value("nghe-an"))
    periods = [li.get_attribute("data-period") for li in page.find("[data-test=trend] li")]
    assert len(periods) == 2 and "2023" in periods[0] and "2024" in periods[1]
    page.shot("indicator-trend")
