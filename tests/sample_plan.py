"""The plan annex the repository ships in samples/ for the console, and how it was made.

``python -m tests.sample_plan`` writes ``samples/ke-hoach-45-tct-phu-luc.docx`` again; the
file is committed, so the console never needs this module. It is laid out like the annex of
a working group's plan: letterhead, "Phụ lục", title, the plan's reference, a table STT |
Nội dung nhiệm vụ | Cơ quan chủ trì | Cơ quan phối hợp | Thời hạn hoàn thành | Sản phẩm with a
numbering row, section rows (I. merged across the table, 1., 2. with only a number and a
heading), a lead agency cell merged down over two tasks, and deadlines as plans write them:
quarters, half-years, months, "trước ngày …", "Thường xuyên", "Hằng tháng, trước ngày 20",
"Hằng quý", "Định kỳ 6 tháng". Its agencies are the demo's, so the demo imports it as is.
"""

from __future__ import annotations

import io
from pathlib import Path

from handlers.console_files import SAMPLE

HEADER = ("STT", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp",
          "Thời hạn hoàn thành", "Sản phẩm")

# A section: (ref, title, merged across the table); a task: (ref, title, lead, coordinators,
# deadline, output). A lead of None is inside the merged cell above it.
Row = tuple[str, str, bool] | tuple[str, str, str | None, str, str, str]

ROWS: list[Row] = [
    ("I", "CẢI CÁCH THỦ TỤC HÀNH CHÍNH NỘI BỘ", True),
    ("1", "Rà soát, thống kê toàn bộ thủ tục hành chính nội bộ giữa các cơ quan hành chính "
     "nhà nước; đề xuất phương án cắt giảm, đơn giản hóa", "Văn phòng Chính phủ",
     "Bộ Tư pháp, Bộ Tài chính", "Quý IV/2026", "Báo cáo rà soát và phương án đơn giản hóa"),
    ("2", "Xây dựng Nghị định sửa đổi, bổ sung một số điều của các Nghị định về kiểm soát "
     "thủ tục hành chính", "Văn phòng Chính phủ", "Bộ Tư pháp", "trước ngày 31/3/2027",
     "Nghị định của Chính phủ"),
    ("3", "Công bố, công khai đầy đủ, kịp thời thủ tục hành chính trên Cơ sở dữ liệu quốc gia "
     "về thủ tục hành chính", "Bộ Tư pháp", "Văn phòng Chính phủ", "Thường xuyên",
     "Thủ tục hành chính được công khai"),
    ("II", "SỐ HÓA HỒ SƠ, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH", True),
    ("1", "Tại các bộ, ngành", False),
    ("a)", "Hoàn thành kết nối, chia sẻ dữ liệu dân cư với Cổng Dịch vụ công quốc gia phục vụ "
     "giải quyết thủ tục hành chính", "Bộ Công an", "Văn phòng Chính phủ", "tháng 12/2026",
     "Dữ liệu được kết nối, chia sẻ"),
    ("b)", "Triển khai thanh toán trực tuyến nghĩa vụ tài chính trong giải quyết thủ tục đất "
     "đai", "Bộ Tài chính", "UBND tỉnh Nghệ An, UBND tỉnh Hà Tĩnh", "Quý I/2027",
     "Dịch vụ thanh toán trực tuyến"),
    ("2", "Tại các địa phương", False),
    ("a)", "Số hóa 100% hồ sơ, kết quả giải quyết thủ tục hành chính còn hiệu lực, thuộc "
     "thẩm quyền cấp tỉnh", "UBND tỉnh Nghệ An", "Văn phòng Chính phủ",
     "6 tháng đầu năm 2027", "Tỷ lệ số hóa đạt 100%"),
    ("b)", "Tái sử dụng kết quả số hóa, không yêu cầu người dân nộp lại giấy tờ đã được số "
     "hóa", None, "Bộ Công an", "năm 2027", "Báo cáo kết quả"),
    ("c)", "Báo cáo tỷ lệ số hóa hồ sơ, kết quả giải quyết thủ tục hành chính",
     "UBND tỉnh Hà Tĩnh", "", "Hằng tháng, trước ngày 20", "Báo cáo tháng"),
    ("d)", "Đưa Trung tâm phục vụ hành chính công một cấp vào hoạt động", "UBND tỉnh Thừa "
     "Thiên Huế", "Văn phòng Chính phủ", "trước 30/6/2027", "Trung tâm đi vào hoạt động"),
    ("III", "TỔ CHỨC THỰC HIỆN", True),
    ("1", "Theo dõi, đôn đốc, kiểm tra việc thực hiện Kế hoạch; tổng hợp khó khăn, vướng "
     "mắc của các bộ, ngành, địa phương", "Văn phòng Chính phủ", "", "Thường xuyên",
     "Văn bản đôn đốc"),
    ("2", "Báo cáo Thủ tướng Chính phủ kết quả hoạt động của Tổ công tác", "Văn phòng Chính "
     "phủ", "Bộ Tư pháp", "Hằng quý", "Báo cáo quý"),
    ("3", "Sơ kết việc thực hiện Kế hoạch", "Văn phòng Chính phủ",
     "Bộ Tư pháp, Bộ Công an", "Định kỳ 6 tháng", "Báo cáo sơ kết"),
    ("4", "Tổng kết, đánh giá kết quả thực hiện Kế hoạch năm 2026, đề xuất nhiệm vụ năm 2027",
     "Văn phòng Chính phủ", "Bộ Tư pháp", "trước ngày 15/12/2026", "Báo cáo tổng kết"),
]

