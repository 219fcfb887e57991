"""The accounts command handlers on eventsourcing's in-memory store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from kino.commands.accounts import WRONG_CREDENTIALS, Accounts
from kino.domain.accounts import REUSE_GRACE, Session, UniqueKey, User
from kino.domain.errors import BadInputError, ConflictError, UnauthenticatedError
from kino.infrastructure.passwords import Argon2Passwords, FastPasswords
from kino.infrastructure.tokens import RefreshToken

PASSWORD = "correct horse battery"


class CountingPasswords(FastPasswords):
    def __init__(self) -> None:
        super().__init__()
        self.verifications = 0

    def verify(self, password_hash: str | None, password: str) -> bool:
        self.verifications += 1
        return super().verify(password_hash, password)


@pytest.fixture
def passwords() -> CountingPasswords:
    return CountingPasswords()


@pytest.fixture
def accounts(passwords: CountingPasswords) -> Accounts:
    return Accounts(env={}, passwords=passwords)


def test_register_saves_user_keys_and_session_in_one_save(accounts: Accounts):
    grant = accounts.register("Ann@Example.com", "Ann_1", PASSWORD, "Ann")
    user = accounts.repository.get(grant.user_id)
    assert isinstance(user, User)
    assert (user.email, user.handle, user.display_name) == ("ann@example.com", "ann_1", "Ann")
    assert user.password_hash and PASSWORD not in user.password_hash
    email_key = accounts.repository.get(UniqueKey.create_id("email", "ann@example.com"))
    assert email_key.user_id == grant.user_id
    session = accounts.repository.get(grant.session_id)
    assert isinstance(session, Session) and session.active
    notifications = accounts.notification_log.select(start=1, limit=10)
    assert len(notifications) == 4 and grant.position == notifications[-1].id


def test_taken_email_or_handle_is_a_conflict(accounts: Accounts):
    accounts.register("ann@example.com", "ann", PASSWORD)
    with pytest.raises(ConflictError, match="email"):
        accounts.register("ANN@example.com", "other", PASSWORD)
    with pytest.raises(ConflictError, match="handle"):
        accounts.register("other@example.com", "ANN", PASSWORD)
    assert len(accounts.notification_log.select(start=1, limit=10)) == 4


def test_bad_input_saves_nothing(accounts: Accounts):
    for email, handle, password in [
        ("nope", "ann", PASSWORD),
        ("a@b.co", "x", PASSWORD),
        ("a@b.co", "ann", "weak"),
    ]:
        with pytest.raises(BadInputError):
            accounts.register(email, handle, password)
    assert accounts.notification_log.select(start=1, limit=10) == []


def test_unknown_user_and_wrong_password_look_the_same(
    accounts: Accounts, passwords: CountingPasswords
):
    accounts.register("ann@example.com", "ann", PASSWORD)
    passwords.verifications = 0
    errors = []
    for login, password in [
        ("ann", "wrong password!"),
        ("nobody", PASSWORD),
        ("nobody@example.com", PASSWORD),
    ]:
        with pytest.raises(UnauthenticatedError) as error:
            accounts.login(login, password)
        errors.append(str(error.value))
    assert errors == [WRONG_CREDENTIALS] * 3
    # One argon2 verification on every path: the same timing class.
    assert passwords.verifications == 3


def test_login_by_email_or_handle_starts_a_session(accounts: Accounts):
    registered = accounts.register("ann@example.com", "ann", PASSWORD)
    for login in ("ANN@example.com", "Ann"):
        grant = accounts.login(login, PASSWORD)
        assert grant.user_id == registered.user_id and grant.session_id != registered.session_id


def test_refresh_rotates_and_reuse_revokes():
    now = [datetime(2026, 1, 1, tzinfo=UTC)]
    accounts = Accounts(env={}, passwords=FastPasswords(), clock=lambda: now[0])
    grant = accounts.register("ann@example.com", "ann", PASSWORD)
    second = accounts.refresh(grant.refresh_token)
    assert second.session_id == grant.session_id
    assert RefreshToken.parse(second.refresh_token).generation == 1
    now[0] += REUSE_GRACE + timedelta(seconds=1)
    with pytest.raises(UnauthenticatedError, match="already used"):
        accounts.refresh(grant.refresh_token)
    session = accounts.repository.get(grant.session_id)
    assert not session.active and session.revoked_reason == "refresh token reused"
    with pytest.raises(UnauthenticatedError, match="ended"):
        accounts.refresh(second.refresh_token)


def test_the_event_store_names_a_sessions_user_only_while_it_is_active_and_unexpired():
    now = [datetime(2026, 1, 1, tzinfo=UTC)]
    accounts = Accounts(
        env={}, passwords=FastPasswords(), clock=lambda: now[0], session_ttl=timedelta(days=1)
    )
    grant = accounts.register("ann@example.com", "ann", PASSWORD)
    other = accounts.login("ann", PASSWORD, client="")
    assert accounts.session_user(grant.session_id) == grant.user_id
    accounts.end_session(other.session_id)
    assert accounts.session_user(other.session_id) is None  # signed out
    assert accounts.session_user(uuid4()) is None  # never existed
    assert accounts.session_user(grant.user_id) is None  # not a session
    now[0] += timedelta(days=1)
    assert accounts.session_user(grant.session_id) is None  # expired


def test_a_token_whose_answer_was_lost_rotates_again_within_the_grace():
    """A page left while its refresh was in flight never got the new cookie: its next page
    presents the old token moments later. That rotates again; an older one still revokes."""
    now = [datetime(2026, 1, 1, tzinfo=UTC)]
    accounts = Accounts(env={}, passwords=FastPasswords(), clock=lambda: now[0])
    first = accounts.register("ann@example.com", "ann", PASSWORD)
    lost = accounts.refresh(first.refresh_token)  # the browser never received this answer
    now[0] += timedelta(seconds=2)
    again = accounts.refresh(first.refresh_token)
    assert RefreshToken.parse(again.refresh_token).generation == 2
    assert accounts.repository.get(first.session_id).active
    with pytest.raises(UnauthenticatedError, match="already used"):
        accounts.refresh(lost.refresh_token)  # two generations behind: reuse
    assert not accounts.repository.get(first.session_id).active


def test_a_forged_secret_is_refused_without_revoking(accounts: Accounts):
    grant = accounts.register("ann@example.com", "ann", PASSWORD)
    forged = RefreshToken(grant.session_id, 0, "f" * 43)
    with pytest.raises(UnauthenticatedError, match="not valid"):
        accounts.refresh(str(forged))
    assert accounts.repository.get(grant.session_id).active
    accounts.refresh(grant.refresh_token)


def test_expired_sessions_cannot_refresh():
    now = [datetime(2026, 1, 1, tzinfo=UTC)]
    accounts = Accounts(
        env={}, passwords=FastPasswords(), session_ttl=timedelta(hours=1), clock=lambda: now[0]
    )
    grant = accounts.register("ann@example.com", "ann", PASSWORD)
    now[0] += timedelta(hours=2)
    with pytest.raises(UnauthenticatedError, match="expired"):
        accounts.refresh(grant.refresh_token)


def test_end_session_is_idempotent(accounts: Accounts):
    grant = accounts.register("ann@example.com", "ann", PASSWORD)
    assert accounts.end_session(grant.session_id) is not None
    assert accounts.end_session(grant.session_id) is None


def test_argon2id_with_rfc9106_parameters():
    password_hash = Argon2Passwords().hash(PASSWORD)
    assert password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
