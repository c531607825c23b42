"""The dashboard's initData check: Telegram's signature, its age, and who it names."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from urllib.parse import parse_qsl, urlencode

import pytest

from handlers.dashboard.auth import AuthError, AuthFailure, check, init_data_for, sign

TOKEN = "123456:TEST-TOKEN"
NOW = dt.datetime(2024, 7, 31, 2, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)
USER = {"id": 103, "first_name": "Nghệ", "last_name": "Lê", "username": "nghean",
        "language_code": "vi"}


def _fields(**changes: str) -> dict[str, str]:
    fields = {
        "auth_date": str(int((NOW - dt.timedelta(minutes=5)).timestamp())),
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps(USER, ensure_ascii=False, separators=(",", ":")),
    }
    fields.update(changes)
    return fields


def _refused(init_data: str | None, *, token: str = TOKEN) -> AuthFailure:
    with pytest.raises(AuthError) as caught:
        check(init_data, token, now=NOW, max_age=HOUR)
    return caught.value.reason


def test_a_signature_made_as_telegram_documents_it_is_accepted() -> None:
    # Built here by hand from the documentation, not by the module's own sign().
    fields = _fields()
    check_string = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()))
    key = hmac.new(b"WebAppData", TOKEN.encode(), hashlib.sha256).digest()
    digest = hmac.new(key, check_string.encode(), hashlib.sha256).hexdigest()
    user = check(urlencode({**fields, "hash": digest}), TOKEN, now=NOW, max_age=HOUR)
    assert (user.id, user.full_name, user.username, user.language_code) == (
        103, "Nghệ Lê", "nghean", "vi")


def test_sign_and_init_data_for_produce_what_check_accepts() -> None:
    assert check(sign(_fields(), TOKEN), TOKEN, now=NOW, max_age=HOUR).id == 103
    made = init_data_for(1003, "Lê Văn Hùng", TOKEN, at=NOW)
    assert check(made, TOKEN, now=NOW, max_age=HOUR).first_name == "Lê Văn Hùng"


def test_a_tampered_field_breaks_the_hash() -> None:
    signed = dict(parse_qsl(sign(_fields(), TOKEN)))
    signed["user"] = signed["user"].replace('"id":103', '"id":101')  # posing as the secretary
    assert _refused(urlencode(signed)) is AuthFailure.BAD_HASH


def test_a_tampered_hash_is_refused() -> None:
    signed = dict(parse_qsl(sign(_fields(), TOKEN)))
    signed["hash"] = signed["hash"][:-1] + ("0" if signed["hash"][-1] != "0" else "1")
    assert _refused(urlencode(signed)) is AuthFailure.BAD_HASH


def test_data_signed_with_another_bots_token_is_refused() -> None:
    assert _refused(sign(_fields(), "999999:OTHER-TOKEN")) is AuthFailure.BAD_HASH


def test_an_added_field_is_refused() -> None:
    signed = sign(_fields(), TOKEN) + "&chat_type=private"
    assert _refused(signed) is AuthFailure.BAD_HASH


def test_a_field_given_twice_is_refused() -> None:
    signed = sign(_fields(), TOKEN)
    assert _refused(signed + "&user=%7B%22id%22%3A101%7D") is AuthFailure.MALFORMED


@pytest.mark.parametrize("age, accepted", [
    (dt.timedelta(minutes=59), True),
    (dt.timedelta(hours=1), True),
    (dt.timedelta(hours=1, seconds=1), False),
    (dt.timedelta(days=3), False),
])
def test_data_older_than_the_allowed_age_has_expired(age: dt.timedelta, accepted: bool) -> None:
    signed = sign(_fields(auth_date=str(int((NOW - age).timestamp()))), TOKEN)
    if accepted:
        assert check(signed, TOKEN, now=NOW, max_age=HOUR).id == 103
    else:
        assert _refused(signed) is AuthFailure.EXPIRED


def test_the_allowed_age_is_a_setting() -> None:
    signed = sign(_fields(auth_date=str(int((NOW - dt.timedelta(hours=5)).timestamp()))), TOKEN)
    assert check(signed, TOKEN, now=NOW, max_age=dt.timedelta(hours=6)).id == 103


@pytest.mark.parametrize("user", [None, "", "not json", '{"first_name":"x"}', '{"id":"103"}',
                                  "[1,2]", '{"id":true}'])
def test_data_without_a_user_is_refused(user: str | None) -> None:
    fields = _fields()
    del fields["user"]
    if user is not None:
        fields["user"] = user
    assert _refused(sign(fields, TOKEN)) is AuthFailure.NO_USER


@pytest.mark.parametrize("init_data, reason", [
    (None, AuthFailure.MISSING),
    ("", AuthFailure.MISSING),
    ("garbage", AuthFailure.MALFORMED),
    ("a=1&" * 2000, AuthFailure.MALFORMED),
])
def test_missing_or_malformed_data_is_refused(init_data: str | None, reason: AuthFailure
                                              ) -> None:
    assert _refused(init_data) is reason


def test_data_without_a_date_is_refused_even_when_signed() -> None:
    fields = _fields()
    del fields["auth_date"]
    assert _refused(sign(fields, TOKEN)) is AuthFailure.MALFORMED
