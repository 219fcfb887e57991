"""Short-lived signed media tokens: players fetch PRIVATE media with ``?token=`` in the URL
(they send no Authorization header). A token names one video, its owner and the session it
was issued to, and expires; the media route also checks that the session is still active, so
signing out ends every token the session was given."""

from __future__ import annotations

import time
from dataclasses import dataclass
from uuid import UUID

import jwt

_AUDIENCE = "kino-media"


@dataclass(frozen=True)
class MediaGrant:
    user_id: UUID
    session_id: UUID


class MediaTokens:
    def __init__(self, secret_key: str, ttl_seconds: int = 3600) -> None:
        self._key = secret_key + ":media"
        self.ttl = ttl_seconds

    def issue(
        self, video_id: UUID, user_id: UUID, session_id: UUID, extra_seconds: float = 0
    ) -> str:
        """Valid for ``ttl`` plus ``extra_seconds`` (a video's duration: watch it to the end)."""
        expires = int(time.time() + self.ttl + extra_seconds)
        claims = {
            "aud": _AUDIENCE,
            "vid": str(video_id),
            "sub": str(user_id),
            "sid": str(session_id),
            "exp": expires,
        }
        return jwt.encode(claims, self._key, algorithm="HS256")

    def grant_for(self, token: str, video_id: UUID) -> MediaGrant | None:
        """Who the token was issued to for this video, or None when it is not valid (tokens
        from before sessions were named in them are not valid either)."""
        try:
            claims = jwt.decode(token, self._key, algorithms=["HS256"], audience=_AUDIENCE)
            if UUID(claims["vid"]) != video_id:
                return None
            return MediaGrant(UUID(claims["sub"]), UUID(claims["sid"]))
        except (jwt.InvalidTokenError, KeyError, ValueError, TypeError):
            return None


@dataclass(frozen=True)
class MediaLinks:
    """The api URLs of stored media: ``videos/<id>/x`` → ``{public_url}/media/<id>/x``."""

    public_url: str
    tokens: MediaTokens

    def url(self, video_id: UUID, key: str | None, token: str | None = None) -> str | None:
        """``token``: a media token for PRIVATE videos, carried in the URL (players send no
        Authorization header); the api appends it to every URL inside the playlists too."""
        if not key:
            return None
        prefix = f"videos/{video_id}/"
        url = f"{self.public_url}/media/{video_id}/{key.removeprefix(prefix)}"
        return f"{url}?token={token}" if token else url
