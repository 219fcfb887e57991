"""NATS JetStream names, derived from the namespace so installations and test runs never mix.

Subjects ``{ns}.videos.uploaded`` (a transcoding job), ``{ns}.videos.removed`` (delete a
video's media), ``{ns}.videos.created`` (expire the upload if abandoned), ``{ns}.videos.dead``
(jobs that failed every attempt), in stream ``{NS}_VIDEOS``; durable pull consumers
``{ns}-transcoders``, ``{ns}-janitors`` and ``{ns}-expiries``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import nats
from nats.js.errors import BadRequestError

from kino.infrastructure.settings import Settings

STREAM_MAX_AGE_SECONDS = 14 * 24 * 3600


@dataclass(frozen=True)
class VideoSubjects:
    namespace: str

    @classmethod
    def for_settings(cls, settings: Settings) -> VideoSubjects:
        return cls(re.sub(r"[^A-Za-z0-9_-]", "_", settings.redis_namespace))

    @property
    def stream(self) -> str:
        return f"{self.namespace.upper()}_VIDEOS"

    @property
    def all(self) -> str:
        return f"{self.namespace}.videos.>"

    @property
    def uploaded(self) -> str:
        return f"{self.namespace}.videos.uploaded"

    @property
    def removed(self) -> str:
        return f"{self.namespace}.videos.removed"

    @property
    def created(self) -> str:
        return f"{self.namespace}.videos.created"

    @property
    def expiries(self) -> str:
        return f"{self.namespace}-expiries"

    @property
    def dead(self) -> str:
        return f"{self.namespace}.videos.dead"

    @property
    def transcoders(self) -> str:
        return f"{self.namespace}-transcoders"

    @property
    def janitors(self) -> str:
        return f"{self.namespace}-janitors"


def progress_channel(namespace: str, video_id: object) -> str:
    """Redis pub/sub channel of a video's processing progress: JSON ``{stage, progress}``."""
    return f"{namespace}:video:{video_id}:progress"


async def ensure_stream(nats_url: str, subjects: VideoSubjects) -> None:
    """Create (or update) the videos stream; idempotent, safe from every process."""
    connection = await nats.connect(nats_url, connect_timeout=5)
    try:
        jetstream = connection.jetstream()
        config = {
            "name": subjects.stream,
            "subjects": [subjects.all],
            "max_age": STREAM_MAX_AGE_SECONDS,
        }
        try:
            await jetstream.add_stream(**config)  # type: ignore[arg-type]
        except BadRequestError:
            await jetstream.update_stream(**config)  # type: ignore[arg-type]
    finally:
        await connection.close()


async def delete_stream(nats_url: str, subjects: VideoSubjects) -> None:
    """Remove the stream and its consumers (tests clean up their namespace with it)."""
    connection = await nats.connect(nats_url, connect_timeout=5)
    try:
        await connection.jetstream().delete_stream(subjects.stream)
    finally:
        await connection.close()


async def pending_jobs(nats_url: str, subjects: VideoSubjects, durable: str) -> int:
    """Messages waiting for ``durable`` (not yet delivered): the work queue's depth."""
    connection = await nats.connect(nats_url, connect_timeout=5)
    try:
        info = await connection.jetstream().consumer_info(subjects.stream, durable)
        return int(info.num_pending or 0)
    finally:
        await connection.close()
