"""The workers' parts: the relay and the transcoder take everything they use from here,
typed, so no worker constructs an application, a store or a connection itself.

``kino.workers`` sits above this package: the builders return the parts, and the worker is
made from them (``Relay(build_relay_parts(settings, endpoints))``). Tests build the same
parts, with ``Overrides`` for the adapters they replace.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from eventsourcing.postgres import PostgresTrackingRecorder
from faststream.nats import NatsBroker
from redis.asyncio import Redis

from kino.bootstrap.endpoints import Endpoints
from kino.bootstrap.overrides import Overrides
from kino.commands.live import LiveStreams
from kino.commands.videos import Videos
from kino.infrastructure.broker import VideoStream, VideoSubjects, connect_broker
from kino.infrastructure.eventstore import eventstore_env, tracking_recorder
from kino.infrastructure.fair_share import FairShare
from kino.infrastructure.live.health import HealthBoard
from kino.infrastructure.progress import ProgressReports
from kino.infrastructure.settings import Settings, VideoSettings
from kino.infrastructure.storage import ObjectStore
from kino.infrastructure.storage.factory import open_store

RELAY_TRACKING = "relay"  # the relay's positions: the table relay_tracking
TRANSCODER_STOP_SECONDS = 5.0  # how long stopping waits for the janitor's and expiry's handlers


@dataclass(frozen=True)
class RelayParts:
    videos: Videos  # read: its notification log and the uploaded videos
    tracking: PostgresTrackingRecorder  # the positions published
    broker: NatsBroker
    stream: VideoStream
    fair_share: FairShare
    redis: Redis

    async def close(self) -> None:
        await self.broker.stop()
        await self.redis.aclose()
        await asyncio.to_thread(self.videos.close)
        await asyncio.to_thread(self.tracking.datastore.close)


@dataclass(frozen=True)
class TranscoderParts:
    config: VideoSettings
    videos: Videos  # the transcoder reports its results through its commands
    store: ObjectStore
    progress: ProgressReports
    broker: NatsBroker
    stream: VideoStream
    redis: Redis
    work_root: Path  # each job's work directory is made under it

    async def close(self) -> None:
        await self.broker.stop()
        await self.redis.aclose()
        await asyncio.to_thread(self.videos.close)


@dataclass(frozen=True)
class IngestParts:
    settings: Settings
    live: LiveStreams  # accepts publishes, reports LIVE, ends after the grace
    videos: Videos  # the recording becomes a video
    store: ObjectStore  # live segments and playlists, the sessions' recordings
    work_root: Path  # nginx's run directory, the ladder's output, recordings in flight
    health: HealthBoard  # each stream's health, for its owner's studio
    redis: Redis

    async def close(self) -> None:
        await asyncio.to_thread(self.live.close)
        await asyncio.to_thread(self.videos.close)
        await self.redis.aclose()


def build_ingest_parts(
    settings: Settings, endpoints: Endpoints, overrides: Overrides | None = None
) -> IngestParts:
    store = (overrides or Overrides()).store
    env = eventstore_env(endpoints.database_url, pool_size=1, max_overflow=2)
    redis = Redis.from_url(endpoints.redis_url, socket_timeout=5, socket_connect_timeout=5)
    return IngestParts(
        settings=settings,
        live=LiveStreams(env=env),
        videos=Videos(env=env),
        store=store or open_store(settings),
        work_root=settings.data_dir / "ingest" / settings.live.ingest_id,
        health=HealthBoard(redis, settings.redis_namespace),
        redis=redis,
    )


def build_relay_parts(
    settings: Settings, endpoints: Endpoints, overrides: Overrides | None = None
) -> RelayParts:
    del overrides  # the relay has no adapter to replace (yet): one signature for every builder
    env = eventstore_env(endpoints.database_url, pool_size=1)
    redis = Redis.from_url(endpoints.redis_url, socket_timeout=5, socket_connect_timeout=5)
    return RelayParts(
        videos=Videos(env=env),
        tracking=tracking_recorder(RELAY_TRACKING, env),
        broker=connect_broker(endpoints.nats_url),
        stream=_video_stream(settings, endpoints),
        fair_share=FairShare(redis, settings.redis_namespace),
        redis=redis,
    )


def build_transcoder_parts(
    settings: Settings, endpoints: Endpoints, overrides: Overrides | None = None
) -> TranscoderParts:
    store = (overrides or Overrides()).store
    redis = Redis.from_url(endpoints.redis_url)
    return TranscoderParts(
        config=settings.videos,
        videos=Videos(env=eventstore_env(endpoints.database_url, pool_size=1)),
        store=store or open_store(settings),
        progress=ProgressReports(redis, settings.redis_namespace),
        broker=connect_broker(endpoints.nats_url, graceful_timeout=TRANSCODER_STOP_SECONDS),
        stream=_video_stream(settings, endpoints),
        redis=redis,
        work_root=settings.data_dir / "transcode",
    )


def _video_stream(settings: Settings, endpoints: Endpoints) -> VideoStream:
    return VideoStream(endpoints.nats_url, VideoSubjects.for_settings(settings))
