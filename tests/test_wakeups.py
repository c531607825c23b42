"""Unit tests of bot/wakeups.py: which wake-up a workspace keeps, and the schedule's state."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.wakeups import EARLY_TOLERANCE, Wakeups, kept_wakeup, plan_instant
from tests.factories import NOW

SOON = NOW + dt.timedelta(hours=1)
EARLIER = NOW - dt.timedelta(hours=1)


@pytest.mark.parametrize(("now", "scheduled", "planned"), [
    (NOW, None, NOW),  # woken by hand
    (NOW, NOW, NOW),  # on time
    (NOW - EARLY_TOLERANCE, NOW, NOW),  # a timer a little early plans for its own instant
    (NOW - EARLY_TOLERANCE - dt.timedelta(seconds=1), NOW,
     NOW - EARLY_TOLERANCE - dt.timedelta(seconds=1)),  # too early: it plans for now
    (SOON, NOW, SOON),  # late: now
])
def test_a_wakeup_plans_for_its_instant_when_it_fires_just_early(
    now: dt.datetime, scheduled: dt.datetime | None, planned: dt.datetime
) -> None:
    assert plan_instant(now, scheduled) == planned


@pytest.mark.parametrize(("wake", "pending", "keep_due", "kept"), [
    (SOON, EARLIER, True, EARLIER),  # the catch-up already due is not put off
    (None, EARLIER, True, EARLIER),  # nor dropped
    (SOON, EARLIER, False, SOON),  # unless the wake-up itself reschedules
    (SOON, SOON + dt.timedelta(hours=1), True, SOON),  # a pending one not yet due is replaced
    (EARLIER - dt.timedelta(hours=1), EARLIER, True, EARLIER - dt.timedelta(hours=1)),
    (SOON, None, True, SOON),
])
def test_a_due_wakeup_is_kept_over_a_later_one(
    wake: dt.datetime | None, pending: dt.datetime | None, keep_due: bool,
    kept: dt.datetime | None,
) -> None:
    assert kept_wakeup(wake, pending, NOW, keep_due=keep_due) == kept


def test_a_workspace_moved_to_a_new_chat_id_takes_its_state_along() -> None:
    state = Wakeups(revisions={1: 7}, wakeups={1: SOON}, planned={1: NOW})
    state.moved(1, 2)
    assert (state.revisions, state.wakeups, state.planned) == ({2: 7}, {2: SOON}, {2: NOW})
    assert state.stale(1, 7) and not state.stale(2, 7) and state.stale(2, 8)
