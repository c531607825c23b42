"""Unit tests of bot/newtask.py: reading the one-line form and the wizard's answers."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.model import Agency, AgencyKind, HistoryKind, Member, Task, TaskStatus
from bot.newtask import (
    Draft,
    Problem,
    Result,
    clean_text,
    clean_title,
    deadline_passed,
    default_responsible,
    duplicates,
    frequent_agencies,
    parse_oneliner,
    plan_names,
    read_coordinators,
    read_deadline,
    read_lead,
    read_members,
    to_task,
    with_lead,
)
from tests.factories import (
    AGENCIES,
    CHAIR,
    MEMBERS,
    NOW,
    OTHER_OWNER,
    OWNER,
    SECRETARY,
    TZ,
    make_task,
)

ALL_AGENCIES = (
    *AGENCIES,
    Agency("ha-noi", "UBND thành phố Hà Nội", "Hà Nội", (), AgencyKind.PROVINCE),
)


def parse(
    text: str, tasks: list[Task] | None = None, agencies: tuple[Agency, ...] = ALL_AGENCIES
) -> Result:
    return parse_oneliner(
        text,
        agencies=agencies,
        members=MEMBERS,
        tasks=tasks or [],
        now=NOW,
        tz=TZ,
    )


def codes(problems: list[Problem]) -> list[str]:
    return [p.code for p in problems]


# --- the one-line form ------------------------------------------------------------------


def test_three_parts_make_a_complete_draft_with_the_leads_members_responsible() -> None:
    result = parse("Rà soát thủ tục nội bộ | Nghệ An | 30/9/2024")
    assert result.ok
    assert result.draft == Draft(
        title="Rà soát thủ tục nội bộ",
        lead="nghe-an",
        deadline=dt.date(2024, 9, 30),
        responsible=(OWNER,),
    )


def test_every_optional_part_is_read_in_vietnamese() -> None:
    result = parse(
        "Review internal procedures | Nghe an | 9/2024 | kế hoạch: APR plan 2024 "
        "| sản phẩm: Báo cáo | nguồn: KL 5 | phối hợp: Hà Tĩnh, Bộ Tư pháp | @thuky"
    )
    assert result.ok, result.errors
    draft = result.draft
    assert draft.deadline == dt.date(2024, 9, 30)  # a month alone is its last day
    assert draft.plan == "APR plan 2024"
    assert draft.output == "Báo cáo"
    assert draft.source == "KL 5"
    assert draft.coordinators == ("ha-tinh", "bo-tu-phap")
    assert draft.responsible == (SECRETARY,)


def test_every_optional_part_is_read_in_english() -> None:
    result = parse(
        "Publish the procedures | MOJ | 30/9/2024 17:00 | plan: APR 2024 | output: Decree draft"
        " | source: Meeting 5 | with: Huế | who: Lê Văn Nghệ, @chutri"
    )
    assert result.ok, result.errors
    draft = result.draft
    assert draft.lead == "bo-tu-phap"
    assert draft.deadline_time == dt.time(17, 0)
    assert (draft.plan, draft.output, draft.source) == ("APR 2024", "Decree draft", "Meeting 5")
    assert draft.coordinators == ("hue",)
    assert draft.responsible == (OWNER, CHAIR)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Chỉ có tên", ["missing_parts"]),
        ("Tên việc | Nghệ An", ["missing_parts"]),
        ("ab | Nghệ An | 30/9/2024", ["title_short"]),
        ("x" * 201 + " | Nghệ An | 30/9/2024", ["title_long"]),
        ("Tên việc | | 30/9/2024", ["agency_missing"]),
        ("Tên việc | Sở Xây dựng Cà Mau | 30/9/2024", ["agency_unknown"]),
        ("Tên việc | Hà | 30/9/2024", ["agency_ambiguous"]),
        ("Tên việc | Nghệ An | sớm nhất có thể", ["deadline_unparseable"]),
        ("Tên việc | Nghệ An | 1/7/2024", ["deadline_past"]),
        ("Tên việc | Nghệ An | 31/7/2024 8:00", ["deadline_past"]),  # today, an hour ago
        ("Tên việc | Nghệ An | 30/9/2024 | ghi chú: gấp", ["part_unknown"]),
        ("Tên việc | Nghệ An | 30/9/2024 | plan: A | kế hoạch: B", ["part_repeated"]),
        ("Tên việc | Nghệ An | 30/9/2024 | output: " + "x" * 201, ["too_long"]),
        ("Tên việc | Nghệ An | 30/9/2024 | @nobody", ["member_unknown"]),
        ("Tên việc | Nghệ An | 30/9/2024 | with: Cà Mau", ["coordinator_unknown"]),
        ("Tên việc | Nghệ An | 30/9/2024 | with: Hà", ["coordinator_ambiguous"]),
        (
            "ab | Cà Mau | hôm qua | ghi chú",
            ["title_short", "agency_unknown", "deadline_past", "part_unknown"],
        ),
    ],
)
def test_bad_parts_are_all_reported_and_block_creation(text: str, expected: list[str]) -> None:
    result = parse(text)
    assert not result.ok
    assert codes(result.errors) == expected


def test_an_ambiguous_lead_offers_its_candidates_and_keeps_the_rest_of_the_draft() -> None:
    result = parse("Tên việc | Hà | 30/9/2024 | plan: APR 2024")
    assert {a.code for a in result.lead_choices} == {"ha-tinh", "ha-noi"}
    assert result.draft.title == "Tên việc"
    assert result.draft.deadline == dt.date(2024, 9, 30)
    assert result.draft.plan == "APR 2024"


def test_lead_choices_are_offered_only_when_the_lead_is_the_sole_problem() -> None:
    assert parse("ab | Hà | 30/9/2024").lead_choices == ()


def test_a_past_deadline_says_which_day_it_was_read_as() -> None:
    (problem,) = parse("Tên việc | Nghệ An | 1/7/2024").errors
    assert problem.day == dt.date(2024, 7, 1)


def test_labelled_lead_and_deadline_may_come_in_any_order() -> None:
    result = parse("Tên việc | hạn: 30/9/2024 | cơ quan: Hà Tĩnh")
    assert result.ok
    assert (result.draft.lead, result.draft.deadline) == ("ha-tinh", dt.date(2024, 9, 30))


def test_a_time_with_a_colon_is_not_mistaken_for_a_label() -> None:
    result = parse("Tên việc | Nghệ An | 17:30 30/9/2024")
    assert result.ok
    assert result.draft.deadline_time == dt.time(17, 30)


def test_an_open_task_with_the_same_title_and_lead_is_warned_about() -> None:
    existing = make_task("Rà soát thủ tục nội bộ", "nghe-an", number=7)
    result = parse("RA SOAT thu tuc noi bo | Nghệ An | 30/9/2024", tasks=[existing])
    assert result.ok
    assert [(w.code, w.task) for w in result.warnings] == [("duplicate", 7)]


@pytest.mark.parametrize(
    "existing",
    [
        make_task("Rà soát thủ tục nội bộ", "ha-tinh", number=7),
        make_task("Rà soát thủ tục nội bộ", "nghe-an", number=7, status=TaskStatus.DONE),
        make_task("Rà soát thủ tục nội bộ", "nghe-an", number=7, status=TaskStatus.CANCELLED),
        make_task("Một việc khác", "nghe-an", number=7),
    ],
)
def test_no_duplicate_warning_for_another_lead_a_closed_task_or_another_title(
    existing: Task,
) -> None:
    assert parse("Rà soát thủ tục nội bộ | Nghệ An | 30/9/2024", tasks=[existing]).warnings == []


def test_the_lead_is_not_listed_among_its_own_coordinators() -> None:
    result = parse("Tên việc | Nghệ An | 30/9/2024 | phối hợp: Nghệ An, Hà Tĩnh, Hà Tĩnh")
    assert result.draft.coordinators == ("ha-tinh",)


# --- one field at a time ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  Rà   soát\nthủ tục ", "Rà soát thủ tục"),
        ("abc", "abc"),
        ("x" * 200, "x" * 200),
    ],
)
def test_a_title_is_tidied(text: str, expected: str) -> None:
    assert clean_title(text) == expected


@pytest.mark.parametrize(
    ("text", "code"), [("", "title_short"), (" ab\n ", "title_short"), ("x" * 201, "title_long")]
)
def test_a_title_out_of_bounds_is_refused(text: str, code: str) -> None:
    problem = clean_title(text)
    assert isinstance(problem, Problem) and problem.code == code


def test_free_text_over_the_limit_names_its_field() -> None:
    problem = clean_text("x" * 201, "plan")
    assert isinstance(problem, Problem) and (problem.code, problem.field) == ("too_long", "plan")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Nghe An", "nghe-an"),
        ("UBND tỉnh Hà Tĩnh", "ha-tinh"),
        ("moj", "bo-tu-phap"),
        ("Hue", "hue"),
    ],
)
def test_a_lead_is_found_with_or_without_diacritics(text: str, expected: str) -> None:
    agency = read_lead(text, ALL_AGENCIES)
    assert isinstance(agency, Agency) and agency.code == expected


def test_an_ambiguous_lead_is_never_guessed() -> None:
    problem = read_lead("Hà", ALL_AGENCIES)
    assert isinstance(problem, Problem)
    assert problem.code == "agency_ambiguous"
    assert len(problem.choices) == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30/9/2024", (dt.date(2024, 9, 30), None)),
        ("tháng 9", (dt.date(2024, 9, 30), None)),
        ("17h hôm nay", (dt.date(2024, 7, 31), dt.time(17, 0))),
        ("hôm nay", (dt.date(2024, 7, 31), None)),
    ],
)
def test_a_deadline_is_read(text: str, expected: tuple) -> None:
    deadline = read_deadline(text, now=NOW, tz=TZ, lang="vi")
    assert not isinstance(deadline, Problem)
    assert (deadline.day, deadline.time) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "deadline_empty"),
        ("khi nào xong", "deadline_unparseable"),
        ("hôm qua", "deadline_past"),
        ("8h hôm nay", "deadline_past"),
    ],
)
def test_a_bad_deadline_is_refused(text: str, code: str) -> None:
    problem = read_deadline(text, now=NOW, tz=TZ, lang="vi")
    assert isinstance(problem, Problem) and problem.code == code


@pytest.mark.parametrize(
    ("day", "time", "passed"),
    [
        (dt.date(2024, 7, 31), None, False),  # today, date only: due at midnight
        (dt.date(2024, 7, 31), dt.time(9, 30), False),
        (dt.date(2024, 7, 31), dt.time(9, 0), True),  # due exactly now
        (dt.date(2024, 7, 30), None, True),
    ],
)
def test_a_deadline_that_went_by_while_writing_is_caught(
    day: dt.date, time: dt.time | None, passed: bool
) -> None:
    draft = Draft(title="x", lead="nghe-an", deadline=day, deadline_time=time)
    problem = deadline_passed(draft, now=NOW, tz=TZ)
    assert (problem is not None) is passed
    if problem is not None:
        assert (problem.code, problem.day) == ("deadline_past", day)


def test_members_are_found_by_username_or_name() -> None:
    ids, problems = read_members("@NGHEAN @thuky, Phạm Hà Tĩnh", MEMBERS)
    assert problems == []
    assert ids == (OWNER, SECRETARY, OTHER_OWNER)


def test_a_name_several_members_share_is_ambiguous() -> None:
    members = (*MEMBERS, Member(555, "Lê Văn Tĩnh"))
    _, problems = read_members("Lê Văn", members)
    assert codes(problems) == ["member_ambiguous"]
    assert {m.user_id for m in problems[0].members} == {OWNER, 555}


def test_coordinators_report_each_unknown_name() -> None:
    found, problems = read_coordinators("Hà Tĩnh; Cà Mau", ALL_AGENCIES)
    assert found == ("ha-tinh",)
    assert [(p.code, p.text) for p in problems] == [("coordinator_unknown", "Cà Mau")]


def test_default_responsible_are_the_members_of_the_lead() -> None:
    assert default_responsible("ha-tinh", MEMBERS) == (OTHER_OWNER,)
    assert default_responsible("hue", MEMBERS) == ()


def test_setting_the_lead_keeps_named_responsible_members() -> None:
    named = Draft(title="x", responsible=(CHAIR,), responsible_named=True)
    assert with_lead(named, "nghe-an", MEMBERS).responsible == (CHAIR,)
    assert with_lead(Draft(title="x"), "nghe-an", MEMBERS).responsible == (OWNER,)


def test_duplicates_name_the_open_task() -> None:
    draft = Draft(title="Việc A", lead="nghe-an")
    tasks = [make_task("Việc A", "nghe-an", number=3), make_task("Việc B", "nghe-an", number=4)]
    assert [p.task for p in duplicates(draft, tasks)] == [3]


# --- what the wizard offers -------------------------------------------------------------


def test_plans_are_offered_most_recent_first_and_once_each() -> None:
    tasks = [
        make_task(plan="Kế hoạch CCTTHC 6 tháng 2024", number=1),
        make_task(plan="Kế hoạch Tổ công tác 2024", number=2),
        make_task(plan="ke hoach CCTTHC 6 thang 2024", number=3),
        make_task(plan="", number=4),
    ]
    assert plan_names(tasks) == ["ke hoach CCTTHC 6 thang 2024", "Kế hoạch Tổ công tác 2024"]


def test_frequent_agencies_are_the_busiest_leads() -> None:
    tasks = [make_task(lead="hue", number=n) for n in (1, 2)] + [
        make_task(lead="bo-tu-phap", number=3),
        make_task(lead="ha-tinh", number=4),
    ]
    assert [a.code for a in frequent_agencies(tasks, ALL_AGENCIES, limit=2)] == [
        "hue",
        "bo-tu-phap",
    ]


def test_a_complete_draft_becomes_an_unnumbered_task_with_its_creation_recorded() -> None:
    draft = Draft(
        title="Việc A",
        lead="nghe-an",
        deadline=dt.date(2024, 9, 30),
        deadline_time=dt.time(17),
        plan="APR",
        responsible=(OWNER,),
    )
    task = to_task(draft, actor=SECRETARY, now=NOW)
    assert (task.number, task.title, task.lead, task.deadline, task.deadline_time, task.plan) == (
        0,
        "Việc A",
        "nghe-an",
        dt.date(2024, 9, 30),
        dt.time(17),
        "APR",
    )
    assert task.responsible == (OWNER,)
    assert task.status is TaskStatus.OPEN
    assert [(h.kind, h.user_id, h.at) for h in task.history] == [
        (HistoryKind.CREATED, SECRETARY, NOW),
    ]


def test_an_incomplete_draft_cannot_become_a_task() -> None:
    with pytest.raises(ValueError):
        to_task(Draft(title="Việc A", lead="nghe-an"), actor=SECRETARY, now=NOW)
