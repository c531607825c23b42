"""Users, chats and chat members as the fake keeps them, and their JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

CHAT_TYPES = ("private", "group", "supergroup", "channel")
MEMBER_STATUSES = ("creator", "administrator", "member", "restricted", "left", "kicked")


@dataclass
class Member:
    """A chat member for ``add_chat(members=...)``; status is one of MEMBER_STATUSES."""

    user_id: int
    first_name: str
    status: str = "member"
    username: str | None = None
    last_name: str | None = None
    is_bot: bool = False


@dataclass
class UserState:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False
    blocked: bool = False

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data


@dataclass
class ChatState:
    id: int
    type: str
    title: str | None = None
    username: str | None = None
    bot_status: str = "member"
    members: dict[int, str] = field(default_factory=dict)
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    # The full markup (also reply keyboards, which Telegram does not echo) per bot message.
    markups: dict[int, dict[str, Any]] = field(default_factory=dict)
    next_message_id: int = 1
    menu_button: dict[str, Any] | None = None
    migrated_to: int | None = None  # a group upgraded to a supergroup: its new id


def member_json(user: dict[str, Any], status: str) -> dict[str, Any]:
    """ChatMember JSON with every field Telegram (and PTB's de_json) requires for ``status``."""
    data: dict[str, Any] = {"status": status, "user": user}
    if status == "creator":
        data["is_anonymous"] = False
    elif status == "administrator":
        data.update(
            can_be_edited=False,
            is_anonymous=False,
            can_manage_chat=True,
            can_delete_messages=True,
            can_manage_video_chats=True,
            can_restrict_members=True,
            can_promote_members=False,
            can_change_info=True,
            can_invite_users=True,
            can_post_stories=False,
            can_edit_stories=False,
            can_delete_stories=False,
            can_pin_messages=True,
        )
    elif status == "restricted":
        data.update(
            is_member=True,
            can_change_info=False,
            can_invite_users=False,
            can_pin_messages=False,
            can_send_messages=False,
            can_send_polls=False,
            can_send_other_messages=False,
            can_add_web_page_previews=False,
            can_manage_topics=False,
            until_date=0,
            can_send_audios=False,
            can_send_documents=False,
            can_send_photos=False,
            can_send_videos=False,
            can_send_video_notes=False,
            can_send_voice_notes=False,
            can_edit_tag=False,
            can_react_to_messages=False,
        )
    elif status == "kicked":
        data["until_date"] = 0
    return data
