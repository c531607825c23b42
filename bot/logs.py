"""Logging of the bot process: dondoc's own lines, and third-party chatter kept out."""

from __future__ import annotations

import logging

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# Libraries that log routine work at INFO: fontTools alone writes 75 lines for each summary's
# PDF (font subsetting), apscheduler one per job added; httpx logs every request URL, which
# holds the bot's token. Their warnings and errors still get through.
QUIET_LIBRARIES = ("fontTools", "matplotlib", "PIL", "fpdf", "apscheduler", "httpx", "httpcore")
# python-telegram-bot's request layer logs a traceback page when a 502 answer is an HTML page,
# not JSON; the delivery path retries that request and logs it in one line.
SILENT_LIBRARIES = ("telegram.request",)


def configure_logging(level: str) -> None:
    """Log to stderr at `level` (INFO when it is not a level name), libraries at WARNING."""
    resolved = logging.getLevelName(level.upper())
    if not isinstance(resolved, int):
        resolved = logging.INFO
    logging.basicConfig(format=FORMAT, level=resolved)
    quiet_libraries()


def quiet_libraries() -> None:
    """Third-party loggers log only warnings and errors, whatever the level of dondoc's own."""
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)
    for name in SILENT_LIBRARIES:
        logging.getLogger(name).setLevel(logging.CRITICAL)
