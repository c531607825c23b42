"""Workspaces, members, roles and agencies through the real Application."""

from __future__ import annotations

from bot.model import Role, UserPrefs
from tests.conftest import Harness, buttons_of, texts
from tests.factories import CHAIR, GROUP_ID, OWNER, SECRETARY, STRANGER


async def test_bot_added_to_group_makes_admins_secretaries(harness: Harness) -> None:
    calls = await harness.add_bot(by=SECRETARY)
    assert "Chào tổ công tác" in texts(calls)[0]
    member = harness.store.member(SECRETARY)
    assert member is not None and member.role is Role.SECRETARY
    assert harness.store.member(CHAIR) is None


async def test_command_menu_is_registered_in_both_languages(harness: Harness) -> None:
    for lang in ("vi", "en"):
        commands = harness.api.my_commands(language_code=lang)
        names = [c["command"] for c in commands]
        assert {"status", "trangthai", "newtask", "giaoviec"} <= set(names)


async def test_stranger_is_refused_and_sees_no_data(seeded: Harness) -> None:
    calls = await seeded.send("/thanhvien", user=STRANGER)
    [reply] = texts(calls)
    assert "chưa là thành viên" in reply
    assert "Nguyễn Thị Thư Ký" not in reply


async def test_join_request_approved_by_secretary(seeded: Harness) -> None:
    calls = await seeded.send("/thamgia Nghe An", user=STRANGER)
    [request] = [c for c in calls if c.method == "sendMessage"]
    assert ("✅", f"ppl:ok:{STRANGER}:nghe-an") in buttons_of(request)
    refused = await seeded.press(f"ppl:ok:{STRANGER}:nghe-an", user=OWNER)
    assert seeded.store.member(STRANGER) is None
    assert any(c.method == "answerCallbackQuery" for c in refused)
    await seeded.press(f"ppl:ok:{STRANGER}:nghe-an", user=SECRETARY)
    member = seeded.store.member(STRANGER)
    assert member is not None and member.agency == "nghe-an" and member.role is Role.MEMBER


async def test_member_cannot_add_agencies(seeded: Harness) -> None:
    calls = await seeded.send("/themdonvi UBND tỉnh Cà Mau | Cà Mau", user=OWNER)
    assert "không có quyền" in texts(calls)[0]
    assert seeded.store.agency("ca-mau") is None


async def test_secretary_adds_agency_and_duplicate_is_refused(seeded: Harness) -> None:
    await seeded.send("/themdonvi UBND tỉnh Cà Mau | Cà Mau | CM")
    agency = seeded.store.agency("ca-mau")
    assert agency is not None and agency.aliases == ("CM",)
    calls = await seeded.send("/addagency ca mau", lang="en")
    assert "đã có" in texts(calls)[0]  # the workspace speaks Vietnamese


async def test_addmember_needs_a_reply(seeded: Harness) -> None:
    calls = await seeded.send("/themthanhvien Nghệ An")
    assert "trả lời một tin nhắn" in texts(calls)[0]


async def test_addmember_by_reply_with_ambiguous_agency_asks(seeded: Harness) -> None:
    seeded.api.add_chat(GROUP_ID, "supergroup")
    await seeded.send("Xin chào", user=STRANGER)
    hello = seeded.api.messages(GROUP_ID, from_bot=False)[-1]["message_id"]
    await seeded.send("/themdonvi UBND tỉnh Hà Giang | Hà Giang")
    calls = await seeded.send("/themthanhvien ha", reply_to=hello)
    choices = buttons_of([c for c in calls if c.method == "sendMessage"][-1])
    expected = {f"ppl:add:{STRANGER}:ha-tinh", f"ppl:add:{STRANGER}:ha-giang"}
    assert {d for _, d in choices} == expected
    await seeded.press(f"ppl:add:{STRANGER}:ha-giang")
    assert seeded.store.member(STRANGER).agency == "ha-giang"  # type: ignore[union-attr]


async def test_setrole_without_a_reply_says_the_reply_is_missing(seeded: Harness) -> None:
    # Issue 9: the README's first set-up step, typed without replying to the chair.
    [text] = texts(await seeded.send("/vaitro chutri"))
    assert "Không hiểu" not in text
    assert "Chưa biết giao vai trò <b>chủ trì</b> cho ai" in text
    assert "«Trả lời»" in text and "<code>/vaitro chutri</code>" in text
    seeded.registry.users.save(UserPrefs(SECRETARY, lang="en"))
    [text] = texts(await seeded.send("/setrole chair"))
    assert "Unknown role" not in text and "Who is to be the chair?" in text
    [text] = texts(await seeded.send("/setrole boss"))
    assert "Unknown role “boss”" in text


