"""GraphQL for OpenID Connect sign-in: the configured providers, begin and complete a flow."""

from __future__ import annotations

import strawberry

from kino.commands.oauth import sign_in_with_identity
from kino.domain.text import opaque
from kino.graphql.accounts import AuthPayload, auth_payload
from kino.graphql.context import Info, run_sync


@strawberry.type
class OAuthLoginStart:
    authorization_url: str
    state: str


@strawberry.type
class OAuthQuery:
    @strawberry.field(description="The names of the configured OpenID Connect providers.")
    def oauth_providers(self, info: Info) -> list[str]:
        return info.context.services.oidc.names()


@strawberry.type
class OAuthMutation:
    @strawberry.mutation(
        name="beginOAuthLogin",
        description="Starts a sign-in with a provider; send the browser to authorizationUrl.",
    )
    async def begin_oauth_login(
        self, info: Info, provider: str, redirect_uri: str
    ) -> OAuthLoginStart:
        start = await info.context.services.oidc.begin(
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
        services = info.context.services
        identity = await services.oidc.complete(
            opaque(provider, field="provider", max_length=64),
            opaque(code, field="code", max_length=2048),
            opaque(state, field="state", max_length=256),
            None if iss is None else opaque(iss, field="iss", max_length=2048),
            None
            if redirect_uri is None
            else opaque(redirect_uri, field="redirectUri", max_length=2048),
        )
        grant = await run_sync(
            sign_in_with_identity, services.accounts, identity, info.context.user_agent
        )
        return await auth_payload(info.context, grant)
