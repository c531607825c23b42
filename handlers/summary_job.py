"""The summary's CPU work (figures, message, chart, .docx, PDF), done in a worker process.

A summary at 1,000 tasks costs about a second of CPU. Done in the bot's own process it holds
the interpreter lock, thread or not, and every other chat's answer waits behind it; in a
worker process it does not. The worker reads the workspace's file itself (a change is on disk
before it is answered, and this workspace's next update waits for the summary), so the bot
sends it a path and a few values and gets text and bytes back: nothing large is copied on the
bot's side. The worker is started at the first summary and replaced every few summaries, so
whatever matplotlib, python-docx and fpdf2 keep between calls cannot pile up; after ten
minutes without a summary it is let go, so an idle bot does not hold its 170 MB. It runs at
a lower priority than the bot: where the two share a core, other chats' answers go first.

No Telegram here: handlers/summary.py sends what this module makes.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import html
import logging
import multiprocessing
import os
import pickle
import signal
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, TypeVar

from bot.chart import MAX_BARS, parse_chart_text, render_chart
from bot.indicator_chart import add_figures
from bot.model import DeadlineRule
from bot.ranking import summary_rankings
from bot.render import Renderer
from bot.report_doc import Block, build_docx, parse_blocks
from bot.report_pdf import build_pdf
from bot.summary import Period, Summary, summarize
from store.workspace import WorkspaceStore, open_workspace_file

log = logging.getLogger(__name__)

T = TypeVar("T")
# Jobs per worker process; a summary is three (message, files, PDF), so about 7 summaries.
# Measured (bench_soak, 500 tasks): the worker levels off near 170 MB by its fifth summary and
# stays there, so this bounds the high-water mark a large workspace's summary leaves.
RECYCLE_AFTER = 20
NICENESS = 5  # added to the worker's: the bot's own answers come first on a shared core
# Seconds without a job before the worker process is let go: the next summary starts one
# again, which costs it about a second (imports); summaries asked in a row share one.
IDLE_AFTER = 600.0


@dataclass(frozen=True, slots=True)
class Job:
    """What the worker needs to make one summary."""

    path: str  # the workspace's file
    period: Period
    now: dt.datetime
    tz: str
    lang: str
    rule: DeadlineRule
    previous: dt.datetime | None  # the previous summary of the same scope
    context: dict[str, Any]  # the templates' usual values (workspace, member, today, ...)


@dataclass(frozen=True, slots=True)
class Message:
    """The summary's message, and the figures kept (pickled) for its files."""

    text: str
    with_files: bool  # tasks in the period, or indicators: a chart and documents follow
    made_at: dt.datetime
    summary: bytes  # handed back to :func:`files` as is; the bot never unpickles it


@dataclass(frozen=True, slots=True)
class Files:
    """The chart and the .docx, their file name and captions, and the blocks of the PDF."""

    png: bytes
    docx: bytes
    stem: str
    captions: dict[str, str]  # "chart", "document", "pdf": HTML, sent as rendered
    blocks: bytes  # pickled, for :func:`pdf`


@functools.cache
def _renderer() -> Renderer:
    return Renderer()  # once per worker process: the templates are compiled once


def figures(job: Job, store: WorkspaceStore) -> Summary:
    """The summary's figures from a workspace's data."""
    indicators = summary_rankings(store.indicators.all(), store.indicators.index(),
                                  store.agencies())
    return summarize(store.tasks(), period=job.period, now=job.now, tz=job.tz,
                     agencies=store.agencies(), members=store.members(),
                     previous_summary=job.previous, rule=job.rule, indicators=indicators)


def render_message(job: Job, result: Summary) -> str:
    return _renderer().render("summary_message", job.lang, **job.context, summary=result)


def message(job: Job) -> Message:
    """Read the workspace, compute the figures, render the message."""
    store = open_workspace_file(job.path)
    try:
        result = figures(job, store)
    finally:
        store.close()
    return Message(render_message(job, result), not result.empty or bool(result.indicators),
                   result.made_at,
                   pickle.dumps(result, pickle.HIGHEST_PROTOCOL))


def build_files(job: Job, result: Summary) -> tuple[bytes, bytes, list[Block]]:
    """The chart (PNG) and the report (.docx), with the report's blocks for its PDF copy."""
    renderer = _renderer()
    values = {key: job.context[key] for key in ("workspace", "tz", "now", "today")}
    rows = [(row.label, row.tally) for row in result.by_agency]
    chart_text = parse_chart_text(renderer.render(
        "summary_chart", job.lang, summary=result, hidden=max(len(rows) - MAX_BARS, 0),
        **values,
    ))
    png = render_chart(rows, chart_text)
    blocks = parse_blocks(renderer.render("summary_document", job.lang, summary=result,
                                          **values))
    add_figures(blocks, renderer, job.lang, result.indicators, **values)
    return png, build_docx(blocks, png), blocks


