"""Fan-out: one Redis subscription per process, shared executions, slow listeners dropped."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import redis.asyncio as aioredis

from kino.infrastructure.pubsub import ListenerDroppedError, PubSubHub, channel_name
from tests.integration.accounts_helpers import register
from tests.integration.conftest import gql
from tests.integration.live_helpers import (
    CHAT,
    SEND,
    Subscriber,
    api_server,
    chat_channel,
    owner_and_stream,
    wait_for_chat,
    wait_subscribed,
)

BODIES_ONLY = """subscription($s: ID!) { chat(streamId: $s) {
  ... on ChatMessagePosted { message { body } } } }"""


async def test_a_stalled_listener_is_dropped_and_the_others_get_everything(endpoints, settings):
    client = aioredis.Redis.from_url(endpoints.redis_url)
    hub = PubSubHub(client, queue_size=5)
    channel = channel_name(settings.redis_namespace, "test", "drop")
    fast, stalled = hub.listen(channel), hub.listen(channel)
    first = asyncio.create_task(anext(fast))
    stalled_first = asyncio.create_task(anext(stalled))
    await wait_subscribed(endpoints.redis_url, channel)
    while hub.listener_count(channel) < 2:
        await asyncio.sleep(0.01)
    received = []
    for n in range(50):  # one at a time: the fast listener keeps up, the stalled one never reads
        await client.publish(channel, str(n))
        received.append(await first if n == 0 else await anext(fast))
    assert received == [str(n).encode() for n in range(50)]
    assert await stalled_first == b"0"

    async def drain() -> None:
        for _ in range(50):
            await anext(stalled)

    with pytest.raises(ListenerDroppedError):
        await drain()
    assert hub.dropped == 1
    # Both listeners shared one Redis subscription.
    assert (await client.pubsub_numsub(channel))[0][1] == 1
    await fast.aclose()
    await stalled.aclose()
    await hub.close()
    await client.aclose()


async def test_subscribers_of_one_operation_share_each_execution(settings, endpoints, projector):
    async with api_server(settings, endpoints) as api, httpx.AsyncClient(base_url=api.url) as http:
        _, created = await owner_and_stream(http)
        stream_id = created["stream"]["id"]
        fan = await register(http)
        same = [await Subscriber.connect(api.url) for _ in range(5)]
        other = await Subscriber.connect(api.url)
        for viewer in same:
            await viewer.subscribe(CHAT, {"s": stream_id})
        await other.subscribe(BODIES_ONLY, {"s": stream_id})
        await wait_subscribed(endpoints.redis_url, chat_channel(settings, stream_id))
        fanout = api.fanout
        while sum(len(run.sinks) for run in fanout._runs.values()) < 6:
            await asyncio.sleep(0.01)
        for body in ("one", "two", "three"):
            await gql(http, SEND, {"s": stream_id, "b": body}, token=fan["accessToken"])
        for viewer in same:
            await wait_for_chat(viewer, "three")
        bodies = [(await other.receive())["payload"]["data"]["chat"]["message"]["body"]]
        while bodies[-1] != "three":
            bodies.append((await other.receive())["payload"]["data"]["chat"]["message"]["body"])
        assert bodies == ["one", "two", "three"]
        assert fanout.executions == 6  # 3 messages x 2 distinct operations, not x 6 subscribers
        assert fanout.deliveries == 18
        for viewer in [*same, other]:
            await viewer.close()
