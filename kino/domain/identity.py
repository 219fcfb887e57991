"""Validation of the identity a person types: email, handle, display name, password."""

from __future__ import annotations

import re
import unicodedata

from kino.domain.errors import BadInputError

HANDLE_PATTERN = re.compile(r"^[a-z0-9_]{3,30}$")
# Deliberately simple: one "@", a dot in the domain, no spaces or control characters.
EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+$")
MAX_EMAIL_LENGTH = 254
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
MAX_DISPLAY_NAME_LENGTH = 50

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


def normalize_email(raw: str) -> str:
    email = raw.strip()
    if not email:
        raise BadInputError("Enter an email address.", field="email")
    if len(email) > MAX_EMAIL_LENGTH:
        raise BadInputError(
            f"An email address can have at most {MAX_EMAIL_LENGTH} characters.", field="email"
        )
    if not EMAIL_PATTERN.match(email) or _has_control_characters(email):
        raise BadInputError(f"{email[:80]!r} is not a valid email address.", field="email")
    return email.lower()


def normalize_handle(raw: str) -> str:
    handle = raw.strip().lower()
    if not HANDLE_PATTERN.match(handle):
        raise BadInputError(
            "A handle has 3 to 30 characters: lowercase letters, digits and underscores.",
            field="handle",
        )
    if handle in RESERVED_HANDLES:
        raise BadInputError(f"The handle {handle!r} is reserved; choose another.", field="handle")
    return handle


def normalize_display_name(raw: str | None, fallback: str) -> str:
    name = unicodedata.normalize("NFC", (raw or "").strip()) or fallback
    if len(name) > MAX_DISPLAY_NAME_LENGTH:
        raise BadInputError(
            f"A display name can have at most {MAX_DISPLAY_NAME_LENGTH} characters.",
            field="displayName",
        )
    if _has_control_characters(name):
        raise BadInputError(
            "A display name cannot contain control characters.", field="displayName"
        )
    return name


def check_password_strength(password: str, *, email: str, handle: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise BadInputError(
            f"A password needs at least {MIN_PASSWORD_LENGTH} characters.", field="password"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise BadInputError(
            f"A password can have at most {MAX_PASSWORD_LENGTH} characters.", field="password"
        )
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(password)) < 4:
        raise BadInputError("That password is too easy to guess; choose another.", field="password")
    if lowered in (email, handle, email.split("@", maxsplit=1)[0]):
        raise BadInputError("A password must not be your email or handle.", field="password")


def _has_control_characters(text: str) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Cf") for ch in text)
