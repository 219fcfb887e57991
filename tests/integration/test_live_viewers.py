"""viewerCount: every subscriber of a stream's page counts once, across api replicas; a
replica that dies stops counting; viewers leaving are subtracted."""

from __future__ import annotations

import asyncio

import httpx

from kino.infrastructure import viewers as viewer_module
from tests.integration.accounts_helpers import register
from tests.integration.conftest import gql
from tests.integration.live_helpers import CREATE, Subscriber, api_server

WATCH = "subscription($id: ID!) { liveStream(id: $id) { id status } }"
WATCH_LITERAL = 'subscription { liveStream(id: "%s") { id title } }'
COUNT = "query($id: ID!) { liveStream(id: $id) { viewerCount } }"


async def viewer_count(http: httpx.AsyncClient, stream_id: str) -> int:
    return int((await gql(http, COUNT, {"id": stream_id}))["liveStream"]["viewerCount"])


async def wait_count(http: httpx.AsyncClient, stream_id: str, expected: int) -> None:
    for _ in range(500):
        if await viewer_count(http, stream_id) == expected:
            return
        await asyncio.sleep(0.02)
    assert await viewer_count(http, stream_id) == expected


async def test_viewers_are_counted_per_subscriber_across_replicas(settings, endpoints, projector):
    async with (
        api_server(settings, endpoints) as one,
        api_server(settings, endpoints) as two,
        httpx.AsyncClient(base_url=one.url) as http,
    ):
        owner = await register(http)
        created = await gql(http, CREATE, {"title": "Counting"}, token=owner["accessToken"])
        stream_id = created["createLiveStream"]["stream"]["id"]
        assert await viewer_count(http, stream_id) == 0

        watchers = []
        for api in (one, one, one, two, two):  # same operation: shared execution
            watcher = await Subscriber.connect(api.url)
            await watcher.subscribe(WATCH, {"id": stream_id})
            watchers.append(watcher)
        literal = await Subscriber.connect(two.url)
        await literal.subscribe(WATCH_LITERAL % stream_id, {})
        watchers.append(literal)
        await wait_count(http, stream_id, 6)

        for watcher in watchers[:2]:
            await watcher.close()
        await wait_count(http, stream_id, 4)

        # Replica two dies without cleaning up: its heartbeat lapses, its viewers vanish.
        await two.container.resources.redis.delete(
            f"{settings.redis_namespace}:viewers:alive:{two.container.realtime.viewers.process_id}"
        )
        await wait_count(http, stream_id, 1)
        for watcher in watchers[2:]:
            await watcher.close()
        await wait_count(http, stream_id, 0)
    assert viewer_module.HEARTBEAT_TTL > viewer_module.HEARTBEAT_EVERY
