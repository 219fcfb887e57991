"""Redis keeps nothing: after its data is gone, replaying the projections restores the
chat history and the streams, and live subscribers get no replayed duplicates."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import redis
from redis import asyncio as aioredis

from kino.infrastructure.tokens import AccessTokens
from kino.queries.sessions import SessionQueries
from tests.integration.accounts_helpers import ME, register
from tests.integration.conftest import GraphQLError, gql
from tests.integration.live_helpers import (
    CHAT,
    HISTORY,
    SEND,
    Subscriber,
    api_server,
    chat_channel,
    owner_and_stream,
    wait_subscribed,
)

STREAM = "query($id: ID!) { liveStream(id: $id) { id title status chatSlowModeSeconds } }"
SLOW = "mutation($s: ID!) { setChatSlowMode(streamId: $s, seconds: 5) { id } }"
DELETE = "mutation($id: ID!) { deleteChatMessage(id: $id) }"


def wipe(redis_url: str, namespace: str) -> None:
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{namespace}:*", count=1000))
    if keys:
        client.unlink(*keys)
    assert not list(client.scan_iter(match=f"{namespace}:*", count=1000))


async def until_equal(read, expected) -> None:
    """Wait until the read model answers ``expected`` again (errors while it is empty)."""
    while True:
        try:
            if await read() == expected:
                return
        except GraphQLError:
            pass
        await asyncio.sleep(0.05)


async def in_sessions_view(settings, endpoints, access_token: str) -> bool:
    """The sessions read model itself (not the api, which asks the event store when the view
    does not know) holds the token's session as active."""
    claims = AccessTokens(settings.secret_key, 60).verify(access_token)
    client = aioredis.Redis.from_url(endpoints.redis_url)
    try:
        reader = SessionQueries(client, f"{settings.redis_namespace}:sessions")
        return await reader.lookup(claims.session_id) == (claims.user_id, True)
    finally:
        await client.aclose()


async def test_history_and_streams_are_rebuilt_after_redis_lost_everything(
    settings, endpoints, projector
):
    async with api_server(settings, endpoints) as api, httpx.AsyncClient(base_url=api.url) as http:
        owner, created = await owner_and_stream(http)
        stream_id = created["stream"]["id"]
        fan = await register(http)
        ids = []
        for body in ("one", "two", "three"):
            data = await gql(http, SEND, {"s": stream_id, "b": body}, token=fan["accessToken"])
            ids.append(data["sendChatMessage"]["id"])
        await gql(http, DELETE, {"id": ids[1]}, token=owner["accessToken"])
        await gql(http, SLOW, {"s": stream_id}, token=owner["accessToken"])
        viewer = await Subscriber.connect(api.url)
        await viewer.subscribe(CHAT, {"s": stream_id})
        await wait_subscribed(endpoints.redis_url, chat_channel(settings, stream_id))

        async def history():
            return (await gql(http, HISTORY, {"s": stream_id}))["chatMessages"]

        async def stream():
            return (await gql(http, STREAM, {"id": stream_id}))["liveStream"]

        before_history, before_stream = await history(), await stream()
        assert [m["body"] for m in before_history] == ["one", "three"]
        assert before_stream["chatSlowModeSeconds"] == 5

        wipe(endpoints.redis_url, settings.redis_namespace)
        assert (await stream()) is None
        for runner in projector.runners:  # what the projector's supervisor does on its next tick
            await asyncio.to_thread(runner.check)

        await until_equal(history, before_history)
        await until_equal(stream, before_stream)
        # The replay re-announced old messages; the live subscriber sees only new ones.
        await gql(http, SEND, {"s": stream_id, "b": "after"}, token=owner["accessToken"])
        first = (await viewer.receive())["payload"]["data"]["chat"]
        assert first["message"]["body"] == "after"
        await viewer.close()


async def test_nobody_is_signed_out_while_the_sessions_view_replays_what_redis_lost(
    settings, endpoints, projector
):
    """A bearer token of an active session keeps working while the sessions view is empty
    (the event store decides until the replay is done); a signed-out one stays refused."""
    async with api_server(settings, endpoints) as api, httpx.AsyncClient(base_url=api.url) as http:
        staying, leaving = await register(http), await register(http)
        await gql(http, "mutation { logout }", token=leaving["accessToken"])

        wipe(endpoints.redis_url, settings.redis_namespace)
        me = (await gql(http, ME, token=staying["accessToken"]))["me"]
        assert me["id"] == staying["user"]["id"]
        with pytest.raises(GraphQLError) as refused:
            await gql(http, ME, token=leaving["accessToken"])
        assert refused.value.code == "UNAUTHENTICATED"

        assert not await in_sessions_view(settings, endpoints, staying["accessToken"])
        for runner in projector.runners:  # the replay, for the tests that follow
            await asyncio.to_thread(runner.check)
        while not await in_sessions_view(settings, endpoints, staying["accessToken"]):
            await asyncio.sleep(0.05)
