"""The terminal console: chat with the real Application as a chosen user, via a local Bot API."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import re
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import Application

from bot import demo
from bot.clock import Clock
from bot.names import fold
from bot.render import normalize_lang
from bot.settings import DEFAULT_API_URL, DEFAULT_FILE_URL, Settings
from handlers.application import build_application
from handlers.console_api import ConsoleBotAPI, ConsoleRequest, Upload
from handlers.console_cast import CAST, find_person, person_values
from handlers.console_files import SAMPLES_DIR, choose_file
from handlers.console_screen import FILES_FOLDER, Screen
from handlers.console_screen import buttons as screen_buttons
from handlers.services import services
from store.workspace import WorkspaceStore

log = logging.getLogger(__name__)

# The console never reaches Telegram, so it never needs (or sees) the real token.
CONSOLE_TOKEN = "1000000000:console"
BOT_USERNAME = "dondoc_console_bot"
DEFAULT_GROUP_TITLE = "Tổ công tác cải cách TTHC"
# ":reply 12 text" (":traloi" in Vietnamese) answers message 12.
_REPLY_WORDS = ("reply", "r", "traloi")
# ":file PATH caption" (":tep") sends a file from this computer as a document.
_FILE_WORDS = ("file", "f", "tep")
# Seconds to wait for work a handler left running in the background before the next prompt.
SETTLE_TIMEOUT = 5.0


@dataclass(slots=True)
class _PendingReply:
    """A ForceReply the bot sent: the next plain line in that chat answers it."""

    message_id: int
    user_id: int | None  # the person it asks, when it is selective


class Console:
    """A terminal chat with the Application: lines in, the bot's messages out as plain text."""

    def __init__(
        self, application: Application[Any, Any, Any, Any, Any, Any], api: ConsoleBotAPI,
        out: TextIO, *, demo_data: bool = False, temporary: bool = False,
    ) -> None:
        self.application = application
        self.api = api
        self.out = out
        self.demo_data = demo_data
        self.temporary = temporary
        svc = services(application)
        self.registry = svc.registry
        self.lang = normalize_lang(svc.settings.default_lang)
        self.group_id, self.group_title = self._choose_group()
        self.person = CAST[0]
        self.in_group = True
        self.screen = Screen(out, svc.renderer, self.lang,
                             svc.settings.data_dir / FILES_FOLDER)
        self._pending: dict[int, _PendingReply] = {}
        self._busy = True  # until started: start-up output is shown with the help

    @classmethod
    def build(
        cls, settings: Settings, out: TextIO, *, demo_data: bool = False,
        data_dir: Path | None = None, clock: Clock | None = None, temporary: bool = False,
        with_reminders: bool = False,
    ) -> Console:
        """A console on its own local Bot API; CorruptDataFile if the data cannot be read.

        Reminders run on the demo; on real data only `with_reminders`: those the console
        sends are logged as sent, so the real bot would never send them.
        """
        settings = dataclasses.replace(
            settings, token=CONSOLE_TOKEN, api_url=DEFAULT_API_URL, file_url=DEFAULT_FILE_URL,
            webhook_url=None, web_url=None, data_dir=data_dir or settings.data_dir,
            reminders=demo_data or with_reminders,
        )
        # Message dates follow the bot's clock, so a fixed clock gives a repeatable transcript.
        bot_clock = clock
        api = ConsoleBotAPI(
            int(CONSOLE_TOKEN.split(":")[0]), BOT_USERNAME, "dondoc",
            wall_clock=(lambda: bot_clock().timestamp()) if bot_clock else time.time,
        )
        request = ConsoleRequest(api, file_url=f"{DEFAULT_FILE_URL}{CONSOLE_TOKEN}/")
        # No rate limiter: it would pause the console between messages for nothing.
        application = build_application(
            settings, clock=clock, request=request, rate_limiter=False,
        )
        console = cls(application, api, out, demo_data=demo_data, temporary=temporary)
        request.after_call = console._after_api_call
        return console

    # -- start and stop ---------------------------------------------------------------------

    def _choose_group(self) -> tuple[int, str]:
        if self.demo_data:
            return demo.DEMO_CHAT_ID, demo.DEMO_TITLE
        existing = sorted(self.registry.all(), key=lambda s: s.workspace.title.casefold())
        if existing:
            return existing[0].workspace.chat_id, existing[0].workspace.title
        return demo.DEMO_CHAT_ID, DEFAULT_GROUP_TITLE

    async def start(self, *, run_jobs: bool = True) -> None:
        """Start the Application as run_polling would, fill the demo, and print the help.

        `run_jobs` starts the job queue (reminders, conversation time-outs) on the real
        clock, so their messages appear at any time; tests leave it off to stay deterministic.
        """
        await self.application.initialize()
        post_init = self.application.post_init
        if post_init is not None:
            try:
                await post_init(self.application)
            except Exception:  # the console stays usable; the log says why
                log.exception("start-up hooks failed")
        if run_jobs:
            await self.application.start()
        for person in CAST:
            self.api.add_user(person.user_id, person.name, person.username)
        self.api.add_group(self.group_id, self.group_title, {
            p.user_id: "creator" if p.user_id == demo.SECRETARY_ID else "member" for p in CAST
        })
        if self.demo_data:
            self._install_demo()
        if self.store is None:
            # As in Telegram: the group's creator adds the bot, which then greets the group.
            await self._feed(self.api.bot_added_update(self.group_id, CAST[0].user_id))
        self._say("console_help", **self._help_values())
        self._report()
        self._busy = False

    def _after_api_call(self) -> None:
        # Called inside the request; show its effect once the caller has its answer.
        asyncio.get_running_loop().call_soon(self.report_in_background)

    def _install_demo(self) -> None:
        if self.registry.get(demo.DEMO_CHAT_ID) is not None:
            self._say("console_problem", reason="demo_exists")
            return
        now = services(self.application).clock()
        built = demo.build_demo(now.astimezone(ZoneInfo(demo.DEMO_TZ)).date())
        ws = built.workspace
        store = self.registry.create(ws.chat_id, ws.title, lang=ws.lang, tz=ws.tz, at=now,
                                     actor=demo.SECRETARY_ID)
        demo.install_demo(store, built, at=now)

    async def serve_dashboard(self, port: int) -> str:
        """Serve the dashboard on 127.0.0.1 for the cast, and print its URL."""
        from handlers.dashboard import serve_locally

        dashboard = await serve_locally(self.application, CAST, port)
        self._say("console_web", url=dashboard.url)
        return str(dashboard.url)

    async def close(self) -> None:
        """Shut the Application down as run_polling would at exit."""
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()
        post_shutdown = self.application.post_shutdown
        if post_shutdown is not None:
            await post_shutdown(self.application)

    # -- one line of input ------------------------------------------------------------------

    @property
    def store(self) -> WorkspaceStore | None:
        return self.registry.get(self.group_id)

    @property
    def chat_id(self) -> int:
        return self.group_id if self.in_group else self.person.user_id

    def prompt(self) -> str:
        """What the console shows before each line: who is typing, and where."""
        return self.screen.render(
            "console_prompt", person=self.person, in_group=self.in_group,
            number=self.api.next_message_id(self.chat_id),
        ) + "> "

    async def handle(self, line: str) -> bool:
        """Act on one line typed by the user; False when the user asked to quit."""
        text = line.strip()
        if not text:
            return True
        word, _, arg = text.removeprefix(":").strip().partition(" ")
        sending = fold(word) if text.startswith(":") else ""
        if sending and sending not in _REPLY_WORDS + _FILE_WORDS:
            return self._console_command(text[1:])
        self._busy = True
        try:
            if sending in _REPLY_WORDS:
                await self._reply(arg.strip())
            elif sending:
                await self._send_file(arg)
            elif re.fullmatch(r"#\s*\d+", text):
                await self._press(int(text[1:].strip()))
            else:
                await self._send(text)
        finally:
            self._busy = False
        self._report()
        return True

    def report_in_background(self) -> None:
        """Show what the bot sent on its own (a job) while the user was at the prompt."""
        if self._busy or not self.api.shown:
            return
        if not self._report(quiet=True):
            return
        self.out.write(self.prompt())
        self.out.flush()

    def _console_command(self, text: str) -> bool:
        word, _, arg = text.strip().partition(" ")
        word, arg = fold(word), arg.strip()
        if word in ("quit", "q", "exit", "thoat"):
            return False
        if word in ("help", "h", "?", "trogiup"):
            self._say("console_help", **self._help_values())
        elif word in ("who", "toila"):
            self._who()
        elif word == "as":
            person = find_person(arg, self.store.members() if self.store else [])
            if person is None:
                self._say("console_problem", reason="unknown_person", value=arg)
            else:
                self.person = person
                self.api.add_user(person.user_id, person.name, person.username)
                self._who()
        elif word == "in":
            where = fold(arg)
            if where in ("group", "g", "nhom"):
                self.in_group = True
            elif where in ("private", "p", "rieng"):
                self.in_group = False
            else:
                self._say("console_problem", reason="bad_chat")
                return True
            self._who()
        else:
            self._say("console_problem", reason="unknown_command", value=":" + text)
        return True

    async def _reply(self, arg: str) -> None:
        """`:reply N text`: send `text` as a reply to message N of this chat."""
        number, _, text = arg.partition(" ")
        if not number.isdigit() or not text.strip():
            self._say("console_problem", reason="reply_usage",
                      count=self.api.next_message_id(self.chat_id) - 1)
        elif self.api.message(self.chat_id, int(number)) is None:
            self._say("console_problem", reason="no_message", value=number)
        else:
            await self._send(text.strip(), reply_to=int(number))

    async def _send_file(self, arg: str) -> None:
        """`:file PATH [caption]`: send a file of this computer as a document."""
        chosen = choose_file(arg, Path.cwd())
        if chosen.path is None:
            self._say("console_problem", reason=chosen.reason, value=chosen.value,
                      error=chosen.error, folder=str(SAMPLES_DIR))
            return
        self._say("console_file", number=self.api.next_message_id(self.chat_id),
                  path=str(chosen.path), caption=chosen.caption)
        upload = Upload(chosen.path.name, chosen.data)
        await self._feed(self.api.document_update(self.chat_id, self.person.user_id, upload,
                                                  chosen.mime_type, chosen.caption))

    async def _send(self, text: str, *, reply_to: int | None = None) -> None:
        chat_id = self.chat_id
        pending = self._pending.get(chat_id)
        if reply_to is not None:
            # Replying by hand to the question answers it; any other reply leaves it open.
            if pending is not None and pending.message_id == reply_to:
                del self._pending[chat_id]
        elif pending is not None and pending.user_id in (None, self.person.user_id):
            # Whatever the asked person types next closes the question; a command is not
            # an answer (it is how one leaves a wizard: /huy).
            del self._pending[chat_id]
            if not text.startswith("/"):
                reply_to = pending.message_id
        await self._feed(self.api.message_update(chat_id, self.person.user_id, text, reply_to))

    async def _press(self, number: int) -> None:
        found = self._last_buttons()
        if found is None:
            self._say("console_problem", reason="no_buttons")
            return
        message_id, buttons = found
        if not 1 <= number <= len(buttons):
            self._say("console_problem", reason="bad_button", value=number, count=len(buttons))
            return
        button = buttons[number - 1]
        if "callback_data" not in button:
            if "url" in button:
                self.screen.line("🔗 " + button["url"])
            else:
                self._say("console_problem", reason="not_pressable", value=button["text"])
            return
        await self._feed(self.api.callback_update(
            self.chat_id, self.person.user_id, message_id, button["callback_data"],
        ))

    def _last_buttons(self) -> tuple[int, list[dict[str, Any]]] | None:
        """The newest bot message in this chat that has inline buttons, and its buttons."""
        for message in reversed(self.api.messages(self.chat_id)):
            buttons = screen_buttons(message.get("reply_markup"))
            if buttons:
                return message["message_id"], buttons
        return None

    async def _feed(self, data: dict[str, Any]) -> None:
        """Hand one update to the Application and wait until it is fully handled."""
        before = asyncio.all_tasks()
        await self.application.process_update(Update.de_json(data, self.application.bot))
        await self._settle(before)

    async def _settle(self, before: set[asyncio.Task[Any]]) -> None:
        # Handlers may leave work running (non-blocking handlers, application.create_task);
        # its messages belong to this turn, so wait for it, but never forever. Tasks that
        # were running before the turn (the job queue, the update fetcher) are not its work.
        current = asyncio.current_task()
        for _ in range(10):
            started = {t for t in asyncio.all_tasks() - before if t is not current}
            waiting = {t for t in started if not t.done()}
            if not waiting:
                return
            _, pending = await asyncio.wait(waiting, timeout=SETTLE_TIMEOUT)
            if pending:
                return

    # -- output ------------------------------------------------------------------------------

    def _say(self, template: str, **values: Any) -> None:
        self.screen.say(template, **values)

    def _help_values(self) -> dict[str, Any]:
        cast = [
            {"number": index, **person_values(person, self.store)}
            for index, person in enumerate(CAST, start=1)
        ]
        return {
            "cast": cast, "group_title": self.group_title,
            "data_dir": str(self.registry.data_dir), "temporary": self.temporary,
            "files_dir": str(self.screen.files_dir.absolute()),
            "reminders": services(self.application).settings.reminders,
            "demo": self.demo_data,
        }

    def _who(self) -> None:
        self._say("console_who", person=person_values(self.person, self.store),
                  in_group=self.in_group, group_title=self.group_title)

    def _report(self, *, quiet: bool = False) -> bool:
        """Print what the bot did since the last report; whether there was anything to show.

        `quiet`: the user is at the prompt, so start on a fresh line, and only if needed.
        """
        shown = self.api.take_shown()
        if shown and quiet:
            self.out.write("\n")
        for item in shown:
            self.screen.show(item, self.chat_id)
            if item.kind == "sent":
                self._remember_question(item.message, item.markup)
        return bool(shown)

    def _remember_question(self, message: dict[str, Any], markup: dict[str, Any] | None) -> None:
        if not isinstance(markup, dict) or not markup.get("force_reply"):
            return
        asked = None
        if markup.get("selective"):
            asked = message.get("reply_to_message", {}).get("from", {}).get("id")
        self._pending[message["chat"]["id"]] = _PendingReply(message["message_id"], asked)


