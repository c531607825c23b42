"""The fake Bot API refuses what Telegram refuses, in-process and over HTTP."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
from typing import Any

import httpx
import pytest
import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

from tests.fake_server import FakeTelegramServer
from tests.fakes import (
    BotAPIError,
    Fault,
    Limits,
    LocalBotAPI,
    LocalRequest,
    ManualClock,
    Member,
    UploadedFile,
    callback_update,
    decode_params,
    fail_calls,
    message_update,
    my_chat_member_update,
    parse_html,
)

USER = 1001
GROUP = -1001234567890
PARSE = "Bad Request: can't parse entities: "


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def api(clock: ManualClock) -> LocalBotAPI:
    fake = LocalBotAPI(clock=clock)
    fake.add_chat(USER, "private", first_name="Lan")
    fake.add_chat(GROUP, "supergroup", "Tổ công tác CCHC", members=[Member(7, "Hùng", "creator")])
    return fake


def send(api: LocalBotAPI, text: str, chat_id: int = USER, **params: Any) -> Any:
    return api.call("sendMessage", {"chat_id": chat_id, "text": text, **params})


def refused(api: LocalBotAPI, method: str, params: dict[str, Any]) -> BotAPIError:
    with pytest.raises(BotAPIError) as caught:
        api.call(method, params)
    return caught.value


def keyboard(data: str) -> dict[str, Any]:
    return {"inline_keyboard": [[{"text": "Xong", "callback_data": data}]]}


# --------------------------------------------------------------------------- HTML


def test_valid_html_is_accepted_and_parsed_into_entities(api: LocalBotAPI) -> None:
    html = (
        "<b>Đậm</b> <strong>x</strong> <i>nghiêng</i> <em>x</em> <u>x</u> <ins>x</ins> "
        '<s>x</s> <strike>x</strike> <del>x</del> <span class="tg-spoiler">bí</span> '
        '<tg-spoiler>mật</tg-spoiler> <a href="https://dichvucong.gov.vn/?a=1&amp;b=2">link</a> '
        '<code>mã</code> <pre><code class="language-python">print(1)</code></pre> '
        "<blockquote>trích</blockquote> <blockquote expandable>dài</blockquote> "
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji> '
        "&lt;tag&gt; &amp; &quot;q&quot; &#39; &#x1F600;"
    )
    message = send(api, html, parse_mode="HTML")
    assert message["text"].endswith('<tag> & "q" \' 😀')
    assert message["text"].startswith("Đậm x nghiêng")
    types = {entity["type"] for entity in message["entities"]}
    assert types >= {
        "bold",
        "italic",
        "underline",
        "strikethrough",
        "spoiler",
        "text_link",
        "code",
        "pre",
        "blockquote",
        "expandable_blockquote",
        "custom_emoji",
    }
    link = next(e for e in message["entities"] if e["type"] == "text_link")
    assert link["url"] == "https://dichvucong.gov.vn/?a=1&b=2"


@pytest.mark.parametrize(
    ("html", "description"),
    [
        ("Xin <foo>chào</foo>", 'Unsupported start tag "foo" at byte offset 4'),
        ("Dòng 1<br>Dòng 2", 'Unsupported start tag "br" at byte offset 7'),
        ("<p>đoạn</p>", 'Unsupported start tag "p" at byte offset 0'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("a <b", "Unclosed start tag at byte offset 2"),
        ("<b>đậm", "Can't find end tag corresponding to start tag b"),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<i>a</i   ", "Unclosed end tag at byte offset 4"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ('<span class="do">x</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        (
            "<i aba>x</i>",
            'Expected equal sign in declaration of an attribute of the tag "i" at byte offset 0',
        ),
        ("<i   =aba>x</i>", 'Empty attribute name in the tag "i" at byte offset 0'),
        ('<tg-emoji emoji-id="x">👍</tg-emoji>', "Invalid custom emoji identifier specified"),
        # tdlib's own test vectors: offsets are in bytes of the UTF-8 text.
        ("🏟 🏟&lt;<abac aba>", 'Unsupported start tag "abac" at byte offset 13'),
        ("🏟 🏟&lt;<i    aba  =  190azAz-.,", "Unexpected end of name token at byte offset 27"),
        ("🏟 🏟&lt;<b></b></", "Unexpected end tag at byte offset 20"),
        (
            "&#xDFDF;",
            "Text contains invalid Unicode characters after decoding HTML entities, "
            "check for unmatched surrogate code units",
        ),
    ],
)
def test_bad_html_is_refused_with_telegrams_description(
    api: LocalBotAPI, html: str, description: str
) -> None:
    error = refused(api, "sendMessage", {"chat_id": USER, "text": html, "parse_mode": "HTML"})
    assert (error.error_code, error.description) == (400, PARSE + description)


@pytest.mark.parametrize(
    ("html", "start"),
    [
        ("Hỏi & đáp", 'Unescaped "&" at byte offset 6'),  # "ỏ" is 3 bytes
        ("a > b", 'Unescaped ">" at byte offset 2'),
        ("Hà&nbsp;Nội", 'Unsupported HTML entity "&nbsp;" at byte offset 3'),
    ],
)
def test_strict_html_refuses_what_the_docs_require_escaping(
    api: LocalBotAPI, html: str, start: str
) -> None:
    error = refused(api, "sendMessage", {"chat_id": USER, "text": html, "parse_mode": "HTML"})
    assert error.description.startswith(PARSE + start)


def test_lenient_html_shows_unescaped_text_literally_like_telegram() -> None:
    assert parse_html("Hỏi & đáp &nbsp; a > b", strict=False) == ("Hỏi & đáp &nbsp; a > b", [])
    # From tdlib's tests: entities count UTF-16 units, '&lt' without ';' still decodes.
    text, entities = parse_html("🏟 🏟<i>🏟 &lt🏟</i>", strict=False)
    assert text == "🏟 🏟🏟 <🏟"
    assert entities == [{"type": "italic", "offset": 5, "length": 6}]


def test_html_is_only_parsed_with_parse_mode(api: LocalBotAPI) -> None:
    assert send(api, "<foo> & <b")["text"] == "<foo> & <b"
    error = refused(api, "sendMessage", {"chat_id": USER, "text": "x", "parse_mode": "HTM"})
    assert error.description == "Bad Request: unsupported parse_mode"


# --------------------------------------------------------------------------- lengths


def test_length_limit_counts_text_after_entity_parsing(api: LocalBotAPI) -> None:
    assert len(send(api, "<b>" + "a" * 4096 + "</b>", parse_mode="HTML")["text"]) == 4096
    assert send(api, "&amp;" * 4096, parse_mode="HTML")["text"] == "&" * 4096
    error = refused(api, "sendMessage", {"chat_id": USER, "text": "a" * 4097})
    assert error.description == "Bad Request: message is too long"


def test_length_limit_counts_utf16_code_units(api: LocalBotAPI) -> None:
    send(api, "😀" * 2048)  # 2048 emoji = 4096 UTF-16 units
    send(api, "ệ" * 4096)  # precomposed Vietnamese letters are one unit each
    error = refused(api, "sendMessage", {"chat_id": USER, "text": "😀" * 2048 + "a"})
    assert error.description == "Bad Request: message is too long"


def test_caption_limit_is_1024(api: LocalBotAPI) -> None:
    doc = {"chat_id": USER, "document": "https://example.gov.vn/bc.pdf"}
    api.call("sendDocument", {**doc, "caption": "ă" * 1024})
    error = refused(api, "sendDocument", {**doc, "caption": "ă" * 1025})
    assert error.description == "Bad Request: message caption is too long"


@pytest.mark.parametrize("text", ["", "   \n", "<b></b>"])
def test_empty_text_is_refused(api: LocalBotAPI, text: str) -> None:
    error = refused(api, "sendMessage", {"chat_id": USER, "text": text, "parse_mode": "HTML"})
    assert error.description == "Bad Request: message text is empty"


# --------------------------------------------------------------------------- keyboards


def test_callback_data_is_limited_to_64_utf8_bytes(api: LocalBotAPI) -> None:
    assert len(("ă" * 32).encode()) == 64
    sent = send(api, "Chọn", reply_markup=keyboard("ă" * 32))
    assert sent["reply_markup"] == keyboard("ă" * 32)
    for data in ("ă" * 32 + "a", ""):
        error = refused(
            api, "sendMessage", {"chat_id": USER, "text": "Chọn", "reply_markup": keyboard(data)}
        )
        assert error.description == "Bad Request: BUTTON_DATA_INVALID"


def test_inline_button_needs_an_action(api: LocalBotAPI) -> None:
    markup = {"inline_keyboard": [[{"text": "Chỉ có chữ"}]]}
    error = refused(api, "sendMessage", {"chat_id": USER, "text": "x", "reply_markup": markup})
    assert error.description == (
        "Bad Request: can't parse inline keyboard button: "
        "Text buttons are unallowed in the inline keyboard"
    )


def test_a_mini_app_button_opens_only_from_a_private_chat(api: LocalBotAPI) -> None:
    markup = {"inline_keyboard": [[{"text": "Mở", "web_app": {"url": "https://x.example/"}}]]}
    assert send(api, "Bảng", reply_markup=markup)["reply_markup"] == markup
    error = refused(api, "sendMessage", {"chat_id": GROUP, "text": "x", "reply_markup": markup})
    assert error.description == "Bad Request: BUTTON_TYPE_INVALID"


# --------------------------------------------------------------------------- chats


def test_unknown_chat_is_refused(api: LocalBotAPI) -> None:
    error = refused(api, "sendMessage", {"chat_id": 424242, "text": "Chào"})
    assert (error.error_code, error.description) == (400, "Bad Request: chat not found")


def test_chats_are_learned_from_pushed_updates(api: LocalBotAPI) -> None:
    api.push_update(message_update(api, chat_id=555, user_id=555, text="/start"))
    assert send(api, "Chào", chat_id=555)["chat"] == {
        "id": 555,
        "type": "private",
        "first_name": "Nguyễn Văn A",
    }


def test_blocked_user_and_removed_bot_get_403(api: LocalBotAPI) -> None:
    api.block(USER)
    error = refused(api, "sendMessage", {"chat_id": USER, "text": "Nhắc việc"})
    assert (error.error_code, error.description) == (403, "Forbidden: bot was blocked by the user")
    message_update(api, chat_id=USER, user_id=USER, text="/start")  # pressing Start unblocks
    send(api, "Nhắc việc")

    api.set_bot_status(GROUP, "kicked")
    error = refused(api, "sendMessage", {"chat_id": GROUP, "text": "x"})
    assert error.description == "Forbidden: bot was kicked from the supergroup chat"


def test_roster_answers_get_chat_member_and_administrators(api: LocalBotAPI) -> None:
    api.set_member(GROUP, Member(8, "Mai", "administrator", username="mai_vp"))
    admins = api.call("getChatAdministrators", {"chat_id": GROUP})
    assert [(a["user"]["id"], a["status"]) for a in admins] == [
        (7, "creator"),
        (8, "administrator"),
    ]
    assert api.call("getChatMember", {"chat_id": GROUP, "user_id": USER})["status"] == "left"
    bot = api.call("getChatMember", {"chat_id": GROUP, "user_id": api.bot_id})
    assert bot["status"] == "member"


# --------------------------------------------------------------------------- rate limits


def test_private_chat_tolerates_a_burst_then_answers_429(clock: ManualClock) -> None:
    api = LocalBotAPI(clock=clock, limits=Limits(private_burst=3))
    api.add_chat(USER, "private", first_name="Lan")
    for n in range(3):
        send(api, f"tin {n}")
    error = refused(api, "sendMessage", {"chat_id": USER, "text": "quá nhanh"})
    assert (error.error_code, error.retry_after) == (429, 1)
    assert error.description == "Too Many Requests: retry after 1"
    clock.advance(1.0)
    send(api, "sau 1 giây")
    assert len(api.texts(USER)) == 4


def test_group_gets_20_messages_per_minute(api: LocalBotAPI, clock: ManualClock) -> None:
    for n in range(20):
        send(api, f"tin {n}", chat_id=GROUP)
        clock.advance(1.0)
    error = refused(api, "sendMessage", {"chat_id": GROUP, "text": "thứ 21"})
    assert (error.error_code, error.retry_after) == (429, 40)  # the first leaves the window at 60 s
    clock.advance(40.0)
    send(api, "thứ 21", chat_id=GROUP)


def test_30_messages_per_second_overall(clock: ManualClock) -> None:
    api = LocalBotAPI(clock=clock)
    for user in range(1, 32):
        api.add_chat(user, "private", first_name=f"U{user}")
    for user in range(1, 31):
        send(api, "Thông báo", chat_id=user)
    error = refused(api, "sendMessage", {"chat_id": 31, "text": "Thông báo"})
    assert error.retry_after == 1
    clock.advance(1.0)
    send(api, "Thông báo", chat_id=31)


def test_limits_can_be_disabled(clock: ManualClock) -> None:
    api = LocalBotAPI(clock=clock, limits=Limits.unlimited())
    api.add_chat(GROUP, "group", "Nhóm")
    for n in range(100):
        send(api, f"tin {n}", chat_id=GROUP)


def test_limits_can_be_tightened_after_construction(api: LocalBotAPI) -> None:
    api.limits.group_per_minute = 2
    send(api, "1", chat_id=GROUP)
    send(api, "2", chat_id=GROUP)
    assert refused(api, "sendMessage", {"chat_id": GROUP, "text": "3"}).error_code == 429


# --------------------------------------------------------------------------- edits & updates


def test_edit_without_markup_drops_keyboard_and_identical_edit_is_refused(
    api: LocalBotAPI,
) -> None:
    sent = send(api, "Việc 1", reply_markup=keyboard("done:1"))
    edit = {"chat_id": USER, "message_id": sent["message_id"], "text": "Việc 1 ✅"}
    assert "reply_markup" not in api.call("editMessageText", edit)
    assert api.last_markup(USER) is None
    error = refused(api, "editMessageText", edit)
    assert error.description.startswith("Bad Request: message is not modified: ")
    missing = refused(api, "editMessageText", {**edit, "message_id": 999})
    assert missing.description == "Bad Request: message to edit not found"


def test_get_updates_confirms_with_offset_and_returns_at_once(api: LocalBotAPI) -> None:
    first = api.push_update(message_update(api, chat_id=USER, user_id=USER, text="/giao việc"))
    second = api.push_update(
        message_update(
            api,
            chat_id=GROUP,
            user_id=7,
            text="/baocao@dondoc_test_bot tuần này",
            first_name="Hùng",
        )
    )
    assert second["update_id"] == first["update_id"] + 1
    entity = second["message"]["entities"][0]
    assert entity == {"type": "bot_command", "offset": 0, "length": len("/baocao@dondoc_test_bot")}
    updates = api.call("getUpdates", {"timeout": 0})
    assert [u["update_id"] for u in updates] == [first["update_id"], second["update_id"]]
    assert api.call("getUpdates", {"offset": second["update_id"] + 1, "timeout": 30}) == []


def test_callback_updates_come_only_from_the_bots_buttons(api: LocalBotAPI) -> None:
    sent = send(api, "Duyệt?", reply_markup=keyboard("ok"))
    incoming = message_update(api, chat_id=USER, user_id=USER, text="chào")
    with pytest.raises(ValueError, match="own messages"):
        callback_update(
            api,
            chat_id=USER,
            user_id=USER,
            message_id=incoming["message"]["message_id"],
            data="ok",
        )
    with pytest.raises(ValueError, match="no button"):
        callback_update(api, chat_id=USER, user_id=USER, message_id=sent["message_id"], data="x")
    press = callback_update(
        api, chat_id=USER, user_id=USER, message_id=sent["message_id"], data="ok"
    )
    query_id = press["callback_query"]["id"]
    assert api.call("answerCallbackQuery", {"callback_query_id": query_id}) is True
    error = refused(api, "answerCallbackQuery", {"callback_query_id": query_id})
    assert error.description == (
        "Bad Request: query is too old and response timeout expired or query ID is invalid"
    )


def test_user_blocking_the_bot_arrives_as_my_chat_member(api: LocalBotAPI) -> None:
    update = my_chat_member_update(
        api,
        chat_id=USER,
        user_id=USER,
        chat_type="private",
        new_status="kicked",
        old_status="member",
    )
    assert update["my_chat_member"]["new_chat_member"]["status"] == "kicked"
    assert refused(api, "sendMessage", {"chat_id": USER, "text": "x"}).error_code == 403


def test_delete_rules(api: LocalBotAPI) -> None:
    own = send(api, "tạm", chat_id=GROUP)["message_id"]
    theirs = message_update(api, chat_id=GROUP, user_id=7, text="spam")["message"]["message_id"]
    assert api.call("deleteMessage", {"chat_id": GROUP, "message_id": own}) is True
    gone = refused(api, "deleteMessage", {"chat_id": GROUP, "message_id": own})
    assert gone.description == "Bad Request: message to delete not found"
    # Another member's message needs admin rights in a group.
    forbidden = refused(api, "deleteMessage", {"chat_id": GROUP, "message_id": theirs})
    assert forbidden.description == "Bad Request: message can't be deleted"


def test_photo_must_be_an_image(api: LocalBotAPI) -> None:
    pdf = UploadedFile("bc.pdf", "application/pdf", b"%PDF-1.7 ...")
    error = refused(api, "sendPhoto", {"chat_id": USER, "photo": pdf})
    assert error.description == "Bad Request: IMAGE_PROCESS_FAILED"


def test_on_call_hook_sees_every_call(api: LocalBotAPI) -> None:
    seen: list[str] = []
    api.on_call = lambda call: seen.append(f"{call.method}:{call.ok}")
    send(api, "Chào")
    refused(api, "sendMessage", {"chat_id": 1, "text": "x"})
    assert seen == ["sendMessage:True", "sendMessage:False"]


def test_form_values_are_typed_per_parameter() -> None:
    params = decode_params(
        {
            "chat_id": "-100123",
            "text": "123",
            "reply_markup": json.dumps(keyboard("a")),
            "disable_notification": "true",
            "message_id": "5",
            "timeout": "10",
        }
    )
    assert params == {
        "chat_id": -100123,
        "text": "123",
        "reply_markup": keyboard("a"),
        "disable_notification": True,
        "message_id": 5,
        "timeout": 10.0,
    }


def test_faults_in_process(api: LocalBotAPI) -> None:
    api.faults = fail_calls(Fault.bad_gateway(), method="sendMessage")
    error = refused(api, "sendMessage", {"chat_id": USER, "text": "x"})
    assert (error.error_code, error.description) == (502, "Bad Gateway")
    assert api.sent("sendMessage") == []
    send(api, "lần 2")  # the hook fails only once
    assert api.texts(USER) == ["lần 2"]


# --------------------------------------------------------------------------- PTB in-process


def build_app(api: LocalBotAPI) -> Application:
    return (
        ApplicationBuilder()
        .token(api.token)
        .request(LocalRequest(api))
        .get_updates_request(LocalRequest(api))
        .build()
    )


@pytest.mark.asyncio
async def test_ptb_application_sends_edits_and_sees_telegram_errors(api: LocalBotAPI) -> None:
    errors: list[BaseException] = []

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        buttons = InlineKeyboardMarkup([[InlineKeyboardButton("Hoàn thành", callback_data="done")]])
        await update.effective_message.reply_html(
            "<b>Việc mới</b>", reply_markup=buttons, do_quote=True
        )

    async def done(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("Đã ghi nhận")
        await query.edit_message_text("<s>Việc mới</s> ✅", parse_mode="HTML")
        await query.edit_message_text("<b>unclosed", parse_mode="HTML")

    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert context.error is not None
        errors.append(context.error)

    app = build_app(api)
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(done))
    app.add_error_handler(on_error)
    async with app:
        command = message_update(api, chat_id=USER, user_id=USER, text="/start")
        await app.process_update(Update.de_json(command, app.bot))
        sent = api.sent("sendMessage", USER)[-1].result
        assert sent["text"] == "Việc mới"
        assert sent["reply_to_message"]["text"] == "/start"
        press = callback_update(
            api, chat_id=USER, user_id=USER, message_id=sent["message_id"], data="done"
        )
        await app.process_update(Update.de_json(press, app.bot))
    assert api.messages(USER)[-1]["text"] == "Việc mới ✅"
    assert api.last_markup(USER) is None
    assert len(errors) == 1 and isinstance(errors[0], telegram.error.BadRequest)
    # PTB strips "Bad Request: " and re-capitalises the rest of Telegram's description.
    assert str(errors[0]) == "Can't parse entities: can't find end tag corresponding to start tag b"


@pytest.mark.asyncio
async def test_ptb_polling_in_process_wakes_on_pushed_update(api: LocalBotAPI) -> None:
    seen = asyncio.Event()

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("Xin chào")
        seen.set()

    app = build_app(api)
    app.add_handler(CommandHandler("start", start))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(timeout=10)
        api.push_update(message_update(api, chat_id=USER, user_id=USER, text="/start"))
        await asyncio.wait_for(seen.wait(), timeout=5)
        await app.updater.stop()
        await app.stop()
    assert api.texts(USER) == ["Xin chào"]


@pytest.mark.asyncio
async def test_ptb_raises_its_own_exceptions_for_faults(api: LocalBotAPI) -> None:
    bot = telegram.Bot(api.token, request=LocalRequest(api))
    async with bot:
        api.faults = fail_calls(Fault.drop_connection(after_processing=True))
        with pytest.raises(telegram.error.NetworkError):
            await bot.send_message(USER, "Nhắc hạn")
        # Telegram delivered it, the bot just never learned: a retry would duplicate it.
        assert api.texts(USER) == ["Nhắc hạn"]
        with pytest.raises(telegram.error.Forbidden):
            api.block(USER)
            await bot.send_message(USER, "x")


def test_bot_added_to_group_can_post_there() -> None:
    api = LocalBotAPI()
    update = my_chat_member_update(api, chat_id=-42, user_id=7, new_status="administrator")
    parsed = Update.de_json(update, None)
    assert parsed.my_chat_member is not None
    assert parsed.my_chat_member.new_chat_member.status == "administrator"
    assert send(api, "Chào tổ", chat_id=-42)["chat"]["title"] == "Tổ công tác"


# --------------------------------------------------------------------------- over HTTP


@pytest.fixture
def server(api: LocalBotAPI) -> Any:
    with FakeTelegramServer(api) as srv:
        yield srv


def retry_seconds(error: telegram.error.RetryAfter) -> float:
    value = error.retry_after  # an int now, a timedelta in PTB 23
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


@pytest.mark.asyncio
async def test_http_send_message_and_document(server: FakeTelegramServer) -> None:
    async with telegram.Bot(server.api.token, base_url=server.api_url) as bot:
        message = await bot.send_message(USER, "<b>Báo cáo</b> tuần", parse_mode="HTML")
        assert message.text == "Báo cáo tuần"
        content = "Nội dung báo cáo".encode()
        sent = await bot.send_document(USER, io.BytesIO(content), filename="bao_cao.txt")
        assert sent.document is not None and sent.document.file_name == "bao_cao.txt"
        with pytest.raises(telegram.error.BadRequest, match="Chat not found"):
            await bot.send_message(4242, "x")
    upload = server.api.sent("sendDocument")[0].params["document"]
    assert (upload.filename, upload.mime_type) == ("bao_cao.txt", "text/plain")
    assert upload.data == content


# PTB 22 itself warns, when building RetryAfter, that retry_after will become a timedelta.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
@pytest.mark.asyncio
async def test_http_429_fault_becomes_retry_after(server: FakeTelegramServer) -> None:
    server.api.faults = fail_calls(Fault.too_many_requests(3), method="sendMessage")
    async with telegram.Bot(server.api.token, base_url=server.api_url) as bot:
        with pytest.raises(telegram.error.RetryAfter) as caught:
            await bot.send_message(USER, "x")
        assert retry_seconds(caught.value) == 3
        with pytest.raises(telegram.error.NetworkError):
            server.api.faults = fail_calls(Fault.drop_connection())
            await bot.send_message(USER, "x")
        with pytest.raises(telegram.error.InvalidToken):
            await telegram.Bot("999:WRONG", base_url=server.api_url).get_me()
    assert server.api.sent("sendMessage") == []


@pytest.mark.asyncio
async def test_http_long_poll_waits_for_a_pushed_update(server: FakeTelegramServer) -> None:
    api = server.api
    async with telegram.Bot(api.token, base_url=server.api_url) as bot:
        poll = asyncio.create_task(bot.get_updates(timeout=10))
        # The server thread waits; this loop must stay free, hence to_thread for the sync wait.
        await asyncio.to_thread(api.wait_for, lambda: api.waiting_polls, 5)
        api.push_update(message_update(api, chat_id=USER, user_id=USER, text="/start"))
        updates = await asyncio.wait_for(poll, timeout=5)
        assert [u.message.text for u in updates if u.message] == ["/start"]

        rival = telegram.Bot(api.token, base_url=server.api_url)
        first = asyncio.create_task(bot.get_updates(offset=updates[-1].update_id + 1, timeout=10))
        await asyncio.to_thread(api.wait_for, lambda: api.waiting_polls, 5)
        assert await rival.get_updates(timeout=0) == ()
        with pytest.raises(telegram.error.Conflict):
            await asyncio.wait_for(first, timeout=5)


def test_http_accepts_json_and_form_bodies(server: FakeTelegramServer) -> None:
    url = f"{server.api_url}{server.api.token}/sendMessage"
    as_json = httpx.post(url, json={"chat_id": USER, "text": "123", "reply_markup": keyboard("a")})
    as_form = httpx.post(url, data={"chat_id": str(USER), "text": "ok", "parse_mode": "HTML"})
    bad = httpx.post(url, data={"chat_id": str(USER), "text": "<x>", "parse_mode": "HTML"})
    assert as_json.json()["result"]["text"] == "123"
    assert as_json.json()["result"]["reply_markup"] == keyboard("a")
    assert as_form.json()["ok"] is True
    assert bad.status_code == 400
    assert bad.json() == {
        "ok": False,
        "error_code": 400,
        "description": PARSE + 'Unsupported start tag "x" at byte offset 0',
    }


def test_forget_messages_drops_histories_calls_and_files() -> None:
    api = LocalBotAPI()
    api.add_chat(5, "private", first_name="An")
    api.call("sendMessage", {"chat_id": 5, "text": "xin chào"})
    sent = api.call("sendDocument", {"chat_id": 5,
                                      "document": UploadedFile("a.txt", "text/plain", b"x")})
    file_id = sent["document"]["file_id"]
    assert api.call("getFile", {"file_id": file_id})["file_size"] == 1
    api.forget_messages()
    assert api.calls == [] and api.messages(5) == []
    with pytest.raises(BotAPIError, match="invalid file_id"):
        api.call("getFile", {"file_id": file_id})
