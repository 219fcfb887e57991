"""Handle and display name derivation from OpenID Connect claims."""

from __future__ import annotations

import itertools

import pytest

from kino.domain.identity import HANDLE_PATTERN, RESERVED_HANDLES
from kino.domain.oauth import (
    ExternalIdentity,
    base_handle,
    display_name_from_claims,
    handle_candidates,
)


def identity(**claims: object) -> ExternalIdentity:
    return ExternalIdentity(provider="p", issuer="https://idp.example", subject="s", **claims)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("claims", "handle"),
    [
        ({"preferred_username": "Alice.Smith"}, "alice_smith"),
        ({"preferred_username": "  Zoë-Łukasz  "}, "zoe_ukasz"),
        ({"email": "Bob.Jones+tag@example.com"}, "bob_jones_tag"),
        ({"name": "Ada Lovelace"}, "ada_lovelace"),
        ({"preferred_username": "x", "email": "carol@example.com"}, "carol"),
        ({"preferred_username": "admin", "name": "Dan D"}, "dan_d"),
        ({"preferred_username": "日本語", "email": "李@example.com"}, "user"),
        ({}, "user"),
        ({"preferred_username": "a" * 80}, "a" * 30),
        ({"preferred_username": "__x__y__"}, "x_y"),
        ({"preferred_username": "erin.k@corp.example", "name": "Erin"}, "erin_k"),
    ],
)
def test_base_handle_comes_from_the_first_usable_claim(claims, handle):
    derived = base_handle(identity(**claims))
    assert derived == handle
    assert HANDLE_PATTERN.match(derived)
    assert derived not in RESERVED_HANDLES


def test_candidates_start_with_the_base_then_add_suffixes_within_30_characters():
    candidates = list(handle_candidates("a" * 30, iter(["1234", "abcdef"])))
    assert candidates == ["a" * 30, "a" * 25 + "_1234", "a" * 23 + "_abcdef"]
    assert all(HANDLE_PATTERN.match(candidate) for candidate in candidates)


def test_a_reserved_or_invalid_base_is_never_proposed_as_is():
    assert next(handle_candidates("admin", iter(["0001"]))) == "admin_0001"
    assert next(handle_candidates("user", iter(["0001"]))) == "user"
    first_two = list(itertools.islice(handle_candidates("ab", iter(["0001"])), 2))
    assert first_two == ["ab_0001"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("  Grace   Hopper ", "Grace Hopper"),
        ("Evil\u202eName\x00", "EvilName"),
        ("x" * 80, "x" * 50),
        ("", "fallback"),
        (None, "fallback"),
        ("\u200b\u200b", "fallback"),
    ],
)
def test_display_name_is_cleaned_not_refused(name, expected):
    assert display_name_from_claims(name, fallback="fallback") == expected


@pytest.mark.parametrize(
    ("email", "verified", "expected"),
    [
        ("Eve@Example.com", True, "eve@example.com"),
        ("eve@example.com", False, None),
        ("not an email", True, None),
        (None, True, None),
    ],
)
def test_only_a_verified_valid_email_counts(email, verified, expected):
    assert identity(email=email, email_verified=verified).verified_email == expected


def test_the_identity_key_is_scoped_by_issuer():
    one = ExternalIdentity(provider="a", issuer="https://one.example", subject="42")
    two = ExternalIdentity(provider="b", issuer="https://two.example", subject="42")
    assert one.key != two.key
