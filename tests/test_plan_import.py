"""Tests of reading plan files: the annex as .docx, .xlsx and .csv, and the files refused."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest

from bot.model import TaskStatus
from bot.plan_columns import Column, column_of
from bot.plan_deadlines import ONGOING
from bot.plan_import import (
    ImportError_,
    duplicates,
    parse_plan,
    resolve_agencies,
    split_agencies,
)
from bot.plan_status import read_status
from bot.plan_table import FileKind, TableError, read_tables
from bot.recurrence import Recurrence
from tests.factories import AGENCIES, NOW, make_task
from tests.plan_files import (
    FORMS,
    MERGED_LEAD,
    XLSX_FIRST_TASK_ROW,
    Item,
    Section,
    build_csv,
    build_docx,
    build_xlsx,
    expected_section,
    plan_items,
)

TODAY = NOW.date()
BUILDERS = {"docx": build_docx, "xlsx": build_xlsx, "csv": build_csv}


def _parse(data: bytes, plan: str = "Kế hoạch CCHC 2025"):  # type: ignore[no-untyped-def]
    kind, tables = read_tables(data)
    return parse_plan(kind, tables, today=TODAY, plan=plan)


@pytest.fixture(scope="module", params=sorted(BUILDERS))
def parsed(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    return request.param, _parse(BUILDERS[request.param]())


def _items() -> list[Item]:
    return [e for e in plan_items() if isinstance(e, Item)]


def test_every_task_row_is_read(parsed) -> None:  # type: ignore[no-untyped-def]
    kind, plan = parsed
    assert plan.kind is FileKind(kind)
    assert plan.problems == []
    assert [d.title for d in plan.drafts] == [i.title for i in _items()]
    assert len(plan.drafts) == 40


def test_every_deadline_form_is_understood(parsed) -> None:  # type: ignore[no-untyped-def]
    _, plan = parsed
    for index, draft in enumerate(plan.drafts):
        wanted = FORMS[index % len(FORMS)][1]
        if wanted == "ongoing":
            assert draft.deadline == ONGOING, draft
        elif isinstance(wanted, Recurrence):
            assert draft.deadline == wanted, draft
        else:
            assert draft.deadline.day == wanted, (index, draft)  # type: ignore[union-attr]


def test_sections_are_kept_on_each_task(parsed) -> None:  # type: ignore[no-untyped-def]
    _, plan = parsed
    assert [d.section for d in plan.drafts] == [expected_section(i) for i in range(40)]
    assert plan.sections == [
        "I. CẢI CÁCH THỂ CHẾ",
        "II. CẢI CÁCH THỦ TỤC HÀNH CHÍNH › 1. Rà soát, đơn giản hóa",
        "II. CẢI CÁCH THỦ TỤC HÀNH CHÍNH › 2. Số hóa hồ sơ",
        "III. HIỆN ĐẠI HÓA NỀN HÀNH CHÍNH",
    ]


def test_stt_is_kept_as_the_tasks_reference(parsed) -> None:  # type: ignore[no-untyped-def]
    _, plan = parsed
    refs = [d.ref for d in plan.drafts]
    assert refs[:3] == ["1", "2", "3"]
    assert refs[12:15] == ["a", "b", "c"]


def test_a_merged_lead_cell_is_carried_down(parsed) -> None:  # type: ignore[no-untyped-def]
    _, plan = parsed
    start, end = MERGED_LEAD
    assert {d.lead for d in plan.drafts[start:end]} == {"Bộ Tư pháp"}


def test_several_agencies_in_the_lead_cell_give_lead_and_coordinators(parsed) -> None:  # type: ignore[no-untyped-def]
    _, plan = parsed
    third = plan.drafts[2]
    assert third.lead == "Văn phòng Chính phủ"
    assert third.coordinators == ("Bộ Tư pháp", "UBND tỉnh Hà Tĩnh")
    assert plan.drafts[3].coordinators == ("Bộ Tư pháp", "Văn phòng Chính phủ")


def test_status_column_is_read(parsed) -> None:  # type: ignore[no-untyped-def]
    _, plan = parsed
    by_status = [(d.status, d.progress, d.completed_on) for d in plan.drafts[:7]]
    assert by_status == [
        (TaskStatus.OPEN, 0, None),
        (TaskStatus.IN_PROGRESS, 0, None),
        (TaskStatus.DONE, 100, None),
        (TaskStatus.DONE, 100, dt.date(2024, 3, 15)),
        (TaskStatus.IN_PROGRESS, 60, None),
        (TaskStatus.OPEN, 0, None),
        (TaskStatus.OPEN, 0, None),
    ]


def test_row_numbers_are_those_the_secretary_sees() -> None:
    plan = _parse(build_xlsx())
    assert plan.drafts[0].row == XLSX_FIRST_TASK_ROW
    csv_plan = _parse(build_csv())
    assert csv_plan.drafts[0].row == 3  # header on line 1, the first section on line 2


def test_plan_name_comes_from_the_command() -> None:
    plan = _parse(build_csv(), plan="KH 2025")
    assert {d.plan for d in plan.drafts} == {"KH 2025"}


# -- rows with problems -------------------------------------------------------------------


def _with(items: list[Section | Item]) -> bytes:
    return build_xlsx(items)


def test_rows_with_problems_are_listed_with_their_row_and_reason() -> None:
    items: list[Section | Item] = [
        Item("1", "Nhiệm vụ tốt", "Bộ Tư pháp", "", "Quý I/2025", "Báo cáo"),
        Item("2", "Hạn sai", "Bộ Tư pháp", "", "Quý 5/2025", "Báo cáo"),
        Item("3", "Không có hạn", "Bộ Tư pháp", "", "", "Báo cáo"),
        Item("4", "Không có đơn vị", "", "", "Quý I/2025", ""),
        Item("5", "", "Bộ Tư pháp", "", "Quý I/2025", "Báo cáo"),
    ]
    plan = _parse(_with(items))
    assert [d.title for d in plan.drafts] == ["Nhiệm vụ tốt"]
    first = XLSX_FIRST_TASK_ROW - 1
    assert [(p.row - first, p.reason, p.text) for p in plan.problems] == [
        (1, "deadline", "Quý 5/2025"),
        (2, "no_deadline", "Không có hạn"),
        (3, "no_lead", "Không có đơn vị"),
        (4, "no_title", ""),
    ]


def test_past_deadlines_are_accepted() -> None:
    items: list[Section | Item] = [Item("1", "Cũ", "Bộ Tư pháp", "", "31/1/2023", "")]
    assert _parse(_with(items)).drafts[0].deadline.day == dt.date(2023, 1, 31)  # type: ignore[union-attr]


# -- columns --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("heading", "column"),
    [
        ("STT", Column.REF),
        ("TT", Column.REF),
        ("Nội dung nhiệm vụ", Column.TITLE),
        ("NOI DUNG NHIEM VU", Column.TITLE),
        ("Tên nhiệm vụ", Column.TITLE),
        ("Task", Column.TITLE),
        ("Cơ quan chủ trì", Column.LEAD),
        ("Đơn vị chủ trì thực hiện", Column.LEAD),
        ("Lead agency", Column.LEAD),
        ("Cơ quan phối hợp", Column.COORDINATORS),
        ("Thời hạn hoàn thành", Column.DEADLINE),
        ("Thời hạn hoàn thành (dự kiến)", Column.DEADLINE),
        ("Deadline", Column.DEADLINE),
        ("Sản phẩm", Column.OUTPUT),
        ("Expected output", Column.OUTPUT),
        ("Tình hình thực hiện", Column.STATUS),
        ("Ghi chú", Column.NOTE),
        ("Người phụ trách", Column.IGNORED),
        ("Ngân sách", None),
    ],
)
def test_columns_are_recognised_by_their_names(heading: str, column: Column | None) -> None:
    assert column_of(heading) is column


def test_columns_in_any_order_and_in_english() -> None:
    text = (
        "Deadline;Lead agency;Task;No.;Coordinating agencies\n"
        "Q1 2025;Ministry of Justice;Review procedures;1;\n"
    )
    plan = _parse(text.encode())
    draft = plan.drafts[0]
    assert (draft.title, draft.lead, draft.ref) == ("Review procedures", "Ministry of Justice", "1")
    assert draft.deadline.day == dt.date(2025, 3, 31)  # type: ignore[union-attr]


def test_a_file_without_a_task_header_is_refused() -> None:
    with pytest.raises(ImportError_) as caught:
        _parse("Tên,Tuổi\nAn,30\n".encode())
    assert caught.value.reason == "no_header"


# -- agencies -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "names"),
    [
        ("Bộ Tư pháp, Văn phòng Chính phủ", ["Bộ Tư pháp", "Văn phòng Chính phủ"]),
        ("Các bộ, ngành, địa phương", ["Các bộ, ngành, địa phương"]),
        ("Huế, Nghệ An", ["Huế", "Nghệ An"]),
        ("Bộ Tư pháp;\nVPCP", ["Bộ Tư pháp", "VPCP"]),
        ("", []),
    ],
)
def test_agency_cells_are_split_into_names(cell: str, names: list[str]) -> None:
    assert split_agencies(cell, AGENCIES) == names


def test_agencies_are_matched_as_giaoviec_matches_them() -> None:
    plan = _parse(build_docx())
    codes, unresolved = resolve_agencies(plan.drafts, AGENCIES)
    assert codes["UBND tinh Ha Tinh"] == "ha-tinh"
    assert codes["Huế"] == "hue"
    assert codes["Văn phòng Chính phủ"] == "vpcp"
    assert [(u.name, u.rows) for u in unresolved] == [("Bộ Nội vụ", 6)]
    codes, unresolved = resolve_agencies(plan.drafts, AGENCIES, {"Bộ Nội vụ": "vpcp"})
    assert unresolved == [] and codes["Bộ Nội vụ"] == "vpcp"


def test_the_same_file_twice_is_detected() -> None:
    plan = _parse(build_csv(), plan="KH")
    existing = [make_task(title=d.title, plan="KH") for d in plan.drafts[:5]]
    assert [d.title for d in duplicates(plan.drafts, existing)] == [
        d.title for d in plan.drafts[:5]
    ]


# -- status words ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "progress", "wanted"),
    [
        ("Đã hoàn thành", "", (TaskStatus.DONE, 100, None)),
        ("Hoàn thành ngày 15/3/2025", "", (TaskStatus.DONE, 100, dt.date(2025, 3, 15))),
        ("Hoàn thành đúng hạn", "", (TaskStatus.DONE, 100, None)),
        ("Đang thực hiện", "", (TaskStatus.IN_PROGRESS, 0, None)),
        ("Chưa hoàn thành", "", (TaskStatus.OPEN, 0, None)),
        ("60%", "", (TaskStatus.IN_PROGRESS, 60, None)),
        ("Đang thực hiện", "75", (TaskStatus.IN_PROGRESS, 75, None)),
        ("", "100%", (TaskStatus.DONE, 100, None)),
        ("Chưa thực hiện", "", (TaskStatus.OPEN, 0, None)),
        ("Đã hủy", "", (TaskStatus.CANCELLED, 0, None)),
        ("Phát huy hiệu quả", "", (TaskStatus.OPEN, 0, None)),
        ("Done", "", (TaskStatus.DONE, 100, None)),
        ("In progress", "", (TaskStatus.IN_PROGRESS, 0, None)),
        ("", "", (TaskStatus.OPEN, 0, None)),
    ],
)
def test_status_words(status: str, progress: str, wanted: tuple[object, ...]) -> None:
    read = read_status(status, progress, today=TODAY, year=2025)
    assert (read.status, read.progress, read.completed_on) == wanted


def test_a_status_in_unknown_words_is_kept_as_a_note() -> None:
    read = read_status("Đã trình Thủ tướng Chính phủ", today=TODAY)
    assert read.status is TaskStatus.OPEN and read.unread == "Đã trình Thủ tướng Chính phủ"


def test_late_and_on_time_completion_words() -> None:
    assert read_status("Hoàn thành trễ hạn", today=TODAY).late is True
    assert read_status("Hoàn thành đúng hạn", today=TODAY).late is False


# -- files refused --------------------------------------------------------------------------


def _reason(data: bytes) -> str:
    with pytest.raises(TableError) as caught:
        read_tables(data)
    return caught.value.reason


def _cfb(encrypted: bool) -> bytes:
    """An OLE compound file's first sectors, as Office writes them for .xls or an encrypted
    .xlsx (whose directory names an "EncryptionInfo" stream)."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    name = "EncryptionInfo" if encrypted else "Workbook"
    entry = name.encode("utf-16-le").ljust(64, b"\x00") + b"\x00" * 64
    return header + entry * 4