async def test_last_secretary_cannot_demote_himself(harness: Harness) -> None:
    await harness.add_bot()
    await harness.send("tin nhắn của thư ký", user=SECRETARY)
    own = harness.api.messages(GROUP_ID, from_bot=False)[-1]["message_id"]
    calls = await harness.send("/vaitro thanhvien", reply_to=own)
    assert "Không thể" in texts(calls)[0]
    assert harness.store.member(SECRETARY).role is Role.SECRETARY  # type: ignore[union-attr]


async def test_user_language_override(seeded: Harness) -> None:
    await seeded.send("/lang en", user=OWNER)
    calls = await seeded.send("/members", user=OWNER)
    assert texts(calls)[0].startswith("👥 <b>Members")
    calls = await seeded.send("/members", user=SECRETARY)
    assert "Thành viên" in texts(calls)[0]


async def test_unknown_command_gets_a_hint(seeded: Harness) -> None:
    calls = await seeded.send("/khongco")
    assert "/trogiup" in texts(calls)[0]


async def test_known_command_does_not_trigger_the_unknown_hint(seeded: Harness) -> None:
    calls = await seeded.send("/thanhvien")
    assert len(texts(calls)) == 1


async def test_cancel_with_nothing_open_says_so(seeded: Harness) -> None:
    calls = await seeded.send("/huy")
    assert "Không có thao tác nào" in texts(calls)[0]


async def test_private_chat_asks_which_workspace_when_member_of_several(seeded: Harness) -> None:
    from bot.model import Member as Person

    other = seeded.registry.create(-100555, "Ban chỉ đạo tỉnh Nghệ An", lang="vi",
                                   tz="Asia/Ho_Chi_Minh", at=seeded.clock())
    other.save_member(Person(OWNER, "Nghệ", Role.MEMBER), actor=SECRETARY, at=seeded.clock())
    calls = await seeded.send("/viectoi", user=OWNER, chat=OWNER)
    [asked] = [c for c in calls if c.method == "sendMessage"]
    assert "nhiều tổ công tác" in asked.params["text"]
    assert {d for _, d in buttons_of(asked)} == {f"ws:{GROUP_ID}", "ws:-100555"}
    chosen = await seeded.press("ws:-100555", user=OWNER, chat=OWNER)
    assert "Ban chỉ đạo tỉnh Nghệ An" in texts(chosen)[0]
    calls = await seeded.send("/viectoi", user=OWNER, chat=OWNER)
    assert "nhiều tổ công tác" not in texts(calls)[0]
    assert seeded.registry.users.get(OWNER).current_workspace == -100555


async def test_workspace_button_of_a_group_he_is_not_in_is_refused(seeded: Harness) -> None:
    from telegram import Update

    from tests.fakes import callback_update

    seeded.registry.create(-100777, "Tổ khác", lang="vi", tz="Asia/Ho_Chi_Minh",
                           at=seeded.clock())
    await seeded.send("/tocongtac", user=OWNER, chat=OWNER)
    shown = seeded.api.last_message(OWNER)
    assert shown is not None
    # A modified client could send any callback data; the bot must check membership itself.
    forged = callback_update(seeded.api, chat_id=OWNER, user_id=OWNER,
                             message_id=shown["message_id"], data="ws:-100777",
                             check_button=False)
    await seeded.app.process_update(Update.de_json(forged, seeded.app.bot))
    assert seeded.registry.users.get(OWNER).current_workspace is None


async def test_an_edited_command_is_not_run_again(seeded: Harness) -> None:
    from telegram import Update

    from tests.fakes import message_update

    sent = message_update(seeded.api, chat_id=GROUP_ID, user_id=SECRETARY,
                          text="/themdonvi UBND tỉnh Cà Mau | Cà Mau", first_name="Thư")
    edited = {"update_id": sent["update_id"] + 1000,
              "edited_message": {**sent["message"], "edit_date": sent["message"]["date"] + 5}}
    start = len(seeded.api.calls)
    await seeded.app.process_update(Update.de_json(edited, seeded.app.bot))
    assert seeded.store.agency("ca-mau") is None
    assert seeded.api.calls[start:] == []
