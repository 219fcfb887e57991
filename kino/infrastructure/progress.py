"""Processing progress of a video, published on its Redis channel (``progress_channel``),
which the api's ``videoProcessing`` subscription follows: JSON ``{stage, progress}``."""

from __future__ import annotations

import json
import time
from uuid import UUID

import structlog
from redis.asyncio import Redis

from kino.infrastructure.pubsub import progress_channel

log = structlog.get_logger(__name__)

MIN_INTERVAL = 0.25  # seconds between two reports that are not forced


class ProgressReports:
    """Where the transcoder reports: one ``Progress`` per video."""

    def __init__(self, redis: Redis, namespace: str) -> None:
        self.redis, self.namespace = redis, namespace

    def of(self, video_id: UUID) -> Progress:
        return Progress(self.redis, progress_channel(self.namespace, video_id))


class Progress:
    """Publishes ``{stage, progress}`` on the video's channel, at most ~4 times a second."""

    def __init__(self, redis: Redis, channel: str) -> None:
        self.redis, self.channel = redis, channel
        self._last = 0.0

    async def send(self, stage: str, progress: float, *, force: bool = True) -> None:
        now = time.monotonic()
        if not force and now - self._last < MIN_INTERVAL:
            return
        self._last = now
        message = json.dumps({"stage": stage, "progress": round(min(1.0, progress), 4)})
        try:
            await self.redis.publish(self.channel, message)
        except Exception as error:  # noqa: BLE001 - progress is best effort
            log.warning("progress not published", error=repr(error))
