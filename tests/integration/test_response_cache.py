"""The response cache (real PostgreSQL, Redis and projector): anonymous repeated reads are
answered from memory, yet a PRIVATE or UNLISTED video is never shown to someone who may not
see it, and an edit is visible on the very next read once its mutation has returned."""

from __future__ import annotations

import asyncio
from typing import Any

from kino.infrastructure import metrics
from tests.integration.accounts_helpers import register
from tests.integration.conftest import gql
from tests.integration.videos.helpers import VIDEO, create_upload

UPDATE = """mutation($id: ID!, $title: String, $visibility: Visibility) {
  updateVideo(id: $id, title: $title, visibility: $visibility) { id title visibility } }"""


def cache_count(result: str) -> float:
    return metrics.RESPONSE_CACHE.labels(result)._value.get()


async def anonymous_video(client: Any, video_id: str) -> dict[str, Any] | None:
    return (await gql(client, VIDEO, {"id": video_id}))["video"]  # type: ignore[no-any-return]


async def test_repeated_anonymous_reads_are_hits_and_edits_show_at_once(client):
    owner = (await register(client))["accessToken"]
    video_id = (await create_upload(client, owner, 10, visibility="PUBLIC"))["video"]["id"]
    # Other tests' events may still be projecting (each commit is a miss): read until a hit.
    hits = cache_count("hit")
    for _ in range(100):
        assert (await anonymous_video(client, video_id)) is not None
        if cache_count("hit") > hits:
            break
        await asyncio.sleep(0.05)
    assert cache_count("hit") > hits

    for title in ("Second title", "Third title", "Fourth title"):
        await gql(client, UPDATE, {"id": video_id, "title": title}, token=owner)
        seen = await anonymous_video(client, video_id)
        assert seen is not None and seen["title"] == title


async def test_private_and_unlisted_videos_never_leak_through_the_cache(client):
    owner = (await register(client))["accessToken"]
    other = (await register(client))["accessToken"]
    video_id = (await create_upload(client, owner, 10, visibility="PUBLIC"))["video"]["id"]
    assert (await anonymous_video(client, video_id)) is not None
    assert (await anonymous_video(client, video_id)) is not None  # cached now

    await gql(client, UPDATE, {"id": video_id, "visibility": "PRIVATE"}, token=owner)
    assert (await anonymous_video(client, video_id)) is None
    # The owner sees it (signed in: never cached), then anonymous and others still do not.
    mine = (await gql(client, VIDEO, {"id": video_id}, token=owner))["video"]
    assert mine is not None and mine["visibility"] == "PRIVATE"
    assert (await anonymous_video(client, video_id)) is None
    assert (await gql(client, VIDEO, {"id": video_id}, token=other))["video"] is None

    await gql(client, UPDATE, {"id": video_id, "visibility": "UNLISTED"}, token=owner)
    unlisted = await anonymous_video(client, video_id)
    assert unlisted is not None and unlisted["visibility"] == "UNLISTED"
    await gql(client, UPDATE, {"id": video_id, "visibility": "PRIVATE"}, token=owner)
    assert (await anonymous_video(client, video_id)) is None


async def test_signed_in_and_fresh_requests_are_not_answered_from_the_cache(client):
    owner = (await register(client))["accessToken"]
    video_id = (await create_upload(client, owner, 10, visibility="PUBLIC"))["video"]["id"]
    await anonymous_video(client, video_id)
    hits, skips = cache_count("hit"), cache_count("skip")
    await gql(client, VIDEO, {"id": video_id}, token=owner)
    await gql(client, VIDEO, {"id": video_id}, headers={"Cache-Control": "no-cache"})
    await gql(client, "query { me { id } }")
    assert cache_count("hit") == hits
    assert cache_count("skip") == skips + 1  # `me` is not cacheable; the other two bypass
