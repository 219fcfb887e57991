"""Which user an external identity signs in to (the command, on the in-memory store)."""

from __future__ import annotations

from typing import Any

import pytest

from kino.commands.accounts import Accounts
from kino.commands.oauth import OAuthSignIn, sign_in_with_identity
from kino.domain.accounts import Session, UniqueKey, User
from kino.domain.errors import BadInputError, ConflictError
from kino.domain.oauth import ExternalIdentity, OAuthCallback
from kino.infrastructure.passwords import FastPasswords

PASSWORD = "correct horse battery staple"


def identity(subject: str = "sub-1", **claims: Any) -> ExternalIdentity:
    return ExternalIdentity(provider="idp", issuer="https://idp.example", subject=subject, **claims)


@pytest.fixture
def accounts() -> Accounts:
    return Accounts(env={}, passwords=FastPasswords())


def user(accounts: Accounts, user_id: Any) -> User:
    found = accounts.repository.get(user_id)
    assert isinstance(found, User)
    return found


def test_first_sign_in_creates_a_linked_user_with_an_oidc_session(accounts):
    grant = sign_in_with_identity(
        accounts,
        identity(
            email="Ann@Example.com", email_verified=True, name="Ann", preferred_username="ann"
        ),
    )
    created = user(accounts, grant.user_id)
    assert (created.handle, created.email, created.display_name) == (
        "ann",
        "ann@example.com",
        "Ann",
    )
    assert created.password_hash is None
    assert accounts.key_taken(UniqueKey.OAUTH, "https://idp.example|sub-1")
    assert accounts.find_user_id("ann@example.com") == grant.user_id
    session = accounts.repository.get(grant.session_id)
    assert isinstance(session, Session)
    assert session.method == "oidc:idp"

    again = sign_in_with_identity(accounts, identity(preferred_username="renamed"))
    assert again.user_id == grant.user_id
    assert again.session_id != grant.session_id


def test_a_verified_email_links_and_an_unverified_one_does_not(accounts):
    owner = accounts.register("pat@example.com", "pat", PASSWORD)

    stranger = sign_in_with_identity(
        accounts, identity("sub-x", email="pat@example.com", preferred_username="pat")
    )
    assert stranger.user_id != owner.user_id
    newcomer = user(accounts, stranger.user_id)
    assert newcomer.email == ""
    assert newcomer.handle.startswith("pat_")

    linked = sign_in_with_identity(
        accounts, identity("sub-y", email="PAT@example.com", email_verified=True)
    )
    assert linked.user_id == owner.user_id
    assert user(accounts, owner.user_id).password_hash is not None


def test_the_same_subject_at_another_issuer_is_another_person(accounts):
    one = sign_in_with_identity(accounts, identity("42", preferred_username="same"))
    other = ExternalIdentity(
        provider="b", issuer="https://other.example", subject="42", preferred_username="same"
    )
    two = sign_in_with_identity(accounts, other)
    assert one.user_id != two.user_id
    assert user(accounts, two.user_id).handle.startswith("same_")


class RacingAccounts(Accounts):
    """Lets a competing sign-in of the same identity win just before the first save."""

    def __init__(self, rival: ExternalIdentity | None, **kwargs: Any) -> None:
        super().__init__(env={}, passwords=FastPasswords(), **kwargs)
        self.rival = rival
        self.rival_user = None

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        rival, self.rival = self.rival, None
        if rival is not None:
            self.rival_user = sign_in_with_identity(self, rival).user_id
        return super().save(*objs, **kwargs)


def test_a_concurrent_first_sign_in_of_the_same_identity_yields_one_user():
    same = identity("sub-race", email="r@example.com", email_verified=True, preferred_username="r1")
    accounts = RacingAccounts(rival=same)
    grant = sign_in_with_identity(accounts, same)
    assert grant.user_id == accounts.rival_user
    registered = [
        event
        for event in accounts.events.get(accounts.find_user_id("r@example.com"))
        if isinstance(event, User.Registered)
    ]
    assert len(registered) == 1


def test_sign_in_gives_up_after_repeated_conflicts():
    class AlwaysConflicting(Accounts):
        def save(self, *objs: Any, **kwargs: Any) -> Any:
            from eventsourcing.persistence import IntegrityError

            raise IntegrityError("conflict")

    with pytest.raises(ConflictError):
        sign_in_with_identity(AlwaysConflicting(env={}, passwords=FastPasswords()), identity())


class Vouching:
    """A provider whose flows always check out: it vouches for one identity."""

    def __init__(self, vouched: ExternalIdentity) -> None:
        self.vouched = vouched
        self.callbacks: list[OAuthCallback] = []

    async def complete(self, callback: OAuthCallback) -> ExternalIdentity:
        self.callbacks.append(callback)
        return self.vouched


class Refusing:
    async def complete(self, callback: OAuthCallback) -> ExternalIdentity:
        raise BadInputError("This sign-in has expired.", field="state")


async def test_completing_a_sign_in_starts_a_session_for_the_identity_vouched_for(accounts):
    provider = Vouching(identity(email="ann@example.com", email_verified=True))
    callback = OAuthCallback("idp", "code-1", "state-1", "https://idp.example")
    grant = await OAuthSignIn(accounts, provider).complete(callback, "a browser")
    assert provider.callbacks == [callback]
    assert accounts.owner_of(UniqueKey.OAUTH, "https://idp.example|sub-1") == grant.user_id
    session = accounts.repository.get(grant.session_id)
    assert isinstance(session, Session)
    assert session.method == "oidc:idp"


async def test_a_callback_the_provider_refuses_signs_no_one_in(accounts):
    with pytest.raises(BadInputError) as refused:
        await OAuthSignIn(accounts, Refusing()).complete(OAuthCallback("idp", "code", "state"))
    assert refused.value.field == "state"
    assert accounts.recorder.max_notification_id() in (None, 0)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"provider": "i\x00dp"}, "provider"),
        ({"code": "c" * 2049}, "code"),
        ({"state": "s\nt"}, "state"),
        ({"iss": "\ud800"}, "iss"),
        ({"redirect_uri": "https://x.example/\x1b"}, "redirectUri"),
    ],
)
def test_a_callback_value_that_is_not_an_opaque_string_is_refused_by_name(values, field):
    with pytest.raises(BadInputError) as refused:
        OAuthCallback(**{"provider": "idp", "code": "code", "state": "state", **values})
    assert refused.value.field == field
