"""Realistic plan files built in code: a Word annex, the same as an Excel sheet, and a CSV.

The annex is laid out the way a ministry's plan annex is: a title, a two-row header whose
"Cơ quan thực hiện" spans "Chủ trì" and "Phối hợp", a row numbering the columns, section rows
(one merged across the table, others with only a number and a heading), a lead agency cell
merged down over three tasks, and 40 tasks using every deadline form plans write.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
from dataclasses import dataclass

from bot.recurrence import Cadence, Recurrence


@dataclass(frozen=True)
class Section:
    ref: str
    title: str
    merged: bool = False  # one cell across the whole row


@dataclass(frozen=True)
class Item:
    ref: str
    title: str
    lead: str
    coordinators: str
    deadline: str | dt.date
    output: str
    status: str = ""


HEADER_TOP = ("STT", "Nội dung nhiệm vụ", "Cơ quan thực hiện", "Cơ quan thực hiện",
              "Thời hạn hoàn thành", "Sản phẩm", "Tình hình thực hiện")
HEADER_LOW = ("STT", "Nội dung nhiệm vụ", "Chủ trì", "Phối hợp", "Thời hạn hoàn thành",
              "Sản phẩm", "Tình hình thực hiện")

# Each deadline form, with what it means on 31/7/2024 in a plan for 2025 (or the recurrence).
FORMS: list[tuple[str | dt.date, object]] = [
    ("Quý I/2025", dt.date(2025, 3, 31)),
    ("quý IV năm 2025", dt.date(2025, 12, 31)),
    ("6 tháng đầu năm 2025", dt.date(2025, 6, 30)),
    ("tháng 6/2025", dt.date(2025, 6, 30)),
    ("năm 2025", dt.date(2025, 12, 31)),
    ("trước 30/6/2025", dt.date(2025, 6, 30)),
    ("trước ngày 15/12", dt.date(2025, 12, 15)),  # no year: the plan's
    ("trong tháng 9", dt.date(2025, 9, 30)),
    ("tuần sau", dt.date(2024, 8, 9)),  # Friday of next week, from 31/7/2024
    ("Thường xuyên", "ongoing"),
    ("hằng tháng trước ngày 20", Recurrence(Cadence.MONTHLY, 20)),
    ("Hằng quý", Recurrence(Cadence.QUARTERLY)),
    ("Định kỳ 6 tháng", Recurrence(Cadence.HALF_YEARLY)),
    ("hằng năm", Recurrence(Cadence.YEARLY)),
    ("31/3/2024", dt.date(2024, 3, 31)),  # already past when imported
    ("30/9/2025", dt.date(2025, 9, 30)),
    ("Quý II", dt.date(2025, 6, 30)),
    ("trước ngày 31/12/2025", dt.date(2025, 12, 31)),
    ("Tháng 10/2025", dt.date(2025, 10, 31)),
    (dt.date(2025, 11, 15), dt.date(2025, 11, 15)),  # a real date cell in Excel
]

_LEADS = [
    ("Bộ Tư pháp", "Văn phòng Chính phủ"),
    ("UBND tỉnh Nghệ An", ""),
    ("Văn phòng Chính phủ, Bộ Tư pháp", "UBND tỉnh Hà Tĩnh"),  # lead and a coordinator
    ("UBND tinh Ha Tinh", "Bộ Tư pháp; Văn phòng Chính phủ"),  # typed without diacritics
    ("Huế", ""),  # an alias
    ("Bộ Nội vụ", "Văn phòng Chính phủ"),  # not an agency of the workspace yet
]
_STATUSES = ["", "Đang thực hiện", "Đã hoàn thành", "Hoàn thành ngày 15/3/2024", "60%",
             "Chưa thực hiện", ""]
_TOPICS = [
    "Rà soát, đơn giản hóa thủ tục hành chính nội bộ", "Số hóa hồ sơ, kết quả giải quyết TTHC",
    "Xây dựng Nghị định về dịch vụ công trực tuyến", "Triển khai thanh toán trực tuyến",
    "Báo cáo tình hình thực hiện Đề án 06", "Cắt giảm điều kiện kinh doanh",
    "Hoàn thiện Cổng dịch vụ công quốc gia", "Kiểm tra việc công khai TTHC",
]


def plan_items() -> list[Section | Item]:
    """Three sections (the second with two subsections) and 40 tasks."""
    rows: list[Section | Item] = []
    n = 0

    def task(ref: str) -> Item:
        nonlocal n
        deadline, _ = FORMS[n % len(FORMS)]
        lead, coordinators = _LEADS[n % len(_LEADS)]
        item = Item(
            ref=ref, title=f"{_TOPICS[n % len(_TOPICS)]} (đợt {n + 1})", lead=lead,
            coordinators=coordinators, deadline=deadline, output="Báo cáo" if n % 3 else
            "Quyết định của Thủ tướng", status=_STATUSES[n % len(_STATUSES)],
        )
        n += 1
        return item

    rows.append(Section("I", "CẢI CÁCH THỂ CHẾ", merged=True))
    rows.extend(task(str(i)) for i in range(1, 13))
    rows.append(Section("II", "CẢI CÁCH THỦ TỤC HÀNH CHÍNH"))
    rows.append(Section("1", "Rà soát, đơn giản hóa"))
    rows.extend(task(f"{c})") for c in "abcdefghij")
    rows.append(Section("2", "Số hóa hồ sơ"))
    rows.extend(task(f"{c})") for c in "abcdefgh")
    rows.append(Section("III", "HIỆN ĐẠI HÓA NỀN HÀNH CHÍNH"))
    rows.extend(task(str(i)) for i in range(1, 11))
    return rows


def expected_section(index: int) -> str:
    """The section path of the `index`-th task (0-based) of plan_items()."""
    if index < 12:
        return "I. CẢI CÁCH THỂ CHẾ"
    if index < 22:
        return "II. CẢI CÁCH THỦ TỤC HÀNH CHÍNH › 1. Rà soát, đơn giản hóa"
    if index < 30:
        return "II. CẢI CÁCH THỦ TỤC HÀNH CHÍNH › 2. Số hóa hồ sơ"
    return "III. HIỆN ĐẠI HÓA NỀN HÀNH CHÍNH"


MERGED_LEAD = (12, 15)  # tasks 12, 13 and 14 (0-based) share one merged lead cell


def _cells(item: Item, index: int) -> list[str]:
    deadline = item.deadline
    text = deadline if isinstance(deadline, str) else f"{deadline:%d/%m/%Y}"
    return [item.ref, item.title, _lead(item, index), item.coordinators, text, item.output,
            item.status]


def _lead(item: Item, index: int) -> str:
    start, end = MERGED_LEAD
    return "Bộ Tư pháp" if start <= index < end else item.lead


# -- Word -----------------------------------------------------------------------------------


def build_docx(items: list[Section | Item] | None = None, *, extra_tables: bool = True) -> bytes:
    import docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    items = plan_items() if items is None else items
    document = docx.Document()
    if extra_tables:
        # The letterhead table every official document starts with: it has no task header.
        head = document.add_table(rows=2, cols=2)
        head.cell(0, 0).text = "BỘ TƯ PHÁP"
        head.cell(0, 1).text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
        head.cell(1, 1).text = "Độc lập - Tự do - Hạnh phúc"
    document.add_paragraph("Phụ lục")
    document.add_paragraph("DANH MỤC NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH NĂM 2025")
    table = document.add_table(rows=3, cols=7)
    for col, (top, low) in enumerate(zip(HEADER_TOP, HEADER_LOW, strict=True)):
        table.cell(0, col).text = top
        if top != low:
            table.cell(1, col).text = low
        table.cell(2, col).text = f"({col + 1})"
    # "Cơ quan thực hiện" spans two columns; the other headings span two rows.
    table.cell(0, 2).merge(table.cell(0, 3)).text = "Cơ quan thực hiện"
    for col in (0, 1, 4, 5, 6):
        table.cell(0, col).merge(table.cell(1, col)).text = HEADER_TOP[col]
    index = 0
    merge_from: int | None = None
    for entry in items:
        row = table.add_row()
        r = len(table.rows) - 1
        if isinstance(entry, Section):
            if entry.merged:
                merged = row.cells[0].merge(row.cells[6])
                merged.text = f"{entry.ref}. {entry.title}"
            else:
                row.cells[0].text = entry.ref
                row.cells[1].text = entry.title
            continue
        for col, text in enumerate(_cells(entry, index)):
            row.cells[col].text = text
        if index == MERGED_LEAD[0]:
            merge_from = r
        if merge_from is not None and index == MERGED_LEAD[1] - 1:
            top = table.cell(merge_from, 2)
            top.merge(table.cell(r, 2))
            top.text = "Bộ Tư pháp"  # merging joins the texts; keep one
            merge_from = None
        index += 1
    if extra_tables:
        sign = document.add_table(rows=1, cols=2)
        sign.cell(0, 1).text = "KT. BỘ TRƯỞNG\nTHỨ TRƯỞNG"
    # A bold title paragraph is what makes the annex look official; nothing reads it.
    document.paragraphs[0].runs[0].bold = True
    del OxmlElement, qn
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# -- Excel ----------------------------------------------------------------------------------

XLSX_FIRST_TASK_ROW = 7  # title, blank, two header rows, numbering, section, then tasks


def build_xlsx(items: list[Section | Item] | None = None) -> bytes:
    import openpyxl

    items = plan_items() if items is None else items
    workbook = openpyxl.Workbook()
    notes = workbook.active
    notes.title = "Ghi chú"
    notes["A1"] = "Bảng này do Văn phòng Chính phủ lập."
    sheet = workbook.create_sheet("Phụ lục")
    sheet["A1"] = "DANH MỤC NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH NĂM 2025"
    sheet.merge_cells("A1:G1")
    for col, (top, low) in enumerate(zip(HEADER_TOP, HEADER_LOW, strict=True), start=1):
        sheet.cell(3, col, top if top == low or col == 3 else None)
        if top != low:
            sheet.cell(4, col, low)
        sheet.cell(5, col, f"({col})")
    sheet.merge_cells("C3:D3")
    for letter in "ABEFG":
        sheet.merge_cells(f"{letter}3:{letter}4")
    r = 6
    index = 0
    for entry in items:
        if isinstance(entry, Section):
            if entry.merged:
                sheet.cell(r, 1, f"{entry.ref}. {entry.title}")
                sheet.merge_cells(start_row=r, start_column=1, end_row=r, end_column=7)
            else:
                sheet.cell(r, 1, entry.ref)
                sheet.cell(r, 2, entry.title)
            r += 1
            continue
        cells: list[object] = list(_cells(entry, index))
        if isinstance(entry.deadline, dt.date):
            cells[4] = entry.deadline  # a real date cell
        if entry.status == "60%":
            cells[6] = 0.6
        for col, value in enumerate(cells, start=1):
            if col == 3 and MERGED_LEAD[0] < index < MERGED_LEAD[1]:
                continue  # inside the merged lead cell: only its first row has the value
            cell = sheet.cell(r, col, value)
            if value == 0.6:
                cell.number_format = "0%"
            elif isinstance(value, dt.date):
                cell.number_format = "dd/mm/yyyy"
        if index == MERGED_LEAD[0]:
            sheet.merge_cells(start_row=r, start_column=3, end_row=r + 2, end_column=3)
        index += 1
        r += 1
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# -- CSV ------------------------------------------------------------------------------------


def build_csv(items: list[Section | Item] | None = None, *, encoding: str = "utf-8-sig",
              delimiter: str = ",") -> bytes:
    items = plan_items() if items is None else items
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(["STT", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp",
                     "Thời hạn hoàn thành", "Sản phẩm", "Tình hình thực hiện"])
    index = 0
    for entry in items:
        if isinstance(entry, Section):
            writer.writerow([entry.ref, entry.title, "", "", "", "", ""])
            continue
        cells = _cells(entry, index)
        cells[2] = _lead(entry, index)
        writer.writerow(cells)
        index += 1
    text = out.getvalue()
    if encoding == "cp1258":
        # Code page 1258 has the letters with their hats and horns but writes tone marks as
        # combining characters, as Windows does.
        return "".join(_cp1258(ch) for ch in text).encode(encoding)
    return text.encode(encoding)


def _cp1258(ch: str) -> str:
    try:
        ch.encode("cp1258")
        return ch
    except UnicodeEncodeError:
        decomposed = unicodedata.normalize("NFD", ch)
        base, marks = decomposed[0], decomposed[1:]
        letter = [m for m in marks if m in _LETTER_MARKS]  # the hat, the breve, the horn
        tones = [m for m in marks if m not in _LETTER_MARKS]
        return unicodedata.normalize("NFC", base + "".join(letter)) + "".join(tones)


_LETTER_MARKS = "\u0302\u0306\u031b"
