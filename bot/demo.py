"""Demo data: a working group with three plans whose tallies are the real ones in DOMAIN.md."""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot import taskops
from bot.dates import Deadline
from bot.indicators import NATIONAL, Direction, Entry, Indicator, Reporters
from bot.model import (
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
from bot.periods import Frequency, ReportPeriod, Unit

if TYPE_CHECKING:
    from store.workspace import WorkspaceStore


@dataclass(frozen=True, slots=True)
class PlanFigures:
    """A plan's tally as the reports quote it: cancelled tasks are not counted."""

    name: str
    total: int
    done: int
    overdue: int

    @property
    def in_progress(self) -> int:
        """Tasks being implemented, the overdue ones included."""
        return self.total - self.done


DEMO_CHAT_ID = -1002024000001
DEMO_TITLE = "Tổ công tác cải cách TTHC (demo)"
DEMO_TZ = "Asia/Ho_Chi_Minh"

# The console's cast; their ids are members of the demo workspace (except the stranger).
SECRETARY_ID = 1001
CHAIR_ID = 1002
NGHE_AN_ID = 1003
HA_TINH_ID = 1004
STRANGER_ID = 1005
STRANGER_NAME = "Đỗ Văn Nam"

PLAN_CCTTHC = "Kế hoạch CCTTHC 6 tháng đầu năm 2024"
PLAN_TO_CONG_TAC = "Kế hoạch Tổ công tác 2024"
PLAN_HOI_DONG = "Kế hoạch Hội đồng tư vấn 2024"


# "14/28 tasks completed, 14 being implemented (7 overdue)"; "17 tasks, 13 basically
# completed, none overdue"; "23 tasks, 10 completed, 1 overdue".
PLAN_FIGURES = (
    PlanFigures(PLAN_CCTTHC, 28, 14, 7),
    PlanFigures(PLAN_TO_CONG_TAC, 17, 13, 0),
    PlanFigures(PLAN_HOI_DONG, 23, 10, 1),
)

AGENCIES = (
    Agency("nghe-an", "UBND tỉnh Nghệ An", "Nghệ An", (), AgencyKind.PROVINCE),
    Agency("ha-tinh", "UBND tỉnh Hà Tĩnh", "Hà Tĩnh", (), AgencyKind.PROVINCE),
    Agency("binh-dinh", "UBND tỉnh Bình Định", "Bình Định", (), AgencyKind.PROVINCE),
    Agency("hai-duong", "UBND tỉnh Hải Dương", "Hải Dương", (), AgencyKind.PROVINCE),
    Agency("ha-giang", "UBND tỉnh Hà Giang", "Hà Giang", (), AgencyKind.PROVINCE),
    Agency("ca-mau", "UBND tỉnh Cà Mau", "Cà Mau", (), AgencyKind.PROVINCE),
    Agency("dien-bien", "UBND tỉnh Điện Biên", "Điện Biên", (), AgencyKind.PROVINCE),
    Agency("quang-binh", "UBND tỉnh Quảng Bình", "Quảng Bình", (), AgencyKind.PROVINCE),
    Agency("quang-nam", "UBND tỉnh Quảng Nam", "Quảng Nam", (), AgencyKind.PROVINCE),
    Agency("bac-ninh", "UBND tỉnh Bắc Ninh", "Bắc Ninh", (), AgencyKind.PROVINCE),
    Agency("hue", "UBND tỉnh Thừa Thiên Huế", "Thừa Thiên Huế", ("Huế",), AgencyKind.PROVINCE),
    Agency("bo-tu-phap", "Bộ Tư pháp", "Bộ Tư pháp", ("MOJ", "BTP"), AgencyKind.MINISTRY),
    Agency("bo-cong-an", "Bộ Công an", "Bộ Công an", ("BCA",), AgencyKind.MINISTRY),
    Agency("vpcp", "Văn phòng Chính phủ", "VPCP", ("Government Office",),
           AgencyKind.MINISTRY),
    Agency("bo-tai-chinh", "Bộ Tài chính", "Bộ Tài chính", ("BTC",), AgencyKind.MINISTRY),
)

MEMBERS = (
    Member(SECRETARY_ID, "Nguyễn Thị Hoa", Role.SECRETARY, "hoa_vpcp", "vpcp"),
    Member(CHAIR_ID, "Trần Minh Quang", Role.CHAIR, "quang_chutri", None),
    Member(NGHE_AN_ID, "Lê Văn Hùng", Role.MEMBER, "hung_nghean", "nghe-an"),
    Member(HA_TINH_ID, "Phạm Thị Lan", Role.MEMBER, None, "ha-tinh"),
    Member(1006, "Vũ Thị Mai", Role.MEMBER, "mai_btp", "bo-tu-phap"),
    Member(1007, "Đặng Quốc Bảo", Role.MEMBER, None, "bo-cong-an"),
    Member(1008, "Hoàng Văn Định", Role.MEMBER, None, "binh-dinh"),
)

# Who answers for an agency's tasks in the chat; agencies without one are chased as a whole.
_RESPONSIBLE = {m.agency: m.user_id for m in MEMBERS if m.agency and m.role is Role.MEMBER}

# Outcome of each demo task: done on time, done late, in progress (not yet due), overdue,
# cancelled. Each plan's rows are written to match PLAN_FIGURES; tests/test_demo.py checks it.
OK, LATE, DUE, OVER, CANCELLED = "ok", "late", "due", "over", "cancelled"

Row = tuple[str, str, str, str]  # outcome, lead agency code, title, expected output

_ROWS: dict[str, tuple[Row, ...]] = {
    PLAN_CCTTHC: (
        (OK, "vpcp", "Tổng hợp báo cáo tình hình cải cách TTHC quý I/2024",
         "Báo cáo trình Thủ tướng"),
        (OVER, "nghe-an", "Số hoá hồ sơ, kết quả giải quyết TTHC đạt tỷ lệ theo yêu cầu",
         "Tỷ lệ số hoá từ 80% trở lên"),
        (DUE, "ha-tinh", "Mở rộng thanh toán trực tuyến phí, lệ phí trên Cổng DVC quốc gia",
         "Tỷ lệ thanh toán trực tuyến trên 40%"),
        (OK, "bo-tu-phap", "Rà soát, đơn giản hoá thủ tục hành chính lĩnh vực hộ tịch",
         "Phương án đơn giản hoá trình Thủ tướng"),
        (LATE, "bo-cong-an", "Kết nối Cơ sở dữ liệu quốc gia về dân cư với hệ thống giải quyết "
         "TTHC của các bộ", "Hệ thống kết nối vận hành"),
        (OVER, "quang-nam", "Nâng tỷ lệ số hoá hồ sơ tại bộ phận một cửa cấp huyện",
         "Báo cáo kết quả số hoá"),
        (OK, "binh-dinh", "Chia sẻ kinh nghiệm số hoá hồ sơ TTHC với các địa phương",
         "Tài liệu hướng dẫn"),
        (DUE, "vpcp", "Xây dựng báo cáo cải cách TTHC 6 tháng đầu năm 2024",
         "Báo cáo tại phiên họp thứ năm"),
        (OVER, "bac-ninh", "Khắc phục tình trạng hồ sơ TTHC trễ hạn tại các sở, ngành",
         "Danh sách hồ sơ trễ hạn đã xử lý"),
        (OK, "hai-duong", "Tái cấu trúc quy trình dịch vụ công trực tuyến toàn trình",
         "Quy trình nội bộ được phê duyệt"),
        (CANCELLED, "quang-binh", "Khảo sát mức độ hài lòng về dịch vụ công tại cấp xã",
         "Báo cáo khảo sát"),
        (LATE, "bo-tai-chinh", "Hoàn thiện nền tảng thanh toán trực tuyến, tự động hoàn trả "
         "phí, lệ phí", "Chức năng hoàn trả tự động"),
        (DUE, "bo-tu-phap", "Dự thảo Nghị định sửa đổi quy định về chứng thực bản sao điện tử",
         "Dự thảo Nghị định"),
        (OVER, "hue", "Đẩy mạnh số hoá, tái sử dụng dữ liệu số trong giải quyết TTHC",
         "Tỷ lệ tái sử dụng dữ liệu số"),
        (OK, "ha-giang", "Công khai đầy đủ TTHC trên Cơ sở dữ liệu quốc gia về TTHC",
         "Danh mục TTHC được công khai"),
        (DUE, "nghe-an", "Triển khai thanh toán trực tuyến nghĩa vụ tài chính đất đai",
         "Tỷ lệ thanh toán trực tuyến tăng"),
        (OK, "ca-mau", "Đánh giá chất lượng phục vụ người dân theo Bộ chỉ số 766",
         "Kết quả chấm điểm Bộ chỉ số"),
        (OVER, "dien-bien", "Nâng tỷ lệ số hoá kết quả giải quyết TTHC lên trên 80%",
         "Báo cáo tiến độ số hoá"),
        (LATE, "vpcp", "Hướng dẫn đơn giản hoá thủ tục hành chính nội bộ giữa các cơ quan "
         "hành chính nhà nước", "Văn bản hướng dẫn"),
        (OK, "bo-cong-an", "Triển khai ứng dụng VNeID trong giải quyết thủ tục đăng ký cư trú",
         "Dịch vụ trên VNeID"),
        (DUE, "quang-binh", "Rà soát, cắt giảm giấy tờ công dân trong TTHC cấp tỉnh",
         "Danh mục giấy tờ được cắt giảm"),
        (OVER, "ha-tinh", "Phân cấp giải quyết TTHC trong lĩnh vực đất đai cho cấp huyện",
         "Quyết định phân cấp"),
        (OK, "bo-tu-phap", "Số hoá sổ hộ tịch, tạo lập cơ sở dữ liệu hộ tịch điện tử",
         "Cơ sở dữ liệu hộ tịch"),
        (DUE, "bo-tai-chinh", "Đơn giản hoá thủ tục hoàn thuế cho doanh nghiệp",
         "Phương án đơn giản hoá"),
        (OK, "hai-duong", "Đưa bộ phận một cửa cấp xã vào vận hành theo mô hình số",
         "Bộ phận một cửa số"),
        (OVER, "quang-nam", "Xử lý phản ánh, kiến nghị của người dân về TTHC tồn đọng",
         "Báo cáo xử lý phản ánh"),
        (DUE, "binh-dinh", "Triển khai hệ thống thông tin giải quyết TTHC dùng chung cấp tỉnh",
         "Hệ thống vận hành"),
        (LATE, "ha-tinh", "Cập nhật quy trình nội bộ giải quyết TTHC lên hệ thống một cửa",
         "Quy trình điện tử"),
        (OK, "nghe-an", "Triển khai đề án 06 về dữ liệu dân cư tại bộ phận một cửa",
         "Báo cáo kết quả triển khai"),
        (CANCELLED, "bac-ninh", "Thí điểm ki-ốt dịch vụ công tự động tại cấp xã",
         "Ki-ốt vận hành"),
    ),
    PLAN_TO_CONG_TAC: (
        (OK, "vpcp", "Ban hành Kế hoạch hoạt động của Tổ công tác năm 2024",
         "Kế hoạch được phê duyệt"),
        (OK, "bo-tu-phap", "Rà soát các quy định chồng chéo về điều kiện kinh doanh",
         "Báo cáo rà soát"),
        (OK, "bo-cong-an", "Cắt giảm thủ tục xác nhận thông tin cư trú",
         "Thủ tục được bãi bỏ"),
        (LATE, "bo-tai-chinh", "Tổng hợp kiến nghị của doanh nghiệp về thủ tục thuế, hải quan",
         "Báo cáo tổng hợp"),
        (OK, "nghe-an", "Báo cáo kết quả thanh toán trực tuyến 7 tháng đầu năm",
         "Báo cáo gửi Tổ công tác"),
        (DUE, "vpcp", "Chuẩn bị nội dung phiên họp thứ sáu của Tổ công tác",
         "Tài liệu phiên họp"),
        (OK, "hue", "Kiểm tra việc tiếp nhận, giải quyết TTHC tại cấp xã",
         "Biên bản kiểm tra"),
        (OK, "ha-giang", "Báo cáo khó khăn trong số hoá hồ sơ tại vùng sâu, vùng xa",
         "Báo cáo kiến nghị"),
        (LATE, "quang-nam", "Xây dựng phương án phân cấp TTHC cho cấp huyện, cấp xã",
         "Phương án phân cấp"),
        (OK, "ha-tinh", "Chia sẻ kinh nghiệm nâng tỷ lệ hồ sơ trực tuyến",
         "Tham luận tại phiên họp"),
        (DUE, "bo-tu-phap", "Trình Thủ tướng phương án đơn giản hoá thủ tục chứng thực",
         "Tờ trình Thủ tướng"),
        (OK, "ca-mau", "Rà soát thủ tục hành chính nội bộ trong hệ thống hành chính",
         "Danh mục TTHC nội bộ"),
        (OK, "dien-bien", "Kiện toàn bộ phận một cửa các cấp",
         "Quyết định kiện toàn"),
        (DUE, "bo-cong-an", "Mở rộng kết nối dữ liệu dân cư với hệ thống của các địa phương",
         "Dữ liệu được kết nối"),
        (OK, "binh-dinh", "Tổ chức đối thoại với doanh nghiệp về thủ tục đầu tư",
         "Kết quả đối thoại"),
        (OK, "hai-duong", "Đánh giá hiệu quả mô hình một cửa liên thông",
         "Báo cáo đánh giá"),
        (DUE, "vpcp", "Theo dõi, đôn đốc các nhiệm vụ được giao tại phiên họp thứ tư",
         "Báo cáo đôn đốc"),
    ),
    PLAN_HOI_DONG: (
        (OK, "vpcp", "Lấy ý kiến Hội đồng tư vấn về dự thảo Nghị định cải cách TTHC",
         "Tổng hợp ý kiến"),
        (DUE, "bo-tu-phap", "Đánh giá tác động thủ tục hành chính trong dự án luật",
         "Báo cáo đánh giá tác động"),
        (OK, "bo-tai-chinh", "Khảo sát chi phí tuân thủ TTHC của doanh nghiệp",
         "Kết quả khảo sát"),
        (DUE, "nghe-an", "Góp ý phương án cắt giảm điều kiện kinh doanh cấp tỉnh",
         "Văn bản góp ý"),
        (LATE, "ha-tinh", "Đề xuất sáng kiến cải cách TTHC trong lĩnh vực đất đai",
         "Đề xuất sáng kiến"),
        (DUE, "bo-cong-an", "Nghiên cứu sử dụng căn cước điện tử thay giấy tờ trong TTHC",
         "Báo cáo nghiên cứu"),
        (OK, "hue", "Tổng hợp phản ánh của người dân về dịch vụ công trực tuyến",
         "Báo cáo tổng hợp"),
        (OVER, "bac-ninh", "Kiến nghị tháo gỡ vướng mắc trong thủ tục đầu tư",
         "Văn bản kiến nghị"),
        (DUE, "quang-binh", "Góp ý dự thảo quy định về thủ tục hành chính nội bộ",
         "Văn bản góp ý"),
        (OK, "binh-dinh", "Giới thiệu mô hình số hoá hồ sơ đạt trên 89%",
         "Tham luận"),
        (DUE, "vpcp", "Xây dựng bộ tiêu chí đánh giá chất lượng dịch vụ công trực tuyến",
         "Bộ tiêu chí"),
        (OK, "bo-tu-phap", "Rà soát thủ tục lý lịch tư pháp trên môi trường điện tử",
         "Báo cáo rà soát"),
        (DUE, "hai-duong", "Đề xuất giải pháp nâng tỷ lệ hồ sơ trực tuyến toàn trình",
         "Đề xuất giải pháp"),
        (CANCELLED, "ha-giang", "Khảo sát hạ tầng mạng phục vụ dịch vụ công cấp xã",
         "Báo cáo khảo sát"),
        (DUE, "ca-mau", "Nghiên cứu mô hình phi địa giới hành chính trong giải quyết TTHC",
         "Báo cáo nghiên cứu"),
        (OK, "ha-tinh", "Tổng kết kinh nghiệm nâng mức hài lòng của người dân",
         "Báo cáo kinh nghiệm"),
        (DUE, "dien-bien", "Đề xuất hỗ trợ địa phương khó khăn về số hoá hồ sơ",
         "Đề xuất hỗ trợ"),
        (LATE, "vpcp", "Tổng hợp ý kiến chuyên gia về cải cách TTHC nội bộ",
         "Báo cáo tổng hợp"),
        (DUE, "quang-nam", "Góp ý phương án phân cấp trong lĩnh vực xây dựng",
         "Văn bản góp ý"),
        (OK, "bo-cong-an", "Đánh giá kết quả làm sạch dữ liệu dân cư",
         "Báo cáo đánh giá"),
        (DUE, "nghe-an", "Đề xuất sáng kiến thanh toán trực tuyến tại cấp xã",
         "Đề xuất sáng kiến"),
        (OK, "bo-tai-chinh", "Rà soát phí, lệ phí khi thực hiện TTHC trực tuyến",
         "Báo cáo rà soát"),
        (DUE, "bo-tu-phap", "Hoàn thiện quy định về giá trị pháp lý của bản sao điện tử",
         "Dự thảo văn bản"),
        (DUE, "ha-giang", "Chia sẻ dữ liệu hộ tịch với cơ sở dữ liệu dân cư",
         "Dữ liệu được chia sẻ"),
    ),
}

_PROGRESS_NOTES = (
    "Đã hoàn thành dự thảo, đang lấy ý kiến các sở, ngành.",
    "Đang tổng hợp số liệu từ các huyện.",
    "Đã trình lãnh đạo xem xét.",
    "Đang chờ kết nối kỹ thuật với hệ thống của Bộ.",
)
_DONE_NOTE = "Đã gửi kết quả về Văn phòng Chính phủ."
_LATE_NOTE = "Chậm do phải chờ hướng dẫn kỹ thuật."
_CANCEL_NOTE = "Gộp vào nhiệm vụ chung của kế hoạch, không theo dõi riêng."
_EXTEND_NOTE = "Lùi thời hạn theo đề nghị của cơ quan chủ trì."


@dataclass(slots=True)
class Demo:
    """Everything the demo workspace holds, built for one `today`."""

    workspace: Workspace
    agencies: tuple[Agency, ...]
    members: tuple[Member, ...]
    meeting: Meeting
    tasks: list[Task]
    indicators: tuple[Indicator, ...] = ()
    values: tuple[Entry, ...] = ()


# Indicators with the figures the 2023-2024 reports quote (DOMAIN.md, "Indicators"): the
# digitization rate of the ten provinces for the first 9 months of 2024, Nghệ An's and Hà
# Tĩnh's online payment, Hà Tĩnh's online applications and satisfaction, national averages.
_NINE_MONTHS_2024 = ReportPeriod.months(2024, 1, 9)
_SEVEN_MONTHS_2024 = ReportPeriod.months(2024, 1, 7)
_YEAR_2023 = ReportPeriod.months(2023, 1, 12)
INDICATORS = (
    Indicator(1, "Tỷ lệ số hóa hồ sơ, kết quả giải quyết TTHC", "Số hóa hồ sơ",
              ("số hóa", "digitization"), Unit.PERCENT, Direction.HIGHER, 80.0,
              frequency=Frequency.CUMULATIVE, source="Bộ chỉ số 766",
              reporters=Reporters.PROVINCES, report_day=20),
    Indicator(2, "Tỷ lệ thanh toán trực tuyến", "Thanh toán trực tuyến",
              ("thanh toán", "online payment"), Unit.PERCENT, Direction.HIGHER, None,
              frequency=Frequency.YEAR, source="Bộ chỉ số 766", reporters=Reporters.NAMED,
              agencies=("nghe-an", "ha-tinh")),
    Indicator(3, "Tỷ lệ hồ sơ nộp trực tuyến", "Nộp hồ sơ trực tuyến",
              ("trực tuyến", "online applications"), Unit.PERCENT, Direction.HIGHER, None,
              frequency=Frequency.YEAR, source="Bộ chỉ số 766", reporters=Reporters.NAMED,
              agencies=("nghe-an", "ha-tinh")),
    Indicator(4, "Mức độ hài lòng của người dân, doanh nghiệp về giải quyết TTHC",
              "Mức độ hài lòng", ("hài lòng", "satisfaction"), Unit.SCORE, Direction.HIGHER,
              90.0, frequency=Frequency.YEAR, source="Bộ chỉ số 766",
              reporters=Reporters.NAMED, agencies=("nghe-an", "ha-tinh")),
)
VALUES = (
    *(Entry(1, code, _NINE_MONTHS_2024, value) for code, value in (
        ("binh-dinh", 89.51), ("hai-duong", 88.32), ("ha-giang", 85.86), ("ca-mau", 84.70),
        ("dien-bien", 75.60), ("quang-binh", 74.02), ("quang-nam", 73.44),
        ("nghe-an", 72.47), ("bac-ninh", 65.67), ("hue", 55.15))),
    Entry(2, "nghe-an", _YEAR_2023, 13.51),
    Entry(2, "nghe-an", _SEVEN_MONTHS_2024, 40.47),
    Entry(2, "ha-tinh", _YEAR_2023, 34.37),
    Entry(2, NATIONAL, _YEAR_2023, 27.08),
    Entry(3, "ha-tinh", _YEAR_2023, 57.01),
    Entry(3, NATIONAL, _YEAR_2023, 38.26),
    Entry(4, "ha-tinh", _YEAR_2023, 94.44),
)


def _weekday_on_or_before(day: dt.date) -> dt.date:
    # Deadlines fall on work days; moving a past one earlier keeps it past.
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


def _weekday_on_or_after(day: dt.date) -> dt.date:
    # Moving a future deadline later keeps it in the future.
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def _at(day: dt.date, hour: int, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), zone)


