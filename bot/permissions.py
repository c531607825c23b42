"""Who may do what in a working group."""

from __future__ import annotations

from enum import StrEnum

from bot.model import Member, Role, Task


class Action(StrEnum):
    """The things a person can ask the bot to change or show."""

    READ = "read"  # statuses, lists, task cards
    MANAGE = "manage"  # create, assign, edit, cancel tasks; agencies, members, settings
    UPDATE_TASK = "update_task"  # done, progress, notes on one task
    CHANGE_DEADLINE = "change_deadline"
    READ_AUDIT = "read_audit"
    SUMMARY = "summary"


_LEADERS = frozenset({Role.CHAIR, Role.SECRETARY})


def is_leader(member: Member | None) -> bool:
    """Chair or secretary: the people who run the group's task list."""
    return member is not None and member.role in _LEADERS


def may(member: Member | None, action: Action, task: Task | None = None) -> bool:
    """Whether `member` (None: not a member of the group) may do `action`, on `task` if given."""
    if member is None:
        return False
    if action is Action.READ:
        return True
    if member.role in _LEADERS:
        return True
    if action is Action.UPDATE_TASK and task is not None:
        # An owner's official updates what his agency leads or what is assigned to him.
        return member.user_id in task.responsible or (
            member.agency is not None and member.agency == task.lead
        )
    return False
