"""Short-lived access tokens (HS256 JWTs naming the session) and opaque refresh tokens."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import jwt

from kino.domain.errors import UnauthenticatedError

_ISSUER = "kino"
_AUDIENCE = "kino-api"


@dataclass(frozen=True)
class AccessClaims:
    user_id: UUID
    session_id: UUID
    expires_at: datetime


@dataclass(frozen=True)
class RefreshToken:
    session_id: UUID
    generation: int
    secret: str

    def __str__(self) -> str:
        sid = base64.urlsafe_b64encode(self.session_id.bytes).decode().rstrip("=")
        return f"{sid}.{self.generation}.{self.secret}"

    @property
    def secret_hash(self) -> str:
        return hash_secret(self.secret)

    @classmethod
    def new(cls, session_id: UUID, generation: int) -> RefreshToken:
        return cls(session_id, generation, secrets.token_urlsafe(32))

    @classmethod
    def parse(cls, raw: str) -> RefreshToken:
        try:
            sid, generation, secret = raw.strip().split(".")
            session_id = UUID(bytes=base64.urlsafe_b64decode(sid + "=" * (-len(sid) % 4)))
            number = int(generation)
        except ValueError:
            raise UnauthenticatedError("That refresh token is not valid.") from None
        if number < 0 or not 20 <= len(secret) <= 100:
            raise UnauthenticatedError("That refresh token is not valid.")
        return cls(session_id, number, secret)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class AccessTokens:
    def __init__(self, secret_key: str, ttl_seconds: int) -> None:
        self._key = hashlib.sha256(("access-token:" + secret_key).encode()).digest()
        self.ttl_seconds = ttl_seconds

    def issue(self, user_id: UUID, session_id: UUID, now: datetime | None = None) -> str:
        issued = now or datetime.now(UTC)
        claims = {
            "iss": _ISSUER,
            "aud": _AUDIENCE,
            "sub": str(user_id),
            "sid": str(session_id),
            "iat": issued,
            "exp": issued + timedelta(seconds=self.ttl_seconds),
            "jti": secrets.token_urlsafe(8),
        }
        return jwt.encode(claims, self._key, algorithm="HS256")

    def verify(self, token: str) -> AccessClaims:
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=["HS256"],
                audience=_AUDIENCE,
                issuer=_ISSUER,
                options={"require": ["exp", "iat", "sub", "sid"]},
            )
            return AccessClaims(
                user_id=UUID(claims["sub"]),
                session_id=UUID(claims["sid"]),
                expires_at=datetime.fromtimestamp(claims["exp"], UTC),
            )
        except jwt.ExpiredSignatureError:
            raise UnauthenticatedError(
                "Your access token has expired; refresh the session."
            ) from None
        except (jwt.InvalidTokenError, ValueError, KeyError):
            raise UnauthenticatedError("That access token is not valid.") from None
