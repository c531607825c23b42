"""Golden texts of the import, export and calendar messages, in both languages.

Regenerate after an intended change with ``DONDOC_UPDATE_GOLDEN=1 pytest tests/...``, then
read the diff of tests/golden/ before committing it.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.model import Workspace
from bot.plan_import import Preview, Problem, Unresolved
from bot.recurrence import Cadence, Recurrence
from bot.render import Renderer
from store.backup import Contents
from tests.factories import NOW, TZ, make_task
from tests.goldens import check_golden

WORKSPACE = Workspace(chat_id=-100, title="Tổ công tác cải cách TTHC", created_at=NOW)
BASE: dict[str, Any] = {"today": NOW.date(), "now": NOW, "tz": TZ, "workspace": WORKSPACE}

CONTENTS = Contents("Tổ công tác cải cách TTHC", 68, 15, 5, 2)
PREVIEW = Preview(
    plan="Kế hoạch CCHC năm 2025",
    tasks=38,
    by_agency=[("Bộ Tư pháp", 14), ("UBND tỉnh Nghệ An", 12), ("Bộ Nội vụ", 12)],
    by_section=[("I. CẢI CÁCH THỂ CHẾ", 20), ("II. CẢI CÁCH TTHC › 1. Rà soát", 18)],
    problems=[Problem(14, "deadline", "Quý 5/2025"), Problem(15, "no_lead", "Số hóa"),
              Problem(16, "no_title", "")],
    unresolved=[Unresolved("Bộ Nội vụ", ("bo-tu-phap",), 12)],
    duplicates=3, done=5, cancelled=1, ongoing=2, periodic=4, overdue=7, undated_done=2,
)
CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "import_preview": ("import_preview", {
        "p": PREVIEW, "filename": "Phu-luc.docx", "agencies": {"bo-tu-phap": "Bộ Tư pháp"},
    }),
    "import_preview_clean": ("import_preview", {
        "p": Preview(plan="", tasks=1, by_agency=[("Bộ Tư pháp", 1)], by_section=[("", 1)],
                     problems=[], unresolved=[], duplicates=0),
        "filename": "kh.csv", "agencies": {},
    }),
    "import_done": ("import_done", {
        "cancelled": False, "filename": "Phu-luc.docx", "count": 38, "first": 12, "last": 49,
        "plan": "Kế hoạch CCHC năm 2025", "agencies": ["Bộ Nội vụ"], "skipped": 2,
    }),
    "import_cancelled": ("import_done", {"cancelled": True, "filename": "Phu-luc.docx"}),
    "import_usage": ("import_usage", {}),
    "export_labels": ("export_labels", {}),
    "export_files": ("export_files", {"which": "export", "count": 68}),
    "calendar_files": ("export_files", {
        "which": "calendar", "who": "agency", "who_key": "agency", "count": 3,
        "agency": "Nghệ An",
    }),
    "export_usage": ("export_usage", {"which": "export"}),
    "calendar_usage": ("export_usage", {"which": "calendar", "agency_unknown": True}),
    "calendar_empty": ("export_usage", {"which": "calendar_empty", "who": "mine"}),
    "recurrence_monthly": ("recurrence", {"r": Recurrence(Cadence.MONTHLY, 20)}),
    "recurrence_quarterly": ("recurrence", {"r": Recurrence(Cadence.QUARTERLY, 20)}),
    "recurrence_half_yearly": ("recurrence", {"r": Recurrence(Cadence.HALF_YEARLY)}),
    "recurrence_yearly": ("recurrence", {"r": Recurrence(Cadence.YEARLY, 15, 12)}),
    "backup_sent": ("backup_sent", {"digest": "ab" * 32, "contents": CONTENTS}),
    "backup_private_sent": ("backup_private", {"sent": True}),
    "backup_private_closed": ("backup_private", {"sent": False}),
    "backup_buttons": ("backup_buttons", {}),
    "backup_files": ("backup_files", {}),
    "restore_usage": ("restore_usage", {}),
    "restore_confirm": ("restore_confirm", {
        "current": CONTENTS, "incoming": Contents("Tổ công tác cải cách TTHC", 60, 15, 5, 1),
        "made_at": NOW, "digest": "cd" * 32,
    }),
    "restore_done": ("restore_done", {"cancelled": False, "contents": CONTENTS, "made_at": NOW,
                                      "kept": "-100.json.before-restore-20240731-090000"}),
    "restore_cancelled": ("restore_done", {"cancelled": True}),
    "cli_backup_done": ("cli_backup_done", {"path": "/srv/backups/dondoc-backup.zip",
                                            "digest": "ef" * 32}),
    "cli_restore_done": ("cli_restore_done", {"files": ["users.json", "workspaces/-100.json"],
                                              "kept": "/srv/data/before-restore-20240731"}),
    "calendar_event": ("calendar_event", {
        "task": make_task("Rà soát & đơn giản hóa TTHC", plan="KH 2025", number=12, ref="3",
                          output="Báo cáo"),
        "lead": "UBND tỉnh Nghệ An",
    }),
}
RESTORE_REASONS = ["in_group", "too_large", "download", "damaged", "unreadable",
                   "other_workspace", "not_a_backup"]
CLI_REASONS = ["not_found", "damaged", "unreadable", "not_a_backup"]
REASONS = ["too_large", "too_many_rows", "password", "old_format", "broken", "wrong_type",
           "no_table", "no_header", "download", "empty", "expired"]
BUTTONS: list[tuple[str, dict[str, Any]]] = [("create", {"unknown": "Bộ Nội vụ"}),
           ("map", {"unknown": "Bộ Nội vụ", "agency": "Bộ Tư pháp"}),
           ("create_all", {"count": 3}), ("write", {"count": 38, "skipped": 2}),
           ("write_new", {"count": 35}), ("write_all", {"count": 38, "skipped": 3}),
           ("cancel", {}), ("stale", {})]



@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_message_matches_its_golden_text(case: str, lang: str) -> None:
    template, values = CASES[case]
    check_golden(f"{case}_{lang}.html", Renderer().render(template, lang, **BASE, **values))


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_refusal_matches_its_golden_text(lang: str) -> None:
    text = "\n---\n".join(
        Renderer().render("import_refused", lang, reason=r, filename="kh.xlsx", **BASE)
        for r in REASONS
    )
    check_golden(f"import_refused_{lang}.html", text)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_button_label_matches_its_golden_text(lang: str) -> None:
    text = "\n".join(
        Renderer().render("import_button", lang, which=which, **values, **BASE)
        for which, values in BUTTONS
    )
    check_golden(f"import_button_{lang}.html", text)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_restore_refusal_matches_its_golden_text(lang: str) -> None:
    renderer = Renderer()
    text = "\n---\n".join(
        [renderer.render("restore_refused", lang, reason=r, **BASE) for r in RESTORE_REASONS]
        + [renderer.render("cli_restore_refused", lang, reason=r, path="/srv/b.zip", **BASE)
           for r in CLI_REASONS]
    )
    check_golden(f"restore_refused_{lang}.html", text)
