"""Resume positions: a signed-in viewer's place in a video is kept in Redis (never an event)
and read back on any device as ``Video.resumePosition``; bounded per user, with a TTL."""

from __future__ import annotations

import secrets
from uuid import uuid4

import psycopg
import pytest
import redis.asyncio as aioredis

from kino.commands.positions import SAVES_PER_MINUTE
from kino.infrastructure.playback_positions import RedisPositions
from tests.integration.accounts_helpers import register
from tests.integration.conftest import GraphQLError, gql
from tests.integration.watch.helpers import ready_video

SAVE = "mutation($video: ID!, $seconds: Float!) { savePlaybackPosition(videoId: $video, seconds: $seconds) }"
RESUME = "query($id: ID!) { video(id: $id) { id resumePosition } }"


async def save(client, video, seconds, token):
    data = await gql(client, SAVE, {"video": video, "seconds": seconds}, token=token)
    return data["savePlaybackPosition"]


async def resume(client, video, token=None):
    return (await gql(client, RESUME, {"id": video}, token=token))["video"]["resumePosition"]


def _events(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT count(*) FROM videos_events").fetchone()
    return int(row[0])


async def test_a_signed_in_viewer_resumes_where_they_stopped_on_any_device(
    client, videos_app, database_url
):
    owner, fan, other = await register(client), await register(client), await register(client)
    video = await ready_video(client, videos_app, owner, duration=120.0)
    events_before = _events(database_url)
    token = fan["accessToken"]

    assert await resume(client, video, token) is None
    assert await save(client, video, 42.5, token) is True
    assert await resume(client, video, token) == 42.5
    assert await save(client, video, 61.25, token) is True
    assert await resume(client, video, token) == 61.25
    assert await resume(client, video, other["accessToken"]) is None  # someone else's place
    assert await resume(client, video) is None  # anonymous: the browser keeps its own

    # Near the start or the end there is nothing to resume: the position is cleared.
    assert await save(client, video, 2.0, token) is False
    assert await resume(client, video, token) is None
    assert await save(client, video, 50.0, token) is True
    assert await save(client, video, 117.0, token) is False
    assert await resume(client, video, token) is None

    assert _events(database_url) == events_before  # no event per tick


async def test_positions_are_authorised_and_validated(client, videos_app):
    owner, fan = await register(client), await register(client)
    video = await ready_video(client, videos_app, owner, duration=60.0)
    private = await ready_video(client, videos_app, owner, duration=60.0, visibility="PRIVATE")
    token = fan["accessToken"]

    with pytest.raises(GraphQLError) as anonymous:
        await save(client, video, 10.0, None)
    assert anonymous.value.code == "UNAUTHENTICATED"
    for seconds in (-1.0, 62.0):
        with pytest.raises(GraphQLError) as refused:
            await save(client, video, seconds, token)
        assert refused.value.code == "BAD_USER_INPUT", seconds
    for missing in (private, str(uuid4())):
        with pytest.raises(GraphQLError) as hidden:
            await save(client, missing, 10.0, token)
        assert hidden.value.code == "NOT_FOUND"
    assert await save(client, private, 10.0, owner["accessToken"]) is True
    assert await resume(client, private, owner["accessToken"]) == 10.0


async def test_saving_is_rate_bounded_per_user(client, videos_app):
    owner, fan = await register(client), await register(client)
    video = await ready_video(client, videos_app, owner, duration=600.0)
    token = fan["accessToken"]
    for second in range(SAVES_PER_MINUTE):
        assert await save(client, video, 10.0 + second, token) is True
    with pytest.raises(GraphQLError) as limited:
        await save(client, video, 100.0, token)
    assert limited.value.code == "RATE_LIMITED"
    assert await resume(client, video, token) == 10.0 + SAVES_PER_MINUTE - 1
    assert await save(client, video, 100.0, owner["accessToken"]) is True  # per user


async def test_the_store_keeps_a_bounded_number_of_videos_per_user_for_a_while(
    redis_namespace, endpoints
):
    client = aioredis.Redis.from_url(endpoints.redis_url)
    store = RedisPositions(
        client, f"{redis_namespace}:bounded{secrets.token_hex(3)}", max_videos=3, ttl_seconds=600
    )
    user, videos = uuid4(), [uuid4() for _ in range(5)]
    try:
        for number, video in enumerate(videos):
            await store.save(user, video, 10.0 + number)
        kept = [await store.get(user, video) for video in videos]
        assert kept == [None, None, 12.0, 13.0, 14.0]  # the least recently saved went first
        await store.save(user, videos[2], 30.0)  # saving again makes it the most recent
        await store.save(user, videos[0], 40.0)
        assert await store.get(user, videos[3]) is None
        assert await store.get(user, videos[2]) == 30.0
        for key in store.keys(user):
            assert 0 < await client.ttl(key) <= 600
        assert await client.hlen(store.keys(user)[0]) == 3
        assert await client.zcard(store.keys(user)[1]) == 3
        await store.clear(user, videos[2])
        assert await store.get(user, videos[2]) is None
        assert await client.zcard(store.keys(user)[1]) == 2
    finally:
        await client.delete(*store.keys(user))
        await client.aclose()
