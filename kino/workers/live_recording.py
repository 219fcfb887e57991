"""A stream's recording: each session's source (nginx's FLV, as received) goes to the object
store when the session ends; when the stream ends they are joined into one MP4 without
re-encoding, stored as the original of a new PUBLIC video owned by the streamer with the
stream's title, and that video goes through the VOD pipeline like an upload."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from uuid import UUID

import structlog

from kino.bootstrap.workers import IngestParts
from kino.domain.live import live_prefix, recording_key
from kino.domain.video_values import Visibility
from kino.infrastructure.live.recording import join_sessions
from kino.infrastructure.storage import ObjectStore

log = structlog.get_logger(__name__)

FLV = "video/x-flv"
MP4 = "video/mp4"


async def upload_session(store: ObjectStore, stream_id: UUID, session: int, local: Path) -> None:
    """Keep one session's source in the store (again after a restart: same key, same bytes)."""
    if local.is_file() and local.stat().st_size > 0:
        key = recording_key(stream_id, session)
        await asyncio.to_thread(store.put_file, key, local, FLV)


async def save_recording(parts: IngestParts, stream_id: UUID, work: Path) -> UUID | None:
    """The ended stream's recording as a new video (when the owner asked for one)."""
    stream = await asyncio.to_thread(parts.live.get_stream, stream_id)
    if not stream.save_recording or stream.recording_id is not None:
        return None
    store = parts.store
    found = await asyncio.to_thread(store.list, live_prefix(stream_id) + "recording/")
    if not found:
        log.info("nothing was recorded", stream_id=str(stream_id))
        return None
    await asyncio.to_thread(work.mkdir, parents=True, exist_ok=True)
    try:
        local = []
        for info in found:
            path = work / info.key.rsplit("/", 1)[-1]
            await asyncio.to_thread(store.download, info.key, path)
            local.append(path)
        joined = work / "recording.mp4"
        await join_sessions(local, joined)
        return await _as_video(parts, stream_id, joined, stream.owner_id, stream.title)
    finally:
        await asyncio.to_thread(shutil.rmtree, work, True)


async def _as_video(
    parts: IngestParts, stream_id: UUID, joined: Path, owner_id: UUID, title: str
) -> UUID:
    videos, size = parts.videos, joined.stat().st_size
    created = await asyncio.to_thread(
        lambda: videos.create_upload(
            owner_id,
            title=title,
            filename="recording.mp4",
            size_bytes=size,
            content_type=MP4,
            visibility=Visibility.PUBLIC,
            max_bytes=max(size, parts.settings.videos.max_upload_bytes),
        )
    )
    await asyncio.to_thread(parts.store.put_file, created.source_key, joined, MP4, move=True)
    await asyncio.to_thread(videos.complete_upload, created.video_id, owner_id, size)
    await asyncio.to_thread(parts.live.attach_recording, stream_id, created.video_id)
    log.info("recording saved as a video", stream_id=str(stream_id), video_id=str(created.video_id))
    return created.video_id
