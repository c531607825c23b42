"""Agency names typed without diacritics, with prefixes or a typo, and ambiguous ones."""

from __future__ import annotations

import pytest

from bot.names import contains_words, fold, match_agencies, slug
from tests.factories import AGENCIES

EXTRA = (*AGENCIES,)


@pytest.mark.parametrize(
    ("typed", "codes"),
    [
        ("Nghệ An", ["nghe-an"]),
        ("nghe an", ["nghe-an"]),
        ("NGHE AN", ["nghe-an"]),
        ("UBND tỉnh Nghệ An", ["nghe-an"]),
        ("ubnd tinh nghe an", ["nghe-an"]),
        ("nghe anh", ["nghe-an"]),  # one typo
        ("thua thien hue", ["hue"]),
        ("Huế", ["hue"]),
        ("moj", ["bo-tu-phap"]),
        ("bo tu phap", ["bo-tu-phap"]),
        ("ha", ["ha-tinh"]),
        ("vpcp", ["vpcp"]),
        ("Hải Phòng", []),
        ("", []),
    ],
)
def test_match_agencies(typed: str, codes: list[str]) -> None:
    assert sorted(a.code for a in match_agencies(typed, EXTRA)) == codes


def test_ambiguous_name_returns_every_candidate() -> None:
    from bot.model import Agency

    pool = [Agency("ha-tinh", "Hà Tĩnh", "Hà Tĩnh"), Agency("ha-giang", "Hà Giang", "Hà Giang")]
    assert {a.code for a in match_agencies("ha", pool)} == {"ha-tinh", "ha-giang"}


@pytest.mark.parametrize(
    ("text", "folded"),
    [("Nghệ  An", "nghe an"), ("Đắk Lắk", "dak lak"), ("THỪA THIÊN HUẾ", "thua thien hue")],
)
def test_fold_drops_case_diacritics_and_extra_spaces(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_contains_words_ignores_diacritics() -> None:
    assert contains_words("Số hóa hồ sơ, kết quả giải quyết TTHC", "so hoa ho so")
    assert not contains_words("Số hóa hồ sơ", "thanh toán")


def test_slug_is_short_ascii() -> None:
    assert slug("Thừa Thiên Huế") == "thua-thien-hue"
    assert len(slug("Ủy ban nhân dân tỉnh Bà Rịa – Vũng Tàu và các sở ngành")) <= 24
