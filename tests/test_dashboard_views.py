"""What each dashboard view shows, computed from the demo workspace (handlers.dashboard.views)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from bot import demo, reports
from bot.model import HistoryKind, Meeting, TaskStatus
from bot.names import fold
from bot.summary import Kind, Request, period_for, summarize
from handlers.dashboard import agency_view, indicator_view, meeting_view, overview, task_view, views
from handlers.dashboard.views import Filters
from store.registry import Registry
from store.workspace import WorkspaceStore
from tests.dashboard_kit import NOW, WS, add_ongoing_and_periodic, demo_registry

OUTCOME_CLASS = {demo.OK: "done_on_time", demo.LATE: "done_late", demo.DUE: "in_progress",
                 demo.OVER: "overdue", demo.CANCELLED: "cancelled"}


@pytest.fixture(scope="module")
def registry() -> Registry:
    return demo_registry()


@pytest.fixture
def store(registry: Registry) -> WorkspaceStore:
    found = registry.get(WS)
    assert found is not None
    return found


def _demo_rows() -> list[tuple[str, str, str, str]]:
    """(plan, class, lead, title) of every demo task, from the demo's own table."""
    return [(plan, OUTCOME_CLASS[row[0]], row[1], row[2])
            for plan, rows in demo._ROWS.items() for row in rows]


# -- overview -------------------------------------------------------------------------------


def test_overview_counts_the_four_classes_as_the_reports_do(store: WorkspaceStore) -> None:
    o = overview.overview(store, NOW)
    t = o.tally
    assert (t.completed, t.total) == (37, 68)
    assert (t.done_on_time, t.done_late, t.in_progress, t.overdue, t.cancelled) == (
        29, 8, 23, 8, 3)
    assert [s.cls for s in o.total.segments] == list(views.CLASSES)
    assert sum(s.width for s in o.total.segments) == pytest.approx(100)
    assert o.total.segments[-1].start + o.total.segments[-1].width == pytest.approx(100)


def test_overview_per_plan_has_the_figures_of_the_2024_reports(store: WorkspaceStore) -> None:
    plans = {b.label: b.tally for b in overview.overview(store, NOW).plans}
    for figures in demo.PLAN_FIGURES:
        tally = plans[figures.name]
        assert (tally.total, tally.completed, tally.overdue) == (
            figures.total, figures.done, figures.overdue)


def test_change_since_the_last_meeting_is_the_summarys(store: WorkspaceStore) -> None:
    o = overview.overview(store, NOW)
    assert o.last_meeting is not None and o.last_meeting.number == 4
    period = period_for(Request(Kind.SINCE_MEETING), meetings=store.meetings(), today=NOW.date())
    chair = summarize(store.tasks(), period=period, now=NOW, tz=store.workspace.tz)
    assert o.at_last_meeting == chair.previous and chair.previous is not None
    assert o.change("overdue") == chair.totals.overdue - chair.previous.overdue
    assert o.rate_change == pytest.approx(
        chair.totals.completion_rate - chair.previous.completion_rate)


def test_the_next_meeting_is_the_first_one_from_today() -> None:
    store = demo_registry().get(WS)
    assert store is not None
    assert overview.overview(store, NOW).next_meeting is None
    for number, day in ((6, dt.date(2024, 9, 30)), (5, NOW.date())):
        store.add_meeting(Meeting(number, day, f"Phiên họp thứ {number}"), actor=1, at=NOW)
    o = overview.overview(store, NOW)
    assert o.next_meeting is not None and o.next_meeting.number == 5
    assert o.last_meeting is not None and o.last_meeting.number == 4


# -- the tasks table ------------------------------------------------------------------------


def test_the_unfiltered_table_lists_every_task_by_number(store: WorkspaceStore) -> None:
    table = views.task_table(store, NOW, Filters())
    assert [r.task.number for r in table.rows] == list(range(1, 72))
    assert table.total == 71
    assert table.counts == {"done_on_time": 29, "done_late": 8, "in_progress": 23,
                            "overdue": 8, "continuous": 0, "cancelled": 3}