def _task(
    row: Row, plan: str, index: int, counts: dict[str, int], today: dt.date, zone: ZoneInfo,
    created_at: dt.datetime, meeting: Meeting,
) -> Task:
    """One task of a plan; `counts` numbers the tasks of each outcome so dates spread out."""
    outcome, lead, title, output = row
    # The working group's tasks still open or finished late came from its last meeting.
    from_meeting = plan == PLAN_TO_CONG_TAC and outcome in (DUE, LATE)
    if from_meeting:
        created_at = _at(meeting.day, 17, zone)
    k = counts.get(outcome, 0)
    counts[outcome] = k + 1
    responsible_id = _RESPONSIBLE.get(lead)
    responsible = (responsible_id,) if responsible_id else ()
    actor = responsible_id or SECRETARY_ID
    history = [HistoryEntry(at=created_at, user_id=SECRETARY_ID, kind=HistoryKind.CREATED)]
    task = Task(
        number=0, title=title, lead=lead, deadline=today, created_at=created_at,
        created_by=SECRETARY_ID, plan=plan, responsible=responsible, output=output,
        history=history,
    )
    if from_meeting:
        task.meeting = meeting.number
        task.source = meeting.title

    if outcome == OK:
        task.deadline = _weekday_on_or_before(today - dt.timedelta(days=10 + 8 * k))
        if k == 0:
            # Extended, then finished after the first deadline but before the new one: on
            # time by the adjusted deadline (the default rule), late by the strict one.
            _extend(task, task.deadline - dt.timedelta(days=14), zone)
        done = task.deadline - dt.timedelta(days=1 + k % 5)
        _complete(task, _at(done, 15, zone), actor, _DONE_NOTE)
    elif outcome == LATE:
        task.deadline = _weekday_on_or_before(today - dt.timedelta(days=25 + 9 * k))
        if k == 0:
            # Extended, and finished after even the new deadline: late by either rule.
            _extend(task, task.deadline - dt.timedelta(days=14), zone)
        done = task.deadline + dt.timedelta(days=3 + 4 * k)
        _complete(task, _at(done, 16, zone), actor, _LATE_NOTE)
    elif outcome == DUE:
        task.deadline = _weekday_on_or_after(today + dt.timedelta(days=3 + 11 * k))
        if k == 1:
            task.deadline_time = dt.time(17, 0)
        _in_progress(task, k, today, zone, actor)
    elif outcome == OVER:
        task.deadline = _weekday_on_or_before(today - dt.timedelta(days=2 + 7 * k))
        _in_progress(task, k + 1, today, zone, actor)
    else:
        task.deadline = _weekday_on_or_after(today + dt.timedelta(days=30 + (7 * index) % 20))
        task.status = TaskStatus.CANCELLED
        task.history.append(HistoryEntry(
            at=_at(today - dt.timedelta(days=20), 11, zone), user_id=SECRETARY_ID,
            kind=HistoryKind.CANCELLED, note=_CANCEL_NOTE,
        ))
    return task


