"""The janitor: removes the media of a deleted or failed video (``{ns}.videos.removed``,
the durable consumer ``{ns}-janitors``), run by every transcoder process. Removing is
idempotent, so a redelivered message does no harm; a failure is retried (nacked)."""

from __future__ import annotations

import asyncio

import structlog
from faststream import AckPolicy
from faststream.nats import ConsumerConfig, NatsBroker, PullSub

from kino.domain.video_rules import video_prefix
from kino.infrastructure.broker import VideoStream
from kino.infrastructure.messages import VideoEventMessage
from kino.infrastructure.storage import ObjectStore

log = structlog.get_logger(__name__)


def subscribe_janitor(broker: NatsBroker, stream: VideoStream, store: ObjectStore) -> None:
    subjects = stream.subjects

    @broker.subscriber(
        subjects.removed,
        stream=stream.declaration,
        durable=subjects.janitors,
        pull_sub=PullSub(batch_size=1, timeout=1.0),  # >1 leaks nats-py TimeoutErrors
        config=ConsumerConfig(ack_wait=60.0, max_deliver=20),
        ack_policy=AckPolicy.NACK_ON_ERROR,
    )
    async def remove_media(message: VideoEventMessage) -> None:
        removed = await asyncio.to_thread(store.delete_prefix, video_prefix(message.video_id))
        log.info("media removed", video_id=str(message.video_id), objects=removed)
