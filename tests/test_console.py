"""The terminal console: lines in, the bot's messages out as text, buttons pressed by number."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from telegram import ForceReply, Update
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Job,
    MessageHandler,
    filters,
)

from bot import demo
from bot.clock import FixedClock
from bot.settings import Settings
from handlers.common import buttons
from handlers.console import CAST, Console, run_console
from handlers.reminders import JOB_PREFIX
from tests.factories import NOW

Ctx = ContextTypes.DEFAULT_TYPE


async def _show_buttons(update: Update, context: Ctx) -> None:
    """Test command: a message in HTML with three buttons on two rows."""
    assert update.effective_chat is not None
    await context.bot.send_message(
        update.effective_chat.id,
        "<b>Chọn</b> A &amp; B",
        parse_mode="HTML",
        reply_markup=buttons([[("Một", "t:1"), ("Hai", "t:2")], [("Ba", "t:3")]]),
    )
    raise ApplicationHandlerStop


async def _pressed(update: Update, context: Ctx) -> None:
    """Test callback: edit the message to say which button and who pressed it."""
    query = update.callback_query
    assert query is not None
    await query.answer(f"ok {query.data}")
    await query.edit_message_text(f"Đã bấm {query.data} bởi {query.from_user.id}")
    raise ApplicationHandlerStop


async def _ask(update: Update, context: Ctx) -> None:
    """Test command: ask a question that wants a reply."""
    assert update.effective_chat is not None
    await context.bot.send_message(
        update.effective_chat.id, "Tên nhiệm vụ?", reply_markup=ForceReply(selective=False)
    )
    raise ApplicationHandlerStop


async def _ask_me(update: Update, context: Ctx) -> None:
    """Test command: ask only the sender (a selective ForceReply in reply to his message)."""
    assert update.effective_message is not None
    await update.effective_message.reply_text("Hạn?", reply_markup=ForceReply(selective=True))
    raise ApplicationHandlerStop


async def _echo_reply(update: Update, context: Ctx) -> None:
    """Test fallback: say whether the message was a reply, and to what."""
    message = update.effective_message
    assert message is not None and message.text is not None
    if message.text.startswith("/"):
        return
    replied = message.reply_to_message.message_id if message.reply_to_message else None
    await message.reply_text(f"nhận «{message.text}», trả lời tin {replied}")
    raise ApplicationHandlerStop


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


async def _files(update: Update, context: Ctx) -> None:
    """Test command: a chart and a report, as the summary sends them."""
    assert update.effective_chat is not None
    chat_id = update.effective_chat.id
    await context.bot.send_photo(chat_id, PNG, filename="bieu-do.png", caption="Biểu đồ")
    await context.bot.send_document(chat_id, b"PK\x03\x04 docx", filename="../bao-cao.docx")
    raise ApplicationHandlerStop


def _take(out: io.StringIO) -> str:
    text = out.getvalue()
    out.seek(0)
    out.truncate()
    return text


def _typed(con: Console, chat_id: int) -> list[dict[str, Any]]:
    """The messages people (not the bot) sent in a chat, oldest first."""
    return [
        m for m in con.api.messages(chat_id, from_bot=False) if m["from"]["id"] != con.api.bot_id
    ]


def _build(
    data_dir: Path, *, demo_data: bool = True, with_reminders: bool = False, lang: str = "vi",
    now: dt.datetime = NOW,
) -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    console = Console.build(
        Settings(default_lang=lang), out, demo_data=demo_data, data_dir=data_dir,
        clock=FixedClock(now), with_reminders=with_reminders,
    )
    app = console.application
    app.add_handler(CommandHandler("buttons", _show_buttons), group=-1)
    app.add_handler(CommandHandler("ask", _ask), group=-1)
    app.add_handler(CommandHandler("askme", _ask_me), group=-1)
    app.add_handler(CommandHandler("files", _files), group=-1)
    app.add_handler(CallbackQueryHandler(_pressed, pattern=r"^t:"), group=-1)
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, _echo_reply), group=-1)
    return console, out


@pytest.fixture
async def console(tmp_path: Path) -> AsyncIterator[tuple[Console, io.StringIO]]:
    built, out = _build(tmp_path / "data")
    await built.start(run_jobs=False)
    yield built, out
    await built.close()


async def test_start_prints_the_help_and_the_vietnamese_cast(
    console: tuple[Console, io.StringIO],
) -> None:
    _, out = console
    text = _take(out)
    assert ":as" in text and "#2" in text and ":quit" in text
    for first, name in [
        ("Hoa", "Nguyễn Thị Hoa"),
        ("Quang", "Trần Minh Quang"),
        ("Hùng", "Lê Văn Hùng"),
        ("Lan", "Phạm Thị Lan"),
        ("Nam", "Đỗ Văn Nam"),
    ]:
        assert f"{first} — {name}" in text
    assert "UBND tỉnh Nghệ An" in text and "UBND tỉnh Hà Tĩnh" in text


async def test_the_cast_is_secretary_chair_two_owners_and_a_stranger() -> None:
    assert [p.user_id for p in CAST] == [
        demo.SECRETARY_ID,
        demo.CHAIR_ID,
        demo.NGHE_AN_ID,
        demo.HA_TINH_ID,
        demo.STRANGER_ID,
    ]
    assert [p.key for p in CAST] == ["hoa", "quang", "hung", "lan", "nam"]


async def test_a_command_shows_the_bots_answer_as_plain_text(
    console: tuple[Console, io.StringIO],
) -> None:
    con, out = console
    _take(out)
    assert await con.handle("/status")
    text = _take(out)
    sent = [m["text"] for m in con.api.messages(demo.DEMO_CHAT_ID)]
    assert sent, "the bot answered nothing"
    assert text.startswith("🤖 ")
    for line in sent[-1].splitlines():
        assert line.strip() in text
    assert "<" not in text.replace("<<", "")


async def test_buttons_are_numbered_across_rows_and_html_is_stripped(
    console: tuple[Console, io.StringIO],
) -> None:
    con, out = console
    _take(out)
    await con.handle("/buttons")
    assert _take(out) == "🤖 (2) Chọn A & B\n   [1] Một  [2] Hai\n   [3] Ba\n"


async def test_pressing_a_button_by_number_sends_its_callback(
    console: tuple[Console, io.StringIO],
) -> None:
    con, out = console
    await con.handle("/buttons")
    _take(out)
    await con.handle("#3")
    text = _take(out)
    assert f"✎ (2) Đã bấm t:3 bởi {demo.SECRETARY_ID}" in text
    assert "💬 ok t:3" in text


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("#4", "Không có nút số 4; tin nhắn gần nhất có 3 nút: gõ #1 đến #3."),
        ("#0", "Không có nút số 0"),
    ],
)
async def test_a_button_number_out_of_range_is_explained(
    console: tuple[Console, io.StringIO],
    line: str,
    expected: str,
) -> None:
    con, out = console
    assert expected in await _answer_after_buttons(con, out, line)


async def _answer_after_buttons(con: Console, out: io.StringIO, line: str) -> str:
    """What the console prints for `line` typed after a message with three buttons."""
    await con.handle("/buttons")
    _take(out)
    await con.handle(line)
    return _take(out)


async def test_pressing_before_any_buttons_says_what_to_type(
    console: tuple[Console, io.StringIO],
) -> None:
    con, out = console
    _take(out)
    await con.handle("#1")
    assert "Chưa có tin nhắn nào có nút" in _take(out)


@pytest.mark.parametrize(
    ("typed", "user_id"),
    [
        ("hung", demo.NGHE_AN_ID),
        ("Hùng", demo.NGHE_AN_ID),
        ("3", demo.NGHE_AN_ID),
        ("lan", demo.HA_TINH_ID),
        ("chair", demo.CHAIR_ID),
        ("thuky", demo.SECRETARY_ID),
        ("Đỗ Văn Nam", demo.STRANGER_ID),
        ("stranger", demo.STRANGER_ID),
        ("Vũ Thị Mai", 1006),  # not in the cast, but a member of the workspace
    ],
)
async def test_switching_user_changes_who_sends(
    console: tuple[Console, io.StringIO],
    typed: str,
    user_id: int,
) -> None:
    con, _ = console
    await con.handle(f":as {typed}")
    await con.handle("xin chào")
    assert _typed(con, demo.DEMO_CHAT_ID)[-1]["from"]["id"] == user_id


async def test_switching_user_says_who_and_changes_the_prompt(
    console: tuple[Console, io.StringIO],
) -> None:
    con, out = console
    _take(out)
    await con.handle(":as hung")
    assert _take(out).startswith("Bạn là Lê Văn Hùng, thành viên (UBND tỉnh Nghệ An), đang ở nhóm")
    assert con.prompt() == "Hùng@nhóm (1)> "
    await con.handle(":as nam")
    assert "Đỗ Văn Nam, chưa là thành viên tổ" in _take(out)


async def test_an_unknown_person_is_explained_and_nobody_changes(
    console: tuple[Console, io.StringIO],
) -> None:
    con, out = console
    _take(out)
    await con.handle(":as xyz")
    assert "Không biết «xyz»" in _take(out)
    assert con.person.user_id == demo.SECRETARY_ID


async def test_switching_to_private_sends_in_the_users_own_chat(
    console: tuple[Console, io.StringIO],
) -> None:
    con, out = console
    await con.handle(":as lan")
    await con.handle(":in private")
    assert con.prompt() == "Lan@riêng (1)> "
    _take(out)
    await con.handle("/start")
    assert _typed(con, demo.HA_TINH_ID)[-1]["text"] == "/start"
    await con.handle(":in group")
    assert con.chat_id == demo.DEMO_CHAT_ID


async def test_a_line_after_a_force_reply_answers_it_but_a_command_does_not(
    console: tuple[Console, io.StringIO],
) -> None:
    con, out = console
    await con.handle("/ask")
    question = con.api.last_message(demo.DEMO_CHAT_ID)
    assert question is not None
    _take(out)
    await con.handle("Số hoá hồ sơ")
    assert f"nhận «Số hoá hồ sơ», trả lời tin {question['message_id']}" in _take(out)
    await con.handle("lần nữa")
    assert "trả lời tin None" in _take(out)


async def test_a_selective_question_is_answered_only_by_the_person_asked(
    console: tuple[Console, io.StringIO],
) -> None:
    con, out = console
    await con.handle("/askme")
    question = con.api.last_message(demo.DEMO_CHAT_ID)
    assert question is not None
    await con.handle(":as hung")
    _take(out)
    await con.handle("không phải tôi")
    assert "trả lời tin None" in _take(out)
    await con.handle(":as hoa")
    await con.handle("30/9")
    assert f"nhận «30/9», trả lời tin {question['message_id']}" in _take(out)


async def test_a_command_after_a_question_is_not_an_answer_and_closes_it(
    console: tuple[Console, io.StringIO],
) -> None:
    con, out = console
    await con.handle("/ask")
    await con.handle("/buttons")
    _take(out)
    await con.handle("tiếp")
    assert "trả lời tin None" in _take(out)


async def test_messages_sent_to_another_chat_say_where_they_went(
    console: tuple[Console, io.StringIO],
) -> None:
    con, out = console
    await con.handle(":in private")
    await con.handle("/start")  # opens the secretary's private chat
    await con.handle(":in group")
    _take(out)
    await con.application.bot.send_message(demo.SECRETARY_ID, "Nhắc việc #2")
    await asyncio.sleep(0)  # one turn of the loop: the report is scheduled with call_soon
    assert _take(out) == "\n→ Nguyễn Thị Hoa\n🤖 (3) Nhắc việc #2\nHoa@nhóm (1)> "


async def test_a_message_the_bot_sends_on_its_own_appears_at_the_prompt(
    console: tuple[Console, io.StringIO],
) -> None:
    con, out = console
    _take(out)
    await con.application.bot.send_message(demo.DEMO_CHAT_ID, "Nhắc việc quá hạn")
    await asyncio.sleep(0)  # one turn of the loop: the report is scheduled with call_soon
    assert _take(out) == "\n🤖 (1) Nhắc việc quá hạn\nHoa@nhóm (2)> "


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (":foo", "Không hiểu lệnh «:foo»"),
        (":in somewhere", "Gõ :in group"),
        (":help", ":as hung"),
        (":who", "Bạn là Nguyễn Thị Hoa, thư ký"),
    ],
)
async def test_console_commands_answer_in_vietnamese(
    console: tuple[Console, io.StringIO],
    line: str,
    expected: str,
) -> None:
    con, out = console
    _take(out)
    assert await con.handle(line)
    assert expected in _take(out)


async def test_quit_ends_the_console(console: tuple[Console, io.StringIO]) -> None:
    con, _ = console
    assert await con.handle(":quit") is False


async def test_the_demo_fills_the_group_with_the_three_plans(
    console: tuple[Console, io.StringIO],
) -> None:
    con, _ = console
    store = con.registry.get(demo.DEMO_CHAT_ID)
    assert store is not None
    assert {t.plan for t in store.tasks()} == {f.name for f in demo.PLAN_FIGURES}


async def test_without_demo_a_fresh_group_starts_empty_with_its_creator_as_secretary(
    tmp_path: Path,
) -> None:
    con, out = _build(tmp_path / "data", demo_data=False)
    await con.start(run_jobs=False)
    try:
        assert "«Tổ công tác cải cách TTHC»" in _take(out)
        await con.handle("/status")
        store = con.registry.get(con.group_id)
        assert store is not None and store.tasks() == []
        secretary = store.member(demo.SECRETARY_ID)
        assert secretary is not None and secretary.role.value == "secretary"
    finally:
        await con.close()


async def test_a_piped_session_reads_lines_until_quit_and_echoes_them(tmp_path: Path) -> None:
    stdin = io.StringIO(":as hung\n:who\n:quit\n:who\n")
    out = io.StringIO()
    await run_console(
        Settings(),
        stdin,
        out,
        demo_data=True,
        data_dir=tmp_path / "data",
        clock=FixedClock(NOW),
        echo=True,
        run_jobs=False,
    )
    text = out.getvalue()
    assert "Hoa@nhóm (1)> :as hung\nBạn là Lê Văn Hùng" in text
    assert "Hùng@nhóm (1)> :quit\n" in text
    assert text.count("Bạn là Lê Văn Hùng") == 2  # once for :as, once for :who; not after :quit


async def test_the_demo_without_data_dir_never_touches_the_configured_one(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = tmp_path / "real"
    seen: list[Any] = []
    original = Console.start

    async def spy(self: Console, **kwargs: Any) -> None:
        seen.append(self.registry.data_dir)
        await original(self, **kwargs)

    monkeypatch.setattr(Console, "start", spy)
    await run_console(
        Settings(data_dir=real),
        io.StringIO(":quit\n"),
        io.StringIO(),
        demo_data=True,
        clock=FixedClock(NOW),
        run_jobs=False,
    )
    assert not real.exists()
    assert seen and seen[0] != real
    assert not Path(seen[0]).exists(), "the temporary directory is removed on exit"


# -- reminders: real data leaves them to the real bot ----------------------------------------


def _reminder_jobs(con: Console) -> list[Job[Any]]:
    queue = con.application.job_queue
    assert queue is not None
    return [job for job in queue.jobs() if (job.name or "").startswith(JOB_PREFIX)]


async def _real_data_with_reminders_due(data_dir: Path) -> None:
    """The demo written to `data_dir` and kept: from then on it is real data, with tasks overdue."""
    con, _ = _build(data_dir)
    await con.start(run_jobs=False)
    await con.close()


@pytest.mark.parametrize(
    ("lang", "banner"),
    [
        ("vi", "Nhắc việc: tắt — đây là dữ liệu thật, nhắc việc để bot thật gửi."),
        ("en", "Reminders: off — this is real data, and the real bot sends its reminders."),
    ],
    ids=["vi", "en"],
)
async def test_on_real_data_no_reminder_is_scheduled_and_the_banner_says_so(
    tmp_path: Path, lang: str, banner: str,
) -> None:
    await _real_data_with_reminders_due(tmp_path / "data")
    con, out = _build(tmp_path / "data", demo_data=False, lang=lang)
    await con.start(run_jobs=False)
    try:
        text = _take(out)
        assert banner in text and "--with-reminders" in text
        await con.handle("/xong 2")  # a change reschedules a workspace's reminders
        assert _reminder_jobs(con) == []
    finally:
        await con.close()


async def test_with_reminders_on_real_data_the_due_reminders_appear_and_the_banner_warns(
    tmp_path: Path,
) -> None:
    await _real_data_with_reminders_due(tmp_path / "data")
    # The next morning: the demo was written at 09:00, after that day's 08:00 reminders.
    con, out = _build(tmp_path / "data", demo_data=False, with_reminders=True,
                      now=NOW + dt.timedelta(days=1))
    await con.start(run_jobs=False)
    try:
        assert "Nhắc việc: bật (--with-reminders)" in _take(out)
        jobs = _reminder_jobs(con)
        assert [job.name for job in jobs] == [f"{JOB_PREFIX}{demo.DEMO_CHAT_ID}"]
        await jobs[0].run(con.application)
        assert "Nhiệm vụ quá hạn cần chỉ đạo" in _take(out)
    finally:
        await con.close()


async def test_the_demo_runs_its_reminders_and_says_so(
    console: tuple[Console, io.StringIO],
) -> None:
    con, out = console
    assert "Nhắc việc: bật — tin nhắc đến giờ hiện ra ngay tại đây." in _take(out)
    await con.handle("/status")  # the demo's workspace, made after start-up, gets its wake-up
    assert len(_reminder_jobs(con)) == 1


# -- files the bot sends ----------------------------------------------------------------------


async def test_the_bots_files_are_saved_and_shown_with_their_full_path(
    console: tuple[Console, io.StringIO], tmp_path: Path,
) -> None:
    con, out = console
    folder = (tmp_path / "data" / "console-files").absolute()
    assert f"Tệp bot gửi (ảnh, .docx, PDF) được lưu vào: {folder}" in _take(out)
    await con.handle("/files")
    assert _take(out) == (
        f"🤖 (2) 🖼 {folder / 'bieu-do.png'}\n   Biểu đồ\n"
        f"🤖 (3) 📎 {folder / 'bao-cao.docx'}\n"
    )
    assert (folder / "bieu-do.png").read_bytes() == PNG
    assert (folder / "bao-cao.docx").read_bytes() == b"PK\x03\x04 docx"


async def test_a_file_of_the_same_name_is_kept_beside_the_first(
    console: tuple[Console, io.StringIO], tmp_path: Path,
) -> None:
    con, out = console
    await con.handle("/files")
    await con.handle("/files")
    folder = tmp_path / "data" / "console-files"
    assert sorted(p.name for p in folder.iterdir()) == [
        "bao-cao-2.docx", "bao-cao.docx", "bieu-do-2.png", "bieu-do.png",
    ]
    assert str((folder / "bao-cao-2.docx").absolute()) in _take(out)


async def test_a_file_that_cannot_be_saved_is_named_and_the_console_goes_on(
    console: tuple[Console, io.StringIO], tmp_path: Path,
) -> None:
    con, out = console
    (tmp_path / "data" / "console-files").write_text("a file where the folder should be")
    _take(out)
    await con.handle("/files")
    text = _take(out)
    assert "Không lưu được tệp «bao-cao.docx» vào " in text
    assert "📎 bao-cao.docx\n" in text
    await con.handle("/buttons")
    assert "[1] Một" in _take(out)


async def test_the_summarys_files_are_kept_with_data_after_the_console_ends(
    tmp_path: Path,
) -> None:
    out = io.StringIO()
    await run_console(
        Settings(), io.StringIO("/tomtat\n:quit\n"), out, demo_data=True,
        data_dir=tmp_path / "data", clock=FixedClock(NOW), run_jobs=False,
    )
    folder = tmp_path / "data" / "console-files"
    names = sorted(p.name for p in folder.iterdir())
    assert [name.rsplit(".", 1)[1] for name in names] == ["docx", "pdf", "png"]
    for name in names:
        assert str((folder / name).absolute()) in out.getvalue()
    assert (folder / names[1]).read_bytes().startswith(b"%PDF-")


# -- replying to a message --------------------------------------------------------------------


async def test_reply_sends_the_text_as_a_reply_to_the_numbered_message(
    console: tuple[Console, io.StringIO],
) -> None:
    con, out = console
    await con.handle("/buttons")  # (1) typed, (2) the bot's
    _take(out)
    await con.handle(":reply 2 đồng ý")
    assert "nhận «đồng ý», trả lời tin 2" in _take(out)
    assert _typed(con, demo.DEMO_CHAT_ID)[-1]["reply_to_message"]["message_id"] == 2


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (":reply 99 xin chào", "Ở đây không có tin số 99."),
        (":reply", "Gõ :reply, số của tin rồi nội dung"),
        (":reply 1", "Gõ :reply, số của tin rồi nội dung"),
        (":traloi hai xin chào", "Gõ :reply, số của tin rồi nội dung"),
    ],
)
async def test_a_reply_to_no_message_is_explained_and_nothing_is_sent(
    console: tuple[Console, io.StringIO], line: str, expected: str,
) -> None:
    con, out = console
    assert expected in await _answer_after_buttons(con, out, line)
    assert [m["text"] for m in _typed(con, demo.DEMO_CHAT_ID)] == ["/buttons"]


async def test_a_secretary_adds_a_member_and_names_the_chair_by_replying(
    console: tuple[Console, io.StringIO],
) -> None:
    con, out = console
    await con.handle(":as nam")
    number = con.api.next_message_id(demo.DEMO_CHAT_ID)
    assert con.prompt() == f"Nam@nhóm ({number})> "
    await con.handle("Xin chào, tôi là Nam, Sở Tư pháp Nghệ An")
    await con.handle(":as hoa")
    await con.handle(f":reply {number} /themthanhvien Nghệ An")
    assert "Đã thêm thành viên Đỗ Văn Nam" in _take(out)
    await con.handle(f":traloi {number} /vaitro chutri")
    store = con.registry.get(demo.DEMO_CHAT_ID)
    assert store is not None
    nam = store.member(demo.STRANGER_ID)
    assert nam is not None and (nam.role.value, nam.agency) == ("chair", "nghe-an")
