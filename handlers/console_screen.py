"""What the console prints: the bot's messages as plain text with their numbers, files saved."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, TextIO

from bot.render import Renderer, plain_text
from handlers.console_api import Shown, Upload

log = logging.getLogger(__name__)

INDENT = "   "
# The folder, under the data directory, where the console keeps the files the bot sends.
FILES_FOLDER = "console-files"


class Screen:
    """The terminal side of the console: lines out, and the bot's files on disk."""

    def __init__(self, out: TextIO, renderer: Renderer, lang: str, files_dir: Path) -> None:
        self.out = out
        self.renderer = renderer
        self.lang = lang
        self.files_dir = files_dir

    def line(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def render(self, template: str, **values: Any) -> str:
        return plain_text(self.renderer.render(template, self.lang, **values))

    def say(self, template: str, **values: Any) -> None:
        values.setdefault("value", "")
        values.setdefault("count", 0)
        self.line(self.render(template, **values))

    def show(self, item: Shown, chat_id: int) -> None:
        """Print one thing the bot did, as seen from chat `chat_id`."""
        if item.kind == "notice":
            self.line(("⚠ " if item.alert else "💬 ") + item.text)
            return
        message = item.message
        if item.chat_id != chat_id:
            # A message elsewhere (a reminder in someone's private chat): say where it went.
            chat = message["chat"]
            self.line(f"→ {chat.get('title') or chat.get('first_name') or chat['id']}")
        icon = "🖼 " if "photo" in message else "📎 "
        lines = [icon + self._save(upload) for upload in item.uploads]
        text = message.get("text") or message.get("caption") or ""
        lines.extend(text.split("\n") if text else [])
        mark = "🤖" if item.kind == "sent" else "✎"
        first, *rest = lines or [""]
        # The number is the one to type after :reply.
        self.line(f"{mark} ({message['message_id']}) {first}")
        for line in rest:
            self.line(INDENT + line if line else "")
        rows = button_rows(message.get("reply_markup"))
        if rows:
            self.line(INDENT + ("\n" + INDENT).join(rows))

    def _save(self, upload: Upload) -> str:
        """Write a file the bot sent; its full path, or its name when it could not be saved."""
        name = Path(upload.filename).name or "file"
        try:
            self.files_dir.mkdir(parents=True, exist_ok=True)
            path = _free_path(self.files_dir / name)
            path.write_bytes(upload.data)
        except OSError as exc:
            log.warning("could not save %s in %s: %s", name, self.files_dir, exc)
            self.say("console_problem", reason="file_not_saved", value=name,
                     folder=str(self.files_dir), error=exc.strerror or str(exc))
            return name
        return str(path.absolute())


def _free_path(path: Path) -> Path:
    """`path`, or `name-2.ext`, `name-3.ext` … when a file of that name is already there."""
    candidate, number = path, 1
    while candidate.exists():
        number += 1
        candidate = path.with_stem(f"{path.stem}-{number}")
    return candidate


def buttons(markup: Any) -> list[dict[str, Any]]:
    """The inline buttons of a keyboard, row after row."""
    if not isinstance(markup, dict):
        return []
    return [b for row in markup.get("inline_keyboard", []) for b in row]


def button_rows(markup: Any) -> list[str]:
    """Inline keyboard rows as "[1] label  [2] label", numbered across the whole keyboard."""
    if not isinstance(markup, dict):
        return []
    rows, number = [], 0
    for row in markup.get("inline_keyboard", []):
        labels = []
        for button in row:
            number += 1
            labels.append(f"[{number}] {button.get('text', '')}")
        rows.append("  ".join(labels))
    return rows
