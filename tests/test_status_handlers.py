"""Status commands through the real Application: tallies, lists, paging, refusals, caching."""

from __future__ import annotations

import datetime as dt
import re

import orjson
import pytest

from bot.model import Agency, Task, TaskStatus, UserPrefs
from handlers.services import services
from handlers.status import CANCELLED_INLINE, PER_PAGE, parse_days
from store.registry import Registry
from tests.conftest import Harness, buttons_of, texts
from tests.factories import (
    CHAIR,
    GROUP_ID,
    NOW,
    OTHER_OWNER,
    OWNER,
    SECRETARY,
    STRANGER,
    VN,
    make_task,
)
from tests.fakes import Call

TODAY = NOW.date()
DAY = dt.timedelta(days=1)
APR = "Kế hoạch cải cách TTHC 6 tháng đầu năm 2024"
WG = "Kế hoạch Tổ công tác 2024"


def _done(deadline: dt.date, on: dt.date, **extra: object) -> Task:
    at = dt.datetime.combine(on, dt.time(10), VN)
    return make_task(deadline=deadline, status=TaskStatus.DONE, completed_at=at, **extra)  # type: ignore[arg-type]


def domain_plan() -> list[Task]:
    """28 tasks: 14 completed (12 on time, 2 late), 14 in progress of which 7 overdue."""
    tasks = [
        _done(TODAY - 5 * DAY, TODAY - 10 * DAY, plan=APR, title=f"Đúng hạn {n}") for n in range(12)
    ]
    tasks += [
        _done(TODAY - 20 * DAY, TODAY - 2 * DAY, plan=APR, title=f"Trễ {n}") for n in range(2)
    ]
    tasks += [
        make_task(
            f"Quá hạn {n}",
            deadline=TODAY - (n + 1) * DAY,
            plan=APR,
            lead="ha-tinh" if n % 2 else "nghe-an",
        )
        for n in range(7)
    ]
    tasks += [
        make_task(f"Đang làm {n}", deadline=TODAY + (n + 1) * DAY, plan=APR) for n in range(7)
    ]
    return tasks


def add(h: Harness, tasks: list[Task]) -> list[Task]:
    with h.store.transaction():
        return [h.store.add_task(t, actor=SECRETARY, at=NOW) for t in tasks]


def sent(calls: list[Call]) -> str:
    [text] = texts(calls)
    return text


def numbers(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"^\S+ #(\d+) ", text, re.MULTILINE)]


def nav(calls: list[Call]) -> list[str]:
    message = [c for c in calls if c.method in ("sendMessage", "editMessageText")][-1]
    return [data for _, data in buttons_of(message)]


# -- /status --------------------------------------------------------------------------------


async def test_status_gives_the_report_line_of_the_domain(seeded: Harness) -> None:
    add(seeded, [*domain_plan(), make_task("Hủy", status=TaskStatus.CANCELLED, plan=APR)])
    text = sent(await seeded.send("/trangthai", user=OWNER))
    assert "14/28 hoàn thành (12 đúng hạn, 2 trễ hạn) · 14 đang thực hiện (7 quá hạn)" in text
    assert "Đã hủy, không tính vào tổng: 1" in text
    assert "#29" in text
    assert "50%" in text


async def test_status_speaks_english_to_a_user_who_chose_english(seeded: Harness) -> None:
    add(seeded, domain_plan())
    seeded.registry.users.save(UserPrefs(OWNER, lang="en"))
    text = sent(await seeded.send("/status", user=OWNER))
    assert "14/28 completed (12 on time, 2 late) · 14 in progress (7 overdue)" in text


async def test_many_cancelled_tasks_are_listed_on_their_own_screen(seeded: Harness) -> None:
    count = CANCELLED_INLINE + 5
    cancelled = add(
        seeded,
        [make_task(f"Hủy {n}", status=TaskStatus.CANCELLED, lead="hue") for n in range(count)],
    )
    add(seeded, domain_plan())
    calls = await seeded.send("/trangthai")
    text = sent(calls)
    assert f"Đã hủy, không tính vào tổng: {count} (bấm nút «Việc đã hủy» để xem)" in text
    assert "14/28 hoàn thành" in text
    assert nav(calls) == ["st:cx:1:all:"]
    assert buttons_of(calls[-1])[0][0] == f"⚪ Việc đã hủy ({count})"
    [first] = texts(await seeded.press("st:cx:1:all:"), "editMessageText")
    [second] = texts(await seeded.press("st:cx:2:all:"), "editMessageText")
    assert numbers(first) + numbers(second) == [t.number for t in cancelled]
    assert "đã hủy" in first and "Trang 1/2" in first


