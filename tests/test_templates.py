"""Every message exists in both languages, and the command menu is one Telegram accepts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.render import LANGUAGES, TEMPLATES_DIR, Renderer
from handlers.application import command_menu


def _names(lang: str) -> set[str]:
    return {p.name for p in (TEMPLATES_DIR / lang).glob("*.html")}


def test_every_template_exists_in_both_languages() -> None:
    vi, en = _names("vi"), _names("en")
    assert sorted(vi - en) == []
    assert sorted(en - vi) == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_command_menu_is_valid_for_telegram(lang: str) -> None:
    commands = command_menu(Renderer(), lang)
    names = [c.command for c in commands]
    assert len(names) == len(set(names)) <= 100
    for command in commands:
        assert re.fullmatch(r"[a-z0-9_]{1,32}", command.command), command.command
        assert 1 <= len(command.description) <= 256


def test_both_menus_list_the_same_commands() -> None:
    menus = [[c.command for c in command_menu(Renderer(), lang)] for lang in LANGUAGES]
    assert menus[0] == menus[1]


def test_templates_never_mark_text_safe() -> None:
    # Autoescaping protects against what users type; |safe would switch it off.
    offenders = [str(p) for p in Path(TEMPLATES_DIR).rglob("*.html") if "|safe" in p.read_text()]
    assert offenders == []


@pytest.mark.parametrize("name", ["task_buttons", "reminder_buttons", "meeting_buttons",
                                  "dashboard_buttons", "summary_buttons", "indicator_buttons"])
@pytest.mark.parametrize("lang", LANGUAGES)
def test_button_labels_are_plain_text_by_key(name: str, lang: str) -> None:
    renderer = Renderer()
    labels = renderer.labels(name, lang)
    assert labels and all(key.isidentifier() and label for key, label in labels.items())
    assert not any("&amp;" in label or "&#" in label for label in labels.values())
    labels.clear()  # a copy: the next caller gets them whole
    assert renderer.labels(name, lang)


def test_button_labels_unescape_what_the_template_escapes() -> None:
    assert Renderer().labels("task_buttons", "vi")["done"] == "✅ Xong"