@pytest.mark.parametrize("agency, cls", [("nghe-an", "overdue"), ("nghe-an", "in_progress"),
                                         ("bo-tu-phap", "done_on_time"), ("vpcp", "")])
def test_filtering_by_agency_and_class_gives_the_demos_rows(store: WorkspaceStore, agency: str,
                                                            cls: str) -> None:
    table = views.task_table(store, NOW, Filters(agency=agency, cls=cls))
    expected = sorted(title for _, c, lead, title in _demo_rows()
                      if lead == agency and (not cls or c == cls))
    assert sorted(r.task.title for r in table.rows) == expected
    assert expected  # the case says something
    assert all(r.task.lead == agency for r in table.rows)


def test_filtering_by_plan_and_responsible(store: WorkspaceStore) -> None:
    table = views.task_table(store, NOW, Filters(plan=demo.PLAN_TO_CONG_TAC))
    assert len(table.rows) == len(demo._ROWS[demo.PLAN_TO_CONG_TAC])
    mine = views.task_table(store, NOW, Filters(who=demo.NGHE_AN_ID))
    assert mine.rows and all(demo.NGHE_AN_ID in r.task.responsible for r in mine.rows)
    assert {r.responsible for r in mine.rows} == {"Lê Văn Hùng"}
    assert demo.NGHE_AN_ID in [m.user_id for m in mine.people]


@pytest.mark.parametrize("query", ["so hoa", "SỐ HOÁ", "Số hoá", "số hóa"])
def test_search_ignores_case_and_diacritics_as_find_does(store: WorkspaceStore, query: str
                                                        ) -> None:
    table = views.task_table(store, NOW, Filters(q=query))
    found = [r.task.title for r in table.rows]
    assert found == [t.title for t in reports.search(store.tasks(), store.agencies(), query)]
    phrase = [t for _, _, _, t in _demo_rows() if "so hoa" in fold(t)]
    assert len(phrase) >= 3 and set(phrase) <= set(found)


def test_search_finds_agency_names_without_diacritics(store: WorkspaceStore) -> None:
    table = views.task_table(store, NOW, Filters(q="thua thien hue"))
    assert table.rows and {r.task.lead for r in table.rows} == {"hue"}


def test_search_narrows_what_the_filters_chose(store: WorkspaceStore) -> None:
    table = views.task_table(store, NOW, Filters(q="so hoa", agency="nghe-an"))
    assert table.rows and all(r.task.lead == "nghe-an" for r in table.rows)
    assert len(table.rows) < len(views.task_table(store, NOW, Filters(q="so hoa")).rows)


ROW_KEYS = {
    "number": lambda r: r.task.number,
    "title": lambda r: (fold(r.task.title), r.task.number),
    "plan": lambda r: (fold(r.task.plan), r.task.number),
    "agency": lambda r: (fold(r.agency), r.task.number),
    "responsible": lambda r: (fold(r.responsible), r.task.number),
    "deadline": lambda r: (r.task.deadline, r.task.number),
    "class": lambda r: (list(views.CLASS_ORDER).index(r.cls), -r.days_late, r.task.number),
    "progress": lambda r: (r.task.progress, r.task.number),
}


@pytest.mark.parametrize("sort", views.SORTS)
def test_every_column_sorts_both_ways(store: WorkspaceStore, sort: str) -> None:
    up = views.task_table(store, NOW, Filters(sort=sort))
    down = views.task_table(store, NOW, Filters(sort=sort, desc=True))
    key = ROW_KEYS[sort]
    assert [key(r) for r in up.rows] == sorted(key(r) for r in up.rows)
    assert [r.task.number for r in down.rows] == [r.task.number for r in reversed(up.rows)]


