"""The console's `:file`: a file of this computer sent as a document; the shipped sample plan."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from bot import demo
from bot.clock import FixedClock
from bot.model import TaskStatus
from bot.plan_import import read_plan
from bot.settings import Settings
from handlers.console import run_console
from handlers.console_api import ConsoleAPIError, ConsoleBotAPI, Upload
from handlers.console_files import SAMPLE, SAMPLES_DIR, choose_file
from store.workspace import open_workspace_file
from tests.factories import NOW
from tests.sample_plan import SECTIONS, TASKS, build_sample

ROOT = Path(__file__).resolve().parent.parent
PLAN = "Kế hoạch 45/KH-TCT"


def _readme_session() -> str:
    """The README's console block that imports the sample plan."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```[a-z]*\n(.*?)^```$", text, flags=re.S | re.M)
    return next(block for block in blocks if "> :file " in block)


# -- the sample ---------------------------------------------------------------------------------


def test_the_shipped_sample_is_the_annex_its_builder_makes() -> None:
    shipped = read_plan(SAMPLE.read_bytes(), today=NOW.date(), plan=PLAN)
    built = read_plan(build_sample(), today=NOW.date(), plan=PLAN)
    assert shipped.problems == []
    assert shipped.drafts == built.drafts
    assert len(shipped.drafts) == TASKS == 13
    assert shipped.sections == list(SECTIONS)


def test_the_sample_uses_every_kind_of_deadline_a_plan_writes() -> None:
    drafts = read_plan(SAMPLE.read_bytes(), today=NOW.date(), plan=PLAN).drafts
    kinds = [type(d.deadline).__name__ for d in drafts]
    assert kinds.count("Ongoing") == 2 and kinds.count("Recurrence") == 3
    first = drafts[0]
    assert (first.lead, first.coordinators) == ("Văn phòng Chính phủ", ("Bộ Tư pháp",
                                                                         "Bộ Tài chính"))
    assert first.deadline.day.isoformat() == "2026-12-31"  # type: ignore[union-attr] # Quý IV/2026
    # The lead cell merged over tasks a) and b) of "2. Tại các địa phương".
    assert [d.lead for d in drafts[5:7]] == ["UBND tỉnh Nghệ An"] * 2


# -- which file a line names --------------------------------------------------------------------


def test_sample_names_the_shipped_plan_and_the_rest_is_the_caption(tmp_path: Path) -> None:
    for word in ("sample", "mau", "MẪU"):
        chosen = choose_file(f"{word} /nhapkehoach {PLAN}", tmp_path)
        assert (chosen.path, chosen.caption) == (SAMPLE, f"/nhapkehoach {PLAN}")
        assert chosen.data == SAMPLE.read_bytes()
    assert chosen.mime_type.endswith("wordprocessingml.document")


def test_a_path_with_spaces_is_found_with_or_without_quotes(tmp_path: Path) -> None:
    (tmp_path / "Ke hoach 45.xlsx").write_bytes(b"PK")
    for typed in ("Ke hoach 45.xlsx /import", '"Ke hoach 45.xlsx" /import'):
        chosen = choose_file(typed, tmp_path)
        assert (chosen.path, chosen.data, chosen.caption) == (
            tmp_path / "Ke hoach 45.xlsx", b"PK", "/import")


def test_a_file_of_the_samples_folder_is_found_by_its_name(tmp_path: Path) -> None:
    assert choose_file(SAMPLE.name, tmp_path).path == SAMPLE
    assert SAMPLE.parent == SAMPLES_DIR


@pytest.mark.parametrize(("typed", "reason", "value"), [
    ("", "file_usage", ""),
    ('"Ke hoach.docx /import', "file_usage", ""),
    ("khong-co.docx /import", "no_file", "khong-co.docx"),
])
def test_a_line_that_names_no_file_says_why(tmp_path: Path, typed: str, reason: str,
                                            value: str) -> None:
    chosen = choose_file(typed, tmp_path)
    assert (chosen.path, chosen.reason, chosen.value) == (None, reason, value)


# -- the console's Bot API: the document, getFile and the download -----------------------------


def test_a_document_is_downloaded_by_getfile_and_its_path() -> None:
    api = ConsoleBotAPI(1, "dondoc_bot", "dondoc", wall_clock=lambda: 0.0)
    api.add_user(7, "Hoa")
    api.add_group(-100, "Tổ", {7: "creator"})
    update = api.document_update(-100, 7, Upload("kh.csv", b"STT;Noi dung"), "text/csv",
                                 "/import KH 45")
    message = update["message"]
    assert message["caption"] == "/import KH 45"
    assert message["caption_entities"] == [{"type": "bot_command", "offset": 0, "length": 7}]
    document = message["document"]
    assert (document["file_name"], document["file_size"]) == ("kh.csv", 12)
    found = api.call("getFile", {"file_id": document["file_id"]})
    assert api.download(found["file_path"]) == b"STT;Noi dung"
    assert api.download("documents/console-99") is None
    with pytest.raises(ConsoleAPIError, match="invalid file_id"):
        api.call("getFile", {"file_id": "console-99"})


# -- end to end: the README's lines -------------------------------------------------------------


async def test_the_demo_imports_the_sample_as_the_readme_shows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    downloads: list[str] = []
    download = ConsoleBotAPI.download

    def counted(api: ConsoleBotAPI, file_path: str) -> bytes | None:
        downloads.append(file_path)
        return download(api, file_path)

    monkeypatch.setattr(ConsoleBotAPI, "download", counted)
    session = _readme_session()
    typed = [line.split("> ", 1)[1] for line in session.splitlines() if "@nhóm (" in line]
    assert typed == [f":file mau /nhapkehoach {PLAN}", "#1", f"/trangthai {PLAN}"]
    out = io.StringIO()
    await run_console(
        Settings(), io.StringIO("\n".join(typed) + "\n"), out, demo_data=True,
        data_dir=tmp_path / "data", clock=FixedClock(NOW), run_jobs=False, echo=True,
    )
    shown = out.getvalue()
    for line in session.splitlines():
        for part in (p.strip() for p in line.split("…")):
            assert part in shown, part
    assert downloads == ["documents/console-1"]  # through getFile and the file URL
    # The demo was written in the data directory given: read what the import wrote there.
    store = open_workspace_file(tmp_path / "data" / "workspaces" / f"{demo.DEMO_CHAT_ID}.json")
    imported = [t for t in store.tasks() if t.plan == PLAN]
    assert len(imported) == 13
    assert {t.status for t in imported} == {TaskStatus.OPEN}
    assert sum(1 for t in imported if t.is_ongoing) == 2
    assert sum(1 for t in imported if t.recurrence is not None) == 3
    assert store.audit()[-1].action == "plan_imported"
    store.close()
