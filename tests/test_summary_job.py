"""The summary worker process: the real thing, started, recycled, and replaced after a crash."""

from __future__ import annotations

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
