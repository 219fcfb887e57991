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
from dataclasses import dataclass
from uuid import UUID

import strawberry

from kino.domain.errors import ForbiddenError, NotFoundError
from kino.domain.video_values import VideoStatus
from kino.graphql.context import Info, KinoContext
from kino.graphql.ids import parse_id
from kino.graphql.videos.types import VideoType
from kino.queries.videos import VideoRecord

FINAL = {VideoStatus.READY: "ready", VideoStatus.FAILED: "failed"}  # status → the last stage
QUIET_CHECK_SECONDS = 5.0  # a missed final tick is noticed from the read model after this


@strawberry.type
class VideoProcessingEvent:
    video: VideoType
    stage: str
    progress: float


@dataclass(frozen=True)
class Tick:
    stage: str
    progress: float  # 0 to 1

    @property
    def final_status(self) -> VideoStatus | None:
        """The status the read model shows once this tick's stage is done, if it is last."""
        return next((status for status, stage in FINAL.items() if stage == self.stage), None)

    @classmethod
    def parse(cls, raw: bytes) -> Tick | None:
        with contextlib.suppress(ValueError, TypeError, AttributeError):
            message = json.loads(raw)
            progress = float(message.get("progress", 0.0))
            return cls(str(message.get("stage", ""))[:64], max(0.0, min(1.0, progress)))
        return None


async def owned_video(context: KinoContext, video_id: UUID) -> VideoRecord:
    viewer = await context.require_viewer()
    record = await context.container.videos.catalog.by_id(video_id)
    if record is None or not record.visible_to(viewer.user_id):
        raise NotFoundError("No such video.", field="videoId")
    if record.owner_id != viewer.user_id:
        raise ForbiddenError("Only the video's owner can follow its processing.")
    return record


async def settled(context: KinoContext, video_id: UUID, status: VideoStatus) -> VideoRecord | None:
    """The read model once it shows ``status`` (bounded wait), else its latest state."""
    catalog = context.container.videos.catalog
    deadline = time.monotonic() + 10
    record = await catalog.by_id(video_id)
    while record is not None and record.status != status and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
        record = await catalog.by_id(video_id)
    return record


async def ticks(
    context: KinoContext, video_id: UUID, source: AsyncIterator[bytes]
) -> AsyncIterator[Tick]:
    """The transcoder's ticks; after a quiet spell, the final tick when the read model shows
    the video finished meanwhile (its tick was sent before this subscriber listened)."""
    catalog = context.container.videos.catalog
    while True:
        try:
            raw = await asyncio.wait_for(anext(source), QUIET_CHECK_SECONDS)
        except TimeoutError:
            latest = await catalog.by_id(video_id)
            if latest is not None and latest.status in FINAL:
                yield Tick(FINAL[latest.status], 1.0)
            continue
        except StopAsyncIteration:
            return
        if (tick := Tick.parse(raw)) is not None:
            yield tick


async def event_of(context: KinoContext, video_id: UUID, tick: Tick) -> VideoProcessingEvent:
    """The tick with the video as the read model shows it (for a final tick: once it shows
    the final status, so READY never comes without its renditions)."""
    final = tick.final_status
    catalog = context.container.videos.catalog
    latest = await (settled(context, video_id, final) if final else catalog.by_id(video_id))
    if latest is None:
        raise NotFoundError("The video was deleted.", field="videoId")
    video = VideoType.from_record(context, latest)
    return VideoProcessingEvent(video=video, stage=tick.stage, progress=tick.progress)


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
            video = VideoType.from_record(context, record)
            yield VideoProcessingEvent(video=video, stage=FINAL[record.status], progress=1.0)
            return
        realtime = context.container.realtime
        channel = realtime.channels.video_progress(vid)
        async with contextlib.aclosing(realtime.pubsub.listen(channel)) as source:
            async for tick in ticks(context, vid, source):
                yield await event_of(context, vid, tick)
                if tick.final_status:
                    return