async def test_an_agencys_many_cancelled_tasks_are_its_own(seeded: Harness) -> None:
    hue = add(
        seeded,
        [
            make_task(f"Hủy {n}", status=TaskStatus.CANCELLED, lead="hue")
            for n in range(CANCELLED_INLINE + 1)
        ],
    )
    add(seeded, [make_task("Hủy khác", status=TaskStatus.CANCELLED, lead="vpcp")])
    calls = await seeded.send("/donvi Huế")
    assert nav(calls) == ["st:cx:1:one:hue"]
    [text] = texts(await seeded.press("st:cx:1:one:hue"), "editMessageText")
    assert "Thừa Thiên Huế" in text
    assert sorted(numbers(text)[:PER_PAGE]) == [t.number for t in hue][:PER_PAGE]


async def test_status_has_one_line_per_plan(seeded: Harness) -> None:
    add(seeded, [*domain_plan(), make_task("Tổ công tác", plan=WG), make_task("Không kế hoạch")])
    text = sent(await seeded.send("/status"))
    assert f"• {APR}: 14/28 hoàn thành" in text
    assert f"• {WG}: 0/1 hoàn thành" in text
    assert "• (Không thuộc kế hoạch): 0/1" in text


async def test_status_of_an_empty_workspace_says_there_is_nothing_yet(seeded: Harness) -> None:
    assert "Chưa có nhiệm vụ nào" in sent(await seeded.send("/status"))


@pytest.mark.parametrize("given", ["to cong tac", "TỔ CÔNG TÁC 2024", "Ke hoach to cong tac"])
async def test_status_with_a_plan_name_shows_that_plan_only(seeded: Harness, given: str) -> None:
    add(seeded, [*domain_plan(), make_task("Việc tổ công tác", plan=WG)])
    text = sent(await seeded.send(f"/trangthai {given}"))
    assert f"<b>{WG}</b>" in text
    assert "0/1 hoàn thành" in text
    assert "Việc tổ công tác" in text
    assert "14/28" not in text


async def test_status_with_an_unknown_plan_names_the_plans(seeded: Harness) -> None:
    add(seeded, [*domain_plan(), make_task("x", plan=WG)])
    text = sent(await seeded.send("/trangthai giao thông"))
    assert "Không có kế hoạch nào tên «giao thông»" in text
    assert APR in text and WG in text


async def test_status_with_an_ambiguous_plan_asks_with_buttons(seeded: Harness) -> None:
    add(seeded, [*domain_plan(), make_task("x", plan=WG)])
    calls = await seeded.send("/trangthai 2024")
    assert "2 kế hoạch" in sent(calls)
    choices = nav(calls)
    assert len(choices) == 2 and all(c.startswith("st:plan:1:") for c in choices)
    [wg] = [d for label, d in buttons_of(calls[-1]) if label == WG]
    edited = await seeded.press(wg)
    [text] = texts(edited, "editMessageText")
    assert f"<b>{WG}</b>" in text


# -- refusals -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        "/trangthai",
        "/quahan",
        "/sapden",
        "/theodonvi",
        "/donvi Nghệ An",
        "/viectoi",
        "/timkiem quá hạn",
    ],
)
async def test_a_non_member_is_refused_and_sees_no_data(seeded: Harness, command: str) -> None:
    add(seeded, domain_plan())
    text = sent(await seeded.send(command, user=STRANGER))
    assert "chưa là thành viên" in text
    assert "#" not in text and "Nghệ An" not in text.replace("/thamgia Nghệ An", "")


async def test_a_non_member_pressing_a_page_button_sees_no_data(seeded: Harness) -> None:
    add(seeded, [make_task(f"Quá hạn {n}", deadline=TODAY - DAY) for n in range(20)])
    await seeded.send("/quahan")
    calls = await seeded.press("st:od:2:", user=STRANGER)
    assert not texts(calls, "editMessageText")
    assert "chưa là thành viên" in sent(calls)


# -- overdue --------------------------------------------------------------------------------