def _extend(task: Task, first: dt.date, zone: ZoneInfo) -> None:
    """Make `first` the task's first deadline, moved to the current one two days before it."""
    task.original_deadline = first
    task.history.append(HistoryEntry(
        at=_at(first - dt.timedelta(days=2), 10, zone), user_id=SECRETARY_ID,
        kind=HistoryKind.DEADLINE, note=_EXTEND_NOTE, old_deadline=first,
        new_deadline=task.deadline,
    ))


def _complete(task: Task, at: dt.datetime, actor: int, note: str) -> None:
    task.status = TaskStatus.DONE
    task.progress = 100
    task.completed_at = at
    task.history.append(HistoryEntry(at=at, user_id=actor, kind=HistoryKind.DONE, note=note,
                                     progress=100))


def _in_progress(task: Task, k: int, today: dt.date, zone: ZoneInfo, actor: int) -> None:
    # Every third one has not started, so lists show both "open" and "in progress".
    if k % 3 == 2:
        return
    progress = 20 + (k * 17) % 70
    task.status = TaskStatus.IN_PROGRESS
    task.progress = progress
    task.history.append(HistoryEntry(
        at=_at(today - dt.timedelta(days=1 + k * 3), 14, zone), user_id=actor,
        kind=HistoryKind.PROGRESS, note=_PROGRESS_NOTES[k % len(_PROGRESS_NOTES)],
        progress=progress,
    ))


