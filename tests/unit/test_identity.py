from __future__ import annotations

import pytest

from kino.domain.errors import BadInputError
from kino.domain.identity import (
    check_password_strength,
    normalize_display_name,
    normalize_email,
    normalize_handle,
)


@pytest.mark.parametrize("raw", ["Alice@Example.COM", "  alice@example.com "])
def test_emails_are_trimmed_and_case_folded(raw: str):
    assert normalize_email(raw) == "alice@example.com"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "plainaddress",
        "a@b",
        "a@@b.co",
        "a b@c.co",
        "a@b..co",
        "@b.co",
        "a\x00@b.co",
        "x" * 65 + "@b.co",
        "a@" + "b" * 250 + ".co",
    ],
)
def test_malformed_emails_are_refused(raw: str):
    with pytest.raises(BadInputError) as error:
        normalize_email(raw)
    assert error.value.field == "email"


@pytest.mark.parametrize("raw", ["ab", "a" * 31, "with space", "dash-ed", "émile", "", "a.b"])
def test_bad_handles_are_refused(raw: str):
    with pytest.raises(BadInputError, match="3 to 30"):
        normalize_handle(raw)


@pytest.mark.parametrize("raw", ["admin", "Root", "graphql"])
def test_reserved_handles_are_refused(raw: str):
    with pytest.raises(BadInputError, match="reserved"):
        normalize_handle(raw)


def test_handles_are_lowercased():
    assert normalize_handle(" Alice_99 ") == "alice_99"


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short1!", "at least"),
        ("x" * 257, "at most"),
        ("password123", "easy to guess"),
        ("aaaaaaaaaaaa", "easy to guess"),
        ("alice@example.com", "email or handle"),
        ("alice_handle", "email or handle"),
    ],
)
def test_weak_or_overlong_passwords_are_refused(password: str, reason: str):
    with pytest.raises(BadInputError, match=reason):
        check_password_strength(password, email="alice@example.com", handle="alice_handle")


def test_a_good_password_passes():
    check_password_strength("correct horse battery", email="a@b.co", handle="abc")


def test_display_names():
    assert normalize_display_name(None, fallback="alice") == "alice"
    assert normalize_display_name("  Zoë  ", fallback="x") == "Zoë"
    with pytest.raises(BadInputError):
        normalize_display_name("x" * 51, fallback="x")
    with pytest.raises(BadInputError):
        normalize_display_name("bell\x07", fallback="x")
