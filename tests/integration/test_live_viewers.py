"""viewerCount: every subscriber of a stream's page counts once, across api replicas; a
replica that dies stops counting; viewers leaving are subtracted."""

from __future__ import annotations

import asyncio
import contextlib
import time
from uuid import uuid4

import httpx
from redis import asyncio as aioredis

from kino.infrastructure import viewers as viewer_module
from kino.infrastructure.pubsub import channel_name
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


@contextlib.asynccontextmanager
async def two_replicas_and_a_stream(settings, endpoints):
    """Two api processes, a client of the first, and a new stream's id."""
    async with (
        api_server(settings, endpoints) as one,
        api_server(settings, endpoints) as two,
        httpx.AsyncClient(base_url=one.url) as http,
    ):
        owner = await register(http)
        created = await gql(http, CREATE, {"title": "Counted"}, token=owner["accessToken"])
        yield one, two, http, created["createLiveStream"]["stream"]["id"]


async def test_viewers_are_counted_per_subscriber_across_replicas(settings, endpoints, projector):
    async with two_replicas_and_a_stream(settings, endpoints) as (one, two, http, stream_id):
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


FOLLOW_COUNT = "subscription($id: ID!) { liveStream(id: $id) { id viewerCount } }"


async def pushed_count(subscriber: Subscriber, expected: int) -> None:
    """Frames arrive until one shows ``expected`` (a count in between may show first)."""
    async with asyncio.timeout(10):
        while True:
            message = await subscriber.receive()
            if message["payload"]["data"]["liveStream"]["viewerCount"] == expected:
                return


async def test_the_stream_page_is_pushed_the_viewer_count_as_people_come_and_go(
    settings, endpoints, projector
):
    """Nothing about the stream changes, only who watches it: every page following it gets
    the new count, from whichever replica the viewer joined."""
    async with two_replicas_and_a_stream(settings, endpoints) as (one, two, _, stream_id):
        first = await Subscriber.connect(one.url)
        await first.subscribe(FOLLOW_COUNT, {"id": stream_id})
        await pushed_count(first, 1)  # its own arrival
        second = await Subscriber.connect(two.url)
        await second.subscribe(FOLLOW_COUNT, {"id": stream_id})
        await pushed_count(first, 2)
        await pushed_count(second, 2)
        await second.close()
        await pushed_count(first, 1)
        await first.close()


async def test_a_burst_of_viewers_is_one_announcement(settings, endpoints, redis_client):
    """Fifty arrivals within the push delay make one nudge on the stream's channel."""
    client = aioredis.Redis.from_url(endpoints.redis_url)
    counter = viewer_module.ViewerCounter(client, settings.redis_namespace, push_delay=1.0)
    await counter.start()
    stream = uuid4()
    listener = redis_client.pubsub()
    listener.subscribe(channel_name(settings.redis_namespace, "live", stream))
    assert listener.get_message(timeout=5)["type"] == "subscribe"
    async with contextlib.AsyncExitStack() as watchers:
        for _ in range(50):
            await watchers.enter_async_context(counter.watching(stream))
        assert await counter.count(stream) == 50
        nudges = await asyncio.to_thread(messages_within, listener, 2.5)
        assert nudges == [viewer_module.COUNT_CHANGED.encode()]
    assert await asyncio.to_thread(messages_within, listener, 2.5) == nudges  # they all left
    await counter.stop()
    await client.aclose()
    listener.close()


def messages_within(listener, seconds: float) -> list[bytes]:
    end, got = time.monotonic() + seconds, []
    while (left := end - time.monotonic()) > 0:
        message = listener.get_message(timeout=left)
        if message is not None:
            got.append(message["data"])
    return got
