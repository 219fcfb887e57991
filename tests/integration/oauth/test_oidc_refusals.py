"""Every way a sign-in answer can be wrong is refused, with a clear error and no user."""

from __future__ import annotations

import secrets

import pytest

from tests.integration.conftest import GraphQLError
from tests.integration.oauth.conftest import CALLBACK, EXTRA_CALLBACK, OTHER_CALLBACK, PUBLIC_URL
from tests.integration.oauth.helpers import authorized, begin, complete, subject


async def refused(coroutine, code: str = "BAD_USER_INPUT") -> str:
    with pytest.raises(GraphQLError) as error:
        await coroutine
    assert error.value.code == code, error.value.errors
    return str(error.value)


async def test_a_replayed_code_and_state_are_refused(oauth_client, users_created):
    _start, callback = await authorized(oauth_client, subject("replay"))
    answer = {"code": callback["code"], "state": callback["state"], "iss": callback["iss"]}
    await complete(oauth_client, **answer)
    after_first = users_created()

    message = await refused(complete(oauth_client, **answer))
    assert "already used" in message
    # The same code with a fresh, valid state: the provider refuses to honour it twice.
    fresh = await begin(oauth_client)
    message = await refused(complete(oauth_client, **{**answer, "state": fresh["state"]}))
    assert "refused this sign-in" in message
    assert users_created() == after_first


async def test_an_unknown_state_is_refused(oauth_client, users_created):
    before = users_created()
    _start, callback = await authorized(oauth_client, subject("unknown"))
    message = await refused(
        complete(oauth_client, code=callback["code"], state=secrets.token_urlsafe(32))
    )
    assert "start the sign-in again" in message
    assert users_created() == before


async def test_a_state_started_for_another_redirect_uri_is_refused(oauth_client, users_created):
    before = users_created()
    _start, callback = await authorized(oauth_client, subject("elsewhere"))
    other = await begin(oauth_client, redirect_uri=OTHER_CALLBACK)
    message = await refused(
        complete(
            oauth_client,
            code=callback["code"],
            state=other["state"],
            iss=callback["iss"],
            redirectUri=CALLBACK,
        )
    )
    assert "another page" in message
    # Without the page's own URI, the provider itself refuses the mismatched redirect URI.
    other = await begin(oauth_client, redirect_uri=OTHER_CALLBACK)
    await refused(
        complete(oauth_client, code=callback["code"], state=other["state"], iss=callback["iss"])
    )
    assert users_created() == before


async def test_a_wrong_or_missing_iss_is_refused(oauth_client, users_created):
    before = users_created()
    _start, callback = await authorized(oauth_client, subject("mixup"))
    message = await refused(
        complete(
            oauth_client, code=callback["code"], state=callback["state"], iss="https://evil.example"
        )
    )
    assert "iss" in message
    # The flow was spent by the attempt: the genuine answer no longer works either.
    await refused(complete(oauth_client, **callback))

    _start, callback = await authorized(oauth_client, subject("noiss"))
    message = await refused(complete(oauth_client, code=callback["code"], state=callback["state"]))
    assert "iss" in message
    assert users_created() == before


async def test_an_expired_flow_is_refused(oauth_client, clock, users_created):
    before = users_created()
    _start, callback = await authorized(oauth_client, subject("late"))
    clock.offset += 10 * 60 + 1
    message = await refused(complete(oauth_client, **callback))
    assert "expired" in message
    assert users_created() == before


async def test_an_unknown_provider_is_refused(oauth_client):
    message = await refused(begin(oauth_client, provider="nope"))
    assert "Unknown sign-in provider" in message
    assert "local" in message
    start = await begin(oauth_client)
    await refused(complete(oauth_client, provider="nope", code="x", state=start["state"]))


async def test_a_state_of_another_provider_is_refused(oauth_client, users_created):
    before = users_created()
    start = await begin(oauth_client, provider="local")
    message = await refused(complete(oauth_client, provider="fake", code="x", state=start["state"]))
    assert "another provider" in message
    assert users_created() == before


@pytest.mark.parametrize(
    "uri",
    [
        "https://evil.example/auth/callback",
        "http://kino.test.evil.example/auth/callback",
        "http://kino.test@evil.example/auth/callback",
        "http://evil.example\\@kino.test/auth/callback",
        "//evil.example/auth/callback",
        "/auth/callback",
        "https://kino.test/auth/callback",
        "http://kino.test:8080/auth/callback",
        "http://kino.test/auth/callback#fragment",
        "javascript:alert(1)",
        f"{EXTRA_CALLBACK}/deeper",
        "http://127.0.0.1:5555/elsewhere",
        "",
    ],
)
async def test_a_redirect_uri_outside_the_allow_list_is_refused(oauth_client, uri):
    message = await refused(begin(oauth_client, redirect_uri=uri))
    assert "redirect URI is not allowed" in message


async def test_any_page_of_the_public_origin_is_allowed(oauth_client):
    start = await begin(oauth_client, redirect_uri=f"{PUBLIC_URL}/auth/callback?next=%2Fupload")
    assert start["authorizationUrl"].startswith("http://127.0.0.1:")
