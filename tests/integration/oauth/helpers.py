"""GraphQL operations and a full browser round trip for the OAuth tests."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.integration.conftest import gql
from tests.integration.oauth.conftest import CALLBACK
from tests.integration.oidc_provider import authorize

AUTH_FIELDS = "accessToken refreshToken expiresIn user { id handle displayName email createdAt }"
BEGIN = """
mutation($provider: String!, $redirectUri: String!) {
  beginOAuthLogin(provider: $provider, redirectUri: $redirectUri) { authorizationUrl state }
}"""
COMPLETE = f"""
mutation($provider: String!, $code: String!, $state: String!, $iss: String,
         $redirectUri: String) {{
  completeOAuthLogin(provider: $provider, code: $code, state: $state, iss: $iss,
                     redirectUri: $redirectUri) {{ {AUTH_FIELDS} }}
}}"""
ME = "{ me { id handle displayName email } }"


def subject(prefix: str = "oidc") -> str:
    return f"{prefix}{secrets.token_hex(4)}"


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


async def begin(
    client: Any, provider: str = "local", redirect_uri: str = CALLBACK
) -> dict[str, Any]:
    data = await gql(client, BEGIN, {"provider": provider, "redirectUri": redirect_uri})
    return data["beginOAuthLogin"]  # type: ignore[no-any-return]


async def complete(client: Any, provider: str = "local", **variables: Any) -> dict[str, Any]:
    data = await gql(client, COMPLETE, {"provider": provider, **variables})
    return data["completeOAuthLogin"]  # type: ignore[no-any-return]


async def authorized(
    client: Any, login: str, redirect_uri: str = CALLBACK
) -> tuple[dict[str, Any], dict[str, str]]:
    """Begin a flow and walk the provider's forms: (the start, the callback parameters)."""
    start = await begin(client, "local", redirect_uri)
    callback = await authorize(start["authorizationUrl"], redirect_uri, login)
    return start, callback


async def sign_in(client: Any, login: str, redirect_uri: str = CALLBACK) -> dict[str, Any]:
    _start, callback = await authorized(client, login, redirect_uri)
    return await complete(
        client, code=callback["code"], state=callback["state"], iss=callback.get("iss")
    )
