"""Signed upload tokens for the api's own upload endpoint (the filesystem object store).

A token names one video, its owner and the declared size, and expires: it cannot be used
for another video, by another user, for more bytes, or after ``expires_at``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import jwt

from kino.domain.errors import ForbiddenError

_AUDIENCE = "kino-upload"


@dataclass(frozen=True)
class UploadGrant:
    video_id: UUID
    user_id: UUID
    size_bytes: int
    expires_at: datetime


class UploadTokens:
    def __init__(self, secret_key: str, ttl_seconds: int) -> None:
        self._key = secret_key + ":uploads"
        self.ttl = timedelta(seconds=ttl_seconds)

    def issue(self, video_id: UUID, user_id: UUID, size_bytes: int) -> tuple[str, datetime]:
        expires_at = datetime.now(UTC).replace(microsecond=0) + self.ttl
        claims = {
            "aud": _AUDIENCE,
            "vid": str(video_id),
            "sub": str(user_id),
            "size": size_bytes,
            "exp": int(expires_at.timestamp()),
        }
        return jwt.encode(claims, self._key, algorithm="HS256"), expires_at

    def verify(self, token: str, video_id: UUID, *, resumable: bool = False) -> UploadGrant:
        """The grant of a valid token. A resumable (tus) upload may take longer than the
        token's lifetime: it stays valid until the abandoned-upload deadline, ``ttl`` later
        (``expires_at`` plus ``ttl``: twice the lifetime after creation)."""
        leeway = self.ttl if resumable else timedelta(0)
        try:
            claims = jwt.decode(
                token, self._key, algorithms=["HS256"], audience=_AUDIENCE, leeway=leeway
            )
            grant = UploadGrant(
                video_id=UUID(claims["vid"]),
                user_id=UUID(claims["sub"]),
                size_bytes=int(claims["size"]),
                expires_at=datetime.fromtimestamp(claims["exp"], UTC),
            )
        except jwt.ExpiredSignatureError:
            raise ForbiddenError("This upload URL has expired; start the upload again.") from None
        except (jwt.InvalidTokenError, KeyError, ValueError):
            raise ForbiddenError("This upload URL is not valid.") from None
        if grant.video_id != video_id:
            raise ForbiddenError("This upload URL belongs to another video.")
        return grant
