"""Every example date the bot shows in its usage and error texts is one it accepts that day."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from bot.dates import parse_deadline
from bot.render import example_day
from bot.summary import parse_request
from tests.conftest import Harness, texts
from tests.factories import OWNER, make_task

LATER = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
_DAY = re.compile(r"\b\d{1,2}/\d{1,2}/\d{4}\b")
_DEADLINE_EXAMPLE = re.compile(r"<code>/(?:giaoviec|newtask|doihan|deadline|ketluan|conclusion)"
                               r"[^<]*</code>|<code>\d{1,2}/\d{1,2}(?:/\d{4})?</code>")

# What a user types that gets an example back, in both languages.
PROMPTS = [
    ("/giaoviec Rà soát", "vi"), ("/newtask Review", "en"),  # parts missing
    ("/giaoviec Rà soát | Nghệ An | 1/1/2020", "vi"),  # a past deadline
    ("/doihan 1", "vi"), ("/deadline 1", "en"),  # the date missing
    ("/ketluan", "vi"), ("/conclusion", "en"),
    ("/trogiup", "vi"), ("/help", "en"),
]


@pytest.mark.parametrize(("command", "lang"), PROMPTS)
async def test_example_deadlines_are_not_past(seeded: Harness, command: str, lang: str) -> None:
    # Issue 9: in 2026 the texts still showed 30/9/2024, which the bot itself refuses.
    seeded.clock.set(LATER)
    seeded.store.add_task(make_task(deadline=dt.date(2027, 3, 31)), actor=OWNER, at=LATER)
    shown = "\n".join(texts(await seeded.send(command, lang=lang)))
    examples = [m.group(0) for m in _DEADLINE_EXAMPLE.finditer(shown)]
    days = [d for e in examples for d in _DAY.findall(e)]
    assert days, shown  # each of these replies shows at least one example deadline
    assert "2024" not in " ".join(examples)
    for day in days:
        parse_deadline(day, today=LATER.date())  # raises DeadlineError("past") if it were


async def test_the_wizard_asks_for_a_deadline_with_an_example_from_today(seeded: Harness) -> None:
    seeded.clock.set(LATER)
    await seeded.send("/giaoviec")
    await seeded.send("Rà soát TTHC nội bộ", reply_to=_last_bot(seeded))
    question = texts(await seeded.send("Nghệ An", reply_to=_last_bot(seeded)))
    assert "<code>29/1/2027</code>" in question[-1]  # the last working day of January


def _last_bot(h: Harness) -> int:
    return int(h.api.messages(-1001234567890)[-1]["message_id"])


@pytest.mark.parametrize("today", [dt.date(2024, 7, 31), dt.date(2026, 11, 30),
                                   dt.date(2026, 12, 31), dt.date(2027, 2, 28)])
def test_each_kind_of_example_is_accepted_that_day(today: dt.date) -> None:
    for kind in ("deadline", "later", "month", "day"):
        parse_deadline(example_day(today, kind), today=today)
    parse_request(example_day(today, "last_month_range"), today=today)
    parse_request(example_day(today, "last_month"), today=today)
    assert example_day(today, "year") == str(today.year)


def test_the_readmes_deadline_examples_are_accepted_whatever_the_day() -> None:
    # The README cannot compute its examples, so its deadlines carry no year: "30/9" is the
    # next 30 September, whenever it is read.
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"`(/(?:giaoviec|newtask|doihan|deadline|ketluan|conclusion) [^`]+)`",
                          readme)
    assert len(commands) >= 6
    for command in commands:
        parts = [p.strip() for p in command.replace("\\|", "|").split("|")]
        when = parts[0].split()[-1] if command.startswith(("/doihan", "/deadline")) else parts[2]
        for today in (dt.date(2026, 11, 30), dt.date(2031, 12, 31)):
            parse_deadline(when, today=today)
