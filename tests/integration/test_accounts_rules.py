"""Uniqueness under concurrency, bad input, and throttled sign-in, through the api."""

from __future__ import annotations

import asyncio
import secrets

import pytest
import redis.asyncio as aioredis
from litestar.testing import AsyncTestClient

from kino.api import create_app
from kino.bootstrap import Overrides, build_container
from kino.domain.accounts import User
from kino.infrastructure.passwords import FastPasswords
from kino.infrastructure.throttle import LoginThrottle
from tests.integration.accounts_helpers import LOGIN, PASSWORD, REGISTER, register, unique_handle
from tests.integration.conftest import GraphQLError, gql

LEAKS = ("Traceback", "SELECT", "INSERT", "psycopg", "eventsourcing", 'File "', "kino.")


async def test_twenty_concurrent_registrations_of_one_email_yield_one_user(client, settings):
    local = unique_handle("race")
    emails = [
        f"{local}@Example.com".swapcase() if i % 2 else f"{local}@example.COM" for i in range(20)
    ]

    async def attempt(i: int) -> str:
        try:
            await gql(
                client,
                REGISTER,
                {"email": emails[i], "handle": f"{local[:24]}_{i}", "password": PASSWORD},
            )
        except GraphQLError as error:
            return error.code or "?"
        return "OK"

    outcomes = await asyncio.gather(*(attempt(i) for i in range(20)))
    assert sorted(outcomes) == ["CONFLICT"] * 19 + ["OK"]

    accounts = build_container(settings, _endpoints(settings)).accounts.app
    try:
        registered = [
            event
            for notification in _all_notifications(accounts)
            if isinstance(event := accounts.mapper.to_domain_event(notification), User.Registered)
            and event.email == f"{local}@example.com"
        ]
    finally:
        accounts.close()
    assert len(registered) == 1


def _endpoints(settings):
    from kino.bootstrap import Endpoints

    return Endpoints(settings.database_url, settings.redis_url, settings.nats_url)


def _all_notifications(accounts):
    start = 1
    while True:
        page = accounts.recorder.select_notifications(start=start, limit=500)
        yield from page
        if len(page) < 500:
            return
        start = page[-1].id + 1


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": ""}, "email"),
        ({"email": "x" * 10_000 + "@example.com"}, "email"),
        ({"handle": "no"}, "handle"),
        ({"handle": "has space"}, "handle"),
        ({"handle": "admin"}, "handle"),
        ({"handle": "h" * 100_000}, "handle"),
        ({"password": "short"}, "password"),
        ({"password": "password123"}, "password"),
        ({"password": "p" * 5000}, "password"),
        ({"displayName": "d" * 300}, "displayName"),
        ({"displayName": "ring\x07"}, "displayName"),
    ],
)
async def test_bad_registration_input_is_refused_and_saves_nothing(client, variables, field):
    handle = unique_handle("bad")
    base = {"email": f"{handle}@example.com", "handle": handle, "password": PASSWORD}
    with pytest.raises(GraphQLError) as refused:
        await gql(client, REGISTER, {**base, **variables})
    error = refused.value.errors[0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == field
    assert not any(leak in error["message"] for leak in LEAKS)
    # Nothing was stored: the same email and handle can still register.
    assert (await register(client, handle))["user"]["handle"] == handle


async def test_missing_or_mistyped_arguments_are_bad_user_input(client):
    for query in [
        'mutation { register(email: "a@b.co") { accessToken } }',
        'mutation { login(login: 5, password: "x") { accessToken } }',
        "{ nope }",
        "{ me { id ",
        "",
    ]:
        response = await client.post("/graphql", json={"query": query})
        body = response.json()
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
        assert not any(leak in body["errors"][0]["message"] for leak in LEAKS)


async def test_unknown_user_and_wrong_password_get_the_same_answer(client):
    registered = await register(client)
    handle = registered["user"]["handle"]
    answers = []
    for login in (handle, f"ghost_{secrets.token_hex(4)}", "ghost@example.com"):
        with pytest.raises(GraphQLError) as refused:
            await gql(client, LOGIN, {"login": login, "password": "wrong password 123"})
        answers.append((refused.value.code, str(refused.value)))
    assert len(set(answers)) == 1
    assert answers[0][0] == "UNAUTHENTICATED"


@pytest.fixture
async def throttled_client(settings, endpoints, projector):
    """Its own throttle namespace, so other tests' failures do not count here."""
    namespace = f"{settings.redis_namespace}:{secrets.token_hex(3)}"
    counters = aioredis.Redis.from_url(settings.redis_url)
    throttle = LoginThrottle(counters, 30, namespace=namespace)
    overrides = Overrides(passwords=FastPasswords(), throttle=throttle)
    container = build_container(settings, endpoints, overrides)
    async with AsyncTestClient(app=create_app(container)) as test_client:
        yield test_client
    cleaner = aioredis.Redis.from_url(settings.redis_url)
    async for key in cleaner.scan_iter(match=f"{namespace}:*"):
        await cleaner.unlink(key)
    await cleaner.aclose()


async def test_thirty_failures_for_one_account_are_rate_limited(throttled_client):
    registered = await register(throttled_client)
    handle = registered["user"]["handle"]
    for _ in range(30):
        with pytest.raises(GraphQLError) as wrong:
            await gql(throttled_client, LOGIN, {"login": handle, "password": "wrong password 1"})
        assert wrong.value.code == "UNAUTHENTICATED"
    # Even the right password is refused until the window passes.
    with pytest.raises(GraphQLError) as limited:
        await gql(throttled_client, LOGIN, {"login": handle, "password": PASSWORD})
    assert limited.value.code == "RATE_LIMITED"
    retry = limited.value.errors[0]["extensions"]["retryAfterSeconds"]
    assert 0 < retry <= 60


async def test_thirty_failures_from_one_address_are_rate_limited(throttled_client):
    for i in range(30):
        with pytest.raises(GraphQLError) as wrong:
            await gql(throttled_client, LOGIN, {"login": f"nobody_{i}", "password": "x" * 12})
        assert wrong.value.code == "UNAUTHENTICATED"
    registered_elsewhere = unique_handle("fresh")
    with pytest.raises(GraphQLError) as limited:
        await gql(throttled_client, LOGIN, {"login": registered_elsewhere, "password": PASSWORD})
    assert limited.value.code == "RATE_LIMITED"