async def test_overdue_lists_most_days_late_first_with_task_numbers(seeded: Harness) -> None:
    tasks = add(
        seeded,
        [
            make_task("A", deadline=TODAY - 2 * DAY),
            make_task("B", deadline=TODAY - 40 * DAY),
            make_task("C", deadline=TODAY + DAY),
            make_task("D", deadline=TODAY - 90 * DAY, status=TaskStatus.CANCELLED),
            _done(TODAY - 9 * DAY, TODAY),
        ],
    )
    text = sent(await seeded.send("/quahan"))
    assert numbers(text) == [tasks[1].number, tasks[0].number]
    assert "quá hạn 40 ngày" in text and "quá hạn 2 ngày" in text
    assert "hạn 21/06/2024" in text  # the Vietnamese way: day first


@pytest.mark.parametrize("given", ["Nghe An", "nghệ an", "UBND tỉnh Nghệ An", "nghe-an"])
async def test_overdue_for_one_agency_lists_only_its_tasks(seeded: Harness, given: str) -> None:
    tasks = add(
        seeded,
        [
            make_task("NA", deadline=TODAY - DAY, lead="nghe-an"),
            make_task("HT", deadline=TODAY - DAY, lead="ha-tinh"),
        ],
    )
    text = sent(await seeded.send(f"/quahan {given}"))
    assert numbers(text) == [tasks[0].number]
    assert "Nghệ An" in text


async def test_overdue_for_an_unknown_agency_says_so(seeded: Harness) -> None:
    text = sent(await seeded.send("/quahan Cà Mau"))
    assert "Không có đơn vị nào tên «Cà Mau»" in text
    assert "/theodonvi" in text


async def test_overdue_for_an_ambiguous_agency_asks_with_buttons(seeded: Harness) -> None:
    add(seeded, [make_task("HT", deadline=TODAY - DAY, lead="ha-tinh")])
    calls = await seeded.send("/quahan tỉnh")
    assert "3 đơn vị" in sent(calls)
    assert set(nav(calls)) == {"st:od:1:nghe-an", "st:od:1:ha-tinh", "st:od:1:hue"}
    edited = await seeded.press("st:od:1:ha-tinh")
    [text] = texts(edited, "editMessageText")
    assert "Hà Tĩnh" in text and "HT" in text


async def test_overdue_when_nothing_is_late_says_so(seeded: Harness) -> None:
    add(seeded, [make_task("C", deadline=TODAY + DAY)])
    assert "Không có việc nào quá hạn" in sent(await seeded.send("/overdue"))


# -- paging ---------------------------------------------------------------------------------


async def test_a_long_overdue_list_is_paged_and_drops_no_task(seeded: Harness) -> None:
    long_title = "Rà soát, đơn giản hóa thủ tục hành chính " * 10
    tasks = add(
        seeded, [make_task(f"{n} {long_title}", deadline=TODAY - (n + 1) * DAY) for n in range(30)]
    )
    calls = await seeded.send("/quahan")
    first = sent(calls)
    assert "Trang 1/3" in first
    assert nav(calls) == ["st:od:2:"]
    seen = numbers(first)
    pages = [first]
    for page in (2, 3):
        edited = await seeded.press(f"st:od:{page}:")
        [text] = texts(edited, "editMessageText")
        assert f"Trang {page}/3" in text
        pages.append(text)
        seen += numbers(text)
    assert sorted(seen) == sorted(t.number for t in tasks)
    assert seen == sorted(seen, reverse=True)  # the latest-numbered task is the most late
    assert all(len(p) < 4096 for p in pages)
    assert nav(edited) == ["st:od:2:"]  # the last page only goes back


async def test_a_stale_next_button_after_the_list_shrank_shows_the_last_page(
    seeded: Harness,
) -> None:
    tasks = add(seeded, [make_task(f"T{n}", deadline=TODAY - DAY) for n in range(15)])
    await seeded.send("/quahan")

    def cancel(t: Task) -> None:
        t.status = TaskStatus.CANCELLED

    for task in tasks[:10]:
        seeded.store.update_task(task.number, cancel, actor=SECRETARY, at=NOW, action="cancel")
    calls = await seeded.press("st:od:2:")
    [text] = texts(calls, "editMessageText")
    assert numbers(text) == [t.number for t in tasks[10:]]
    assert "Trang" not in text  # one page now, no "page 1/1"
    assert nav(calls) == []


async def test_every_callback_fits_in_64_bytes(seeded: Harness) -> None:
    code = "x" * 40
    seeded.store.save_agency(Agency(code, "Đơn vị có mã dài nhất"), actor=SECRETARY, at=NOW)
    add(seeded, [make_task(f"T{n}", deadline=TODAY - DAY, lead=code) for n in range(30)])
    calls = await seeded.send(f"/donvi {code}")
    assert all(len(d.encode()) <= 64 for d in nav(calls))
    assert nav(calls) == [f"st:one:2:{code}"]


