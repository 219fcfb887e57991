"""Make READY videos cheaply, and the GraphQL operations of watching and comments."""

from __future__ import annotations

import asyncio
import time
from typing import Any
from uuid import UUID

from kino.commands.videos import Videos
from kino.domain.video_values import ProbeResult, Rendition
from tests.integration.conftest import gql
from tests.integration.videos.helpers import VIDEO, WAIT_LIMIT, create_upload

RENDITION = {
    "name": "144p",
    "width": 256,
    "height": 144,
    "bandwidth": 200_000,
    "codecs": "avc1.42c00c",
}
PAGE = """query($first: Int, $after: String, $query: String, $owner: String) {
  videos(first: $first, after: $after, query: $query, ownerHandle: $owner) {
    edges { cursor node { id title visibility viewCount commentCount owner { handle } } }
    pageInfo { hasNextPage endCursor } } }"""
COMMENT_FIELDS = """id videoId parentId body createdAt editedAt deleted replyCount
  author { id handle }"""
COMMENTS = f"""query($video: ID!, $first: Int, $after: String, $replies: Int) {{
  comments(videoId: $video, first: $first, after: $after) {{
    edges {{ cursor node {{ {COMMENT_FIELDS}
      replies(first: $replies) {{ edges {{ node {{ {COMMENT_FIELDS} }} }}
                                 pageInfo {{ hasNextPage endCursor }} }} }} }}
    pageInfo {{ hasNextPage endCursor }} }} }}"""
POST = f"""mutation($video: ID!, $body: String!, $parent: ID) {{
  postComment(videoId: $video, body: $body, parentId: $parent) {{ {COMMENT_FIELDS} }} }}"""
EDIT = f"""mutation($id: ID!, $body: String!) {{
  editComment(id: $id, body: $body) {{ {COMMENT_FIELDS} }} }}"""
DELETE = "mutation($id: ID!) { deleteComment(id: $id) }"
DESCRIBE = "mutation($id: ID!, $text: String) { updateVideo(id: $id, description: $text) { id } }"
RECORD_VIEW = """mutation($video: ID!, $viewer: String, $seconds: Float!) {
  recordView(videoId: $video, viewerId: $viewer, secondsWatched: $seconds) }"""


async def ready_video(
    client: Any,
    app: Videos,
    account: dict[str, Any],
    *,
    title: str = "A clip",
    description: str = "",
    visibility: str = "PUBLIC",
    duration: float = 4.0,
) -> str:
    """A READY video of ``account`` (created through the api, 'transcoded' by commands)."""
    token = account["accessToken"]
    upload = await create_upload(client, token, 10, title=title, visibility=visibility)
    video_id = UUID(upload["video"]["id"])

    def transcode() -> None:
        app.complete_upload(video_id, UUID(account["user"]["id"]), 10)
        app.record_probe(video_id, ProbeResult(duration, 256, 144, True, False, ("144p",)))
        key = f"videos/{video_id}/hls/144p/index.m3u8"
        app.add_rendition(video_id, Rendition.from_payload({**RENDITION, "playlist_key": key}))
        app.mark_ready(video_id)

    await asyncio.to_thread(transcode)
    if description:
        await gql(client, DESCRIBE, {"id": str(video_id), "text": description}, token=token)
    await wait_for_status(client, token, str(video_id), "READY")
    return str(video_id)


async def wait_for_status(client: Any, token: str, video_id: str, status: str) -> None:
    async def ready() -> bool:
        video = (await gql(client, VIDEO, {"id": video_id}, token=token))["video"]
        return bool(video) and video["status"] == status

    await wait_async(ready, f"video {status}")


async def wait_async(predicate: Any, what: str) -> None:
    """Wait until an async predicate holds (a safety limit, not a timing threshold)."""
    deadline = time.monotonic() + WAIT_LIMIT
    while not await predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


async def page(client: Any, token: str | None = None, **variables: Any) -> dict[str, Any]:
    return (await gql(client, PAGE, variables, token=token))["videos"]  # type: ignore[no-any-return]


async def all_ids(client: Any, token: str | None = None, first: int = 100, **kw: Any) -> list[str]:
    """Every id of a listing, following cursors."""
    ids: list[str] = []
    after = None
    while True:
        result = await page(client, token, first=first, after=after, **kw)
        ids += [edge["node"]["id"] for edge in result["edges"]]
        if not result["pageInfo"]["hasNextPage"]:
            return ids
        after = result["pageInfo"]["endCursor"]
