"""The ``videoProcessing(videoId)`` subscription: stage and progress of an upload, for its owner.

Progress ticks are ephemeral: the transcoder publishes ``{stage, progress}`` on the video's
Redis channel (``Channels.video_progress``) while ffmpeg runs; nothing of them is stored. What the
subscriber is shown of the video itself (status, renditions, playbackUrl) always comes from
the catalog read model, and the final ``ready``/``failed`` tick is held back until the read
model shows that status, so the client never sees READY without its renditions.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncGenerator, AsyncIterator
from uuid import UUID

import strawberry

from kino.domain.errors import ForbiddenError, NotFoundError
from kino.graphql.context import Info, KinoContext
from kino.graphql.ids import parse_id
from kino.graphql.videos.types import VideoType
from kino.queries.videos import VideoRecord

FINAL = {"READY": "ready", "FAILED": "failed"}
QUIET_CHECK_SECONDS = 5.0  # a missed final tick is noticed from the read model after this


@strawberry.type
class VideoProcessingEvent:
    video: VideoType
    stage: str
    progress: float


async def owned_video(context: KinoContext, video_id: UUID) -> VideoRecord:
    viewer = await context.require_viewer()
    record = await context.container.videos.catalog.by_id(video_id)
    if record is None or not record.visible_to(viewer.user_id):
        raise NotFoundError("No such video.", field="videoId")
    if record.owner_id != viewer.user_id:
        raise ForbiddenError("Only the video's owner can follow its processing.")
    return record


async def settled(context: KinoContext, video_id: UUID, status: str) -> VideoRecord | None:
    """The read model once it shows ``status`` (bounded wait), else its latest state."""
    catalog = context.container.videos.catalog
    deadline = time.monotonic() + 10
    record = await catalog.by_id(video_id)
    while record is not None and record.status != status and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
        record = await catalog.by_id(video_id)
    return record


async def ticks(source: AsyncIterator[bytes]) -> AsyncIterator[dict[str, object] | None]:
    """Progress messages; ``None`` after a quiet spell, so the caller can re-check."""
    while True:
        try:
            raw = await asyncio.wait_for(anext(source), QUIET_CHECK_SECONDS)
        except TimeoutError:
            yield None
            continue
        except StopAsyncIteration:
            return
        with contextlib.suppress(ValueError, TypeError):
            message = json.loads(raw)
            if isinstance(message, dict):
                yield message


@strawberry.type
class VideoProcessingSubscription:
    @strawberry.subscription(description="Processing stage and progress (0 to 1), for the owner.")
    async def video_processing(
        self, info: Info, video_id: strawberry.ID
    ) -> AsyncGenerator[VideoProcessingEvent, None]:
        context = info.context
        vid = parse_id(video_id, "videoId")
        record = await owned_video(context, vid)
        if record.status in FINAL:
            yield VideoProcessingEvent(
                video=VideoType.from_record(context, record),
                stage=FINAL[record.status],
                progress=1.0,
            )
            return
        realtime = context.container.realtime
        source = realtime.pubsub.listen(realtime.channels.video_progress(vid)).__aiter__()
        try:
            async for message in ticks(source):
                if message is None:  # quiet: did it finish before we subscribed?
                    latest = await context.container.videos.catalog.by_id(vid)
                    if latest is None or latest.status not in FINAL:
                        continue
                    stage, progress = FINAL[latest.status], 1.0
                else:
                    stage = str(message.get("stage", ""))[:64]
                    progress = float(message.get("progress", 0.0))  # type: ignore[arg-type]
                final = next((s for s, name in FINAL.items() if name == stage), None)
                latest = await (
                    settled(context, vid, final)
                    if final
                    else context.container.videos.catalog.by_id(vid)
                )
                if latest is None:
                    raise NotFoundError("The video was deleted.", field="videoId")
                yield VideoProcessingEvent(
                    video=VideoType.from_record(context, latest),
                    stage=stage,
                    progress=max(0.0, min(1.0, progress)),
                )
                if final:
                    return
        finally:
            await source.aclose()  # type: ignore[attr-defined]