# -- due ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "expected_titles"),
    [
        ("/sapden", ["Hôm nay", "Ngày mai", "Tuần sau"]),
        ("/sapden 1", ["Hôm nay", "Ngày mai"]),
        ("/sapden 30", ["Hôm nay", "Ngày mai", "Tuần sau", "Tháng sau"]),
        ("/due 30 ngày", ["Hôm nay", "Ngày mai", "Tuần sau", "Tháng sau"]),
        ("/due 90 days", ["Hôm nay", "Ngày mai", "Tuần sau", "Tháng sau"]),
    ],
)
async def test_due_lists_what_falls_due_in_the_next_n_days_soonest_first(
    seeded: Harness,
    command: str,
    expected_titles: list[str],
) -> None:
    add(
        seeded,
        [
            make_task("Tháng sau", deadline=TODAY + 30 * DAY),
            make_task("Tuần sau", deadline=TODAY + 7 * DAY),
            make_task("Ngày mai", deadline=TODAY + DAY),
            make_task("Hôm nay", deadline=TODAY),
            make_task("Quá hạn", deadline=TODAY - DAY),
            make_task("Năm sau", deadline=TODAY + 300 * DAY),
        ],
    )
    text = sent(await seeded.send(command))
    found = [
        t
        for t in ("Hôm nay", "Ngày mai", "Tuần sau", "Tháng sau", "Quá hạn", "Năm sau")
        if f" {t}\n" in text
    ]
    assert found == expected_titles
    assert [text.index(f" {t}\n") for t in found] == sorted(text.index(f" {t}\n") for t in found)


@pytest.mark.parametrize("given", ["abc", "0", "91", "-3", "7.5", "1000000000"])
async def test_due_with_a_bad_number_says_what_to_type(seeded: Harness, given: str) -> None:
    text = sent(await seeded.send(f"/sapden {given}"))
    assert f"«{given}» không phải số ngày hợp lệ" in text
    assert "từ 1 đến 90" in text


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("7", 7),
        ("14 ngày", 14),
        ("14 NGÀY", 14),
        ("3 days", 3),
        ("1 day", 1),
        ("90", 90),
        ("0", None),
        ("91", None),
        ("x", None),
        ("", None),
        ("1 tuần", None),
    ],
)
def test_parse_days(text: str, days: int | None) -> None:
    assert parse_days(text) == days


# -- agencies -------------------------------------------------------------------------------


async def test_byagency_lists_agencies_worst_first(seeded: Harness) -> None:
    add(
        seeded,
        [
            make_task("a", deadline=TODAY - DAY, lead="ha-tinh"),
            make_task("b", deadline=TODAY - DAY, lead="ha-tinh"),
            make_task("c", deadline=TODAY - DAY, lead="nghe-an"),
            _done(TODAY, TODAY, lead="vpcp"),
        ],
    )
    text = sent(await seeded.send("/theodonvi"))
    lines = [line for line in text.splitlines() if re.match(r"\d+\. ", line)]
    assert [line.split(". ", 1)[1].split(":")[0] for line in lines] == [
        "Hà Tĩnh",
        "Nghệ An",
        "VPCP",
    ]
    assert "🔴 2 quá hạn · 0/2 xong (0%)" in lines[0]
    assert "1/1 xong (100%)" in lines[2]


async def test_agency_shows_its_tally_and_open_tasks_overdue_first(seeded: Harness) -> None:
    tasks = add(
        seeded,
        [
            make_task("Sắp đến", deadline=TODAY + 3 * DAY),
            make_task("Quá hạn", deadline=TODAY - 3 * DAY),
            _done(TODAY, TODAY - DAY),
            make_task("Khác", lead="hue"),
        ],
    )
    text = sent(await seeded.send("/donvi nghe an"))
    assert "<b>UBND tỉnh Nghệ An</b>" in text
    assert "1/3 hoàn thành (1 đúng hạn, 0 trễ hạn) · 2 đang thực hiện (1 quá hạn)" in text
    assert numbers(text) == [tasks[1].number, tasks[0].number]


async def test_agency_without_a_name_shows_the_members_own_agency(seeded: Harness) -> None:
    add(seeded, [make_task("Việc Hà Tĩnh", lead="ha-tinh")])
    assert "UBND tỉnh Hà Tĩnh" in sent(await seeded.send("/agency", user=OTHER_OWNER))
    assert "<code>/donvi Nghệ An</code>" in sent(await seeded.send("/agency", user=CHAIR))


