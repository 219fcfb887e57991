"""Live streams over GraphQL: create (key once), list, rotate, go live (ingest), end."""

from __future__ import annotations

import asyncio
from uuid import UUID

import pytest

from tests.integration.accounts_helpers import register
from tests.integration.conftest import GraphQLError, gql
from tests.integration.live_helpers import (
    SEND,
    Subscriber,
    live_channel,
    owner_and_stream,
    wait_subscribed,
)

STREAM = "query($id: ID!) { liveStream(id: $id) { id status startedAt endedAt playbackUrl } }"
LIST = """query($live: Boolean, $after: String) {
  liveStreams(first: 50, liveOnly: $live, after: $after) {
  edges { cursor node { id status } } pageInfo { hasNextPage endCursor } } }"""
ROTATE = "mutation($id: ID!) { rotateStreamKey(id: $id) { streamKey ingestUrl stream { id } } }"
END = "mutation($id: ID!) { endLiveStream(id: $id) { id status endedAt } }"
WATCH = "subscription($id: ID!) { liveStream(id: $id) { id status chatSlowModeSeconds } }"


def listed(page: dict) -> list[str]:
    return [edge["node"]["id"] for edge in page["liveStreams"]["edges"]]


async def test_create_returns_the_key_once_and_an_rtmp_ingest(http, api):
    owner, created = await owner_and_stream(http)
    assert created["ingestUrl"] == "rtmp://127.0.0.1:1935/live"
    assert created["streamKey"].startswith("live_")
    assert len(created["streamKey"]) > 40
    stream = created["stream"]
    assert stream["status"] == "OFFLINE"
    assert stream["owner"]["id"] == owner["user"]["id"]
    assert stream["chatSlowModeSeconds"] == 0
    read = (await gql(http, STREAM, {"id": stream["id"]}))["liveStream"]
    assert read["status"] == "OFFLINE"
    assert read["playbackUrl"] is None
    # The key is nowhere in the event store, only its hash.
    live = api.container.live.app
    events = await asyncio.to_thread(live.recorder.select_notifications, 1, 10000)
    assert all(created["streamKey"].encode() not in n.state for n in events)
    found = await asyncio.to_thread(live.verify_stream_key, created["streamKey"])
    assert found == UUID(stream["id"])


async def test_anonymous_cannot_create(http):
    with pytest.raises(GraphQLError) as refused:
        await gql(http, 'mutation { createLiveStream(title: "x") { streamKey } }')
    assert refused.value.code == "UNAUTHENTICATED"


async def test_rotate_is_owner_only_and_replaces_the_key(http, api):
    owner, created = await owner_and_stream(http)
    other = await register(http)
    stream_id = created["stream"]["id"]
    with pytest.raises(GraphQLError) as refused:
        await gql(http, ROTATE, {"id": stream_id}, token=other["accessToken"])
    assert refused.value.code == "FORBIDDEN"
    rotated = await gql(http, ROTATE, {"id": stream_id}, token=owner["accessToken"])
    new_key = rotated["rotateStreamKey"]["streamKey"]
    assert new_key != created["streamKey"]
    live = api.container.live.app
    assert await asyncio.to_thread(live.verify_stream_key, created["streamKey"]) is None
    assert await asyncio.to_thread(live.verify_stream_key, new_key) == UUID(stream_id)


async def test_going_live_is_pushed_to_subscribers_and_listed(http, api, settings, endpoints):
    owner, created = await owner_and_stream(http)
    stream_id = created["stream"]["id"]
    assert stream_id in listed(await gql(http, LIST, {"live": False}))
    assert stream_id not in listed(await gql(http, LIST, {"live": True}))
    watcher = await Subscriber.connect(api.url)
    await watcher.subscribe(WATCH, {"id": stream_id})
    await wait_subscribed(endpoints.redis_url, live_channel(settings, stream_id))
    await asyncio.to_thread(api.container.live.app.report_live, UUID(stream_id))
    message = await watcher.receive()
    assert message["payload"]["data"]["liveStream"]["status"] == "LIVE"
    read = (await gql(http, STREAM, {"id": stream_id}))["liveStream"]
    assert read["startedAt"] is not None
    assert read["playbackUrl"].endswith("master.m3u8")
    assert stream_id in listed(await gql(http, LIST, {"live": True}))

    ended = (await gql(http, END, {"id": stream_id}, token=owner["accessToken"]))["endLiveStream"]
    assert ended["status"] == "ENDED"
    assert ended["endedAt"] is not None
    statuses = []
    while "ENDED" not in statuses:
        statuses.append((await watcher.receive())["payload"]["data"]["liveStream"]["status"])
    assert stream_id not in listed(await gql(http, LIST, {"live": True}))
    # Its chat is closed.
    with pytest.raises(GraphQLError) as closed:
        await gql(http, SEND, {"s": stream_id, "b": "late"}, token=owner["accessToken"])
    assert closed.value.code == "FORBIDDEN"
    await watcher.close()


async def test_end_is_owner_only(http):
    _, created = await owner_and_stream(http)
    other = await register(http)
    with pytest.raises(GraphQLError) as refused:
        await gql(http, END, {"id": created["stream"]["id"]}, token=other["accessToken"])
    assert refused.value.code == "FORBIDDEN"


async def test_pagination_walks_every_stream_once(http):
    for _ in range(3):
        await owner_and_stream(http)
    seen: list[str] = []
    after = None
    while True:
        query = """query($after: String) { liveStreams(first: 2, liveOnly: false, after: $after) {
          edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }"""
        page = (await gql(http, query, {"after": after}))["liveStreams"]
        seen += [edge["node"]["id"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) >= 3


@pytest.mark.parametrize("stream_id", ["nope", "", "x" * 100])
async def test_bad_ids_are_bad_input(http, stream_id):
    with pytest.raises(GraphQLError) as refused:
        await gql(http, STREAM, {"id": stream_id})
    assert refused.value.code == "BAD_USER_INPUT"


async def test_unknown_stream_is_null(http):
    missing = "00000000-0000-4000-8000-000000000000"
    assert (await gql(http, STREAM, {"id": missing}))["liveStream"] is None
