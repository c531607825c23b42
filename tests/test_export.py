"""The Excel export and the calendar file: their content, their safety, and the way back in."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from icalendar import Calendar

from bot.calendar_ics import CalendarEntry, build_calendar, calendar_key
from bot.export_xlsx import build_export
from bot.model import HistoryEntry, HistoryKind, Task, TaskStatus
from bot.plan_import import read_plan, resolve_agencies, to_tasks
from bot.render import Renderer, pairs
from tests.conftest import Harness
from tests.factories import AGENCIES, GROUP_ID, NOW, OWNER, SECRETARY, TZ, VN, make_task
from tests.factories import seeded_store as make_store

HOSTILE = ["=HYPERLINK(\"http://x\",\"bấm\")", "+1+1", "-2+3", "@SUM(A1)", "=cmd|' /C calc'!A0"]


def _tasks() -> list[Task]:
    done_at = dt.datetime(2024, 6, 20, 10, 0, tzinfo=VN)
    tasks = [
        make_task("Rà soát thủ tục nội bộ", "nghe-an", dt.date(2024, 9, 30), plan="KH 2024",
                  coordinators=("vpcp", "bo-tu-phap"), responsible=(OWNER,), ref="1",
                  section="I. THỂ CHẾ", output="Báo cáo"),
        make_task("Số hóa hồ sơ", "ha-tinh", dt.date(2024, 6, 30), plan="KH 2024",
                  status=TaskStatus.DONE, completed_at=done_at, progress=100, ref="2",
                  section="I. THỂ CHẾ"),
        make_task("Quá hạn rồi", "hue", dt.date(2024, 7, 1), plan="KH 2024", progress=40,
                  status=TaskStatus.IN_PROGRESS, ref="a", section="II. TTHC › 1. Rà soát"),
        make_task("Đã hủy", "vpcp", dt.date(2024, 8, 1), status=TaskStatus.CANCELLED),
    ]
    tasks[2].history.append(HistoryEntry(at=NOW, user_id=OWNER, kind=HistoryKind.NOTE,
                                         note="Vướng mắc: chưa có hướng dẫn"))
    tasks += [make_task(title, "bo-tu-phap", dt.date(2024, 12, 31)) for title in HOSTILE]
    return tasks


def _export(lang: str = "vi", tasks: list[Task] | None = None) -> bytes:
    store = make_store(tasks=_tasks() if tasks is None else tasks)
    renderer = Renderer()
    labels = pairs(renderer.render("export_labels", lang))
    recurrences = {t.recurrence: renderer.render("recurrence", lang, r=t.recurrence)
                   for t in store.tasks() if t.recurrence is not None}
    return build_export(store.tasks(), agencies=store.agencies(), members=store.members(),
                        now=NOW, tz=TZ, labels=labels, recurrences=recurrences)


@pytest.fixture(scope="module")
def workbook() -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(_export()))


def test_two_sheets_with_frozen_filtered_headers(workbook: openpyxl.Workbook) -> None:
    assert workbook.sheetnames == ["Nhiệm vụ", "Theo đơn vị"]
    sheet = workbook["Nhiệm vụ"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:Q10"
    assert sheet["A1"].value == "Số" and sheet["C1"].value == "Nội dung nhiệm vụ"
    assert sheet["A1"].font.b
    assert sheet.column_dimensions["C"].width == 60


def test_deadlines_are_real_excel_dates(workbook: openpyxl.Workbook) -> None:
    sheet = workbook["Nhiệm vụ"]
    headers = [c.value for c in sheet[1]]
    deadline = sheet.cell(2, headers.index("Thời hạn hoàn thành") + 1)
    assert deadline.is_date and deadline.value == dt.datetime(2024, 9, 30)
    assert deadline.number_format == "dd/mm/yyyy"
    done = sheet.cell(3, headers.index("Ngày hoàn thành") + 1)
    assert done.value == dt.datetime(2024, 6, 20)
    progress = sheet.cell(4, headers.index("Tiến độ") + 1)
    assert progress.value == 0.4 and progress.number_format == "0%"


def test_each_row_says_what_the_task_is(workbook: openpyxl.Workbook) -> None:
    sheet = workbook["Nhiệm vụ"]
    headers = [c.value for c in sheet[1]]
    first = {h: c.value for h, c in zip(headers, sheet[2], strict=True)}
    assert first["Cơ quan chủ trì"] == "UBND tỉnh Nghệ An"
    assert first["Cơ quan phối hợp"] == "Văn phòng Chính phủ; Bộ Tư pháp"
    assert first["Phụ trách"] == "Lê Văn Nghệ"
    assert first["Phân loại"] == "Đang thực hiện trong hạn"
    assert (first["STT"], first["Mục"], first["Kế hoạch"]) == ("1", "I. THỂ CHẾ", "KH 2024")
    third = {h: c.value for h, c in zip(headers, sheet[4], strict=True)}
    assert third["Phân loại"] == "Đang thực hiện quá hạn"
    assert third["Ghi chú gần nhất"] == "Vướng mắc: chưa có hướng dẫn"
    assert third["Số lần cập nhật"] == 1


def test_text_that_looks_like_a_formula_stays_text(workbook: openpyxl.Workbook) -> None:
    sheet = workbook["Nhiệm vụ"]
    cells = [sheet.cell(row, 3) for row in range(6, 11)]
    assert [c.value for c in cells] == HOSTILE
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)


def test_totals_per_agency(workbook: openpyxl.Workbook) -> None:
    sheet = workbook["Theo đơn vị"]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert rows[-1][:6] == ["Tổng cộng", 8, 1, 0, 6, 1]  # the cancelled task leaves the count
    assert rows[0][0] == "UBND tỉnh Thừa Thiên Huế"  # the overdue one first


def test_english_headers_in_an_english_workspace() -> None:
    book = openpyxl.load_workbook(io.BytesIO(_export("en")))
    assert book.sheetnames == ["Tasks", "By agency"]
    assert [c.value for c in book["Tasks"][1]][:3] == ["Task no.", "Ref.", "Task"]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_export_then_import_into_an_empty_workspace_gives_the_same_tasks(lang: str) -> None:
    original = make_store(tasks=_tasks()).tasks()
    parsed = read_plan(_export(lang), today=NOW.date(), lang=lang)
    assert parsed.problems == []
    # An empty workspace knows no agency: each name becomes a new agency, by its full name.
    codes, unresolved = resolve_agencies(parsed.drafts, [])
    names = {u.name: f"a{i}" for i, u in enumerate(unresolved)}
    imported = to_tasks(parsed.drafts, {**codes, **names}, now=NOW, tz=TZ, actor=SECRETARY)
    by_name = {a.code: a.name for a in AGENCIES}
    new_names = {code: name for name, code in names.items()}

    def shape(task: Task, agency: dict[str, str]) -> tuple[object, ...]:
        return (
            task.title, task.ref, task.plan, task.section, agency[task.lead],
            tuple(agency[c] for c in task.coordinators), task.deadline, task.status,
            task.progress, task.completed_at.date() if task.completed_at else None,
            task.output,
        )

    assert [shape(t, new_names) for t in imported] == [shape(t, by_name) for t in original]
    notes = [[h.note for h in t.history if h.kind is HistoryKind.NOTE] for t in imported]
    assert notes[2] == ["Vướng mắc: chưa có hướng dẫn"]


def test_a_thousand_tasks_export_in_one_file() -> None:
    tasks = [make_task(f"Nhiệm vụ {i}", "nghe-an", dt.date(2024, 9, 1) + dt.timedelta(i % 90))
             for i in range(1000)]
    book = openpyxl.load_workbook(io.BytesIO(_export(tasks=tasks)), read_only=True)
    assert sum(1 for _ in book["Nhiệm vụ"].iter_rows()) == 1001


# -- calendar -------------------------------------------------------------------------------


def test_calendar_events_are_all_day_deadlines_with_a_reminder() -> None:
    entries = [
        CalendarEntry(12, "#12 Rà soát", "Nhiệm vụ số 12\nChủ trì: Bộ Tư pháp",
                      dt.date(2024, 9, 30)),
        CalendarEntry(13, "#13 Họp", "", dt.date(2024, 8, 2), dt.time(17, 0)),
    ]
    data = build_calendar(entries, name="dondoc — Tổ công tác", key=calendar_key(GROUP_ID),
                          now=NOW, tz=TZ, alarm_text="Ngày mai đến hạn")
    calendar = Calendar.from_ical(data)
    events = list(calendar.walk("VEVENT"))
    assert [str(e["summary"]) for e in events] == ["#12 Rà soát", "#13 Họp"]
    assert events[0].decoded("dtstart") == dt.date(2024, 9, 30)
    assert events[0].decoded("dtend") == dt.date(2024, 10, 1)
    assert events[1].decoded("dtend") == dt.datetime(2024, 8, 2, 10, 0, tzinfo=dt.UTC)
    assert str(GROUP_ID) not in data.decode()
    assert events[0]["uid"] == f"task-12-{calendar_key(GROUP_ID)}@dondoc"
    alarm = next(iter(events[0].walk("VALARM")))
    assert alarm.decoded("trigger") == dt.timedelta(days=-1)


async def test_export_command_sends_the_workbook(seeded: Harness) -> None:
    for task in _tasks()[:3]:
        seeded.store.add_task(task, actor=SECRETARY, at=NOW)
    calls = await seeded.send("/xuatexcel")
    documents = [c for c in calls if c.method == "sendDocument" and c.ok]
    assert len(documents) == 1
    upload = documents[0].params["document"]
    assert upload.filename == "nhiem-vu-2024-07-31.xlsx"
    assert "3 nhiệm vụ" in documents[0].params["caption"]
    book = openpyxl.load_workbook(io.BytesIO(upload.data))
    assert book["Nhiệm vụ"].max_row == 4


async def test_export_is_for_leaders(seeded: Harness) -> None:
    seeded.store.add_task(_tasks()[0], actor=SECRETARY, at=NOW)
    calls = await seeded.send("/export", user=OWNER)
    assert not [c for c in calls if c.method == "sendDocument"]


async def test_calendar_command_sends_my_open_deadlines(seeded: Harness) -> None:
    for task in _tasks()[:4]:
        seeded.store.add_task(task, actor=SECRETARY, at=NOW)
    calls = await seeded.send("/lich", user=OWNER)
    documents = [c for c in calls if c.method == "sendDocument" and c.ok]
    assert len(documents) == 1
    upload = documents[0].params["document"]
    assert upload.filename.endswith(".ics")
    events = list(Calendar.from_ical(upload.data).walk("VEVENT"))
    assert [str(e["summary"]) for e in events] == ["#1 Rà soát thủ tục nội bộ"]
    assert "/viec 1" in str(events[0]["description"])
    calls = await seeded.send("/lich nhom", user=OWNER)
    upload = next(c for c in calls if c.method == "sendDocument").params["document"]
    assert len(list(Calendar.from_ical(upload.data).walk("VEVENT"))) == 2  # open ones only