def test_a_password_protected_file_is_refused() -> None:
    assert _reason(_cfb(encrypted=True)) == "password"


def test_an_old_xls_or_doc_is_refused() -> None:
    assert _reason(_cfb(encrypted=False)) == "old_format"


def test_a_damaged_file_is_refused() -> None:
    assert _reason(build_docx()[:3000]) == "broken"
    assert _reason(build_xlsx()[:-500]) == "broken"


def test_a_file_of_another_kind_is_refused() -> None:
    assert _reason(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10) == "wrong_type"
    other = io.BytesIO()
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("content.xml", "<office/>")  # an OpenDocument file, say
    assert _reason(other.getvalue()) == "wrong_type"


def test_a_zip_bomb_is_refused_before_it_is_unpacked() -> None:
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\x00" * (41 * 1024 * 1024))
    assert len(bomb.getvalue()) < 200_000
    assert _reason(bomb.getvalue()) == "too_large"


def test_an_xml_entity_bomb_is_refused() -> None:
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(
            f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
            for i in range(1, 10)
        )
        + ']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
        "</sheetData></worksheet>"
    )
    source = zipfile.ZipFile(io.BytesIO(build_xlsx()))
    hostile = io.BytesIO()
    with zipfile.ZipFile(hostile, "w") as archive:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet2.xml":
                data = laughs.encode()
            archive.writestr(info, data)
    assert _reason(hostile.getvalue()) == "broken"


