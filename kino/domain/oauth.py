"""An identity asserted by an OpenID Connect provider, what Kino derives from it, and what the
provider sends back to the redirect URI (``OAuthCallback``).

Pure functions: the handle and display name a first sign-in proposes, from the claims.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from kino.domain.errors import BadInputError
from kino.domain.identity import (
    DISPLAY_NAME,
    HANDLE_PATTERN,
    RESERVED_HANDLES,
    normalize_email,
)
from kino.domain.text import opaque

MIN_HANDLE, MAX_HANDLE = 3, 30
MAX_SUBJECT_LENGTH = 255
FALLBACK_HANDLE = "user"


@dataclass(frozen=True)
class OAuthCallback:
    """What the provider sent to the redirect URI (and the client passes on), each value
    checked as an opaque string: a refused one is a BadInputError naming it."""

    provider: str
    code: str
    state: str
    iss: str | None = None
    redirect_uri: str | None = None

    def __post_init__(self) -> None:
        opaque(self.provider, field="provider", max_length=64)
        opaque(self.code, field="code", max_length=2048)
        opaque(self.state, field="state", max_length=256)
        if self.iss is not None:
            opaque(self.iss, field="iss", max_length=2048)
        if self.redirect_uri is not None:
            opaque(self.redirect_uri, field="redirectUri", max_length=2048)


@dataclass(frozen=True)
class ExternalIdentity:
    """Claims about one person, validated by the OIDC client (signature, iss, aud, nonce)."""

    provider: str
    issuer: str
    subject: str
    email: str | None = None
    email_verified: bool = False
    name: str | None = None
    preferred_username: str | None = None

    @property
    def key(self) -> str:
        """The identity's index key: a subject is unique only within its issuer."""
        return f"{self.issuer}|{self.subject}"

    @property
    def verified_email(self) -> str | None:
        """The normalised email when the provider vouches for it, else None."""
        if not self.email_verified or not self.email:
            return None
        try:
            return normalize_email(self.email)
        except BadInputError:
            return None


def _slug(raw: str | None) -> str:
    text = unicodedata.normalize("NFKD", raw or "")
    text = text.encode("ascii", "ignore").decode().lower()
    text = re.sub(r"[^a-z0-9_]+", "_", text)
    return re.sub(r"_{2,}", "_", text).strip("_")[:MAX_HANDLE].strip("_")


def base_handle(identity: ExternalIdentity) -> str:
    """The first acceptable handle from preferred_username, the email's local part or the name."""
    username = (identity.preferred_username or "").partition("@")[0]  # often an email
    local_part = (identity.email or "").partition("@")[0]
    for raw in (username, local_part, identity.name):
        slug = _slug(raw)
        if len(slug) >= MIN_HANDLE and slug not in RESERVED_HANDLES:
            return slug
    return FALLBACK_HANDLE


def handle_candidates(base: str, suffixes: Iterator[str]) -> Iterator[str]:
    """``base`` itself, then ``base_<suffix>`` shortened to fit, for each suffix given."""
    if HANDLE_PATTERN.match(base) and base not in RESERVED_HANDLES:
        yield base
    for suffix in suffixes:
        stem = base[: MAX_HANDLE - len(suffix) - 1].rstrip("_") or FALLBACK_HANDLE
        yield f"{stem}_{suffix}"


def display_name_from_claims(name: str | None, fallback: str) -> str:
    """The claimed name made acceptable rather than refused, so a provider's odd claim never
    breaks a sign-in: what the text rule refuses is dropped (control and bidi characters,
    lone surrogates; line breaks become spaces), then it is normalised, trimmed and cut to
    length. Nothing visible left: ``fallback``."""
    return DISPLAY_NAME.salvage(name or "") or fallback


def usable_subject(subject: str) -> bool:
    """An OpenID Connect subject Kino can key an account on: 1-255 characters (OpenID
    Connect Core 1.0, section 2), valid Unicode without control characters. Refused rather
    than cleaned: two subjects that a clean-up made equal would share one account."""
    try:
        return bool(opaque(subject, field="sub", max_length=MAX_SUBJECT_LENGTH))
    except BadInputError:
        return False