# -- my tasks, search -----------------------------------------------------------------------


async def test_mytasks_lists_tasks_naming_me_or_led_by_my_agency(seeded: Harness) -> None:
    tasks = add(
        seeded,
        [
            make_task("Của Nghệ An", lead="nghe-an"),
            make_task("Giao đích danh", lead="vpcp", responsible=(OWNER,)),
            make_task("Không phải của tôi", lead="vpcp"),
        ],
    )
    text = sent(await seeded.send("/viectoi", user=OWNER))
    assert sorted(numbers(text)) == [tasks[0].number, tasks[1].number]


async def test_mytasks_of_someone_without_tasks_says_so(seeded: Harness) -> None:
    add(seeded, [make_task("Của Nghệ An", lead="nghe-an")])
    assert "Chưa có việc nào giao cho bạn" in sent(await seeded.send("/mytasks", user=CHAIR))


@pytest.mark.parametrize("words", ["so hoa", "SỐ HÓA", "số hoá hồ sơ", "nghe an so hoa"])
async def test_find_ignores_case_and_diacritics(seeded: Harness, words: str) -> None:
    tasks = add(
        seeded,
        [
            make_task("Số hóa hồ sơ, kết quả giải quyết TTHC"),
            make_task("Rà soát kế hoạch", lead="vpcp"),
        ],
    )
    text = sent(await seeded.send(f"/timkiem {words}"))
    assert numbers(text) == [tasks[0].number]


async def test_find_without_words_says_what_to_type(seeded: Harness) -> None:
    assert "<code>/timkiem số hóa hồ sơ</code>" in sent(await seeded.send("/timkiem"))


async def test_find_results_are_paged_with_a_short_token(seeded: Harness) -> None:
    tasks = add(seeded, [make_task(f"Số hóa {n}") for n in range(20)])
    calls = await seeded.send("/find số hóa")
    [next_page] = nav(calls)
    assert re.fullmatch(r"st:find:2:[0-9a-f]{10}", next_page)
    [text] = texts(await seeded.press(next_page), "editMessageText")
    assert numbers(text) == [t.number for t in tasks[PER_PAGE:]]


async def test_a_search_button_from_before_a_restart_asks_to_search_again(seeded: Harness) -> None:
    add(seeded, [make_task(f"Số hóa {n}") for n in range(20)])
    calls = await seeded.send("/find số hóa")
    [next_page] = nav(calls)
    seeded.app.bot_data.pop("status.board")
    assert "đã cũ" in sent(await seeded.press(next_page))


# -- safety, freshness ----------------------------------------------------------------------


async def test_user_text_is_escaped(seeded: Harness) -> None:
    add(seeded, [make_task("<b>Đậm</b> & <script>", deadline=TODAY - DAY)])
    text = sent(await seeded.send("/quahan"))
    assert "&lt;b&gt;Đậm&lt;/b&gt; &amp; &lt;script&gt;" in text
    assert "«&lt;x&gt;»" in sent(await seeded.send("/timkiem <x>"))


async def test_answers_follow_changes_to_the_data_and_the_clock(seeded: Harness) -> None:
    [task] = add(seeded, [make_task("Hạn hôm nay", deadline=TODAY)])
    assert "0/1 hoàn thành (0 đúng hạn, 0 trễ hạn) · 1 đang thực hiện (0 quá hạn)" in sent(
        await seeded.send("/status")
    )
    seeded.clock.advance(days=1)
    assert "1 đang thực hiện (1 quá hạn)" in sent(await seeded.send("/status"))

    def finish(t: Task) -> None:
        t.status = TaskStatus.DONE
        t.completed_at = seeded.clock()

    seeded.store.update_task(task.number, finish, actor=SECRETARY, at=seeded.clock(), action="done")
    assert "1/1 hoàn thành (0 đúng hạn, 1 trễ hạn)" in sent(await seeded.send("/status"))


async def test_a_stale_agency_button_gets_a_clear_reply(seeded: Harness) -> None:
    seeded.store.save_agency(
        Agency("ca-mau", "UBND tỉnh Cà Mau", "Cà Mau"), actor=SECRETARY, at=NOW
    )
    add(seeded, [make_task(f"T{n}", lead="ca-mau") for n in range(15)])
    await seeded.send("/donvi Cà Mau")
    # The agency is gone, as after a hand edit and a restart.
    path = seeded.data_dir / "workspaces" / f"{GROUP_ID}.json"
    data = orjson.loads(path.read_bytes())
    data["agencies"] = {k: v for k, v in data["agencies"].items() if v["code"] != "ca-mau"}
    path.write_bytes(orjson.dumps(data))
    services(seeded.app).registry = Registry(seeded.data_dir)
    assert "đã cũ" in sent(await seeded.press("st:one:2:ca-mau"))


