"""bot.render's numbers: whole numbers take a quick path that must write what Babel writes."""

from __future__ import annotations

import pytest
from babel.numbers import format_decimal

from bot.render import format_number

WHOLE = [*range(-1_100, 1_100), 9_999, 10_000, 123_456, 1_000_000, -7_654_321, 10**12]


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("digits", [0, 1, 2])
def test_a_whole_number_is_written_as_babel_writes_it(lang: str, digits: int) -> None:
    pattern = "#,##0." + "#" * digits if digits else "#,##0"
    for value in WHOLE:
        assert format_number(value, lang, digits) == format_decimal(value, pattern, locale=lang)


def test_other_numbers_still_go_through_babel() -> None:
    assert format_number(1234.5, "vi", 1) == "1.234,5"
    assert format_number(1234.5, "en", 1) == "1,234.5"
