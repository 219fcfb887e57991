"""The accounts context: users, their unique keys, and sign-in sessions.

Uniqueness of an email, a handle or an OAuth identity is kept by small index
aggregates whose ids are uuid5 of the normalised key; they are saved in the same
``save()`` as the user, so the event store's (id, version) key refuses a second
registration of the same key atomically.
"""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from kino.domain.errors import UnauthenticatedError

_NAMESPACE = uuid5(NAMESPACE_URL, "https://kino.video/accounts")


class User(Aggregate):
    class Registered(Aggregate.Created):
        email: str
        handle: str
        display_name: str
        password_hash: str | None

    class PasswordChanged(Aggregate.Event):
        password_hash: str

    class DisplayNameChanged(Aggregate.Event):
        display_name: str

    @event(Registered)
    def __init__(
        self, email: str, handle: str, display_name: str, password_hash: str | None
    ) -> None:
        self.email = email
        self.handle = handle
        self.display_name = display_name
        self.password_hash = password_hash

    @event(PasswordChanged)
    def change_password(self, password_hash: str) -> None:
        self.password_hash = password_hash

    @event(DisplayNameChanged)
    def rename(self, display_name: str) -> None:
        self.display_name = display_name


class UniqueKey(Aggregate):
    """Claims one key of one kind (email, handle, oauth identity) for one user, forever."""

    EMAIL = "email"
    HANDLE = "handle"
    OAUTH = "oauth"

    class Claimed(Aggregate.Created):
        kind: str
        key: str
        user_id: UUID

    @staticmethod
    def create_id(kind: str, key: str, user_id: UUID | None = None) -> UUID:
        return uuid5(_NAMESPACE, f"{kind}:{key}")

    @event(Claimed)
    def __init__(self, kind: str, key: str, user_id: UUID) -> None:
        self.kind = kind
        self.key = key
        self.user_id = user_id


REUSE_GRACE = timedelta(seconds=30)


class Session(Aggregate):
    """A signed-in session. Its refresh token rotates on every use.

    The aggregate holds only the hash of the current refresh token and its
    generation; presenting an earlier generation means that a rotated token
    was used again, so the whole session is revoked (RFC 9700, 4.14.2).

    One exception, as most providers make it (a "reuse interval"): the token just
    rotated out, presented again within ``REUSE_GRACE`` of its rotation, rotates once more
    instead of revoking. A browser that leaves a page while its refresh is in flight never
    receives the new cookie and presents the old one from the next page; revoking there
    would sign people out for clicking a link. A thief who replays the token in that window
    gets a token too, but the owner's next refresh then reuses a rotated one and revokes.
    """

    class Started(Aggregate.Created):
        """Version 2 added ``client`` (the User-Agent that signed in); older events say
        ``"unknown"``. The schema-evolution pattern: bump ``class_version``, add
        ``upcast_v<N>_v<N+1>``, never rename (see docs/adr/0002-event-schema-evolution.md).
        """

        class_version = 2
        user_id: UUID
        method: str
        token_hash: str
        expires_at: datetime
        client: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, object]) -> None:
            state["client"] = "unknown"

    class Refreshed(Aggregate.Event):
        """Version 2 added ``rotated_at`` (the clock of the command that rotated) and the
        token it replaced (``replaced_generation``, ``replaced_hash``: the one presented);
        older events say None, which no grace applies to."""

        class_version = 2
        generation: int
        token_hash: str
        rotated_at: datetime | None
        replaced_generation: int | None
        replaced_hash: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, object]) -> None:
            state.update(rotated_at=None, replaced_generation=None, replaced_hash=None)

    class Revoked(Aggregate.Event):
        reason: str

    @event(Started)
    def __init__(
        self, user_id: UUID, method: str, token_hash: str, expires_at: datetime, client: str = ""
    ) -> None:
        self.user_id = user_id
        self.method = method
        self.client = client
        self.token_hash = token_hash
        self.expires_at = expires_at
        self.generation = 0
        self.replaced: tuple[int, str] | None = None  # the token the last rotation replaced
        self.rotated_at: datetime | None = None
        self.revoked_reason: str | None = None

    @property
    def active(self) -> bool:
        return self.revoked_reason is None

    def rotate(self, generation: int, token_hash: str, new_token_hash: str, now: datetime) -> bool:
        """Rotate the refresh token; False when the token was a reused one (now revoked)."""
        if not self.active:
            raise UnauthenticatedError("This session has ended; sign in again.")
        if now >= self.expires_at:
            raise UnauthenticatedError("This session has expired; sign in again.")
        if not self._lost_answer(generation, token_hash, now):
            if generation < self.generation:
                self._revoke(reason="refresh token reused")
                return False
            if generation != self.generation or not hmac.compare_digest(
                token_hash, self.token_hash
            ):
                raise UnauthenticatedError("That refresh token is not valid.")
        self._refresh(
            generation=self.generation + 1,
            token_hash=new_token_hash,
            rotated_at=now,
            replaced_generation=generation,
            replaced_hash=token_hash,
        )
        return True

    def _lost_answer(self, generation: int, token_hash: str, now: datetime) -> bool:
        """The token the last rotation replaced came back moments later: the answer that
        carried its successor never arrived."""
        return (
            self.replaced is not None
            and generation == self.replaced[0]
            and hmac.compare_digest(token_hash, self.replaced[1])
            and self.rotated_at is not None
            and now - self.rotated_at <= REUSE_GRACE
        )

    def revoke(self, reason: str) -> None:
        if self.active:
            self._revoke(reason=reason)

    @event(Refreshed)
    def _refresh(
        self,
        generation: int,
        token_hash: str,
        rotated_at: datetime | None,
        replaced_generation: int | None,
        replaced_hash: str | None,
    ) -> None:
        self.generation = generation
        self.token_hash = token_hash
        self.rotated_at = rotated_at
        self.replaced = None
        if replaced_generation is not None and replaced_hash:
            self.replaced = (replaced_generation, replaced_hash)

    @event(Revoked)
    def _revoke(self, reason: str) -> None:
        self.revoked_reason = reason
