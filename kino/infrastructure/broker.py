"""NATS JetStream names, derived from the namespace so installations and test runs never mix.

Stream ``{NS}_VIDEOS`` (``VideoStream``: its declaration and administration). Transcoding jobs
travel in lanes (docs/adr/0007): ``{ns}.videos.uploaded.N`` (a new job; N is the owner's
fair-share level, 0 first) and ``{ns}.videos.long.N`` (a job found long by its probe), each
with its own durable pull consumer ``{ns}-transcoders-N`` and ``{ns}-transcoders-long-N``.
Also ``{ns}.videos.removed`` (delete a video's media), ``{ns}.videos.created`` (expire the
upload if abandoned) and ``{ns}.videos.dead`` (jobs that failed every attempt), with consumers
``{ns}-janitors`` and ``{ns}-expiries``. The bodies are the typed messages of
``kino.infrastructure.messages``.

``connect_broker`` makes the faststream client every worker uses (it logs as ``kino.broker``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass

import nats
from faststream.nats import JStream, NatsBroker
from nats.aio.client import Client
from nats.js.api import StreamConfig
from nats.js.errors import BadRequestError, NotFoundError

from kino.infrastructure.settings import Settings

STREAM_MAX_AGE_SECONDS = 14 * 24 * 3600
# A long-lived client keeps reconnecting (nats-py gives up after 60 attempts by default, and a
# worker whose client gave up would sit there consuming nothing): every second, forever.
RECONNECT_ATTEMPTS = -1
RECONNECT_SECONDS = 1
BROKER_LOG = logging.getLogger("kino.broker")  # faststream's messages, in Kino's format
LEVELS = 4  # fair-share levels: a user's 1st, 2nd, 3rd, and 4th or later upload of the day


@dataclass(frozen=True)
class Lane:
    """Where a transcoding job waits: its owner's fair-share level, and whether it is long."""

    level: int
    long: bool = False

    @property
    def name(self) -> str:
        return f"{'long' if self.long else 'new'}-{self.level}"


def lanes_in_order(*, long: bool) -> list[Lane]:
    """The lanes a free slot takes a job from, best first: level by level, long after new."""
    kinds = (False, True) if long else (False,)
    return [Lane(level, kind) for level in range(LEVELS) for kind in kinds]


ALL_LANES = tuple(lanes_in_order(long=True))


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

    def job(self, lane: Lane) -> str:
        """The subject of the jobs in ``lane``."""
        kind = "long" if lane.long else "uploaded"
        return f"{self.namespace}.videos.{kind}.{lane.level}"

    def transcoders(self, lane: Lane) -> str:
        """The durable consumer the transcoders share for ``lane``."""
        return f"{self.namespace}-transcoders{'-long' if lane.long else ''}-{lane.level}"

    @property
    def new_jobs(self) -> str:
        """Every new job, whatever its level (a subject filter)."""
        return f"{self.namespace}.videos.uploaded.*"

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
    def janitors(self) -> str:
        return f"{self.namespace}-janitors"


def connect_broker(nats_url: str, *, graceful_timeout: float = 15.0) -> NatsBroker:
    """A faststream client that keeps reconnecting; ``start()`` it after subscribing.
    ``graceful_timeout``: how long ``stop()`` waits for running handlers (faststream's default)."""
    return NatsBroker(
        nats_url,
        graceful_timeout=graceful_timeout,
        logger=BROKER_LOG,
        log_level=logging.DEBUG,
        max_reconnect_attempts=RECONNECT_ATTEMPTS,
        reconnect_time_wait=RECONNECT_SECONDS,
    )


@dataclass(frozen=True)
class VideoStream:
    """The videos stream on one NATS server: its declaration for subscribers, and the
    administration each process does with a short-lived connection of its own."""

    nats_url: str
    subjects: VideoSubjects

    @property
    def declaration(self) -> JStream:
        """What faststream's subscribers name as their ``stream``."""
        subjects = self.subjects
        return JStream(subjects.stream, subjects=[subjects.all], max_age=STREAM_MAX_AGE_SECONDS)

    async def ensure(self) -> None:
        """Create (or update) the stream; idempotent, safe from every process."""
        config = StreamConfig(
            name=self.subjects.stream, subjects=[self.subjects.all], max_age=STREAM_MAX_AGE_SECONDS
        )
        connection = await self._connect()
        try:
            jetstream = connection.jetstream()
            try:
                await jetstream.add_stream(config)
            except BadRequestError:
                await jetstream.update_stream(config)
        finally:
            await connection.close()

    async def delete(self) -> None:
        """Remove the stream and its consumers (tests clean up their namespace with it)."""
        connection = await self._connect()
        try:
            await connection.jetstream().delete_stream(self.subjects.stream)
        finally:
            await connection.close()

    async def pending(self, durables: Iterable[str]) -> int:
        """Messages waiting for these consumers (not yet delivered): the work queue's depth."""
        connection = await self._connect()
        try:
            jetstream = connection.jetstream()
            total = 0
            for durable in durables:
                try:
                    info = await jetstream.consumer_info(self.subjects.stream, durable)
                except NotFoundError:
                    continue  # created by the first transcoder that fetches from it
                total += int(info.num_pending or 0)
            return total
        finally:
            await connection.close()

    async def _connect(self) -> Client:
        return await nats.connect(self.nats_url, connect_timeout=5)
