"""A provider that is down, answers garbage or never answers gives a readable error."""

from __future__ import annotations

import threading

import pytest

from tests.integration.conftest import GraphQLError
from tests.integration.oauth.conftest import CALLBACK, open_client
from tests.integration.oauth.helpers import begin, complete, subject
from tests.integration.oidc_provider import authorize


async def test_a_provider_that_is_down_gives_a_readable_error(oauth_client):
    with pytest.raises(GraphQLError) as failed:
        await begin(oauth_client, provider="down")
    assert failed.value.code == "INTERNAL"
    assert "'down' is not available right now" in str(failed.value)
    assert "could not be reached" in str(failed.value)


async def test_garbage_discovery_gives_a_readable_error(oauth_client, fake):
    fake.mode = "garbage-discovery"
    with pytest.raises(GraphQLError) as failed:
        await begin(oauth_client, provider="fake")
    assert failed.value.code == "INTERNAL"
    assert "not JSON" in str(failed.value)


async def test_a_garbage_token_response_gives_a_readable_error(oauth_client, fake, users_created):
    before = users_created()
    start = await begin(oauth_client, provider="fake")
    fake.mode = "garbage-token"
    with pytest.raises(GraphQLError) as failed:
        await complete(
            oauth_client, provider="fake", code="c", state=start["state"], iss=fake.issuer
        )
    assert failed.value.code == "INTERNAL"
    assert "token endpoint answered something that is not JSON" in str(failed.value)
    assert users_created() == before


async def test_a_provider_that_never_answers_times_out(
    oauth_settings, endpoints, projector, clock, fake
):
    fake.mode = "hang"
    fake.released = threading.Event()
    try:
        async with open_client(oauth_settings, endpoints, clock, timeout=0.5) as client:
            with pytest.raises(GraphQLError) as failed:
                await begin(client, provider="fake")
    finally:
        fake.released.set()
    assert failed.value.code == "INTERNAL"
    assert "timed out" in str(failed.value)


async def test_wrong_client_credentials_are_reported_as_the_providers_problem(
    oauth_client, users_created
):
    before = users_created()
    start = await begin(oauth_client, provider="misconfigured")
    answer = await authorize(start["authorizationUrl"], CALLBACK, subject("creds"))
    with pytest.raises(GraphQLError) as failed:
        await complete(oauth_client, provider="misconfigured", **answer)
    assert failed.value.code == "INTERNAL"
    assert "client credentials" in str(failed.value)
    assert users_created() == before