# -- size -----------------------------------------------------------------------------------


async def test_every_screen_fits_one_message_even_with_long_names(seeded: Harness) -> None:
    long = "Triển khai Đề án 06 về phát triển ứng dụng dữ liệu dân cư, định danh điện tử " * 4
    for n in range(25):
        seeded.store.save_agency(
            Agency(f"dv-{n}", f"{long} {n}", f"{long[:80]} {n}"), actor=SECRETARY, at=NOW
        )
    add(
        seeded,
        [
            make_task(
                f"{n} {long}",
                lead=f"dv-{n % 25}",
                plan=f"{long} {n % 15}",
                deadline=TODAY + (n % 60 - 30) * DAY,
                output=long,
            )
            for n in range(120)
        ],
    )
    for command in (
        "/trangthai",
        "/theodonvi",
        "/quahan",
        "/sapden 90",
        "/viectoi",
        f"/donvi {long[:80]} 3",
        "/timkiem de an 06",
        "/trangthai 3",
    ):
        calls = await seeded.send(command, user=OWNER)
        sends = [c for c in calls if c.method == "sendMessage"]
        assert len(sends) == 1, command
        assert len(sends[0].params["text"]) < 4096, command
        for data in nav(calls)[:1]:  # the next page, or the first choice
            [text] = texts(await seeded.press(data, user=OWNER), "editMessageText")
            assert len(text) < 4096, data


async def test_many_plans_are_paged_and_none_is_dropped(seeded: Harness) -> None:
    names = [f"Kế hoạch số {n:02d}" for n in range(23)]
    add(seeded, [make_task(f"Việc {n}", plan=name) for n, name in enumerate(names)])
    calls = await seeded.send("/status")
    seen = [name for name in names if f"• {name}:" in sent(calls)]
    assert "Trang 1/3 · tổng 23 kế hoạch" in sent(calls)
    for page in (2, 3):
        [text] = texts(await seeded.press(f"st:all:{page}:"), "editMessageText")
        seen += [name for name in names if f"• {name}:" in text]
    assert seen == names


async def test_english_counts_agree_in_number(seeded: Harness) -> None:
    add(seeded, [make_task("Late", deadline=TODAY - DAY)])
    seeded.registry.users.save(UserPrefs(OWNER, lang="en"))
    text = sent(await seeded.send("/overdue", user=OWNER))
    assert "1 task, longest overdue first" in text
    assert "1 day late" in text
    assert "Tasks due in the next 1 day</b>" in sent(await seeded.send("/due 1", user=OWNER))


async def test_mytasks_lists_completed_tasks_after_the_open_ones(seeded: Harness) -> None:
    tasks = add(
        seeded,
        [
            _done(TODAY, TODAY - DAY, title="Đã xong"),
            make_task("Còn hạn", deadline=TODAY + 5 * DAY),
            make_task("Quá hạn", deadline=TODAY - 5 * DAY),
            make_task("Đã hủy", status=TaskStatus.CANCELLED),
        ],
    )
    text = sent(await seeded.send("/viectoi", user=OWNER))
    assert numbers(text) == [tasks[2].number, tasks[1].number, tasks[0].number]
    assert "đã xong, đúng hạn" in text
    assert "Đã hủy, không tính vào tổng: 1 (#4)" in text


async def test_the_overdue_list_follows_a_rename_and_an_edit_elsewhere(seeded: Harness) -> None:
    late, other = add(
        seeded,
        [make_task("Quá hạn", deadline=TODAY - DAY), make_task("Khác", lead="vpcp")],
    )
    assert "Nghệ An · hạn" in sent(await seeded.send("/quahan"))

    def rename(t: Task) -> None:
        t.title = "Việc khác đã sửa"

    seeded.store.update_task(other.number, rename, actor=SECRETARY, at=NOW, action="edit")
    assert "Nghệ An · hạn" in sent(await seeded.send("/quahan"))
    seeded.store.save_agency(
        Agency("nghe-an", "UBND tỉnh Nghệ An", "Xứ Nghệ"), actor=SECRETARY, at=NOW
    )
    text = sent(await seeded.send("/quahan"))
    assert "Xứ Nghệ · hạn" in text and numbers(text) == [late.number]