def build_demo(today: dt.date, tz: str = DEMO_TZ) -> Demo:
    """The demo workspace as of `today`: each plan's tally holds whatever the date."""
    zone = ZoneInfo(tz)
    start = today - dt.timedelta(days=180)
    meeting = Meeting(
        number=4, day=_weekday_on_or_before(today - dt.timedelta(days=60)),
        title="Phiên họp thứ tư của Tổ công tác", chair="Trần Minh Quang",
        created_at=_at(start, 8, zone), created_by=SECRETARY_ID,
    )
    tasks: list[Task] = []
    for plan, rows in _ROWS.items():
        counts: dict[str, int] = {}
        created_at = _at(start, 8, zone)
        for index, row in enumerate(rows):
            tasks.append(_task(row, plan, index, counts, today, zone, created_at, meeting))
    workspace = Workspace(chat_id=DEMO_CHAT_ID, title=DEMO_TITLE, lang="vi", tz=tz,
                          created_at=_at(start, 8, zone))
    indicators = tuple(replace(i, created_at=_at(start, 8, zone), created_by=SECRETARY_ID)
                       for i in INDICATORS)
    return Demo(workspace=workspace, agencies=AGENCIES, members=MEMBERS, meeting=meeting,
                tasks=tasks, indicators=indicators, values=VALUES)


