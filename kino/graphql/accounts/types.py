"""GraphQL types of the accounts context (the contract's User, AuthPayload, OAuthLoginStart)
and the read-back every sign-in answers with."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import strawberry

from kino.commands.accounts import SessionGrant
from kino.domain.errors import KinoError
from kino.graphql.context import Info, KinoContext
from kino.queries.positions import wait_for_position
from kino.queries.users import UserRecord


@strawberry.type(name="User")
class UserType:
    id: strawberry.ID
    handle: str
    display_name: str
    created_at: datetime
    _email: strawberry.Private[str | None]
    _is_self: strawberry.Private[bool] = False

    @strawberry.field(description="Visible to the user themself only.")
    async def email(self, info: Info) -> str | None:
        if self._is_self:
            return self._email
        viewer = await info.context.viewer()
        return self._email if viewer is not None and str(viewer.user_id) == self.id else None

    @classmethod
    def from_record(cls, record: UserRecord, *, is_self: bool = False) -> UserType:
        return cls(
            id=strawberry.ID(str(record.id)),
            handle=record.handle,
            display_name=record.display_name,
            created_at=record.created_at,
            _email=record.email,
            _is_self=is_self,
        )


@strawberry.type
class AuthPayload:
    access_token: str
    refresh_token: str
    expires_in: int
    user: UserType


async def load_user(
    context: KinoContext, user_id: UUID, *, is_self: bool = False
) -> UserType | None:
    record = await context.loaders().users.load(user_id)
    return UserType.from_record(record, is_self=is_self) if record else None


async def required_user(context: KinoContext, user_id: UUID, role: str) -> UserType:
    """The user behind an owner or author field, which the schema promises is never null."""
    user = await load_user(context, user_id)
    if user is None:
        raise KinoError(f"The {role} could not be read.")
    return user


async def auth_payload(context: KinoContext, grant: SessionGrant) -> AuthPayload:
    """Issue tokens once the read models show the session and the user (read-your-writes)."""
    accounts = context.container.accounts
    app = accounts.app.name
    await wait_for_position(lambda: accounts.sessions.position(app), grant.position)
    await wait_for_position(lambda: accounts.users.position(app), grant.position)
    user = await load_user(context, grant.user_id, is_self=True)
    if user is None:
        raise KinoError("Your account could not be read back; please try again.")
    return AuthPayload(
        access_token=accounts.tokens.issue(grant.user_id, grant.session_id),
        refresh_token=_refresh_token_for(context, grant.refresh_token),
        expires_in=accounts.tokens.ttl_seconds,
        user=user,
    )


def _refresh_token_for(context: KinoContext, refresh_token: str) -> str:
    """The refresh token for the answer; for the web client (``Kino-Session: cookie``) it
    goes into an HttpOnly cookie instead, and the answer carries an empty string."""
    request, response = context.request, context.response
    cookies = context.container.accounts.cookies
    if request is None or response is None or not cookies.asked_for(request.headers):
        return refresh_token
    for cookie in cookies.issued(refresh_token):
        response.set_cookie(**cookie)
    return ""


@strawberry.type
class OAuthLoginStart:
    authorization_url: str
    state: str
