"""Importing a plan through the real Application: upload, preview, settle agencies, confirm."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.model import TaskStatus
from bot.recurrence import Cadence, Recurrence, first_occurrence
from tests.conftest import Harness, buttons_of, texts
from tests.factories import GROUP_ID, NOW, OWNER, SECRETARY, VN
from tests.plan_files import (
    FORMS,
    MERGED_LEAD,
    Item,
    Section,
    build_csv,
    build_docx,
    build_xlsx,
    expected_section,
)

ITEMS: list[Section | Item] = [
    Section("I", "CẢI CÁCH THỂ CHẾ", merged=True),
    Item("1", "Rà soát quy định về đầu tư", "Bộ Tư pháp", "Văn phòng Chính phủ",
         "Quý I/2025", "Báo cáo"),
    Item("2", "Số hóa hồ sơ đất đai", "UBND tỉnh Nghệ An", "", "tháng 6/2025", "Hệ thống",
         "Đang thực hiện"),
    Item("3", "Đánh giá 6 tháng", "Huế", "", "31/3/2024", "Báo cáo", "Đã hoàn thành"),
    Section("II", "CẢI CÁCH TTHC"),
    Item("1", "Cắt giảm thủ tục", "Bộ Nội vụ", "Bộ Tư pháp", "năm 2025", "Quyết định"),
]


def _buttons(calls) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    sent = [c for c in calls if c.method in ("sendMessage", "editMessageText") and c.ok]
    return buttons_of(sent[-1]) if sent else []


def _data(calls, action: str) -> str:  # type: ignore[no-untyped-def]
    """The callback data of the last message's button for `action` (imp:<token>:<action>…)."""
    found = [d for _, d in _buttons(calls) if d.split(":")[2] == action]
    assert found, _buttons(calls)
    return found[0]


async def test_upload_preview_settle_and_confirm(seeded: Harness) -> None:
    calls = await seeded.upload(build_xlsx(ITEMS), "Phu-luc.xlsx", "/nhapkehoach Kế hoạch 2025")
    preview = texts(calls)[-1]
    assert "Xem trước" in preview and "Phu-luc.xlsx" in preview
    assert "Đọc được <b>4</b> nhiệm vụ" in preview
    assert "«Bộ Nội vụ»" in preview  # not an agency of the workspace
    assert "Chưa ghi gì" in preview
    assert [t for t in seeded.store.tasks()] == []
    # Nothing to write until the unknown agency is settled: no write button yet.
    assert not any(d.split(":")[2] == "w" for _, d in _buttons(calls))
    calls = await seeded.press(_data(calls, "c"))
    assert any(d.split(":")[2] == "w" for _, d in _buttons(calls))
    calls = await seeded.press(_data(calls, "w"))
    done = texts(calls, "editMessageText")[-1]
    assert "Đã nhập <b>4</b> nhiệm vụ" in done and "Bộ Nội vụ" in done
    tasks = seeded.store.tasks()
    assert [t.title for t in tasks] == [
        "Rà soát quy định về đầu tư", "Số hóa hồ sơ đất đai", "Đánh giá 6 tháng",
        "Cắt giảm thủ tục",
    ]
    first = tasks[0]
    assert (first.lead, first.coordinators, first.deadline) == (
        "bo-tu-phap", ("vpcp",), dt.date(2025, 3, 31),
    )
    assert first.plan == "Kế hoạch 2025" and first.ref == "1"
    assert first.section == "I. CẢI CÁCH THỂ CHẾ"
    assert tasks[1].status is TaskStatus.IN_PROGRESS
    assert tasks[2].status is TaskStatus.DONE
    assert tasks[3].section == "II. CẢI CÁCH TTHC"
    new = seeded.store.agency(tasks[3].lead)
    assert new is not None and new.name == "Bộ Nội vụ"
    actions = [e.action for e in seeded.store.audit()]
    assert actions.count("task_created") == 4 and "plan_imported" in actions