def install_demo(store: WorkspaceStore, demo: Demo, *, at: dt.datetime) -> None:
    """Write the demo's agencies, members, meeting and tasks into `store`, all or nothing.

    Each task is written as it was created, then every update of its history is made by the
    operation a user's command makes (bot.taskops) and saved as a command saves it, at the
    demo's own date: the audit trail (/history) then tells what the card's history tells.
    `at` is when the demo is installed: the indicators' figures are reported then.
    """
    since = demo.workspace.created_at or at
    with store.transaction():
        for agency in demo.agencies:
            store.save_agency(agency, actor=SECRETARY_ID, at=since)
        for member in demo.members:
            store.save_member(member, actor=SECRETARY_ID, at=since)
        store.add_meeting(demo.meeting, actor=SECRETARY_ID, at=demo.meeting.created_at or since)
        for task in demo.tasks:
            stored = store.add_task(_as_created(task), actor=task.created_by, at=task.created_at)
            for entry in task.history[1:]:
                stored = _updated(stored, entry)
                store.save_task(stored, actor=entry.user_id, at=entry.at,
                                action=taskops.audit_action(stored))
        for indicator in demo.indicators:
            store.indicators.save(indicator, actor=SECRETARY_ID, at=at)
        store.indicators.report(demo.values, actor=SECRETARY_ID, at=at)


