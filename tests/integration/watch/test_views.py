"""View counting: after a few seconds of play, once per viewer per video per window, counted
in Redis and folded into the catalog by the projector (no event per view)."""

from __future__ import annotations

import asyncio
import secrets
from uuid import UUID, uuid4

import psycopg
import pytest
import redis.asyncio as aioredis

from kino.infrastructure.eventstore import psycopg_conninfo
from kino.infrastructure.view_counter import MIN_SECONDS_WATCHED, ViewCounter
from kino.projections.view_counts import ViewTotals
from tests.integration.accounts_helpers import register
from tests.integration.conftest import GraphQLError, gql
from tests.integration.videos.helpers import VIDEO
from tests.integration.watch.helpers import RECORD_VIEW, ready_video, wait_async


async def view(client, video, seconds, viewer=None, token=None):
    variables = {"video": video, "viewer": viewer, "seconds": seconds}
    return (await gql(client, RECORD_VIEW, variables, token=token))["recordView"]


async def wait_for_views(client, video, expected, token=None):
    async def counted() -> bool:
        found = (await gql(client, VIDEO, {"id": video}, token=token))["video"]
        return found["viewCount"] == expected

    await wait_async(counted, f"{expected} views")


async def test_a_view_counts_once_per_viewer_per_hour_after_a_few_seconds(
    client, videos_app, database_url
):
    owner, fan = await register(client), await register(client)
    video = await ready_video(client, videos_app, owner)
    events_before = _events(database_url)
    anon_a, anon_b = secrets.token_hex(8), secrets.token_hex(8)

    assert await view(client, video, MIN_SECONDS_WATCHED - 0.5, anon_a) is False  # too short
    assert await view(client, video, MIN_SECONDS_WATCHED, anon_a) is True
    assert await view(client, video, 60, anon_a) is False  # the same viewer within the hour
    assert await view(client, video, 7, anon_b) is True
    token = fan["accessToken"]
    assert await view(client, video, 6, secrets.token_hex(8), token=token) is True
    # A signed-in viewer is the user, whatever anonymous id the client also sends.
    assert await view(client, video, 6, secrets.token_hex(8), token=token) is False
    assert await view(client, video, 6, None, token=token) is False
    await wait_for_views(client, video, 3)
    assert _events(database_url) == events_before  # views are not events

    listed = await gql(client, "{ videos(first: 100) { edges { node { id viewCount } } } }")
    node = next(e["node"] for e in listed["videos"]["edges"] if e["node"]["id"] == video)
    assert node["viewCount"] == 3


async def test_views_of_what_cannot_be_watched_are_refused(client, videos_app):
    owner, other = await register(client), await register(client)
    private = await ready_video(client, videos_app, owner, visibility="PRIVATE")
    public = await ready_video(client, videos_app, owner)
    unknown = "00000000-0000-4000-8000-000000000000"
    for video, token, viewer, code in (
        (private, other["accessToken"], None, "NOT_FOUND"),
        (private, None, "anon", "NOT_FOUND"),
        (unknown, None, "anon", "NOT_FOUND"),
        (public, None, None, "BAD_USER_INPUT"),  # anonymous without an id
        (public, None, "x" * 65, "BAD_USER_INPUT"),
    ):
        with pytest.raises(GraphQLError) as refused:
            await view(client, video, 10, viewer, token)
        assert refused.value.code == code
    with pytest.raises(GraphQLError) as negative:
        await view(client, public, -1, "anon")
    assert negative.value.code == "BAD_USER_INPUT"
    assert await view(client, private, 10, token=owner["accessToken"]) is True
    await wait_for_views(client, private, 1, token=owner["accessToken"])


async def test_the_same_viewer_counts_again_after_the_window(redis_namespace, endpoints):
    client = aioredis.Redis.from_url(endpoints.redis_url)
    counter = ViewCounter(client, f"{redis_namespace}:window", window_seconds=1)
    video = UUID("00000000-0000-4000-8000-00000000000a")
    assert await counter.record(video, "anon:a", 10)
    assert not await counter.record(video, "anon:a", 10)

    async def window_over() -> bool:
        return not await client.keys(f"{redis_namespace}:window:views:seen:*")

    await wait_async(window_over, "the window to pass")
    assert await counter.record(video, "anon:a", 10)
    assert int(await client.hget(f"{redis_namespace}:window:views:pending", str(video))) == 2
    await client.delete(f"{redis_namespace}:window:views:pending")
    await client.aclose()


def _events(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT count(*) FROM videos_events").fetchone()
    return int(row[0])


async def test_a_fold_repeated_after_a_crash_counts_once(redis_namespace, endpoints, redis_client):
    """The fold crashed after PostgreSQL committed but before Redis forgot the batch: the
    next fold finds the same batch and the recorded batch id makes it a no-op."""
    namespace = f"{redis_namespace}:crash"
    client = aioredis.Redis.from_url(endpoints.redis_url)
    counter = ViewCounter(client, namespace)
    video = uuid4()
    for viewer in ("a", "b", "c"):
        assert await counter.record(video, viewer, 10)
    await client.aclose()
    totals = ViewTotals(redis_client, namespace, psycopg_conninfo(endpoints.database_url))
    done = totals._done
    totals._done = lambda **kwargs: None  # crash before dropping the batch
    assert await asyncio.to_thread(totals.flush) == 3
    totals._done = done
    await asyncio.to_thread(totals.flush)  # the same batch again
    assert await asyncio.to_thread(totals.flush) == 0  # nothing left
    with psycopg.connect(endpoints.database_url) as conn:
        row = conn.execute(
            "SELECT views FROM video_view_totals WHERE video_id = %s", (video,)
        ).fetchone()
    assert row[0] == 3