async def test_a_name_can_be_mapped_to_an_existing_agency(seeded: Harness) -> None:
    items: list[Section | Item] = [
        Item("1", "Nhiệm vụ", "Bo Tu Phap Viet Nam", "", "Quý I/2025", "Báo cáo"),
    ]
    calls = await seeded.upload(build_csv(items), "kh.csv", "/import")
    mapping = [d for _, d in _buttons(calls) if ":m:" in d]
    assert mapping and mapping[0].endswith(":bo-tu-phap"), _buttons(calls)
    assert all(len(d.encode()) <= 64 for _, d in _buttons(calls))
    calls = await seeded.press(mapping[0])
    await seeded.press(_data(calls, "w"))
    assert [t.lead for t in seeded.store.tasks()] == ["bo-tu-phap"]
    assert [a.code for a in seeded.store.agencies() if a.name.startswith("Bo Tu")] == []


async def test_rows_with_problems_are_skipped_only_when_chosen(seeded: Harness) -> None:
    items: list[Section | Item] = [
        Item("1", "Tốt", "Bộ Tư pháp", "", "Quý I/2025", ""),
        Item("2", "Hạn sai", "Bộ Tư pháp", "", "Quý 5/2025", ""),
    ]
    calls = await seeded.upload(build_csv(items), "kh.csv", "/nhapkehoach KH")
    preview = texts(calls)[-1]
    assert "dòng 3: không hiểu thời hạn «Quý 5/2025»" in preview
    labels = [label for label, _ in _buttons(calls)]
    assert "✅ Ghi 1 nhiệm vụ, bỏ qua 1 dòng lỗi" in labels
    await seeded.press(_data(calls, "w"))
    assert [t.title for t in seeded.store.tasks()] == ["Tốt"]


async def test_the_same_file_twice_is_asked_about(seeded: Harness) -> None:
    items: list[Section | Item] = [Item("1", "Một", "Bộ Tư pháp", "", "Quý I/2025", "")]
    calls = await seeded.upload(build_csv(items), "kh.csv", "/nhapkehoach KH")
    await seeded.press(_data(calls, "w"))
    items.append(Item("2", "Hai", "Bộ Tư pháp", "", "Quý II/2025", ""))
    calls = await seeded.upload(build_csv(items), "kh.csv", "/nhapkehoach KH")
    assert "1 nhiệm vụ đã có trong kế hoạch này" in texts(calls)[-1]
    await seeded.press(_data(calls, "wn"))
    assert [t.title for t in seeded.store.tasks()] == ["Một", "Hai"]


async def test_cancel_writes_nothing(seeded: Harness) -> None:
    calls = await seeded.upload(build_docx(ITEMS), "kh.docx", "/nhapkehoach")
    calls = await seeded.press(_data(calls, "x"))
    assert "Đã hủy nhập" in texts(calls, "editMessageText")[-1]
    assert seeded.store.tasks() == []


async def test_a_preview_forgotten_by_a_restart_says_so(seeded: Harness) -> None:
    calls = await seeded.upload(build_csv(ITEMS[:2]), "kh.csv", "/nhapkehoach")
    seeded.app.drop_chat_data(GROUP_ID)  # what a restart does to the pending import
    calls = await seeded.press(_data(calls, "w"))
    alerts = [c for c in calls if c.method == "answerCallbackQuery"]
    assert alerts and "hết hạn" in alerts[-1].params.get("text", "")
    assert seeded.store.tasks() == []


async def test_replying_to_a_file_with_the_command_imports_it(seeded: Harness) -> None:
    calls = await seeded.upload(build_csv(ITEMS[:3]), "kh.csv")
    file_message = seeded.api.messages(GROUP_ID, from_bot=False)[-1]["message_id"]
    calls = await seeded.send("/nhapkehoach KH 2025", reply_to=file_message)
    assert "Đọc được <b>2</b> nhiệm vụ" in texts(calls)[-1]


async def test_without_a_file_the_command_explains_itself(seeded: Harness) -> None:
    calls = await seeded.send("/nhapkehoach")
    assert "/nhapkehoach Kế hoạch CCHC năm 2024" in texts(calls)[-1]


async def test_only_leaders_may_import(seeded: Harness) -> None:
    calls = await seeded.upload(build_csv(ITEMS), "kh.csv", "/nhapkehoach", user=OWNER)
    assert "Xem trước" not in texts(calls)[-1]
    assert seeded.store.tasks() == []


