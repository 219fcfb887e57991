"""Register, sign in, refresh, sign out: the whole password-account life cycle over GraphQL."""

from __future__ import annotations

import pytest

from tests.integration.accounts_helpers import (
    LOGIN,
    ME,
    PASSWORD,
    REFRESH,
    register,
    unique_handle,
)
from tests.integration.conftest import GraphQLError, gql


async def test_register_then_me_then_logout_ends_the_session(client):
    handle = unique_handle("alice")
    payload = await register(client, handle, displayName="Alice A.")
    assert payload["user"]["handle"] == handle
    assert payload["user"]["email"] == f"{handle}@example.com"  # the user sees their own email
    assert 0 < payload["expiresIn"] <= 3600

    me = (await gql(client, ME, token=payload["accessToken"]))["me"]
    assert me["id"] == payload["user"]["id"]
    assert me["displayName"] == "Alice A."

    assert (await gql(client, "mutation { logout }", token=payload["accessToken"]))["logout"]

    with pytest.raises(GraphQLError) as refused:
        await gql(client, ME, token=payload["accessToken"])
    assert refused.value.code == "UNAUTHENTICATED"
    with pytest.raises(GraphQLError) as refused_refresh:
        await gql(client, REFRESH, {"token": payload["refreshToken"]})
    assert refused_refresh.value.code == "UNAUTHENTICATED"


async def test_anonymous_me_is_null_and_logout_needs_a_session(client):
    assert (await gql(client, ME))["me"] is None
    with pytest.raises(GraphQLError) as refused:
        await gql(client, "mutation { logout }")
    assert refused.value.code == "UNAUTHENTICATED"


async def test_email_is_visible_to_the_user_themself_only(client):
    owner = await register(client)
    other = await register(client)
    query = "query($h: String!) { user(handle: $h) { id handle email } }"
    handle = owner["user"]["handle"]
    assert (await gql(client, query, {"h": handle}))["user"]["email"] is None
    seen_by_other = await gql(client, query, {"h": handle}, token=other["accessToken"])
    assert seen_by_other["user"]["email"] is None
    seen_by_self = await gql(client, query, {"h": handle}, token=owner["accessToken"])
    assert seen_by_self["user"]["email"] == f"{handle}@example.com"
    assert (await gql(client, query, {"h": "nobody_here"}))["user"] is None


async def test_login_by_email_and_by_handle_in_any_case(client):
    handle = unique_handle("bob")
    registered = await register(client, handle)
    by_email = (
        await gql(client, LOGIN, {"login": f"{handle.upper()}@EXAMPLE.com", "password": PASSWORD})
    )["login"]
    by_handle = (await gql(client, LOGIN, {"login": handle.upper(), "password": PASSWORD}))["login"]
    for payload in (by_email, by_handle):
        assert payload["user"]["id"] == registered["user"]["id"]
        me = (await gql(client, ME, token=payload["accessToken"]))["me"]
        assert me["handle"] == handle
    # Each sign-in is its own session: ending one leaves the others.
    await gql(client, "mutation { logout }", token=by_email["accessToken"])
    assert (await gql(client, ME, token=by_handle["accessToken"]))["me"]["handle"] == handle


async def test_refresh_rotates_and_reuse_ends_the_session(client):
    first = await register(client)
    second = (await gql(client, REFRESH, {"token": first["refreshToken"]}))["refreshSession"]
    assert second["refreshToken"] != first["refreshToken"]
    assert second["accessToken"] != first["accessToken"]
    assert second["user"]["id"] == first["user"]["id"]
    third = (await gql(client, REFRESH, {"token": second["refreshToken"]}))["refreshSession"]
    assert (await gql(client, ME, token=third["accessToken"]))["me"]["id"] == first["user"]["id"]

    # An attacker replays the first (already rotated) refresh token.
    with pytest.raises(GraphQLError) as reuse:
        await gql(client, REFRESH, {"token": first["refreshToken"]})
    assert reuse.value.code == "UNAUTHENTICATED"
    assert "already used" in str(reuse.value)

    # The whole session is over: the newest tokens are refused as well.
    for token in (third["accessToken"], second["accessToken"]):
        with pytest.raises(GraphQLError) as ended:
            await gql(client, ME, token=token)
        assert ended.value.code == "UNAUTHENTICATED"
    with pytest.raises(GraphQLError) as ended_refresh:
        await gql(client, REFRESH, {"token": third["refreshToken"]})
    assert ended_refresh.value.code == "UNAUTHENTICATED"


@pytest.mark.parametrize(
    "token",
    ["garbage", "a.b.c", "", "x" * 300, "AAAAAAAAAAAAAAAAAAAAAA.0." + "y" * 43],
)
async def test_bad_refresh_tokens_are_refused(client, token):
    with pytest.raises(GraphQLError) as refused:
        await gql(client, REFRESH, {"token": token})
    assert refused.value.code in ("UNAUTHENTICATED", "BAD_USER_INPUT")


@pytest.mark.parametrize(
    "header",
    ["Bearer not-a-jwt", "Basic dXNlcjpwYXNz", "Bearer ", "eyJhbGciOiJub25lIn0.e30."],
)
async def test_bad_access_tokens_are_unauthenticated(client, header):
    response = await client.post("/graphql", json={"query": ME}, headers={"Authorization": header})
    body = response.json()
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert body["data"] is None or body["data"].get("me") is None