def _as_created(task: Task) -> Task:
    """`task` as it was created: open, due on its first deadline, with only its creation."""
    created = copy.copy(task)
    created.deadline, created.original_deadline = task.first_deadline, None
    created.status, created.progress, created.completed_at = TaskStatus.OPEN, 0, None
    created.history = task.history[:1]
    return created


def _updated(task: Task, entry: HistoryEntry) -> Task:
    """`task` after the update `entry` records, made as the command that records it makes it."""
    at, who, note = entry.at, entry.user_id, entry.note
    outcome: taskops.Outcome
    if entry.kind is HistoryKind.PROGRESS:
        outcome = taskops.set_progress(task, entry.progress or 0, now=at, actor=who, note=note)
    elif entry.kind is HistoryKind.DONE:
        outcome = taskops.mark_done(task, now=at, actor=who, note=note)
    elif entry.kind is HistoryKind.DEADLINE and entry.new_deadline is not None:
        outcome = taskops.change_deadline(task, Deadline(entry.new_deadline), note, now=at,
                                          actor=who)
    elif entry.kind is HistoryKind.CANCELLED:
        outcome = taskops.cancel(task, note, now=at, actor=who)
    else:
        raise ValueError(f"the demo has no way to replay {entry.kind}")
    if isinstance(outcome, taskops.TaskError):
        raise ValueError(f"demo task «{task.title}»: {outcome.value} at {at}")
    return outcome