async def test_a_file_over_five_megabytes_is_refused_before_download(seeded: Harness) -> None:
    calls = await seeded.upload(b"x" * (5 * 1024 * 1024 + 10), "big.xlsx", "/nhapkehoach")
    assert "lớn hơn 5 MB" in texts(calls)[-1]
    assert not [c for c in calls if c.method == "getFile"]


async def test_a_broken_file_gets_a_clear_reply(seeded: Harness) -> None:
    calls = await seeded.upload(build_xlsx(ITEMS)[:2000], "kh.xlsx", "/nhapkehoach")
    assert "Không mở được tệp «kh.xlsx»" in texts(calls)[-1]
    calls = await seeded.upload(b"%PDF-1.4 \x00\x01binary", "kh.pdf", "/nhapkehoach")
    assert "không phải tệp Word" in texts(calls)[-1]
    assert seeded.store.tasks() == []


async def test_an_import_in_private_goes_to_the_members_workspace(seeded: Harness) -> None:
    calls = await seeded.upload(build_csv(ITEMS[:2]), "kh.csv", "/import KH",
                                chat=SECRETARY)
    calls = await seeded.press(_data(calls, "w"), chat=SECRETARY)
    assert [t.title for t in seeded.store.tasks()] == ["Rà soát quy định về đầu tư"]


async def test_ongoing_and_periodic_rows_are_imported_as_such(seeded: Harness) -> None:
    items: list[Section | Item] = [
        Item("1", "Một ngày", "Bộ Tư pháp", "", "Quý I/2025", ""),
        Item("2", "Theo dõi thường xuyên", "Bộ Tư pháp", "", "Thường xuyên", ""),
        Item("3", "Báo cáo quý", "Bộ Tư pháp", "", "Hằng quý, trước ngày 20", "Báo cáo",
             "Đã hoàn thành"),
    ]
    calls = await seeded.upload(build_csv(items), "kh.csv", "/nhapkehoach KH")
    assert "Trong đó: 1 thường xuyên, 1 định kỳ" in texts(calls)[-1]
    await seeded.press(_data(calls, "w"))
    one, ongoing, periodic = seeded.store.tasks()
    assert one.deadline == dt.date(2025, 3, 31) and one.recurrence is None
    assert ongoing.deadline is None and ongoing.is_ongoing
    assert periodic.recurrence == Recurrence(Cadence.QUARTERLY, 20)
    # Its first occurrence on or after the import day (31/7/2024), open.
    assert periodic.deadline == dt.date(2024, 9, 20)
    assert periodic.status is TaskStatus.OPEN


@pytest.mark.parametrize("builder", [build_docx, build_xlsx, build_csv])
async def test_the_whole_annex_imports_to_the_expected_tasks(seeded: Harness, builder) -> None:  # type: ignore[no-untyped-def]
    calls = await seeded.upload(builder(), "Phu-luc", "/nhapkehoach Kế hoạch CCHC năm 2025")
    calls = await seeded.press(_data(calls, "c"))
    await seeded.press(_data(calls, "w"))
    tasks = seeded.store.tasks()
    assert len(tasks) == 40
    for index, task in enumerate(tasks):
        wanted = FORMS[index % len(FORMS)][1]
        if wanted == "ongoing":
            assert task.deadline is None and task.recurrence is None
        elif isinstance(wanted, Recurrence):
            assert task.recurrence == wanted
            assert task.deadline == first_occurrence(wanted, NOW.date())
        else:
            assert task.deadline == wanted, (index, task)
        assert task.section == expected_section(index)
        assert task.plan == "Kế hoạch CCHC năm 2025"
    start, end = MERGED_LEAD
    assert {t.lead for t in tasks[start:end]} == {"bo-tu-phap"}
    assert (tasks[2].lead, tasks[2].coordinators) == ("vpcp", ("bo-tu-phap", "ha-tinh"))
    assert [t.ref for t in tasks[:3]] == ["1", "2", "3"]
    assert tasks[3].completed_at == dt.datetime(2024, 3, 15, 17, 0, tzinfo=VN)
    # 31/3/2024 was past when imported: without a status saying otherwise, it is overdue.
    past = tasks[14]
    assert past.deadline == dt.date(2024, 3, 31) and past.status is TaskStatus.OPEN
    status = texts(await seeded.send("/trangthai"))[-1]
    assert "Kế hoạch CCHC năm 2025" in status
