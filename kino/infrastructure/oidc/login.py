"""Sign-in with OpenID Connect: the authorization code flow with PKCE, state and nonce.

``begin`` checks the redirect URI against the allow-list, stores a single-use flow and
returns the provider's authorization URL. ``complete`` takes the flow of ``state`` (so
a state never works twice), checks that it belongs to this provider (and redirect URI),
checks the RFC 9207 ``iss`` response parameter, exchanges the code, validates the ID
token and returns the identity it asserts.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from kino.domain.errors import BadInputError
from kino.domain.oauth import ExternalIdentity, OAuthCallback
from kino.infrastructure.oidc.flows import FlowStore
from kino.infrastructure.oidc.idtoken import invalid, verify_id_token
from kino.infrastructure.oidc.provider import OIDCProvider
from kino.infrastructure.oidc.redirects import RedirectAllowList
from kino.infrastructure.settings import OIDCProviderSettings

SCOPES = "openid email profile"
FLOW_GONE = (
    "This sign-in has expired or was already used (or was not started here); "
    "start the sign-in again."
)


@dataclass(frozen=True)
class LoginStart:
    authorization_url: str
    state: str


class OIDCLogin:
    def __init__(
        self,
        providers: Sequence[OIDCProviderSettings],
        redirects: RedirectAllowList,
        flows: FlowStore,
        *,
        timeout: float = 10.0,
        leeway_seconds: int = 60,
        now: Callable[[], float] = time.time,
    ) -> None:
        self._providers = {p.name: OIDCProvider(p, timeout=timeout) for p in providers}
        self.redirects = redirects
        self.flows = flows
        self.leeway_seconds = leeway_seconds
        self.now = now

    def names(self) -> list[str]:
        return list(self._providers)

    def provider(self, name: str) -> OIDCProvider:
        found = self._providers.get(name.strip().lower())
        if found is None:
            known = ", ".join(self._providers) or "none is configured"
            raise BadInputError(
                f"Unknown sign-in provider {name[:40]!r} (available: {known}).", field="provider"
            )
        return found

    async def begin(self, provider_name: str, redirect_uri: str) -> LoginStart:
        provider = self.provider(provider_name)
        uri = self.redirects.check(redirect_uri)
        metadata = await provider.metadata()
        endpoint = metadata["authorization_endpoint"]
        if urlsplit(endpoint).scheme not in ("https", "http"):
            raise provider.unavailable("its authorization endpoint is not a web address")
        state, flow = await self.flows.start(provider.name, uri)
        url = prepare_grant_uri(
            endpoint,
            provider.config.client_id,
            "code",
            redirect_uri=uri,
            scope=SCOPES,
            state=state,
            nonce=flow.nonce,
            code_challenge=create_s256_code_challenge(flow.code_verifier),
            code_challenge_method="S256",
        )
        return LoginStart(authorization_url=url, state=state)

    async def complete(self, callback: OAuthCallback) -> ExternalIdentity:
        provider = self.provider(callback.provider)
        flow = await self.flows.take(callback.state)
        redirect_uri, iss = callback.redirect_uri, callback.iss
        if flow is None:
            raise BadInputError(FLOW_GONE, field="state")
        if flow.provider != provider.name:
            raise BadInputError(
                "This sign-in was started with another provider; start it again.", field="state"
            )
        if redirect_uri is not None and redirect_uri != flow.redirect_uri:
            raise BadInputError(
                "This sign-in was started for another page (redirect URI); start it again.",
                field="redirectUri",
            )
        metadata = await provider.metadata()
        if iss is not None and iss != metadata["issuer"]:
            raise BadInputError(
                "The sign-in answer came from another issuer than the provider asked "
                "(iss mismatch); start the sign-in again.",
                field="iss",
            )
        if iss is None and metadata.get("authorization_response_iss_parameter_supported") is True:
            raise BadInputError(
                "The sign-in answer lacks the issuer (iss) its provider always sends; "
                "start the sign-in again.",
                field="iss",
            )
        tokens = await provider.exchange_code(callback.code, flow.redirect_uri, flow.code_verifier)
        access_token = tokens.get("access_token")
        access_token = access_token if isinstance(access_token, str) else None
        claims = await verify_id_token(
            provider,
            tokens["id_token"],
            nonce=flow.nonce,
            access_token=access_token,
            now=int(self.now()),
            leeway=self.leeway_seconds,
        )
        if access_token:
            userinfo = await provider.userinfo(access_token)
            if userinfo and userinfo.get("sub") != claims["sub"]:
                raise invalid("the userinfo subject differs from the ID token's")
            claims = {**claims, **{k: v for k, v in userinfo.items() if v is not None}}
        return _identity(provider.name, metadata["issuer"], claims)


def _text(claims: dict[str, Any], name: str, limit: int = 320) -> str | None:
    value = claims.get(name)
    return value[:limit] if isinstance(value, str) and value.strip() else None


def _identity(provider: str, issuer: str, claims: dict[str, Any]) -> ExternalIdentity:
    verified = claims.get("email_verified")
    return ExternalIdentity(
        provider=provider,
        issuer=issuer,
        subject=str(claims["sub"]),
        email=_text(claims, "email"),
        email_verified=verified is True or (isinstance(verified, str) and verified == "true"),
        name=_text(claims, "name", 200),
        preferred_username=_text(claims, "preferred_username", 200),
    )