def test_a_long_table_comes_in_pages(store: WorkspaceStore, monkeypatch: pytest.MonkeyPatch
                                     ) -> None:
    monkeypatch.setattr(views, "PAGE_SIZE", 20)
    first = views.task_table(store, NOW, Filters(sort="deadline"))
    assert (first.page, first.pages, first.matched, len(first.rows)) == (1, 4, 71, 20)
    last = views.task_table(store, NOW, Filters(sort="deadline", page=4))
    assert [r.task.number for r in last.rows] == [
        s.task.number for s in sorted(reports.standings(store.tasks(), NOW, store.workspace.tz),
                                      key=lambda s: (s.task.deadline, s.task.number))[60:]]
    beyond = views.task_table(store, NOW, Filters(page=99))
    assert beyond.page == 4 and len(beyond.rows) == 11
    assert Filters(page=2).query(sort="title", page="") == {"sort": "title"}


def test_a_meetings_conclusions_are_a_filter(store: WorkspaceStore) -> None:
    table = views.task_table(store, NOW, Filters(meeting=4))
    expected = [t.number for t in store.tasks() if t.meeting == 4]
    assert [r.task.number for r in table.rows] == expected and expected


def test_sorting_by_deadline_puts_the_earliest_first(store: WorkspaceStore) -> None:
    rows = views.task_table(store, NOW, Filters(sort="deadline")).rows
    deadlines = [r.task.deadline or dt.date.max for r in rows]  # an ongoing task sorts last
    assert deadlines == sorted(deadlines) and deadlines[0] < deadlines[-1]


def test_sorting_by_class_puts_the_most_overdue_first_among_overdue(store: WorkspaceStore
                                                                   ) -> None:
    rows = views.task_table(store, NOW, Filters(sort="class")).rows
    overdue = [r.days_late for r in rows if r.cls == "overdue"]
    assert overdue == sorted(overdue, reverse=True)
    assert rows[-1].cls == "cancelled"


@pytest.mark.parametrize("query, expected", [
    ({}, Filters()),
    ({"sort": "deadline", "dir": "desc"}, Filters(sort="deadline", desc=True)),
    ({"sort": "__class__", "cls": "everything", "who": "12abc"}, Filters()),
    ({"who": "1003", "cls": "overdue", "agency": "nghe-an", "q": "  số  "},
     Filters(who=1003, cls="overdue", agency="nghe-an", q="số")),
    ({"q": "x" * 500}, Filters(q="x" * views.SEARCH_MAX)),
])
def test_filters_from_a_query_ignore_what_they_do_not_know(query: dict[str, str],
                                                           expected: Filters) -> None:
    assert Filters.from_query(query) == expected


def test_filters_give_back_their_query_with_changes() -> None:
    f = Filters(agency="nghe-an", cls="overdue", sort="deadline")
    assert f.query() == {"agency": "nghe-an", "cls": "overdue", "sort": "deadline"}
    assert f.query(sort="", dir="desc") == {"agency": "nghe-an", "cls": "overdue", "dir": "desc"}
    assert Filters.from_query(f.query()) == f


def test_the_kind_filter_gives_dated_ongoing_or_periodic_tasks() -> None:
    # Issue 12: the table could not show the ongoing ("Thường xuyên") or periodic tasks alone.
    store = demo_registry().get(WS)
    assert store is not None
    ongoing, periodic = add_ongoing_and_periodic(store)
    every = views.task_table(store, NOW, Filters())
    assert every.kinds == {"dated": 71, "ongoing": 1, "periodic": 1}
    only = {kind: views.task_table(store, NOW, Filters(kind=kind)) for kind in views.KINDS}
    assert [r.task.number for r in only["ongoing"].rows] == [ongoing.number]
    assert [r.cls for r in only["ongoing"].rows] == ["continuous"]
    assert [r.task.number for r in only["periodic"].rows] == [periodic.number]
    assert only["dated"].matched == 71
    assert ongoing.number not in [r.task.number for r in only["dated"].rows]
    assert only["dated"].kinds == every.kinds  # each choice keeps its count beside it
    hue = views.task_table(store, NOW, Filters(kind="periodic", agency="ha-tinh"))
    assert [r.task.number for r in hue.rows] == [periodic.number]
    assert hue.kinds["ongoing"] == 0 and hue.filters.narrowed


