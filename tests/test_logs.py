"""The log at its default level says what matters: no third-party chatter."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bot.logs import QUIET_LIBRARIES, SILENT_LIBRARIES, quiet_libraries
from tests.conftest import Harness
from tests.factories import CHAIR
from tests.fakes import Fault, fail_calls
from tests.test_summary_handlers import fill


class Recorder(logging.Handler):
    """Every record that reaches the root logger's handlers, as production's stderr would."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def log_at_info() -> Iterator[Recorder]:
    """The root logger at INFO with the libraries quieted as bot.py does; restored after."""
    root = logging.getLogger()
    saved = {name: logging.getLogger(name).level
             for name in (*QUIET_LIBRARIES, *SILENT_LIBRARIES)}
    saved_root = root.level
    recorder = Recorder()
    root.addHandler(recorder)
    root.setLevel(logging.INFO)
    quiet_libraries()
    try:
        yield recorder
    finally:
        root.removeHandler(recorder)
        root.setLevel(saved_root)
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


def _library(record: logging.LogRecord) -> bool:
    return not record.name.startswith(("dondoc", "bot", "handlers", "store", "telegram"))


async def test_a_summary_at_info_logs_nothing_from_the_libraries(
    seeded: Harness, log_at_info: Recorder,
) -> None:
    fill(seeded)
    calls = await seeded.send("/tomtat", user=CHAIR)
    assert [c.method for c in calls].count("sendDocument") == 2  # the .docx and the PDF
    chatter = [f"{r.name} {r.levelname}: {r.getMessage()}" for r in log_at_info.records
               if _library(r)]
    assert chatter == []


def test_library_warnings_still_get_through(log_at_info: Recorder) -> None:
    logging.getLogger("fontTools.subset").warning("glyph missing")
    logging.getLogger("fontTools.subset").info("subsetting")
    assert [r.getMessage() for r in log_at_info.records] == ["glyph missing"]


async def test_a_bad_gateway_page_is_one_line_from_the_delivery_path_not_a_traceback(
    seeded: Harness, log_at_info: Recorder,
) -> None:
    seeded.api.faults = fail_calls(Fault.bad_gateway(), method="sendMessage")
    calls = await seeded.send("/trangthai", user=CHAIR)
    assert [c.ok for c in calls if c.method == "sendMessage"] == [False, True]  # retried
    lines = [(r.name, r.getMessage()) for r in log_at_info.records]
    assert [name for name, _ in lines] == ["handlers.delivery"]
    assert all(r.exc_info is None for r in log_at_info.records)
