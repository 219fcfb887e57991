"""Upload and wait helpers for the videos tests."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from tests.integration.conftest import gql

VIDEO_FIELDS = """id title description visibility status durationSeconds width height
  playbackUrl thumbnailUrl storyboardUrl failureReason viewCount commentCount owner { handle }
  renditions { name width height bandwidth codecs playlistUrl }"""
CREATE = f"""
mutation($title: String!, $filename: String!, $size: Int!, $type: String!,
         $visibility: Visibility = PUBLIC) {{
  createVideoUpload(title: $title, filename: $filename, sizeBytes: $size, contentType: $type,
                    visibility: $visibility) {{
    uploadUrl uploadMethod uploadHeaders {{ name value }} expiresAt video {{ {VIDEO_FIELDS} }}
  }}
}}"""
COMPLETE = f"mutation($id: ID!) {{ completeVideoUpload(videoId: $id) {{ {VIDEO_FIELDS} }} }}"
VIDEO = f"query($id: ID!) {{ video(id: $id) {{ {VIDEO_FIELDS} }} }}"
WAIT_LIMIT = 240.0  # a safety net for a hung pipeline, not a performance threshold


async def create_upload(
    client: Any, token: str, size: int, filename: str = "clip.mp4", **extra: Any
) -> dict[str, Any]:
    variables = {"title": "A clip", "filename": filename, "size": size, "type": "video/mp4"}
    variables.update(extra)
    return (await gql(client, CREATE, variables, token=token))["createVideoUpload"]


async def put_bytes(client: Any, upload: dict[str, Any], data: bytes) -> Any:
    headers = {h["name"]: h["value"] for h in upload["uploadHeaders"]}
    return await client.put(upload["uploadUrl"], content=data, headers=headers)


async def upload_file(client: Any, token: str, path: Path, **extra: Any) -> dict[str, Any]:
    """Create, PUT and complete an upload; returns the video after completion."""
    data = path.read_bytes()
    upload = await create_upload(client, token, len(data), filename=path.name, **extra)
    response = await put_bytes(client, upload, data)
    assert response.status_code == 200, response.text
    done = await gql(client, COMPLETE, {"id": upload["video"]["id"]}, token=token)
    return done["completeVideoUpload"]  # type: ignore[no-any-return]


async def wait_for_video(
    client: Any, token: str, video_id: str, statuses: tuple[str, ...] = ("READY", "FAILED")
) -> dict[str, Any]:
    deadline = time.monotonic() + WAIT_LIMIT
    while True:
        video = (await gql(client, VIDEO, {"id": video_id}, token=token))["video"]
        if video and video["status"] in statuses:
            return video  # type: ignore[no-any-return]
        assert time.monotonic() < deadline, f"video stayed {video and video['status']}"
        await asyncio.sleep(0.2)


async def wait_until(predicate: Any, what: str) -> None:
    deadline = time.monotonic() + WAIT_LIMIT
    while not await asyncio.to_thread(predicate):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.1)
