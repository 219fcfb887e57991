"""Mutations of the accounts context: register, sign in (password or OpenID Connect),
refresh, sign out. Each answers once the read models show the session (read-your-writes)."""

from __future__ import annotations

import strawberry

from kino.commands.accounts import RefreshTokenReusedError
from kino.commands.base import run_sync
from kino.domain.oauth import OAuthCallback
from kino.domain.text import opaque
from kino.graphql.accounts.types import AuthPayload, OAuthLoginStart, auth_payload
from kino.graphql.context import Info
from kino.graphql.ids import bounded
from kino.queries.positions import wait_for_position


@strawberry.type
class AccountsMutation:
    @strawberry.mutation
    async def register(
        self, info: Info, email: str, handle: str, password: str, display_name: str | None = None
    ) -> AuthPayload:
        grant = await run_sync(
            info.context.container.accounts.app.register,
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
        grant = await context.container.accounts.sign_in.login(
            bounded(login, "login", 320),
            bounded(password, "password", 1024),
            client=context.user_agent,
            address=context.client_address,
        )
        return await auth_payload(context, grant)

    @strawberry.mutation
    async def refresh_session(self, info: Info, refresh_token: str) -> AuthPayload:
        accounts = info.context.container.accounts
        token = opaque(refresh_token, field="refreshToken", max_length=256)
        try:
            grant = await run_sync(accounts.app.refresh, token)
        except RefreshTokenReusedError as reused:
            # The revocation must be in force before the client hears of it.
            app = accounts.app.name
            await wait_for_position(lambda: accounts.sessions.position(app), reused.position)
            raise
        return await auth_payload(info.context, grant)

    @strawberry.mutation(description="Ends the session of the access token used.")
    async def logout(self, info: Info) -> bool:
        viewer = await info.context.require_viewer()
        accounts = info.context.container.accounts
        position = await run_sync(accounts.app.end_session, viewer.session_id)
        if position is not None:
            app = accounts.app.name
            await wait_for_position(lambda: accounts.sessions.position(app), position)
        return True

    @strawberry.mutation(
        name="beginOAuthLogin",
        description="Starts a sign-in with a provider; send the browser to authorizationUrl.",
    )
    async def begin_oauth_login(
        self, info: Info, provider: str, redirect_uri: str
    ) -> OAuthLoginStart:
        start = await info.context.container.accounts.oidc.begin(
            opaque(provider, field="provider", max_length=64),
            opaque(redirect_uri, field="redirectUri", max_length=2048),
        )
        return OAuthLoginStart(authorization_url=start.authorization_url, state=start.state)

    @strawberry.mutation(
        name="completeOAuthLogin",
        description=(
            "Completes a sign-in with the code, state and iss the provider sent to the "
            "redirect URI. Pass redirectUri too, to check that the flow was started for it."
        ),
    )
    async def complete_oauth_login(
        self,
        info: Info,
        *,
        provider: str,
        code: str,
        state: str,
        iss: str | None = None,
        redirect_uri: str | None = None,
    ) -> AuthPayload:
        callback = OAuthCallback(provider, code, state, iss, redirect_uri)
        oauth = info.context.container.accounts.oauth
        grant = await oauth.complete(callback, info.context.user_agent)
        return await auth_payload(info.context, grant)
