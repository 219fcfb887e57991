"""The accounts application: registration, password sign-in, sessions.

Each public method is a command handler: load aggregates, call them, save once.
Every result carries the notification id of its last event, so a caller can
wait for the read models to reach its own write (read-your-writes).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import EnvType

from kino.commands.base import KinoApplication, last_position
from kino.domain.accounts import Session, UniqueKey, User
from kino.domain.errors import ConflictError, UnauthenticatedError
from kino.domain.identity import (
    check_password,
    check_password_strength,
    login_to_find,
    normalize_display_name,
    normalize_email,
    normalize_handle,
)
from kino.infrastructure.passwords import Argon2Passwords
from kino.infrastructure.tokens import RefreshToken

WRONG_CREDENTIALS = "Wrong email, handle or password."


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...
    def verify(self, password_hash: str | None, password: str) -> bool: ...


class RefreshTokenReusedError(UnauthenticatedError):
    """A rotated refresh token came back: the session was revoked at ``position``."""

    def __init__(self, position: int) -> None:
        super().__init__(
            "That refresh token was already used, so the session has been ended "
            "for your safety; sign in again."
        )
        self.position = position


@dataclass(frozen=True)
class SessionGrant:
    """A started or refreshed session: what the api needs to issue tokens."""

    user_id: UUID
    session_id: UUID
    refresh_token: str
    position: int


class Accounts(KinoApplication):
    name = "accounts"

    def __init__(
        self,
        env: EnvType | None = None,
        *,
        passwords: PasswordHasher | None = None,
        session_ttl: timedelta = timedelta(days=30),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        super().__init__(env)
        self._passwords = passwords
        self.session_ttl = session_ttl
        self.clock = clock

    @property
    def passwords(self) -> PasswordHasher:
        if self._passwords is None:  # built lazily: projectors never hash
            self._passwords = Argon2Passwords()
        return self._passwords

    def register(
        self,
        email: str,
        handle: str,
        password: str,
        display_name: str | None = None,
        *,
        client: str = "",
    ) -> SessionGrant:
        email = normalize_email(email)
        handle = normalize_handle(handle)
        check_password_strength(password, email=email, handle=handle)
        name = normalize_display_name(display_name, fallback=handle)
        self._refuse_taken(email=email, handle=handle)
        user = User(
            email=email,
            handle=handle,
            display_name=name,
            password_hash=self.passwords.hash(password),
        )
        keys = [
            UniqueKey(kind=UniqueKey.EMAIL, key=email, user_id=user.id),
            UniqueKey(kind=UniqueKey.HANDLE, key=handle, user_id=user.id),
        ]
        session, token = self.prepare_session(user.id, "password", client)
        try:
            recordings = self.save(user, *keys, session)
        except IntegrityError:
            self._refuse_taken(email=email, handle=handle)
            raise  # pragma: no cover - a conflict on a key that is not taken
        return SessionGrant(user.id, session.id, str(token), last_position(recordings))

    def login(
        self, login: str, password: str, *, method: str = "password", client: str = ""
    ) -> SessionGrant:
        user_id = self.find_user_id(login)
        check_password(password)
        user = self.repository.get(user_id) if user_id else None
        stored_hash = user.password_hash if isinstance(user, User) else None
        # One argon2 verify on every path, so timing does not reveal whether an account exists.
        if not self.passwords.verify(stored_hash, password) or not isinstance(user, User):
            raise UnauthenticatedError(WRONG_CREDENTIALS)
        session, token = self.prepare_session(user.id, method, client)
        recordings = self.save(session)
        return SessionGrant(user.id, session.id, str(token), last_position(recordings))

    def start_session(self, user_id: UUID, method: str, client: str = "") -> SessionGrant:
        session, token = self.prepare_session(user_id, method, client)
        recordings = self.save(session)
        return SessionGrant(user_id, session.id, str(token), last_position(recordings))

    def refresh(self, raw_token: str) -> SessionGrant:
        presented = RefreshToken.parse(raw_token)
        for _attempt in range(3):
            session = self._get_session(presented.session_id)
            fresh = RefreshToken.new(session.id, session.generation + 1)
            rotated = session.rotate(
                presented.generation, presented.secret_hash, fresh.secret_hash, self.clock()
            )
            try:
                recordings = self.save(session)
            except IntegrityError:
                continue  # a concurrent refresh won: reload and judge again
            if not rotated:
                raise RefreshTokenReusedError(last_position(recordings))
            return SessionGrant(session.user_id, session.id, str(fresh), last_position(recordings))
        raise UnauthenticatedError("The session is being refreshed elsewhere; sign in again.")

    def end_session(self, session_id: UUID, reason: str = "signed out") -> int | None:
        session = self._get_session(session_id)
        session.revoke(reason)
        recordings = self.save(session)
        return last_position(recordings) if recordings else None

    def session_user(self, session_id: UUID) -> UUID | None:
        """The user of the session while it is active and unexpired, from the event store."""
        try:
            session: object = self.repository.get(session_id)
        except AggregateNotFoundError:
            return None
        if not isinstance(session, Session) or not session.active:
            return None
        return session.user_id if self.clock() < session.expires_at else None

    def find_user_id(self, login: str) -> UUID | None:
        """The user id for an email or a handle, from the command side's own index."""
        text = login_to_find(login)
        return self.owner_of(UniqueKey.EMAIL if "@" in text else UniqueKey.HANDLE, text)

    def owner_of(self, kind: str, key: str | None) -> UUID | None:
        """The user who claimed ``key`` of ``kind`` (email, handle, oauth), if any."""
        if not key:
            return None
        try:
            claim: object = self.repository.get(UniqueKey.create_id(kind, key))
        except AggregateNotFoundError:
            return None
        assert isinstance(claim, UniqueKey)
        return claim.user_id

    def key_taken(self, kind: str, key: str) -> bool:
        return UniqueKey.create_id(kind, key) in self.repository

    def _refuse_taken(self, *, email: str, handle: str) -> None:
        if self.key_taken(UniqueKey.EMAIL, email):
            raise ConflictError("An account with that email address already exists.", field="email")
        if self.key_taken(UniqueKey.HANDLE, handle):
            raise ConflictError(f"The handle {handle!r} is taken; choose another.", field="handle")

    def prepare_session(
        self, user_id: UUID, method: str, client: str = ""
    ) -> tuple[Session, RefreshToken]:
        """A new, unsaved session and its first refresh token, to save with other changes."""
        secret = RefreshToken.new(user_id, 0)  # the session id is known only after creation
        session = Session(
            user_id=user_id,
            method=method,
            token_hash=secret.secret_hash,
            expires_at=self.clock() + self.session_ttl,
            client=client[:200],
        )
        return session, RefreshToken(session.id, 0, secret.secret)

    def _get_session(self, session_id: UUID) -> Session:
        invalid = UnauthenticatedError("That refresh token is not valid.")
        return self.get_as(session_id, Session, invalid)
