"""Who is asking: a bearer access token, checked against the session it names (so signing
out takes effect at once), and the media tokens players carry in PRIVATE media URLs.

The sessions read model answers: a session it holds is active or ended for good. When it holds
nothing of the session, the event store decides: the view can be behind (a replay after Redis
lost its data, a sign-in it has not caught up with), and neither may sign anyone out. The view
also forgets a session when it expires. Each api process remembers the sessions the event store
said have ended (revocation and expiry are final), so a token of one costs one event-store
read per process, not one per request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from kino.commands.base import run_sync
from kino.domain.errors import UnauthenticatedError
from kino.infrastructure.media_tokens import MediaTokens
from kino.infrastructure.tokens import AccessTokens


@dataclass(frozen=True)
class Viewer:
    user_id: UUID
    session_id: UUID


ENDED_SESSIONS_REMEMBERED = 10_000


class ActiveSessions(Protocol):
    async def lookup(self, session_id: UUID) -> tuple[UUID, bool] | None:
        """(user, active) of the session, or None when the view holds nothing of it."""


class SessionRecords(Protocol):
    def session_user(self, session_id: UUID) -> UUID | None:
        """The user of the session while it is active and unexpired, from the event store,
        else None."""


class EndedSessions:
    """The newest ``size`` session ids the event store said have ended."""

    def __init__(self, size: int = ENDED_SESSIONS_REMEMBERED) -> None:
        self._ids: dict[UUID, None] = {}
        self.size = size

    def __contains__(self, session_id: UUID) -> bool:
        return session_id in self._ids

    def add(self, session_id: UUID) -> None:
        self._ids[session_id] = None
        if len(self._ids) > self.size:
            del self._ids[next(iter(self._ids))]


def bearer_token(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header (None without one)."""
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise UnauthenticatedError("Send the access token as 'Authorization: Bearer <token>'.")
    return token.strip()


class Authentication:
    def __init__(
        self,
        tokens: AccessTokens,
        sessions: ActiveSessions,
        media: MediaTokens,
        records: SessionRecords,
    ) -> None:
        self.tokens, self.sessions, self.media, self.records = tokens, sessions, media, records
        self.ended = EndedSessions()

    async def viewer(self, authorization: str | None) -> Viewer | None:
        """The signed-in user, or None; a presented but invalid token is an error."""
        token = bearer_token(authorization)
        if token is None:
            return None
        claims = self.tokens.verify(token)
        if not await self._active(claims.session_id, claims.user_id):
            raise UnauthenticatedError("This session has ended; sign in again.")
        return Viewer(claims.user_id, claims.session_id)

    async def owns(
        self, owner_id: UUID, video_id: UUID, media_token: str | None, authorization: str | None
    ) -> bool:
        """True when the request comes from the video's owner: a media token issued to the
        owner for this video by a session still active, else the owner's bearer token."""
        if media_token:
            grant = self.media.grant_for(media_token, video_id)
            if grant is None or grant.user_id != owner_id:
                return False
            return await self._active(grant.session_id, grant.user_id)
        viewer = await self.viewer(authorization)
        return viewer is not None and viewer.user_id == owner_id

    async def _active(self, session_id: UUID, user_id: UUID) -> bool:
        seen = await self.sessions.lookup(session_id)
        if seen is not None:
            owner, active = seen
            return active and owner == user_id
        if session_id in self.ended:
            return False
        owner_now = await run_sync(self.records.session_user, session_id)
        if owner_now is None:
            self.ended.add(session_id)
        return owner_now == user_id
