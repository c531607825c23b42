"""Benchmark of the chair's summary: 1,000 tasks, 60 agencies, message, chart, .docx and PDF.

Run from the repository root: ``.venv/bin/python bench/bench_summary.py [--runs 9]``.
"Warm" is a summary in a process that has made one already (matplotlib, python-docx and fpdf2
imported, templates compiled); "first" is the first summary in a fresh process, started once
per run in a subprocess. The goal is a warm summary within one second. Medians are printed.
"files" is handlers.summary_job.build_files (chart and .docx, as /summary makes them before it
sends them); "pdf" is the PDF copy, which /summary makes and sends after those, timed apart.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.model import (  # noqa: E402 - the path is set first so the bench runs from anywhere
    Agency,
    AgencyKind,
    HistoryEntry,
    HistoryKind,
    Meeting,
    Member,
    Role,
    Task,
    TaskStatus,
    Workspace,
)
from bot.render import Renderer  # noqa: E402
from bot.summary import Request, Summary, period_for, summarize  # noqa: E402
from store.workspace import WorkspaceStore  # noqa: E402

TZ = "Asia/Ho_Chi_Minh"
NOW = dt.datetime(2024, 7, 31, 9, 0, tzinfo=ZoneInfo(TZ))
PROVINCES = (
    "Hà Nội", "Hồ Chí Minh", "Hải Phòng", "Đà Nẵng", "Cần Thơ", "An Giang", "Bà Rịa - Vũng Tàu",
    "Bắc Giang", "Bắc Kạn", "Bạc Liêu", "Bắc Ninh", "Bến Tre", "Bình Định", "Bình Dương",
    "Bình Phước", "Bình Thuận", "Cà Mau", "Cao Bằng", "Đắk Lắk", "Đắk Nông", "Điện Biên",
    "Đồng Nai", "Đồng Tháp", "Gia Lai", "Hà Giang", "Hà Nam", "Hà Tĩnh", "Hải Dương",
    "Hậu Giang", "Hòa Bình", "Hưng Yên", "Khánh Hòa", "Kiên Giang", "Kon Tum", "Lai Châu",
    "Lâm Đồng", "Lạng Sơn", "Lào Cai", "Long An", "Nam Định", "Nghệ An", "Ninh Bình",
    "Ninh Thuận", "Phú Thọ", "Phú Yên", "Quảng Bình", "Quảng Nam", "Quảng Ngãi", "Quảng Ninh",
    "Quảng Trị", "Sóc Trăng", "Sơn La", "Tây Ninh", "Thái Bình", "Thái Nguyên", "Thanh Hóa",
    "Thừa Thiên Huế", "Tiền Giang", "Trà Vinh", "Tuyên Quang",
)
PLANS = ("Kế hoạch CCHC 6 tháng đầu năm 2024", "Kế hoạch Tổ công tác năm 2024",
         "Kế hoạch Hội đồng tư vấn năm 2024", "Đề án 06", "Chỉ số 766", "")
NOTES = ("Vướng mắc: chưa bố trí được kinh phí", "Đề xuất: gia hạn đến cuối quý",
         "Đã họp lấy ý kiến các sở", "Khó khăn: thiếu nhân lực số hóa")


def workspace(tasks: int = 1000, agencies: int = 60, seed: int = 7,
              store: WorkspaceStore | None = None) -> WorkspaceStore:
    """A workspace like a national working group's: every class, plan and list represented.

    Filled into `store` when given (e.g. one a Registry made), else into a new one in memory.
    """
    rng = random.Random(seed)
    if store is None:
        store = WorkspaceStore.in_memory(Workspace(
            chat_id=-100, title="Tổ công tác cải cách TTHC", created_at=NOW))
    codes = [f"p{n}" for n in range(agencies)]
    start = NOW - dt.timedelta(days=200)
    with store.transaction():
        for code, name in zip(codes, PROVINCES, strict=False):
            store.save_agency(Agency(code, f"UBND tỉnh {name}", name, (), AgencyKind.PROVINCE),
                              actor=1, at=start)
        for n, code in enumerate(codes):
            store.save_member(Member(1000 + n, f"Cán bộ {n}", Role.MEMBER, None, code),
                              actor=1, at=start)
        store.save_member(Member(1, "Thư ký", Role.SECRETARY), actor=1, at=start)
        for number, day in enumerate((dt.date(2024, 1, 20), dt.date(2024, 4, 15),
                                      dt.date(2024, 6, 10), dt.date(2024, 7, 31)), start=2):
            store.add_meeting(Meeting(number, day, f"Phiên họp thứ {number}", "Phó Thủ tướng"),
                              actor=1, at=start)
        for n in range(tasks):
            created = start + dt.timedelta(days=rng.randint(0, 180), hours=rng.randint(0, 9))
            deadline = (created + dt.timedelta(days=rng.randint(10, 200))).date()
            lead = rng.choice(codes)
            history = [HistoryEntry(at=created, user_id=1, kind=HistoryKind.CREATED)]
            status, completed = TaskStatus.OPEN, None
            roll = rng.random()
            if roll < 0.45:
                done_at = created + dt.timedelta(days=rng.randint(5, 150))
                if done_at < NOW:
                    status, completed = TaskStatus.DONE, done_at
                    history.append(HistoryEntry(at=done_at, user_id=1, kind=HistoryKind.DONE))
            elif roll < 0.48:
                status = TaskStatus.CANCELLED
            if rng.random() < 0.15:
                note_at = min(created + dt.timedelta(days=rng.randint(1, 60)), NOW)
                history.append(HistoryEntry(at=note_at, user_id=1000, kind=HistoryKind.NOTE,
                                            note=rng.choice(NOTES)))
            history.sort(key=lambda h: h.at)
            store.add_task(Task(
                number=0, title=f"Nhiệm vụ {n}: rà soát, đơn giản hóa thủ tục hành chính",
                lead=lead, deadline=deadline, created_at=created, created_by=1,
                plan=rng.choice(PLANS), responsible=(1000 + codes.index(lead),),
                meeting=rng.choice((None, None, None, 2, 3, 4)), status=status,
                completed_at=completed, history=history,
            ), actor=1, at=created)
    return store


def one_summary(store: WorkspaceStore, renderer: Renderer) -> dict[str, float]:
    """Make one full summary the way the summary worker does; the seconds each step took."""
    from handlers.summary_job import Job, build_files, pdf_copy

    times: dict[str, float] = {}
    began = time.perf_counter()
    period = period_for(Request(), meetings=store.meetings(), today=NOW.date())
    result: Summary = summarize(
        store.tasks(), period=period, now=NOW, tz=TZ, agencies=store.agencies(),
        members=store.members(), previous_summary=NOW - dt.timedelta(days=7),
    )
    times["compute"] = time.perf_counter() - began
    mark = time.perf_counter()
    values = {"workspace": store.workspace, "tz": TZ, "now": NOW, "today": NOW.date()}
    text = renderer.render("summary_message", "vi", summary=result, **values)
    assert text
    times["message"] = time.perf_counter() - mark
    mark = time.perf_counter()
    job = Job(path="", period=period, now=NOW, tz=TZ, lang="vi", rule=result.rule,
              previous=None, context={**values, "member": None})
    png, docx, blocks = build_files(job, result)
    assert png and docx
    times["files"] = time.perf_counter() - mark
    times["total"] = time.perf_counter() - began
    # The PDF copy follows the .docx in /summary: timed apart, and with everything.
    mark = time.perf_counter()
    assert pdf_copy(blocks, png)
    times["pdf"] = time.perf_counter() - mark
    times["with pdf"] = times["total"] + times["pdf"]
    return times


def _first_in_fresh_process() -> float:
    """Child mode: build the data, then time the process's first summary."""
    store = workspace()
    renderer = Renderer()
    return one_summary(store, renderer)["total"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--first-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.first_only:
        print(f"{_first_in_fresh_process():.6f}")
        return

    store = workspace()
    print(f"workspace: {len(store.tasks())} tasks, {len(store.agencies())} agencies, "
          f"{len(store.meetings())} meetings")
    first = []
    for _ in range(max(3, args.runs // 2)):
        out = subprocess.run([sys.executable, __file__, "--first-only"], capture_output=True,
                             text=True, check=True, cwd=ROOT)
        first.append(float(out.stdout.strip().splitlines()[-1]))
    renderer = Renderer()
    one_summary(store, renderer)  # warm-up: imports, compiled templates, font cache
    runs = [one_summary(store, renderer) for _ in range(args.runs)]
    print(f"first summary after start-up (median of {len(first)} fresh processes): "
          f"{statistics.median(first) * 1000:.0f} ms")
    for step in ("compute", "message", "files", "total", "pdf", "with pdf"):
        values = [r[step] for r in runs]
        label = {"files": "chart+docx", "pdf": "then the pdf"}.get(step, step)
        print(f"warm {label:<14} median {statistics.median(values) * 1000:6.0f} ms  "
              f"(min {min(values) * 1000:.0f}, max {max(values) * 1000:.0f}; {len(runs)} runs)")
    goal = statistics.median(r["total"] for r in runs) <= 1.0
    print("goal (warm ≤ 1 s):", "met" if goal else "NOT met")


if __name__ == "__main__":
    main()
