"""A message announced again by a replay is not news to a subscriber who joins during it.

Found by the chaos campaign (bench/chaos): after a Redis restart the chat read model is
replayed and every message of the last five minutes is published again; a subscriber who
(re)connected meanwhile took the read model's position, still behind, as what it had seen,
and received messages it already had a second time. A new subscriber now also counts what
its api process already delivered on the channel."""

from __future__ import annotations

import asyncio
import json

import redis.asyncio as aioredis

from kino.graphql.announcements import baseline, fresh_announcements
from kino.infrastructure.pubsub import PubSubHub
from tests.conftest import REDIS_URL


async def publish_when_heard(client: aioredis.Redis, channel: str, position: int) -> None:
    while (await client.pubsub_numsub(channel))[0][1] == 0:
        await asyncio.sleep(0.01)
    body = {"app": "chat", "position": position, "type": "posted"}
    await client.publish(channel, json.dumps(body))


async def test_a_replayed_message_is_not_delivered_to_a_new_subscriber(
    redis_namespace: str,
) -> None:
    client = aioredis.Redis.from_url(REDIS_URL)
    hub = PubSubHub(client)
    channel = f"{redis_namespace}:chat:replayed"
    try:
        early = fresh_announcements(hub.listen(channel), {"chat": 0})
        first = asyncio.ensure_future(anext(early))
        await publish_when_heard(client, channel, 10)
        assert (await first)["position"] == 10  # delivered to the subscriber already there

        # Redis lost the read model: its position reads 0 while the replay runs.
        seen = baseline({"chat": 0}, hub.delivered_positions(channel))
        late = fresh_announcements(hub.listen(channel), seen)
        heard = asyncio.ensure_future(anext(late))
        while hub.listener_count(channel) < 2:  # the late subscriber listens
            await asyncio.sleep(0.01)
        await publish_when_heard(client, channel, 10)  # the replay announces it again
        await publish_when_heard(client, channel, 11)  # news

        assert (await heard)["position"] == 11
    finally:
        await early.aclose()
        await late.aclose()
        await hub.close()
        await client.aclose()
