"""Abandoned uploads: a video still awaiting its bytes twice the upload URL's lifetime after
its URLs were handed out (created, or renewed by ``renewVideoUpload``) fails, so the janitor
removes whatever arrived. Driven by ``{ns}.videos.created`` (the durable consumer
``{ns}-expiries``, run by every transcoder process): a message that comes too early is handed
back to JetStream with a delay until the deadline, where it is judged again."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from uuid import UUID

import structlog
from faststream import AckPolicy
from faststream.nats import ConsumerConfig, NatsBroker, NatsMessage, PullSub

from kino.commands.videos import Videos
from kino.domain.errors import NotFoundError
from kino.domain.video_values import VideoStatus
from kino.infrastructure.broker import VideoStream
from kino.infrastructure.messages import VideoEventMessage

log = structlog.get_logger(__name__)

EXPIRED = "The upload was not completed in time; start a new upload."


def upload_deadline(started_on: datetime, ttl_seconds: int) -> datetime:
    return started_on + timedelta(seconds=2 * ttl_seconds)


def subscribe_expiry(
    broker: NatsBroker, stream: VideoStream, videos: Videos, ttl_seconds: int
) -> None:
    subjects = stream.subjects

    @broker.subscriber(
        subjects.created,
        stream=stream.declaration,
        durable=subjects.expiries,
        pull_sub=PullSub(batch_size=1, timeout=1.0),
        config=ConsumerConfig(ack_wait=30.0),
        ack_policy=AckPolicy.MANUAL,
    )
    async def expire_upload(message: VideoEventMessage, msg: NatsMessage) -> None:
        await expire_if_abandoned(videos, message.video_id, ttl_seconds, msg)


async def expire_if_abandoned(
    videos: Videos, video_id: UUID, ttl_seconds: int, msg: NatsMessage
) -> None:
    try:
        video = await asyncio.to_thread(videos.get_video, video_id)
    except NotFoundError:
        await msg.ack()
        return
    if video.deleted or video.status != VideoStatus.AWAITING_UPLOAD:
        await msg.ack()
        return
    started_on = video.upload_started_on
    remaining = (upload_deadline(started_on, ttl_seconds) - datetime.now(UTC)).total_seconds()
    if remaining > 0:
        await msg.nack(delay=remaining + 0.5)
        return
    if await asyncio.to_thread(videos.expire_upload, video_id, EXPIRED, started_on) is None:
        await msg.nack(delay=1.0)  # renewed, completed or deleted meanwhile: judge again
        return
    log.info("abandoned upload expired", video_id=str(video_id))
    await msg.ack()