@contextlib.contextmanager
def _data_dir(demo_data: bool, data_dir: Path | None) -> Iterator[tuple[Path | None, bool]]:
    """The data directory to use, and whether it is a throw-away one."""
    if data_dir is not None or not demo_data:
        yield data_dir, False
        return
    # The demo never touches real data: it lives in a directory removed on exit.
    with tempfile.TemporaryDirectory(prefix="dondoc-demo-") as tmp:
        yield Path(tmp), True


def _read_lines(stdin: TextIO, loop: asyncio.AbstractEventLoop,
                lines: asyncio.Queue[str | None]) -> None:
    """Feed stdin's lines to the event loop; None at the end of input."""
    for line in iter(stdin.readline, ""):
        loop.call_soon_threadsafe(lines.put_nowait, line)
    loop.call_soon_threadsafe(lines.put_nowait, None)


async def run_console(
    settings: Settings, stdin: TextIO, out: TextIO, *, demo_data: bool = False,
    data_dir: Path | None = None, clock: Clock | None = None, echo: bool = False,
    run_jobs: bool = True, with_reminders: bool = False, web: bool = False,
) -> None:
    """Read lines from `stdin` until EOF or :quit; CorruptDataFile if the data is unreadable."""
    with _data_dir(demo_data, data_dir) as (chosen, temporary):
        console = Console.build(settings, out, demo_data=demo_data, data_dir=chosen,
                                clock=clock, temporary=temporary,
                                with_reminders=with_reminders)
        loop = asyncio.get_running_loop()
        try:
            await console.start(run_jobs=run_jobs)
            if web:
                await console.serve_dashboard(settings.web_port)
            lines: asyncio.Queue[str | None] = asyncio.Queue()
            # stdin is read in a daemon thread so that the loop keeps running jobs while the
            # user thinks, and so that Ctrl-C or the end of the program never waits on it.
            threading.Thread(target=_read_lines, args=(stdin, loop, lines), daemon=True,
                             name="console-stdin").start()
            while True:
                out.write(console.prompt())
                out.flush()
                line = await lines.get()
                if line is None:
                    out.write("\n")
                    break
                if echo:
                    out.write(line if line.endswith("\n") else line + "\n")
                if not await console.handle(line):
                    break
        finally:
            await console.close()
