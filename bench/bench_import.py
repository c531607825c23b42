"""Benchmark of plans in and figures out: importing a 500-row .xlsx and .docx, exporting 1,000
tasks.

Run from the repository root: ``.venv/bin/python -m bench.bench_import [--runs 9]``.
"Import" is what a confirmed /import does with the downloaded bytes: read the table, match the
agencies, make the preview, make the tasks and write them all in one transaction to a
workspace file on disk (fsync'd). "Export" is what /export does: the workbook of 1,000 tasks
with its sheet per agency. Each is timed warm (libraries imported by a first run, not
counted); medians are printed, with the goal of one second each.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.export_xlsx import build_export  # noqa: E402 - the path is set first
from bot.model import Workspace  # noqa: E402
from bot.plan_import import preview, read_plan, resolve_agencies, to_tasks  # noqa: E402
from bot.render import Renderer, pairs  # noqa: E402
from store.workspace import open_workspace_file  # noqa: E402
from tests.factories import AGENCIES, NOW, SECRETARY, TZ, seeded_store  # noqa: E402
from tests.plan_files import FORMS, Item, Section, build_docx, build_xlsx  # noqa: E402

_LEADS = ["Bộ Tư pháp", "UBND tỉnh Nghệ An", "Văn phòng Chính phủ, Bộ Tư pháp", "Huế",
          "UBND tinh Ha Tinh"]


def plan_rows(count: int) -> list[Section | Item]:
    """`count` task rows in sections of 25, every deadline form of the tests among them."""
    rows: list[Section | Item] = []
    for i in range(count):
        if i % 25 == 0:
            rows.append(Section(str(i // 25 + 1), f"Nhóm nhiệm vụ {i // 25 + 1}"))
        deadline = FORMS[i % len(FORMS)][0]
        rows.append(Item(
            str(i % 25 + 1), f"Nhiệm vụ cải cách hành chính số {i + 1}: rà soát, đơn giản hóa "
            f"thủ tục và số hóa hồ sơ của lĩnh vực {i % 17}", _LEADS[i % len(_LEADS)],
            "Văn phòng Chính phủ", deadline, "Báo cáo", ["", "Đang thực hiện", "60%"][i % 3],
        ))
    return rows


def one_import(data: bytes, directory: Path) -> float:
    start = time.perf_counter()
    parsed = read_plan(data, today=NOW.date(), plan="Kế hoạch CCHC năm 2025")
    path = directory / f"{time.perf_counter_ns()}.json"
    store = open_workspace_file(path)
    store.save_workspace(Workspace(chat_id=1, title="bench", created_at=NOW), actor=0, at=NOW)
    seeded_store(store)
    preview(parsed, agencies=store.agencies(), chosen={}, tasks=store.tasks(),
            today=NOW.date())
    codes, unresolved = resolve_agencies(parsed.drafts, store.agencies())
    assert not unresolved, unresolved
    tasks = to_tasks(parsed.drafts, codes, now=NOW, tz=TZ, actor=SECRETARY, source="bench")
    with store.transaction():
        for task in tasks:
            store.add_task(task, actor=SECRETARY, at=NOW)
    elapsed = time.perf_counter() - start
    assert len(store.tasks()) == len(parsed.drafts)
    store.close()
    return elapsed


def one_export(store: object, labels: dict[str, str]) -> float:
    start = time.perf_counter()
    build_export(store.tasks(), agencies=store.agencies(),  # type: ignore[attr-defined]
                 members=store.members(), now=NOW, tz=TZ, labels=labels)  # type: ignore[attr-defined]
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    rows = plan_rows(500)
    files = {"xlsx": build_xlsx(rows), "docx": build_docx(rows)}
    results: dict[str, list[float]] = {name: [] for name in (*files, "export")}
    export_store = seeded_store(tasks=[])
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        parsed = read_plan(files["xlsx"], today=NOW.date())
        codes, _ = resolve_agencies(parsed.drafts, AGENCIES)
        tasks = to_tasks(parsed.drafts, codes, now=NOW, tz=TZ, actor=SECRETARY)
        with export_store.transaction():
            for task in tasks + tasks:
                export_store.add_task(task, actor=SECRETARY, at=NOW)
        labels = pairs(Renderer().render("export_labels", "vi"))
        for data in files.values():
            one_import(data, base)  # warm-up: imports openpyxl / python-docx
        one_export(export_store, labels)
        for _ in range(args.runs):
            for name, data in files.items():
                results[name].append(one_import(data, base))
            results["export"].append(one_export(export_store, labels))
    print(f"import: 500 task rows ({len(files['xlsx']):,} bytes .xlsx, "
          f"{len(files['docx']):,} bytes .docx); export: {len(export_store.tasks()):,} tasks")
    for name, label in (("xlsx", "import .xlsx"), ("docx", "import .docx"),
                        ("export", "export .xlsx")):
        median = statistics.median(results[name])
        print(f"{label:<13} median {median * 1000:6.0f} ms  (min {min(results[name]) * 1000:.0f},"
              f" max {max(results[name]) * 1000:.0f}; {args.runs} runs)  "
              f"goal ≤ 1 s: {'met' if median <= 1 else 'NOT met'}")


if __name__ == "__main__":
    main()