def files(job: Job, summary: bytes) -> Files:
    """The chart and the .docx, with the file name and the captions they are sent with."""
    result: Summary = pickle.loads(summary)
    png, docx, blocks = build_files(job, result)

    def render(name: str, **more: Any) -> str:
        return _renderer().render(name, job.lang, **job.context, summary=result, **more)

    # A file name is not HTML: the rendered (escaped) name is turned back into plain text.
    stem = html.unescape(render("summary_file_name"))
    # Captions go out as HTML, exactly as rendered: a plan named "Kế hoạch <2024>" stays text.
    captions = {part: render("summary_caption", part=part)
                for part in ("chart", "document", "pdf")}
    return Files(png, docx, stem, captions, pickle.dumps(blocks, pickle.HIGHEST_PROTOCOL))


def pdf_copy(blocks: list[Block], png: bytes) -> bytes | None:
    """The report as PDF, or None if it could not be made: the .docx has it all already."""
    try:
        return build_pdf(blocks, png)
    except Exception:  # a copy for phones, which preview a PDF in place but not a .docx
        log.exception("could not build the summary's PDF")
        return None


def pdf(blocks: bytes, png: bytes) -> bytes | None:
    """:func:`pdf_copy` of the blocks :func:`files` made."""
    return pdf_copy(pickle.loads(blocks), png)


def _start_worker() -> None:
    # Ctrl-C reaches the whole process group: the bot stops its worker itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.nice(NICENESS)


class Worker:
    """A worker process for the summary's CPU work: started at first use, one job at a time,
    replaced every `recycle_after` jobs (and after a crash), let go after `idle_after`
    seconds without a job.

    `in_process` runs the same jobs in a thread of this process instead: the tests' way, so
    that a test can make a job fail and does not start an interpreter per Application.
    """

    def __init__(self, *, in_process: bool = False, recycle_after: int = RECYCLE_AFTER,
                 idle_after: float = IDLE_AFTER) -> None:
        self.in_process = in_process
        self.recycle_after = recycle_after
        self.idle_after = idle_after
        self._pool: Executor | None = None
        self._idle: asyncio.TimerHandle | None = None  # lets the worker go when it fires
        self._jobs = 0  # done by the current process
        self._running = 0
        self.started = 0  # workers started so far

    def _executor(self) -> Executor:
        if self._pool is not None and self._jobs >= self.recycle_after and not self._running:
            self._pool.shutdown(wait=False)
            self._pool = None
        if self._pool is None:
            self._pool = self._start()
            self._jobs = 0
            self.started += 1
        return self._pool

    def _start(self) -> Executor:
        if self.in_process:
            return ThreadPoolExecutor(1, thread_name_prefix="dondoc-summary")
        # "spawn": a fresh interpreter, never a fork of a process running threads.
        return ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_start_worker)

    async def run(self, work: Callable[..., T], *args: Any) -> T:
        """`work(*args)` in the worker process (a module-level function and picklable args)."""
        loop = asyncio.get_running_loop()
        for attempt in (1, 2):
            pool = self._executor()
            self._running += 1
            try:
                return await loop.run_in_executor(pool, work, *args)
            except BrokenProcessPool:
                # The process died (killed, out of memory): a new one, once.
                if self._pool is pool:
                    self._pool = None
                if attempt == 2:
                    raise
                log.warning("the summary worker died; starting another")
            finally:
                self._running -= 1
                self._jobs += 1
                self._let_go_later(loop)
        raise AssertionError("unreachable")

    def _let_go_later(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._idle is not None:
            self._idle.cancel()
        self._idle = loop.call_later(self.idle_after, self.let_go_if_idle)

    @property
    def alive(self) -> bool:
        """Whether a worker is started (a process, or a thread when `in_process`)."""
        return self._pool is not None

    def let_go_if_idle(self) -> None:
        """Stop the worker unless a job runs: the next job starts another."""
        self._idle = None
        if self._pool is not None and not self._running:
            self._pool.shutdown(wait=False)
            self._pool = None

    def close(self) -> None:
        """Stop the worker process (jobs not started are dropped)."""
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
