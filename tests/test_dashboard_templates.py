"""The dashboard's templates: the same words in both languages, and golden fragments."""

from __future__ import annotations

import re

import pytest

from bot import demo
from bot.render import TEMPLATES_DIR
from handlers.dashboard import agency_view, indicator_view, meeting_view, overview, task_view, views
from tests.dashboard_kit import NOW, WS, Kit, make_kit
from tests.goldens import check_golden


@pytest.fixture(scope="module")
def kit() -> Kit:
    return make_kit()


def _words(lang: str) -> tuple[set[str], set[str]]:
    text = (TEMPLATES_DIR / lang / "dashboard_words.html").read_text(encoding="utf-8")
    return set(re.findall(r'^\s*"(\w+)":', text, re.M)), set(re.findall(r"macro (\w+)\(", text))


def test_both_languages_have_the_same_words() -> None:
    assert _words("vi") == _words("en")


def test_no_word_is_hidden_by_a_dict_method() -> None:
    # `w.words.clear` would be dict.clear, not the word: Jinja looks attributes up first.
    keys, _ = _words("en")
    assert not {k for k in keys if hasattr({}, k)}


def _render(kit: Kit, name: str, lang: str, **values: object) -> str:
    store = kit.store
    return kit.dashboard.render(name, lang, workspace=store.workspace, tab=name, others=False,
                                tz=store.workspace.tz, now=NOW, **values)



@pytest.mark.parametrize("lang", ["vi", "en"])
def test_views_match_their_golden_fragments(kit: Kit, lang: str) -> None:
    store = kit.store
    hung = store.member(demo.NGHE_AN_ID)
    pages: dict[str, dict[str, object]] = {
        "overview": {"o": overview.overview(store, NOW)},
        "tasks": {"table": views.task_table(store, NOW, views.Filters(agency="nghe-an",
                                                                   kind="dated")),
                  "may_export": True},
        "task": {"page": task_view.task_page(store, NOW, 2, hung), "flash": "progress",
                 "error": None},
        "meetings": {"meetings": meeting_view.meeting_views(store, NOW)},
    }
    for name, values in pages.items():
        check_golden(f"dashboard_{name}_{lang}.html", _render(kit, name, lang, **values))
    ranking = agency_view.agency_ranking(store, NOW)[:3]
    check_golden(f"dashboard_agencies_{lang}.html",
                  _render(kit, "agencies", lang, ranking=ranking,
                          figures=indicator_view.agency_indicators(store)))
    check_golden(f"dashboard_indicators_{lang}.html",
                  _render(kit, "indicators", lang,
                          page=indicator_view.indicator_page(store, 2, "nghe-an")))
    assert store.workspace.chat_id == WS
