"""Validation of the identity a person types: email, handle, display name, password."""

from __future__ import annotations

import re
import unicodedata

from kino.domain.errors import BadInputError
from kino.domain.text import TextRule

HANDLE_PATTERN = re.compile(r"^[a-z0-9_]{3,30}$")
# Deliberately simple: one "@", a dot in the domain, no spaces or control characters.
EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+$")
MAX_EMAIL_LENGTH = 254
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
MAX_DISPLAY_NAME_LENGTH = 50
MAX_HANDLE_LENGTH = 30
HANDLE_RULE = "A handle has 3 to 30 characters: lowercase letters, digits and underscores."

RESERVED_HANDLES = frozenset(
    {
        "admin",
        "administrator",
        "root",
        "system",
        "kino",
        "support",
        "help",
        "api",
        "graphql",
        "login",
        "logout",
        "register",
        "signup",
        "signin",
        "upload",
        "watch",
        "live",
        "auth",
        "settings",
        "me",
        "moderator",
        "staff",
        "null",
        "undefined",
        "anonymous",
        "healthz",
        "readyz",
        "metrics",
        "static",
        "assets",
        "www",
        "mail",
    }
)

COMMON_PASSWORDS = frozenset(
    {
        "password",
        "password1",
        "password123",
        "passw0rd",
        "1234567890",
        "123456789",
        "12345678",
        "qwertyuiop",
        "qwerty123",
        "iloveyou",
        "letmein123",
        "welcome123",
        "abcdefghij",
        "0987654321",
        "1111111111",
        "admin12345",
        "changeme123",
    }
)


EMAIL = TextRule(
    field="email",
    name="The email address",
    max_length=MAX_EMAIL_LENGTH,
    required="Enter an email address.",
    too_long=f"An email address can have at most {MAX_EMAIL_LENGTH} characters.",
)
HANDLE = TextRule(
    field="handle", name="The handle", max_length=MAX_HANDLE_LENGTH, too_long=HANDLE_RULE
)
DISPLAY_NAME = TextRule(
    field="displayName",
    name="The display name",
    max_length=MAX_DISPLAY_NAME_LENGTH,
    too_long=f"A display name can have at most {MAX_DISPLAY_NAME_LENGTH} characters.",
    collapse_spaces=True,
)
# A password is a secret compared by its hash: checked, never changed (see ``PASSWORD``'s use).
PASSWORD = TextRule(
    field="password",
    name="The password",
    max_length=MAX_PASSWORD_LENGTH,
    too_long=f"A password can have at most {MAX_PASSWORD_LENGTH} characters.",
    verbatim=True,
)
LOGIN = TextRule(field="login", name="The email or handle", max_length=MAX_EMAIL_LENGTH)


def normalize_email(raw: str) -> str:
    email = EMAIL.clean(raw)
    if not EMAIL_PATTERN.match(email) or _has_format_characters(email):
        raise BadInputError(f"{email[:80]!r} is not a valid email address.", field="email")
    return email.lower()


def normalize_handle(raw: str) -> str:
    handle = HANDLE.clean(raw).lower()
    if not HANDLE_PATTERN.match(handle):
        raise BadInputError(HANDLE_RULE, field="handle")
    if handle in RESERVED_HANDLES:
        raise BadInputError(f"The handle {handle!r} is reserved; choose another.", field="handle")
    return handle


def handle_to_find(raw: str, field: str = "handle") -> str:
    """A handle someone looks up (``user(handle:)``, ``ownerHandle``): checked like any text,
    lowercased; one that cannot exist simply finds nobody."""
    return HANDLE.clean(raw, field=field).lower()


def login_to_find(raw: str) -> str:
    """The email or handle of a sign-in, as the account's index keys spell it."""
    return LOGIN.clean(raw).lower()


def normalize_display_name(raw: str | None, fallback: str) -> str:
    return DISPLAY_NAME.clean(raw or "") or fallback


def check_password(password: str) -> str:
    """Valid Unicode without control characters, at most 256 characters; unchanged.

    Neither trimmed nor normalised: spaces at either end are part of the secret, and every
    stored hash was made from the password exactly as typed, so changing it now (NFC) would
    lock out whoever typed a decomposed form. A NUL or a lone surrogate cannot be a
    password: argon2 and UTF-8 would see something else than the person typed.
    """
    return PASSWORD.clean(password)


def check_password_strength(password: str, *, email: str, handle: str) -> None:
    check_password(password)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise BadInputError(
            f"A password needs at least {MIN_PASSWORD_LENGTH} characters.", field="password"
        )
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(password)) < 4:
        raise BadInputError("That password is too easy to guess; choose another.", field="password")
    if lowered in (email, handle, email.split("@", maxsplit=1)[0]):
        raise BadInputError("A password must not be your email or handle.", field="password")


def _has_format_characters(text: str) -> bool:
    return any(unicodedata.category(ch) == "Cf" for ch in text)