@pytest.mark.parametrize("query, expected", [
    ({"kind": "periodic"}, Filters(kind="periodic")),
    ({"kind": "ongoing", "agency": "vpcp"}, Filters(kind="ongoing", agency="vpcp")),
    ({"kind": "weekly"}, Filters()),
])
def test_the_kind_comes_from_the_query_and_goes_back_into_it(query: dict[str, str],
                                                             expected: Filters) -> None:
    assert Filters.from_query(query) == expected
    assert Filters.from_query(expected.query()) == expected
    assert expected.query(page=2).get("kind", "") == query["kind"] * (query["kind"] != "weekly")


# -- one task -------------------------------------------------------------------------------


def _first(store: WorkspaceStore, status: TaskStatus, lead: str | None = None) -> int:
    return next(t.number for t in store.tasks()
                if t.status is status and (lead is None or t.lead == lead))


def test_a_tasks_page_has_its_whole_history_newest_first(store: WorkspaceStore) -> None:
    page = task_view.task_page(store, NOW, 2, store.member(demo.SECRETARY_ID))
    assert page is not None
    assert page.history == list(reversed(page.task.history))
    assert page.history[-1].kind is HistoryKind.CREATED
    assert page.row.cls == "overdue" and page.row.days_late > 0
    assert task_view.task_page(store, NOW, 999, store.member(demo.SECRETARY_ID)) is None


def test_a_tasks_notes_are_its_note_entries(store: WorkspaceStore) -> None:
    task = store.task(2)
    assert task is not None
    noted = dataclasses.replace(task, history=[
        *task.history,
        dataclasses.replace(task.history[0], kind=HistoryKind.NOTE, note="Vướng mắc: A",
                            at=NOW - dt.timedelta(days=1)),
        dataclasses.replace(task.history[0], kind=HistoryKind.NOTE, note="Đề xuất: B", at=NOW),
    ])
    registry = demo_registry()
    mine = registry.get(WS)
    assert mine is not None
    mine.save_task(noted, actor=demo.SECRETARY_ID, at=NOW, action="task_note")
    page = task_view.task_page(mine, NOW, 2, None)
    assert page is not None
    assert [h.note for h in page.notes] == ["Đề xuất: B", "Vướng mắc: A"]


@pytest.mark.parametrize("who, status, lead, expected", [
    (demo.SECRETARY_ID, TaskStatus.IN_PROGRESS, None, ("done", "progress", "note")),
    (demo.CHAIR_ID, TaskStatus.OPEN, None, ("done", "progress", "note")),
    (demo.NGHE_AN_ID, TaskStatus.IN_PROGRESS, "nghe-an", ("done", "progress", "note")),
    (demo.HA_TINH_ID, TaskStatus.IN_PROGRESS, "nghe-an", ()),  # another agency's task
    (demo.NGHE_AN_ID, TaskStatus.DONE, "nghe-an", ("note",)),
    (demo.SECRETARY_ID, TaskStatus.DONE, None, ("note",)),
    (demo.SECRETARY_ID, TaskStatus.CANCELLED, None, ()),
    (demo.STRANGER_ID, TaskStatus.IN_PROGRESS, None, ()),  # not a member
])
def test_actions_are_what_the_task_cards_buttons_allow(
    store: WorkspaceStore, who: int, status: TaskStatus, lead: str | None,
    expected: tuple[str, ...],
) -> None:
    number = _first(store, status, lead)
    page = task_view.task_page(store, NOW, number, store.member(who))
    assert page is not None and page.actions == expected


# -- agencies and meetings ------------------------------------------------------------------


def test_agencies_are_ranked_as_byagency_ranks_them(store: WorkspaceStore) -> None:
    ranking = agency_view.agency_ranking(store, NOW)
    expected = reports.tally_by_agency(store.tasks(), NOW, store.workspace.tz)
    assert [(line.agency.code, line.tally) for line in ranking] == expected
    assert [line.rank for line in ranking] == list(range(1, len(expected) + 1))
    worst = ranking[0]
    assert worst.tally.overdue == max(line.tally.overdue for line in ranking)


