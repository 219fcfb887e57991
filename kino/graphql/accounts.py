"""GraphQL for accounts: who am I, a user by handle, register, sign in, refresh, sign out."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import strawberry

from kino.commands.accounts import RefreshTokenReusedError, SessionGrant
from kino.domain.errors import KinoError, UnauthenticatedError
from kino.domain.identity import check_password, handle_to_find, login_to_find
from kino.domain.text import opaque
from kino.graphql.context import Info, KinoContext, run_sync, wait_for_position
from kino.graphql.inputs import bounded
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


async def auth_payload(context: KinoContext, grant: SessionGrant) -> AuthPayload:
    """Issue tokens once the read models show the session and the user (read-your-writes)."""
    services = context.services
    app = services.accounts.name
    await wait_for_position(lambda: services.sessions.position(app), grant.position)
    await wait_for_position(lambda: services.users.position(app), grant.position)
    user = await load_user(context, grant.user_id, is_self=True)
    if user is None:
        raise KinoError("Your account could not be read back; please try again.")
    return AuthPayload(
        access_token=services.tokens.issue(grant.user_id, grant.session_id),
        refresh_token=grant.refresh_token,
        expires_in=services.tokens.ttl_seconds,
        user=user,
    )


@strawberry.type
class AccountsQuery:
    @strawberry.field
    async def me(self, info: Info) -> UserType | None:
        viewer = await info.context.viewer()
        return await load_user(info.context, viewer.user_id, is_self=True) if viewer else None

    @strawberry.field
    async def user(self, info: Info, handle: str) -> UserType | None:
        wanted = handle_to_find(bounded(handle, "handle", 64))
        record = await info.context.services.users.by_handle(wanted)
        return UserType.from_record(record) if record else None


@strawberry.type
class AccountsMutation:
    @strawberry.mutation
    async def register(
        self, info: Info, email: str, handle: str, password: str, display_name: str | None = None
    ) -> AuthPayload:
        accounts = info.context.services.accounts
        grant = await run_sync(
            accounts.register,
            bounded(email, "email", 320),
            bounded(handle, "handle", 64),
            bounded(password, "password", 1024),
            bounded(display_name, "displayName", 256),
            client=info.context.user_agent,
        )
        return await auth_payload(info.context, grant)

    @strawberry.mutation
    async def login(self, info: Info, login: str, password: str) -> AuthPayload:
        context = info.context
        # Checked before the throttle counts it or anything is looked up.
        login = login_to_find(bounded(login, "login", 320))
        password = check_password(bounded(password, "password", 1024))
        throttle = context.services.throttle
        await throttle.check(login, context.client_address)
        try:
            grant = await run_sync(
                context.services.accounts.login, login, password, client=context.user_agent
            )
        except UnauthenticatedError:
            await throttle.failed(login, context.client_address)
            raise
        return await auth_payload(context, grant)

    @strawberry.mutation
    async def refresh_session(self, info: Info, refresh_token: str) -> AuthPayload:
        services = info.context.services
        token = opaque(refresh_token, field="refreshToken", max_length=256)
        try:
            grant = await run_sync(services.accounts.refresh, token)
        except RefreshTokenReusedError as reused:
            # The revocation must be in force before the client hears of it.
            app = services.accounts.name
            await wait_for_position(lambda: services.sessions.position(app), reused.position)
            raise
        return await auth_payload(info.context, grant)

    @strawberry.mutation(description="Ends the session of the access token used.")
    async def logout(self, info: Info) -> bool:
        context = info.context
        viewer = await context.require_viewer()
        services = context.services
        position = await run_sync(services.accounts.end_session, viewer.session_id)
        if position is not None:
            app = services.accounts.name
            await wait_for_position(lambda: services.sessions.position(app), position)
        return True