TASKS = sum(1 for row in ROWS if len(row) == 6)
SECTIONS = ("I. CẢI CÁCH THỦ TỤC HÀNH CHÍNH NỘI BỘ",
            "II. SỐ HÓA HỒ SƠ, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH › 1. Tại các bộ, ngành",
            "II. SỐ HÓA HỒ SƠ, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH › 2. Tại các địa phương",
            "III. TỔ CHỨC THỰC HIỆN")


def build_sample() -> bytes:
    """The annex as a .docx, landscape A4, as a ministry's secretariat would type it."""
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    document = docx.Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2))
    document.styles["Normal"].font.name = "Times New Roman"
    document.styles["Normal"].font.size = Pt(12)

    head = document.add_table(rows=2, cols=2)
    head.cell(0, 0).text = "TỔ CÔNG TÁC CẢI CÁCH THỦ TỤC HÀNH CHÍNH CỦA THỦ TƯỚNG CHÍNH PHỦ"
    head.cell(0, 1).text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    head.cell(1, 1).text = "Độc lập - Tự do - Hạnh phúc"
    for line, bold, italic in (
        ("Phụ lục", True, False),
        ("DANH MỤC NHIỆM VỤ CẢI CÁCH THỦ TỤC HÀNH CHÍNH 6 THÁNG CUỐI NĂM 2026 VÀ NĂM 2027",
         True, False),
        ("(Kèm theo Kế hoạch số 45/KH-TCT ngày 15 tháng 7 năm 2026 của Tổ công tác cải cách "
         "thủ tục hành chính của Thủ tướng Chính phủ)", False, True),
    ):
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = paragraph.add_run(line)
        run.bold, run.italic = bold, italic

    table = document.add_table(rows=2, cols=len(HEADER))
    table.style = "Table Grid"
    for col, heading in enumerate(HEADER):
        table.cell(0, col).text = heading
        table.cell(0, col).paragraphs[0].runs[0].bold = True
        table.cell(1, col).text = f"({col + 1})"
    merge_from: int | None = None
    for entry in ROWS:
        cells = table.add_row().cells
        r = len(table.rows) - 1
        if len(entry) == 3:
            ref, title, across = entry
            if across:
                cells[0].merge(cells[-1]).text = f"{ref}. {title}"
            else:
                cells[0].text, cells[1].text = ref, title
            for paragraph in table.rows[r].cells[0].paragraphs + cells[1].paragraphs:
                for run in paragraph.runs:
                    run.bold = True
            continue
        ref, title, lead, coordinators, deadline, output = entry
        for col, text in enumerate((ref, title, lead or "", coordinators, deadline, output)):
            cells[col].text = text
        if lead is None and merge_from is not None:
            top = table.cell(merge_from, 2)
            text = top.text
            top.merge(table.cell(r, 2)).text = text  # merging joins the texts; keep one
        merge_from = r
    for col, width in enumerate((1.2, 9.5, 3.8, 3.8, 3.2, 4.2)):
        for row in table.rows:
            row.cells[col].width = Cm(width)

    sign = document.add_table(rows=1, cols=2)
    sign.cell(0, 1).text = "TM. TỔ CÔNG TÁC\nTỔ TRƯỞNG"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def main() -> None:
    path: Path = SAMPLE
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(build_sample())
    print(path)


if __name__ == "__main__":
    main()