def test_each_agency_lists_its_most_urgent_tasks_and_how_many_more(store: WorkspaceStore
                                                                    ) -> None:
    for line in agency_view.agency_ranking(store, NOW):
        led = reports.by_urgency([t for t in store.tasks() if t.lead == line.agency.code],
                                 NOW, store.workspace.tz)
        shown = [s.task.number for s in led[:agency_view.AGENCY_LIST_MAX]]
        assert [r.task.number for r in line.rows] == shown
        assert line.more == len(led) - len(shown)
        if any(s.timeliness is not None and s.timeliness.value == "overdue" for s in led):
            assert line.rows[0].cls == "overdue"
    assert any(line.more for line in agency_view.agency_ranking(store, NOW))


def test_meetings_show_their_conclusions_and_what_came_of_them(store: WorkspaceStore) -> None:
    (meeting,) = meeting_view.meeting_views(store, NOW)
    assert meeting.meeting.number == 4
    expected = [t.number for t in store.tasks() if t.meeting == 4]
    assert [r.task.number for r in meeting.outcomes] == expected and expected
    assert meeting.tally == reports.tally([t for t in store.tasks() if t.meeting == 4], NOW,
                                          store.workspace.tz)


# -- indicators -----------------------------------------------------------------------------


def test_an_indicator_is_ranked_as_the_chat_ranks_it(store: WorkspaceStore) -> None:
    from bot.ranking import rank

    page = indicator_view.indicator_page(store, None, "")
    first = store.indicators.all()[0]
    assert page.ranking is not None and page.ranking.indicator.number == first.number
    assert page.ranking == rank(first, store.indicators.values(first.number), store.agencies())
    # Digitization, first 9 months of 2024: four provinces meet the 80% requirement.
    assert [row.code for row, _ in page.bars][:4] == ["binh-dinh", "hai-duong", "ha-giang",
                                                      "ca-mau"]
    assert len(page.ranking.met) == 4 and len(page.ranking.not_met) == 6
    widths = [bar.width for _, bar in page.bars]
    assert widths == sorted(widths, reverse=True) and max(widths) == 100
    assert {bar.target_at for _, bar in page.bars} == {round(100 * 80 / 89.51, 3)}


def test_an_agencys_trend_is_its_figures_oldest_first(store: WorkspaceStore) -> None:
    online_payment = next(i for i in store.indicators.all() if i.number == 2)
    page = indicator_view.indicator_page(store, online_payment.number, "nghe-an")
    assert page.agency is not None and page.agency.code == "nghe-an"
    assert [p.value.value for p in page.trend] == [13.51, 40.47]  # 2023, then 7 months 2024
    assert page.trend[-1].measure.width == 100
    assert {a.code for a in page.agencies} == {"nghe-an", "ha-tinh"}
    assert indicator_view.indicator_page(store, 2, "nowhere").trend == []


def test_each_agency_has_its_indicators_against_its_requirements(store: WorkspaceStore) -> None:
    figures = indicator_view.agency_indicators(store)
    nghe_an = {f.indicator.number: f for f in figures["nghe-an"]}
    assert nghe_an[1].row is not None and nghe_an[1].row.value == 72.47
    assert nghe_an[1].short  # 72.47% against 80%: a shortfall, listed first
    assert figures["nghe-an"][0].short


def test_the_overview_kept_between_requests_follows_every_change() -> None:
    from bot import taskops

    store = demo_registry().get(WS)
    assert store is not None
    figures = overview.Figures()
    first = overview.overview(store, NOW, figures)
    number = next(t.number for t in store.tasks() if t.status is TaskStatus.IN_PROGRESS
                  and t.deadline is not None and t.deadline >= NOW.date())
    task = store.task(number)
    assert task is not None
    done = taskops.mark_done(task, now=NOW, actor=demo.SECRETARY_ID)
    assert not isinstance(done, taskops.TaskError)
    store.save_task(done, actor=demo.SECRETARY_ID, at=NOW, action="task_done")
    again = overview.overview(store, NOW, figures)
    assert again.tally.done_on_time == first.tally.done_on_time + 1
    assert again.tally.in_progress == first.tally.in_progress - 1
    assert again == overview.overview(store, NOW)  # the same as counted from nothing
    assert again.at_last_meeting == first.at_last_meeting  # the past did not change
