"""Sign-in with an external (OpenID Connect) identity: find, link or create the user.

``OAuthSignIn.complete`` is the use case ``completeOAuthLogin`` calls: the provider vouches
for an identity (the OpenID Connect flow), then ``sign_in_with_identity`` starts its session.

- A known ``(issuer, subject)`` signs in to the user it was linked to.
- Otherwise an email the provider marks verified that belongs to an existing account
  links the identity to that account.
- Otherwise a new user is created, with a handle derived from the claims; an email is
  kept only when it is verified and free, so an unverified claim never takes over or
  squats an address.

The identity's index aggregate is saved in the same ``save()`` as the user (or the
link), so two simultaneous first sign-ins of one identity create one user: the loser's
save fails atomically and its retry finds the winner's link.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Protocol

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from kino.commands.accounts import Accounts, SessionGrant
from kino.commands.base import last_position, run_sync
from kino.domain.accounts import UniqueKey, User
from kino.domain.errors import ConflictError
from kino.domain.oauth import (
    ExternalIdentity,
    OAuthCallback,
    base_handle,
    display_name_from_claims,
    handle_candidates,
)

ATTEMPTS = 5


class IdentityProvider(Protocol):
    async def complete(self, callback: OAuthCallback) -> ExternalIdentity:
        """The identity the provider vouches for; BadInputError when the flow does not check
        out (unknown or used state, another provider, redirect URI or issuer)."""


class OAuthSignIn:
    def __init__(self, accounts: Accounts, provider: IdentityProvider) -> None:
        self.accounts, self.provider = accounts, provider

    async def complete(self, callback: OAuthCallback, client: str = "") -> SessionGrant:
        """A session for the user of the identity the provider vouches for."""
        identity = await self.provider.complete(callback)
        return await run_sync(sign_in_with_identity, self.accounts, identity, client)


def session_method(provider: str) -> str:
    return f"oidc:{provider}"


def sign_in_with_identity(
    accounts: Accounts, identity: ExternalIdentity, client: str = ""
) -> SessionGrant:
    """Start a session for the user of ``identity``, linking or creating that user first."""
    method = session_method(identity.provider)
    for _attempt in range(ATTEMPTS):
        linked = accounts.owner_of(UniqueKey.OAUTH, identity.key)
        if linked is not None:
            return accounts.start_session(linked, method, client)
        email = identity.verified_email
        owner = accounts.owner_of(UniqueKey.EMAIL, email)
        created: list[Aggregate] = []
        if owner is None:
            user, keys = _new_user(accounts, identity, email)
            owner, created = user.id, [user, *keys]
        link = UniqueKey(kind=UniqueKey.OAUTH, key=identity.key, user_id=owner)
        session, token = accounts.prepare_session(owner, method, client)
        try:
            recordings = accounts.save(*created, link, session)
        except IntegrityError:
            continue  # a concurrent sign-in claimed the identity, email or handle: judge again
        return SessionGrant(owner, session.id, str(token), last_position(recordings))
    raise ConflictError("Your account is being set up by another sign-in; try again.")


def _new_user(
    accounts: Accounts, identity: ExternalIdentity, email: str | None
) -> tuple[User, list[UniqueKey]]:
    handle = _free_handle(accounts, base_handle(identity))
    user = User(
        email=email or "",
        handle=handle,
        display_name=display_name_from_claims(identity.name, fallback=handle),
        password_hash=None,
    )
    keys = [UniqueKey(kind=UniqueKey.HANDLE, key=handle, user_id=user.id)]
    if email:
        keys.append(UniqueKey(kind=UniqueKey.EMAIL, key=email, user_id=user.id))
    return user, keys


def _free_handle(accounts: Accounts, base: str) -> str:
    for candidate in handle_candidates(base, _suffixes()):
        if not accounts.key_taken(UniqueKey.HANDLE, candidate):
            return candidate
    raise ConflictError("No free handle could be found for your account; try again.")


def _suffixes() -> Iterator[str]:
    for length in (4, 4, 4, 6, 6, 6, 8, 8, 8, 10, 10):
        yield secrets.token_hex(length // 2)
