"""Who may do what: leaders manage, owners update their own tasks, strangers see nothing."""

from __future__ import annotations

import pytest

from bot.model import Member, Role
from bot.permissions import Action, may
from tests.factories import make_task

CHAIR = Member(1, "Chủ trì", Role.CHAIR)
SECRETARY = Member(2, "Thư ký", Role.SECRETARY)
NGHE_AN = Member(3, "Cán bộ Nghệ An", Role.MEMBER, agency="nghe-an")
HA_TINH = Member(4, "Cán bộ Hà Tĩnh", Role.MEMBER, agency="ha-tinh")
NO_AGENCY = Member(5, "Không đơn vị", Role.MEMBER)

TASK = make_task(lead="nghe-an", number=1)
ASSIGNED_TO_5 = make_task(lead="nghe-an", responsible=(5,), number=2)


@pytest.mark.parametrize(
    ("member", "action", "task", "allowed"),
    [
        (None, Action.READ, None, False),
        (NGHE_AN, Action.READ, None, True),
        (CHAIR, Action.MANAGE, None, True),
        (SECRETARY, Action.MANAGE, None, True),
        (NGHE_AN, Action.MANAGE, None, False),
        (NGHE_AN, Action.UPDATE_TASK, TASK, True),
        (HA_TINH, Action.UPDATE_TASK, TASK, False),
        (NO_AGENCY, Action.UPDATE_TASK, TASK, False),
        (NO_AGENCY, Action.UPDATE_TASK, ASSIGNED_TO_5, True),
        (NGHE_AN, Action.CHANGE_DEADLINE, TASK, False),
        (SECRETARY, Action.CHANGE_DEADLINE, TASK, True),
        (NGHE_AN, Action.READ_AUDIT, None, False),
        (CHAIR, Action.READ_AUDIT, None, True),
        (NGHE_AN, Action.SUMMARY, None, False),
        (None, Action.UPDATE_TASK, TASK, False),
    ],
)
def test_permission_table(member: Member | None, action: Action, task: object,
                          allowed: bool) -> None:
    assert may(member, action, task) is allowed  # type: ignore[arg-type]
