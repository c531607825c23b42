"""Golden texts of every chat template, in both languages, rendered with sample data.

A lost newline (a block tag at the end of a line swallows the newline after it, unless it is
written ``{% endif +%}``) or any changed word shows up as a difference from the template's
golden file, ``tests/golden/templates/<template>_<lang>.html``: one file per template and
language, holding each of its cases in SAMPLES, in order, under a ``#### <case>`` line.

A template is either in SAMPLES (name -> cases, each a dict of values or a function of the
language returning one), in ELSEWHERE (its golden file is kept by another test module), or in
LIBRARIES (macros only, imported by the others). A new template goes into one of them, or
``test_every_template_has_a_golden_text`` fails.

After adding a case or changing a template on purpose, regenerate and read the diff:

    DONDOC_UPDATE_GOLDEN=1 .venv/bin/python -m pytest -q tests/test_templates_golden.py

then commit the files under tests/golden/templates/ with the change.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from markupsafe import Markup

from bot import reports, taskops
from bot.dates import day_off
from bot.meetings import ConclusionDraft
from bot.model import (
    AuditEntry,
    DeadlineRule,
    HistoryEntry,
    HistoryKind,
    Meeting,
    Task,
    TaskStatus,
    Workspace,
)
from bot.newtask import Draft, Problem
from bot.recurrence import Cadence, Recurrence
from bot.reminders import (
    DeliveryFailure,
    Digest,
    ExtensionRequest,
    ExtensionStatus,
    Kind,
    ReminderKey,
    ReminderPolicy,
)
from bot.render import LANGUAGES, TEMPLATES_DIR, Renderer
from store.workspace import WorkspaceStore
from tests.factories import (
    AGENCIES,
    CHAIR,
    MEMBERS,
    NOW,
    OWNER,
    SECRETARY,
    TZ,
    make_task,
    seeded_store,
)
from tests.test_summary import make_summary, summary_store

GOLDEN = Path(__file__).parent / "golden" / "templates"
TODAY = NOW.date()
RENDERER = Renderer()
WORKSPACE = Workspace(chat_id=-1001234567890, title="Tổ công tác cải cách TTHC", created_at=NOW)
LABELS = {a.code: a.label for a in AGENCIES}
BY_CODE = {a.code: a for a in AGENCIES}
NAMES = {m.user_id: m.name for m in MEMBERS}
BY_ID = {m.user_id: m for m in MEMBERS}
SECRETARY_MEMBER, CHAIR_MEMBER, OWNER_MEMBER, OTHER_MEMBER = MEMBERS
MEETING = Meeting(4, dt.date(2024, 4, 15), "Phiên họp thứ tư", "Phó Thủ tướng Trần Lưu Quang")
UNTITLED = Meeting(5, TODAY, "")
Values = dict[str, Any]
Case = Values | Callable[[str], Values]


def _at(day: int, month: int = 7, hour: int = 9) -> dt.datetime:
    return dt.datetime(2024, month, day, hour, tzinfo=NOW.tzinfo)


def _task(number: int, title: str, lead: str, deadline: dt.date, **extra: Any) -> Task:
    return make_task(title, lead, deadline, number=number, **extra)


# Tasks in the four classes, cancelled, extended, with a history: enough for every list to
# have two lines, so that a lost newline between them shows.
OVERDUE = _task(2, "Số hoá hồ sơ, kết quả giải quyết TTHC", "nghe-an", dt.date(2024, 7, 20),
                status=TaskStatus.IN_PROGRESS, progress=40, responsible=(OWNER,))
LATE_ONE = _task(3, "Khắc phục hồ sơ trễ hạn <tại các sở>", "ha-tinh", dt.date(2024, 7, 29))
DUE_SOON = _task(4, "Mở rộng thanh toán trực tuyến", "ha-tinh", dt.date(2024, 8, 2),
                 deadline_time=dt.time(17, 0))
LATER = _task(5, "Dự thảo Nghị định về chứng thực điện tử", "bo-tu-phap", dt.date(2024, 9, 30),
              plan="Kế hoạch CCTTHC 2024", coordinators=("vpcp",), output="Dự thảo Nghị định",
              source="KL phiên họp thứ tư", meeting=4)
DONE = _task(6, "Báo cáo quý II", "vpcp", dt.date(2024, 7, 10), status=TaskStatus.DONE,
             completed_at=_at(8), progress=100, plan="Kế hoạch CCTTHC 2024")
EXTENDED = _task(
    7, "Kết nối dữ liệu dân cư", "hue", dt.date(2024, 7, 26), status=TaskStatus.DONE,
    completed_at=_at(30), progress=100, original_deadline=dt.date(2024, 7, 12),
    history=[
        HistoryEntry(_at(1, 6), SECRETARY, HistoryKind.CREATED),
        HistoryEntry(_at(10), SECRETARY, HistoryKind.DEADLINE, "Chờ hướng dẫn kỹ thuật",
                     old_deadline=dt.date(2024, 7, 12), new_deadline=dt.date(2024, 7, 26)),
        HistoryEntry(_at(20), OWNER, HistoryKind.PROGRESS, "Đang kết nối", progress=60),
        HistoryEntry(_at(30), OWNER, HistoryKind.DONE, "Đã vận hành", progress=100),
    ],
)
SUNDAY = _task(9, "Rà soát TTHC nội bộ", "nghe-an", dt.date(2024, 9, 29))
HOLIDAY = _task(10, "Báo cáo Quốc khánh", "vpcp", dt.date(2024, 9, 2), plan="KH 2024")
CANCELLED = _task(8, "Khảo sát mức độ hài lòng", "hue", dt.date(2024, 8, 30),
                  status=TaskStatus.CANCELLED)
TASKS = [OVERDUE, LATE_ONE, DUE_SOON, LATER, DONE, EXTENDED, CANCELLED]
STANDINGS = reports.standings(TASKS, NOW, TZ)
BY_NUMBER = {s.task.number: s for s in STANDINGS}
OPEN = reports.open_first(TASKS, NOW, TZ)
TALLY = reports.tally(TASKS, NOW, TZ)
REPORT_1270 = reports.Tally(done_on_time=14068, done_late=1983, in_progress=5640, overdue=223)
REQUEST = ExtensionRequest(1, 2, OWNER, dt.date(2024, 7, 20), dt.date(2024, 8, 5), _at(30))


def DECIDED(status: ExtensionStatus) -> ExtensionRequest:
    return dataclasses.replace(REQUEST, status=status, decided_by=CHAIR, decided_at=_at(31))


def _store() -> WorkspaceStore:
    return seeded_store()


def _macros(lang: str) -> Any:
    template = RENDERER.env.get_template(f"{lang}/status_macros.html")
    return template.make_module({"lang": lang, "tz": TZ, "inline_max": 3})


def _status(lang: str, rows: list[reports.Standing], **values: Any) -> Values:
    """What bot/status.py gives a status message: macros, "as of", a page of lines."""
    m = _macros(lang)
    page = reports.paginate(rows, 1, 2)  # two lines a page: the page line shows too
    return {
        "m": m, "as_of": str(m.moment(NOW)), "page": page,
        "lines": [Markup(m.task_line(s, LABELS[s.task.lead])).strip() for s in page.items],
        **values,
    }


def _tallied(lang: str, tally: reports.Tally) -> Markup:
    return Markup(_macros(lang).tally_line(tally)).strip()


def _card(flash: str | None = None, task: Task = OVERDUE, **extra: Any) -> Values:
    standing = BY_NUMBER.get(task.number) or reports.standings([task], NOW, TZ)[0]
    return {
        "task": task, "flash": flash, "rule": "adjusted",
        "timeliness": standing.timeliness.value if standing.timeliness else None,
        "overdue_days": standing.days_late, "late_days": taskops.days_late(task, TZ),
        "days_left": standing.days_left, "agencies": LABELS, "names": NAMES,
        "meeting": MEETING if task.meeting else None, "history": task.history[-5:],
        "earlier": 0, "notes": None, **extra,
    }


def _notes(day: dt.date | None, next_year: bool = False, movable: bool = True, lang: str = "vi"
           ) -> Values:
    off = day_off(day, lang) if day is not None else None
    return {"next_year": next_year, "off": off, "movable": movable and off is not None}


_QUIET = {"next_year": False, "off": None, "movable": False}
_PROBLEMS = [
    Problem("missing_parts"), Problem("title_short", "ab"), Problem("agency_unknown", "Hà Nam"),
    Problem("agency_ambiguous", "Hà", agencies=AGENCIES[:2]),
    Problem("deadline_unparseable", "hôm kia kìa"),
    Problem("deadline_past", "1/7/2024", day=dt.date(2024, 7, 1)),
    Problem("part_unknown", "màu: xanh"), Problem("part_repeated", field="plan"),
    Problem("too_long", "…", field="output"), Problem("member_unknown", "@ai"),
    Problem("member_ambiguous", "Nguyễn", members=MEMBERS[:2]),
    Problem("coordinator_unknown", "Sở X"), Problem("duplicate", task=2),
]
_DRAFT = Draft(title="Rà soát TTHC nội bộ", lead="nghe-an", deadline=dt.date(2024, 9, 29),
               plan="Kế hoạch CCTTHC 2024", coordinators=("ha-tinh",), responsible=(OWNER,),
               output="Báo cáo", source="KL phiên họp thứ tư")
_AUDIT = [
    AuditEntry(_at(1, 6), SECRETARY, "task_created", 7, None, {"title": EXTENDED.title}),
    AuditEntry(_at(10), SECRETARY, "task_deadline", 7,
               {"deadline": "2024-07-12", "original_deadline": None},
               {"deadline": "2024-07-26", "original_deadline": "2024-07-12"}),
    AuditEntry(_at(30), OWNER, "task_done", 7, {"status": "in_progress", "progress": 60},
               {"status": "done", "progress": 100}),
]


def _each(name: str, key: str, options: list[Any], **values: Any) -> list[Case]:
    """One case per value of `key` (a reason, a kind, an error), the others fixed."""
    return [{key: option, **values} for option in options]


SAMPLES: dict[str, list[Case]] = {
    # -- people, agencies, workspaces --
    "addagency_error": _each("addagency_error", "error", ["empty", "too_long", "exists"],
                             existing=AGENCIES[0]),
    "addmember_usage": [{}],
    "agencies": [{"agencies": list(AGENCIES)}, {"agencies": []}],
    "agency_ambiguous": [{"given": "Hà", "choices": AGENCIES[:2]}],
    "agency_saved": [{"agency": AGENCIES[2]}],
    "agency_unknown": [{"given": "Hà Nam", "member": OWNER_MEMBER}],
    "commands": [{}],
    "deadline_rule": [
        {"saved": False, "leader": True, "given": ""},
        {"saved": True, "leader": True, "given": "",
         "workspace": Workspace(1, "Tổ", deadline_rule=DeadlineRule.FIRST)},
        {"saved": False, "leader": False, "given": "later"},
    ],
    "error": [{}],
    "help": [{"leader": True}, {"leader": False}],
    "join_agency_ambiguous": [{"given": "Hà", "choices": AGENCIES[:2]}],
    "join_already": [{}], "join_declined": [{}], "join_in_group": [{}],
    "join_request": [{"person_name": "Đỗ Văn Nam", "agency": AGENCIES[0]},
                     {"person_name": "Đỗ Văn Nam", "agency": None}],
    "lang_set": [{"group": True}, {"group": False}],
    "lang_usage": [{"given": "fr"}, {"given": ""}],
    "last_leader": [{}],
    "member_removed": [{"person": OTHER_MEMBER}],
    "member_saved": [{"person": OWNER_MEMBER, "agency": AGENCIES[0], "existed": False},
                     {"person": OWNER_MEMBER, "agency": None, "existed": True}],
    "members": [{"members": list(MEMBERS), "agencies": BY_CODE}],
    "no_workspace": [{"choices": []}, {"choices": [_store()]}],
    "not_allowed": _each("not_allowed", "action", ["update_task", "change_deadline", "manage"]),
    "not_member": [{}], "nothing_to_cancel": [{}], "private_text_hint": [{}],
    "removemember_usage": [{}],
    "role_set": [{"person": CHAIR_MEMBER}],
    "setrole_usage": [
        {"given": "chutri", "role": "chair", "in_group": True},
        {"given": "thuky", "role": "secretary", "in_group": False},
        {"given": "sếp", "role": None, "in_group": True},
        {"given": "", "role": None, "in_group": True},
    ],
    "unknown_command": [{"command": "/khongco"}],
    "welcome_group": [{"members": list(MEMBERS)}],
    "welcome_private": [{"workspaces": [_store()]}, {"workspaces": []}],
    "workspace_chosen": [{}],
    "workspace_info": [{"workspaces": [_store(), _store()]}, {"workspaces": []}],
    "startup_bad_setting": _each(
        "startup_bad_setting", "reason",
        ["token", "lang", "tz", "port", "number", "web_url_https", "webhook_url",
         "webhook_secret", "webhook_secret_missing", "fake_now_offset", "fake_now_format",
         "log_level", "other"], variable="DONDOC_WEBHOOK_PORT", value="abc"),
    "startup_telegram_unreachable": [{"error": "ConnectError", "delay": 5}],
    "startup_data_in_use": [{"path": "/srv/dondoc/data", "pid": 4242},
                            {"path": "/srv/dondoc/data", "pid": None}],
    "not_saved": [{}],
    "recurrence": [{"r": Recurrence(cadence, day, month)} for cadence, day, month in (
        (Cadence.MONTHLY, 20, None), (Cadence.MONTHLY, None, None), (Cadence.QUARTERLY, 15, None),
        (Cadence.HALF_YEARLY, None, None), (Cadence.YEARLY, 15, 12), (Cadence.YEARLY, None, 6),
        (Cadence.YEARLY, None, None))],
    "startup_token_rejected": [{}],
    "startup_corrupt": [{"path": "/srv/dondoc/data/workspaces/-100.json",
                         "reason": "Expecting value: line 1 column 1"}],
    "startup_no_token": [{}],
    "dashboard_buttons": [{}], "dashboard_off": [{}], "dashboard_open": [{}],
    "dashboard_open_group": [{}],
    # -- the console --
    "console_help": [lambda lang: {
        "group_title": WORKSPACE.title, "data_dir": "/tmp/dondoc-demo", "temporary": True,
        "files_dir": "/tmp/dondoc-demo/files",
        "reminders": True, "demo": True, "cast": [
            {"number": 1, "first": "Hoa", "name": "Nguyễn Thị Hoa", "role": "secretary",
             "agency": "VPCP", "key": "hoa"},
            {"number": 5, "first": "Nam", "name": "Đỗ Văn Nam", "role": None, "agency": None,
             "key": "nam"},
        ]}],
    "console_problem": _each("console_problem", "reason",
                             ["no_buttons", "bad_button", "not_pressable", "unknown_person",
                              "bad_chat", "reply_usage", "no_message", "file_not_saved",
                              "file_usage", "no_file", "file_unreadable", "demo_exists",
                              "other"], value="x", count=3,
                             folder="/tmp/dondoc-demo/files", error="disk full"),
    "console_file": [{"number": 12, "path": "/home/hoa/Ke hoach 45.docx",
                      "caption": "/nhapkehoach"},
                     {"number": 3, "path": "/home/hoa/plan.xlsx", "caption": ""}],
    "console_prompt": [{"person": {"first": "Hùng"}, "in_group": True, "number": 12},
                       {"person": {"first": "Hùng"}, "in_group": False, "number": 3}],
    "console_web": [{"url": "http://127.0.0.1:8080/?as=hoa"}],
    "console_who": [{"person": {"name": "Lê Văn Hùng", "role": "member", "agency": "Nghệ An"},
                     "in_group": True, "group_title": WORKSPACE.title}],
    # -- the task card and its updates --
    "task_buttons": [{}],
    "task_card": [
        _card(),
        _card("deadline", task=SUNDAY, notes=_notes(SUNDAY.deadline)),
        _card("deadline", task=LATER, notes=_notes(LATER.deadline, next_year=True)),
        _card("done", task=EXTENDED),
        lambda lang: _card(task=EXTENDED, rule="first", late_days=taskops.days_late(
            EXTENDED, TZ, "first")),  # type: ignore[arg-type]
        _card(task=CANCELLED),
    ],
    "task_deadline_ask": [{"task": OVERDUE, "leaders": [SECRETARY_MEMBER, CHAIR_MEMBER],
                           "request": "31/8 | chờ số liệu"}],
    "task_error": _each("task_error", "error",
                        [e.value for e in taskops.TaskError], task=OVERDUE, note_max=1000),
    "task_history": [{"task": EXTENDED, "lines": taskops.audit_lines(_AUDIT, EXTENDED),
                      "agencies": LABELS, "names": NAMES},
                     {"task": OVERDUE, "lines": [], "agencies": LABELS, "names": NAMES}],
    "task_note_prompt": [{"task": OVERDUE, "user_id": OWNER, "user_name": "Lê Văn Nghệ"}],
    "task_reassign_choose": [{"task": OVERDUE, "given": "Hà", "typed": "Hà",
                              "choices": AGENCIES[:2]}],
    "task_toast": [
        *_each("task_toast", "kind", ["no_workspace", "not_member", "not_yours", "leaders_only",
                                      "agency_gone", "deadline_hint", "deadline_ask", "done",
                                      "progress", "reopened", "workday", "reassigned",
                                      "note_placeholder"], task=OVERDUE, number=2, error=""),
        {"kind": "unknown", "number": 9, "task": None, "error": ""},
        *_each("task_toast", "error", ["already_done", "cancelled", "not_done", "no_change",
                                       "deadline_moved", "past_deadline", "other"],
               kind="error", task=OVERDUE, number=2),
    ],
    "task_unknown": [{"number": 99}],
    "task_usage": [
        *_each("task_usage", "problem", ["number", "percent", "note", "date", "reason"],
               command="progress", task=OVERDUE, given="abc", day=None),
        *_each("task_usage", "command", ["task", "done", "progress", "note", "reopen",
                                         "deadline", "reassign", "canceltask", "history"],
               problem="number", given=""),
        *_each("task_usage", "problem", ["target", "agency", "person"], command="reassign",
               task=OVERDUE, given="Hà Nam"),
        {"command": "deadline", "problem": "date_past", "task": OVERDUE, "given": "1/7/2024",
         "day": dt.date(2024, 7, 1)},
        {"command": "deadline", "problem": "date_unparseable", "task": OVERDUE,
         "given": "hôm kia kìa", "day": None},
    ],
    "toast_leaders_only": [{}],
    # -- new tasks --
    "newtask_ask_deadline": [{"is_group": True, "problem": None},
                             {"is_group": False, "problem": _PROBLEMS[5]}],
    "newtask_ask_lead": [{"is_group": True, "problem": None, "quick": False},
                         {"is_group": False, "problem": _PROBLEMS[2], "quick": True}],
    "newtask_ask_plan": [{"is_group": True, "problem": None, "has_plans": True},
                         {"is_group": False, "problem": None, "has_plans": False}],
    "newtask_ask_plan_name": [{"is_group": True}],
    "newtask_ask_title": [{"is_group": True, "problem": None},
                          {"is_group": False, "problem": _PROBLEMS[1]}],
    "newtask_button": _each("newtask_button", "which",
                            ["no_plan", "new_plan", "create", "cancel"]),
    "newtask_cancelled": [{}],
    "newtask_confirm": [
        {"draft": _DRAFT, "warnings": [_PROBLEMS[-1]], "agencies": BY_CODE, "members": BY_ID,
         "notes": _notes(dt.date(2024, 9, 29), movable=False)},
        {"draft": Draft(title="Báo cáo", lead="vpcp", deadline=dt.date(2024, 9, 30)),
         "warnings": [], "agencies": BY_CODE, "members": BY_ID, "notes": _QUIET},
    ],
    "newtask_created": [
        lambda lang: {"task": HOLIDAY, "agencies": BY_CODE, "members": BY_ID,
                      "notes": _notes(HOLIDAY.deadline, next_year=True, lang=lang)},
        {"task": DUE_SOON, "agencies": BY_CODE, "members": BY_ID, "notes": _QUIET},
    ],
    "newtask_errors": [{"errors": _PROBLEMS}],
    "newtask_lead_chosen": [{"agency": AGENCIES[0]}],
    "newtask_pick_lead": [{"given": "Hà", "is_group": True}],
    "newtask_timeout": [{}],
    # -- meetings --
    "meeting_buttons": [{}],
    "meeting_card": [
        {"meeting": MEETING, "standings": [BY_NUMBER[5], BY_NUMBER[2]], "leader": True,
         "tally": reports.tally([LATER, OVERDUE], NOW, TZ), "agencies": LABELS},
        {"meeting": UNTITLED, "standings": [], "leader": True, "tally": reports.Tally(),
         "agencies": LABELS},
    ],
    "meeting_conclusion_added": [
        {"task": SUNDAY, "meeting": MEETING, "agencies": LABELS, "names": NAMES, "count": 2,
         "notes": _notes(SUNDAY.deadline)},
        {"task": DUE_SOON, "meeting": MEETING, "agencies": LABELS, "names": NAMES,
         "count": 1, "notes": _QUIET},
    ],
    "meeting_conclusion_error": _each(
        "meeting_conclusion_error", "reason",
        ["fields", "meeting", "no_meeting", "title", "agency", "agency_unknown", "deadline",
         "deadline_past", "output", "duplicate"],
        given="abc", latest=MEETING, task=OVERDUE, agencies=list(AGENCIES)),
    "meeting_conclusion_usage": [{"latest": MEETING}, {"latest": None}],
    "meeting_error": _each("meeting_error", "reason",
                           ["number", "date", "date_future", "title", "exists", "other"],
                           given="abc", meeting=MEETING, next_number=5),
    "meeting_list": [
        {"meetings": [UNTITLED, MEETING], "leader": True,
         "tallies": {4: reports.tally([LATER, OVERDUE, CANCELLED], NOW, TZ),
                     5: reports.Tally()}},
        {"meetings": [], "leader": False, "tallies": {}},
    ],
    "meeting_not_found": [{"given": "9", "meetings": [MEETING, UNTITLED]},
                          {"given": "9", "meetings": []}],
    "meeting_pick_agency": [{"given": "Hà", "draft": ConclusionDraft(
        4, "Rà soát TTHC", "Hà", dt.date(2024, 9, 30), "")}],  # type: ignore[arg-type]
    "meeting_pick_expired": [{}],
    "meeting_recorded": [{"meeting": MEETING}, {"meeting": UNTITLED}],
    "meeting_source": [{"meeting": MEETING}, {"meeting": UNTITLED}],
    "meeting_usage": [{"next_number": 5}],
    # -- reminders --
    "reminder_buttons": [{}],
    "reminder_daily": [{"standings": [BY_NUMBER[4], BY_NUMBER[3]], "agencies": LABELS}],
    "reminder_digest": [
        {"digest": Digest(
            week_start=dt.date(2024, 7, 29), due_this_week=(BY_NUMBER[4], BY_NUMBER[3]),
            overdue_by_agency=(("nghe-an", (BY_NUMBER[2],)), ("ha-tinh", (BY_NUMBER[3],))),
            done_last_week=(DONE, EXTENDED),
            undelivered=(DeliveryFailure(ReminderKey(2, Kind.OVERDUE, dt.date(2024, 7, 26)),
                                         -100, "403", _at(26), OWNER),
                         DeliveryFailure(ReminderKey(0, Kind.DAILY, dt.date(2024, 7, 26)),
                                         -100, "timeout", _at(26)))),
         "agencies": LABELS, "names": NAMES},
    ],
    "reminder_escalation": [{"standings": [BY_NUMBER[2], BY_NUMBER[3]], "agencies": LABELS,
                             "mentions": [CHAIR_MEMBER, SECRETARY_MEMBER]}],
    "reminder_extension_choices": [{"choices": [(3, dt.date(2024, 8, 5)),
                                                (7, dt.date(2024, 8, 9))]}],
    "reminder_extension_decided": [
        {"request": request, "task": OVERDUE, "mentions": mentions, "names": NAMES}
        for request, mentions in (
            (DECIDED(ExtensionStatus.APPROVED), [OWNER_MEMBER]),
            (DECIDED(ExtensionStatus.DECLINED), []),
            (REQUEST, []),
        )
    ],
    "reminder_extension_note": [{"request": REQUEST, "names": NAMES}],
    "reminder_extension_request": [{"request": REQUEST, "task": OVERDUE, "agencies": LABELS,
                                    "names": NAMES, "mentions": [CHAIR_MEMBER]}],
    "reminder_settings": [
        {"policy": ReminderPolicy(), "saved": True, "leader": True, "wake": _at(1, 8, 8)},
        {"policy": ReminderPolicy(enabled=False, escalate_after=None, weekly_cap=None,
                                  digest_weekday=None, overdue_daily=False, group_daily=False),
         "saved": False, "leader": False, "wake": None},
    ],
    "reminder_settings_error": _each("reminder_settings_error", "reason",
                                     ["empty", "unknown_setting", "outside_hours", "bad_value"],
                                     setting="mau", value="xanh"),
    "reminder_task": [
        *_each("reminder_task", "kind", ["before", "due", "overdue", "snoozed"], flash=None,
               task=EXTENDED, days_left=3, agencies=LABELS, mentions=[OWNER_MEMBER],
               request=None, until=None),
        *_each("reminder_task", "flash", ["done", "progress", "snoozed", "extend", "ext_sent"],
               kind="before", task=OVERDUE, days_left=-11, agencies=LABELS, mentions=[],
               request=REQUEST, until=dt.date(2024, 8, 1)),
    ],
    "reminder_toast": [
        *_each("reminder_toast", "kind",
               ["no_workspace", "not_member", "unknown", "not_yours", "closed", "leaders_only",
                "done", "progress", "snoozed", "ext_pending", "ext_sent", "ext_unknown",
                "ext_decided", "ext_approved", "ext_declined"],
               task=DONE, number=6, error="", until=dt.date(2024, 8, 1)),
        *_each("reminder_toast", "error", ["already_done", "cancelled", "past_deadline", "x"],
               kind="error", task=DONE, number=6, until=None),
    ],
    # -- status --
    "status_agencies": [lambda lang: _status(
        lang, [], page=reports.paginate(reports.tally_by_agency(TASKS, NOW, TZ), 1, 3),
        labels=LABELS)],
    "status_agency": [
        lambda lang: _status(lang, OPEN, agency=AGENCIES[1], tally=TALLY, cancelled=[CANCELLED],
                             total_line=_tallied(lang, TALLY)),
        lambda lang: _status(lang, [], agency=AGENCIES[4], tally=reports.Tally(), cancelled=[],
                             total_line=_tallied(lang, reports.Tally())),
    ],
    "status_agency_unknown": [{"given": "Hà Nam"}],
    "status_agency_usage": [{}],
    "status_cancelled": [lambda lang: _status(lang, [BY_NUMBER[8]], title="Huế")],
    "status_due": [lambda lang: _status(lang, [BY_NUMBER[4], BY_NUMBER[5]], days=7,
                                        until=dt.date(2024, 8, 7))],
    "status_due_usage": [{"given": "abc", "default_days": 7, "max_days": 365}],
    "status_expired": [{}],
    "status_find": [lambda lang: _status(lang, [BY_NUMBER[2], BY_NUMBER[7]], words="số hoá")],
    "status_find_usage": [{}],
    "status_mine": [lambda lang: _status(
        lang, reports.by_urgency(TASKS, NOW, TZ), person=OWNER_MEMBER, agency=AGENCIES[0],
        tally=TALLY, cancelled=[CANCELLED], total_line=_tallied(lang, TALLY))],
    "status_nav": [{"cancelled": 4}],
    "status_overall": [
        lambda lang: _status(lang, [], tally=TALLY, cancelled=[CANCELLED],
                             total_line=_tallied(lang, TALLY), plans=reports.Page(
                                 [(p, t, _tallied(lang, t))
                                  for p, t in reports.tally_by_plan(TASKS, NOW, TZ)],
                                 1, 1, 2, 0)),
        lambda lang: _status(lang, [], tally=reports.Tally(), cancelled=[],
                             total_line=_tallied(lang, reports.Tally()),
                             plans=reports.Page([], 1, 1, 0, 0)),
        # Báo cáo 1270/BC-TCTTTg's counts: the headline rate over the tasks fallen due.
        lambda lang: _status(lang, [], tally=REPORT_1270, cancelled=[],
                             total_line=_tallied(lang, REPORT_1270),
                             plans=reports.Page([], 1, 1, 0, 0)),
    ],
    "status_overdue": [lambda lang: _status(lang, [BY_NUMBER[2], BY_NUMBER[3]], agency=None),
                       lambda lang: _status(lang, [], agency=AGENCIES[4])],
    "status_pick": [{"kind": "plan", "given": "KH", "count": 12, "shown": 8},
                    {"kind": "agency", "given": "Hà", "count": 2, "shown": 8}],
    "status_plan": [lambda lang: _status(lang, OPEN, plan="Kế hoạch CCTTHC 2024", tally=TALLY,
                                         cancelled=[], total_line=_tallied(lang, TALLY)),
                    # A plan with ongoing tasks ("Thường xuyên") counts them apart, by name.
                    lambda lang: _status(lang, OPEN, plan="Kế hoạch 45/KH-TCT",
                                         tally=dataclasses.replace(TALLY, continuous=2),
                                         cancelled=[], total_line=_tallied(lang, TALLY))],
    "status_plan_unknown": [{"given": "KH X", "plans": ["Kế hoạch CCTTHC 2024", "APR 2024"]},
                            {"given": "KH X", "plans": []}],
    # -- the summary (its message has golden texts in tests/test_summary.py) --
    "summary_buttons": [{}],
    "summary_chart": [{"summary": make_summary(), "hidden": 0},
                      {"summary": make_summary(), "hidden": 3}],
    "summary_document": [{"summary": make_summary()},
                         {"summary": make_summary(summary_store([]))}],
    "summary_error": _each("summary_error", "reason",
                           ["date", "range_order", "range_future", "meeting_number",
                            "meeting_unknown", "plan_gone"],
                           given="31/7/2024-1/7/2024", meetings=[MEETING]),
    "summary_files_failed": [{}],
    "summary_pick_plan": [{"given": "KH", "found": ["Kế hoạch CCTTHC 2024", "KH 2025"],
                           "plans": []},
                          {"given": "xyz", "found": [], "plans": ["Kế hoạch CCTTHC 2024"]}],
}


# Templates whose golden texts other modules keep, with the files that hold them.
ELSEWHERE: dict[str, str] = {
    "summary_message": "summary_{lang}.html",
    "summary_caption": "summary_captions_{lang}.html",
    "summary_file_name": "summary_captions_{lang}.html",
    "error_saved": "error_saved_{lang}.html",
    "calendar_event": "calendar_event_{lang}.html",
    "export_files": "export_files_{lang}.html",
    "export_labels": "export_labels_{lang}.html",
    "export_usage": "export_usage_{lang}.html",
    "import_button": "import_button_{lang}.html",
    "import_done": "import_done_{lang}.html",
    "import_preview": "import_preview_{lang}.html",
    "import_refused": "import_refused_{lang}.html",
    "import_usage": "import_usage_{lang}.html",
    "reminder_indicator": "indicators/reminder_indicator_{lang}.html",
    "indicator_row": "indicators/indicator_row_{lang}.html",
    "data_unreadable": "data_unreadable_{lang}.html",
    "backup_buttons": "backup_buttons_{lang}.html",
    "backup_files": "backup_files_{lang}.html",
    "backup_private": "backup_private_sent_{lang}.html",
    "backup_sent": "backup_sent_{lang}.html",
    "cli_backup_done": "cli_backup_done_{lang}.html",
    "cli_restore_done": "cli_restore_done_{lang}.html",
    "cli_restore_refused": "restore_refused_{lang}.html",
    "restore_confirm": "restore_confirm_{lang}.html",
    "restore_done": "restore_done_{lang}.html",
    "restore_refused": "restore_refused_{lang}.html",
    "restore_usage": "restore_usage_{lang}.html",
    "summary_indicators": "indicators/summary_indicators_{lang}.html",
    "summary_indicators_document": "indicators/summary_indicators_document_{lang}.html",
}
ELSEWHERE.update({
    name: f"indicators/{name}_{{lang}}.html"
    for name in (
        "indicator_agency", "indicator_agency_unknown", "indicator_buttons", "indicator_caption",
        "indicator_chart", "indicator_define_error", "indicator_defined", "indicator_list",
        "indicator_period_error", "indicator_ranking", "indicator_report_draft",
        "indicator_report_error", "indicator_report_saved", "indicator_shortfalls",
        "indicator_target", "indicator_trend", "indicator_trend_pick", "indicator_unknown",
    )
})
# Macros only, imported by the templates above; rendering one alone gives nothing.
LIBRARIES = frozenset({
    "indicator_macros", "newtask_parts", "reminder_macros", "status_macros", "summary_labels",
    "task_labels", "dashboard_words",
})


def _names() -> list[str]:
    return sorted(p.stem for p in (TEMPLATES_DIR / "vi").glob("*.html"))


def _base(lang: str) -> Values:
    return {"today": TODAY, "now": NOW, "tz": TZ, "workspace": WORKSPACE,
            "member": SECRETARY_MEMBER}


def _render_cases(name: str, lang: str) -> str:
    parts = []
    for index, case in enumerate(SAMPLES[name], 1):
        values = case(lang) if callable(case) else case
        text = RENDERER.render(name, lang, **{**_base(lang), **values})
        parts.append(f"#### {name} {index}\n{text}")
    return "\n\n".join(parts)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_template_matches_its_golden_text(name: str, lang: str) -> None:
    text = _render_cases(name, lang)
    path = GOLDEN / f"{name}_{lang}.html"
    if os.environ.get("DONDOC_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n", encoding="utf-8")
    assert path.exists(), "no golden text yet: regenerate (see this module's docstring)"
    assert text + "\n" == path.read_text(encoding="utf-8"), f"{path.name} differs"


# What starts a line of a list or a card: seen after text on the same line (not after a space
# or an opening bracket), it starts an item whose newline a block tag swallowed.
_LINE_MARKS = ("•", "⚠️", "🔴", "🟠", "🟡", "🔵", "🟢", "⚪", "✅", "☑️", "⏳", "✖️", "📅", "📊",
               "🏢", "👤", "🤝", "📄", "🗂", "🏁", "📌", "📆", "⚖️", "↪️")
_SWALLOWED = re.compile(r"[^\s(«“/]({})".format("|".join(map(re.escape, _LINE_MARKS))))


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_list_items_start_their_own_lines(name: str, lang: str) -> None:
    # "• Bình Định — UBND tỉnh Bình Định• Bắc Ninh — …" (issue 9): an item glued to the line
    # before it.
    for line in _render_cases(name, lang).splitlines():
        assert not _SWALLOWED.search(line), f"{name} ({lang}): {line!r}"


def test_every_template_has_a_golden_text() -> None:
    names = set(_names())
    missing = sorted(names - set(SAMPLES) - set(ELSEWHERE) - LIBRARIES)
    assert missing == [], "add a case to SAMPLES (see this module's docstring)"
    assert sorted((set(SAMPLES) | set(ELSEWHERE) | LIBRARIES) - names) == []
    for name, pattern in ELSEWHERE.items():
        for lang in LANGUAGES:
            path = GOLDEN.parent / pattern.format(lang=lang)
            assert path.exists(), f"{name}: {path} is not kept by its module"


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name", sorted(LIBRARIES))
def test_libraries_hold_only_macros(name: str, lang: str) -> None:
    assert RENDERER.render(name, lang, **_base(lang)) == ""
