"""Entry point: `python bot.py` runs dondoc; `python bot.py console` is a terminal chat."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path
from typing import Any, TextIO

from bot.logs import configure_logging
from bot.render import Renderer, plain_text
from bot.settings import SettingError, Settings
from store.lock import DataDirInUse
from store.storage import CorruptDataFile

EXIT_STOPPED = 0
EXIT_NO_TOKEN = 2
EXIT_BAD_SETTING = 2
EXIT_CORRUPT_DATA = 3
EXIT_TOKEN_REJECTED = 4
EXIT_DATA_IN_USE = 5
EXIT_BAD_BACKUP = 6


def parse_args(argv: list[str]) -> argparse.Namespace:
    """`python bot.py`, `python bot.py console` with --demo, --web, --data DIR and
    --with-reminders, `python bot.py backup DIR`, `python bot.py restore FILE`."""
    parser = argparse.ArgumentParser(
        prog="bot.py", description="dondoc: the task-chasing assistant of a working group.",
    )
    modes = parser.add_subparsers(dest="mode")
    console = modes.add_parser("console", help="chat with the bot in this terminal")
    console.add_argument("--demo", action="store_true",
                         help="fill a throw-away workspace with demo data")
    console.add_argument("--web", action="store_true",
                         help="also serve the dashboard on 127.0.0.1 (DONDOC_WEB_PORT, default "
                              "8080) and print its URL")
    console.add_argument("--data", type=Path, default=None,
                         help="data directory (default: DONDOC_DATA_DIR, or a temporary "
                              "one with --demo)")
    console.add_argument("--with-reminders", action="store_true",
                         help="on real data, send the reminders that fall due here (they are "
                              "then logged as sent, and the real bot does not send them)")
    backup = modes.add_parser("backup", help="copy the data files into DIR (bot stopped)")
    backup.add_argument("dir", type=Path, help="folder the backup .zip is written into")
    restore = modes.add_parser("restore", help="restore a backup .zip (bot stopped)")
    restore.add_argument("file", type=Path, help="a backup made by 'backup' or by /backup")
    return parser.parse_args(argv)


def tell(template: str, lang: str, stream: TextIO | None = None, **values: Any) -> None:
    """Print a start-up message, from the templates, as plain text."""
    text = plain_text(Renderer().render(template, lang, **values))
    print(text, file=stream or sys.stderr)


def run_bot(settings: Settings) -> int:
    """Run until stopped: a webhook when DONDOC_WEBHOOK_URL is set, else long polling."""
    from telegram.error import InvalidToken

    from handlers.application import build_application
    from handlers.startup import serve

    try:
        serve(build_application(settings), settings)
    except InvalidToken:
        tell("startup_token_rejected", settings.default_lang)
        return EXIT_TOKEN_REJECTED
    return EXIT_STOPPED


def run_console(settings: Settings, demo: bool, data_dir: Path | None,
                with_reminders: bool = False, web: bool = False) -> int:
    """The terminal chat, reading stdin line by line."""
    from handlers.console import run_console as console_loop

    logging.basicConfig(level=logging.WARNING)
    try:
        asyncio.run(console_loop(settings, sys.stdin, sys.stdout, demo_data=demo,
                                 data_dir=data_dir, echo=not sys.stdin.isatty(),
                                 with_reminders=with_reminders, web=web))
    except KeyboardInterrupt:
        print(file=sys.stdout)
    return 0


def run_backup(settings: Settings, out_dir: Path) -> int:
    """`python bot.py backup DIR`: every data file in one .zip with their checksums."""
    import datetime as dt

    from store.backup import backup_data_dir, checksum

    now = dt.datetime.now().astimezone()
    target = backup_data_dir(settings.data_dir, out_dir, now=now)
    tell("cli_backup_done", settings.default_lang, stream=sys.stdout,
         path=str(target.absolute()), digest=checksum(target.read_bytes()))
    return EXIT_STOPPED


def run_restore(settings: Settings, backup_file: Path) -> int:
    """`python bot.py restore FILE`: the backup's files put back, the current ones kept."""
    import datetime as dt

    from store.backup import BackupError, restore_data_dir

    try:
        done = restore_data_dir(settings.data_dir, backup_file,
                                now=dt.datetime.now().astimezone())
    except (BackupError, OSError) as exc:
        reason = exc.reason if isinstance(exc, BackupError) else "not_found"
        tell("cli_restore_refused", settings.default_lang, reason=reason,
             path=str(backup_file.absolute()))
        return EXIT_BAD_BACKUP
    tell("cli_restore_done", settings.default_lang, stream=sys.stdout, files=done.files,
         kept=str(done.kept.absolute()))
    return EXIT_STOPPED


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and the settings, then run the bot or the console."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        settings = Settings.from_env()
        if args.mode == "console":
            return run_console(settings, args.demo, args.data, args.with_reminders, args.web)
        if args.mode == "backup":
            return run_backup(settings, args.dir)
        if args.mode == "restore":
            return run_restore(settings, args.file)
        if not settings.token:
            tell("startup_no_token", settings.default_lang)
            return EXIT_NO_TOKEN
        settings.require_webhook_secret()
        configure_logging(settings.log_level)
        return run_bot(settings)
    except SettingError as exc:
        tell("startup_bad_setting", exc.lang, reason=exc.reason, variable=exc.variable,
             value=exc.value)
        return EXIT_BAD_SETTING
    except CorruptDataFile as exc:
        tell("startup_corrupt", settings.default_lang, path=str(exc.path.absolute()),
             reason=exc.reason)
        return EXIT_CORRUPT_DATA
    except DataDirInUse as exc:
        tell("startup_data_in_use", settings.default_lang, path=str(exc.data_dir.absolute()),
             pid=exc.pid)
        return EXIT_DATA_IN_USE


if __name__ == "__main__":
    sys.exit(main())
