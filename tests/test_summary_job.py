"""The summary worker process: the real thing, started, recycled, and replaced after a crash."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.summary import Request, period_for
from handlers import summary_job
from handlers.summary_job import Job, Worker
from store.registry import Registry
from tests.factories import GROUP_ID, NOW, OWNER, SECRETARY, TZ, make_task, seeded_store


@pytest.fixture
def worker() -> Iterator[Worker]:
    made = Worker(recycle_after=2)
    yield made
    made.close()


def job_for(data_dir: Path) -> Job:
    registry = Registry(data_dir)
    store = registry.create(GROUP_ID, "Tổ công tác", lang="vi", tz=TZ, at=NOW)
    seeded_store(store)
    store.add_task(make_task("Số hóa hồ sơ", responsible=(OWNER,)), actor=SECRETARY, at=NOW)
    assert store.path is not None
    period = period_for(Request(), meetings=store.meetings(), today=NOW.date())
    registry.close()  # the worker reads the file, as the bot's worker does
    return Job(path=str(store.path), period=period, now=NOW, tz=TZ, lang="vi",
               rule=store.workspace.deadline_rule, previous=None,
               context={"workspace": store.workspace, "tz": TZ, "now": NOW,
                        "today": NOW.date(), "member": None})


async def test_a_worker_process_makes_the_message_the_files_and_the_pdf(
    worker: Worker, tmp_path: Path,
) -> None:
    job = job_for(tmp_path / "data")
    made = await worker.run(summary_job.message, job)
    assert "TÓM TẮT" in made.text and made.with_files and made.made_at == NOW
    files = await worker.run(summary_job.files, job, made.summary)
    assert files.png.startswith(b"\x89PNG") and files.docx.startswith(b"PK")
    assert set(files.captions) == {"chart", "document", "pdf"} and files.stem
    pdf = await worker.run(summary_job.pdf, files.blocks, files.png)
    assert pdf is not None and pdf.startswith(b"%PDF")


async def test_the_worker_is_replaced_every_few_jobs(worker: Worker) -> None:
    pids = [await worker.run(os.getpid) for _ in range(3)]
    assert os.getpid() not in pids
    assert pids[0] == pids[1] != pids[2]
    assert worker.started == 2


async def test_a_worker_that_died_is_replaced_and_the_job_done(worker: Worker) -> None:
    first = await worker.run(os.getpid)
    os.kill(first, signal.SIGKILL)
    second = await worker.run(os.getpid)
    assert second != first


async def test_the_worker_runs_at_a_lower_priority_than_the_bot(worker: Worker) -> None:
    # Where the bot and its worker share a core, other chats' answers must not wait.
    assert await worker.run(os.nice, 0) == min(os.nice(0) + summary_job.NICENESS, 19)


async def test_an_idle_worker_is_let_go_and_started_again_for_the_next_job() -> None:
    # An idle bot does not hold the worker's memory; the next summary starts one again.
    worker = Worker(idle_after=0)
    try:
        first = await worker.run(os.getpid)
        assert worker.alive
        for _ in range(3):  # the idle timer's turn on the loop; no time passes
            await asyncio.sleep(0)
        assert not worker.alive
        assert await worker.run(os.getpid) != first and worker.started == 2
    finally:
        worker.close()


async def test_a_worker_in_use_is_not_let_go() -> None:
    worker = Worker(in_process=True)
    try:
        started = asyncio.Event()
        release = asyncio.Event()
        loop = asyncio.get_running_loop()

        def busy() -> None:
            loop.call_soon_threadsafe(started.set)
            asyncio.run_coroutine_threadsafe(release.wait(), loop).result()

        job = asyncio.ensure_future(worker.run(busy))
        await started.wait()
        worker.let_go_if_idle()
        assert worker.alive
        release.set()
        await job
        worker.let_go_if_idle()
        assert not worker.alive
    finally:
        worker.close()