def test_too_many_rows_are_refused() -> None:
    lines = ["STT,Nội dung nhiệm vụ,Cơ quan chủ trì,Thời hạn"]
    lines += [f"{i},Nhiệm vụ {i},Bộ Tư pháp,Quý I/2025" for i in range(1, 2300)]
    assert _reason("\n".join(lines).encode()) == "too_many_rows"


def test_a_file_over_five_megabytes_is_refused() -> None:
    assert _reason(b"a" * (5 * 1024 * 1024 + 1)) == "too_large"


def test_an_empty_file_has_no_table() -> None:
    assert _reason(b"") == "no_table"


# -- CSV variants ---------------------------------------------------------------------------


def test_a_csv_saved_by_a_vietnamese_windows_excel() -> None:
    data = build_csv(encoding="cp1258", delimiter=";")
    plan = _parse(data)
    assert len(plan.drafts) == 40
    assert plan.drafts[0].lead == "Bộ Tư pháp"


@pytest.mark.parametrize("kind", sorted(BUILDERS))
def test_a_heading_merged_across_the_row_keeps_the_numbered_sections_below_it(
    kind: str,
) -> None:
    # The shipped sample showed it: "II." merged across the table, then "1." and "2." with
    # only a number and a heading, lost "II." from the tasks' section.
    items: list[Section | Item] = [
        Section("I", "CẢI CÁCH THỂ CHẾ", merged=True),
        Section("1", "Rà soát"),
        *_items()[:2],
        Section("II", "SỐ HÓA", merged=True),
        *_items()[2:3],
    ]
    plan = _parse(BUILDERS[kind](items))
    assert [d.section for d in plan.drafts] == [
        "I. CẢI CÁCH THỂ CHẾ › 1. Rà soát", "I. CẢI CÁCH THỂ CHẾ › 1. Rà soát", "II. SỐ HÓA"]
