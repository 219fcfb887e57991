"""The whole OpenID Connect sign-in against a real provider (oidc-provider on Node)."""

from __future__ import annotations

import pytest

from tests.integration.accounts_helpers import REFRESH
from tests.integration.conftest import GraphQLError, gql
from tests.integration.oauth.conftest import CALLBACK, EXTRA_CALLBACK
from tests.integration.oauth.helpers import ME, authorized, complete, query_of, sign_in, subject


async def test_first_sign_in_creates_the_user_and_the_second_finds_it(
    oauth_client, oidc_provider, users_created
):
    login = subject("alice")
    before = users_created()

    start, callback = await authorized(oauth_client, login)
    sent = query_of(start["authorizationUrl"])
    assert sent["code_challenge_method"] == "S256"
    assert sent["state"] == start["state"] == callback["state"]
    assert sent["nonce"]
    assert sent["code_challenge"]
    assert sent["redirect_uri"] == CALLBACK
    assert "openid" in sent["scope"].split()
    assert callback["iss"] == oidc_provider.issuer  # RFC 9207

    first = await complete(
        oauth_client, code=callback["code"], state=callback["state"], iss=callback["iss"]
    )
    me = (await gql(oauth_client, ME, token=first["accessToken"]))["me"]
    assert me["email"] == f"{login}@example.com"
    assert me["displayName"] == f"Test {login}"
    assert me["handle"] == login
    assert me["id"] == first["user"]["id"]
    assert users_created() == before + 1

    second = await sign_in(oauth_client, login)
    assert second["user"]["id"] == first["user"]["id"]
    assert second["refreshToken"] != first["refreshToken"]
    assert users_created() == before + 1


async def test_a_configured_extra_redirect_uri_works(oauth_client):
    payload = await sign_in(oauth_client, subject("extra"), EXTRA_CALLBACK)
    assert payload["user"]["handle"].startswith("extra")


async def test_logout_ends_an_oauth_session_like_a_password_session(oauth_client):
    payload = await sign_in(oauth_client, subject("bye"))
    refreshed = (await gql(oauth_client, REFRESH, {"token": payload["refreshToken"]}))[
        "refreshSession"
    ]
    assert refreshed["user"]["id"] == payload["user"]["id"]
    token = refreshed["accessToken"]
    assert (await gql(oauth_client, ME, token=token))["me"]["id"] == payload["user"]["id"]

    assert (await gql(oauth_client, "mutation { logout }", token=token))["logout"]

    with pytest.raises(GraphQLError) as ended:
        await gql(oauth_client, ME, token=token)
    assert ended.value.code == "UNAUTHENTICATED"
    with pytest.raises(GraphQLError) as refused:
        await gql(oauth_client, REFRESH, {"token": refreshed["refreshToken"]})
    assert refused.value.code == "UNAUTHENTICATED"


async def test_the_session_records_the_provider_as_its_method(oauth_client, database_url):
    import psycopg

    payload = await sign_in(oauth_client, subject("method"))
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT state FROM accounts_events WHERE topic LIKE %s",
            ("%:Session.Started",),
        ).fetchall()
    assert any(b'"oidc:local"' in bytes(row[0]) for row in rows)
    assert payload["user"]["id"]


async def test_the_web_sign_in_offers_each_configured_provider(oauth_client):
    data = await gql(oauth_client, "{ oauthProviders }")
    assert data["oauthProviders"] == ["local", "fake", "down", "misconfigured"]
    for path in ("/login", "/auth/callback"):
        page = await oauth_client.get(path)
        assert page.status_code == 200
        for name in data["oauthProviders"]:
            assert f'data-provider="{name}">Sign in with {name}</button>' in page.text
