"""Fixtures for the videos context: test media, the relay and transcoders in-process."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from kino.bootstrap import Endpoints, build_relay_parts, build_transcoder_parts
from kino.infrastructure.broker import VideoStream, VideoSubjects
from kino.infrastructure.settings import Settings, VideoSettings
from kino.workers.relay import Relay
from kino.workers.transcoder import Transcoder
from kino.workers.transcoding import JobRunner, TranscodeJob
from tests.integration.videos import media


@pytest.fixture(scope="session")
def video_settings(settings: Settings) -> Settings:
    """Short ack wait and few attempts, so crash recovery happens within a test."""
    return settings.with_overrides(
        videos=VideoSettings(ack_wait_seconds=4, attempts=2, preset="ultrafast")
    )


@pytest.fixture(scope="session", autouse=True)
def _nats_cleanup(settings: Settings, endpoints: Endpoints) -> Iterator[None]:
    yield
    with contextlib.suppress(Exception):
        stream = VideoStream(endpoints.nats_url, VideoSubjects.for_settings(settings))
        asyncio.run(stream.delete())


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("clips")
    landscape = media.video(folder / "landscape360.mp4", 640, 360)
    return {
        "1080p": media.video(folder / "hd.mp4", 1920, 1080),
        "480p": media.video(folder / "sd.mp4", 640, 480),
        "portrait": media.video(folder / "portrait.mp4", 360, 640),
        "rotated": media.rotated(folder / "rotated.mp4", landscape),
        "odd": media.video(folder / "odd.mp4", 501, 281, audio=False),
        "audio": media.audio_only(folder / "tone.m4a"),
    }


@pytest.fixture
async def relay(video_settings: Settings, endpoints: Endpoints) -> AsyncIterator[Relay]:
    running = Relay(build_relay_parts(video_settings, endpoints))
    await running.start()
    stopping = asyncio.Event()
    task = asyncio.create_task(running.run(stopping, poll_interval=0.05))
    yield running
    stopping.set()
    await task
    await running.stop()


@contextlib.asynccontextmanager
async def transcoder_running(
    settings: Settings,
    endpoints: Endpoints,
    around_job: Callable[[JobRunner], JobRunner] | None = None,
) -> AsyncIterator[Transcoder]:
    """A transcoder in this process; ``around_job`` wraps its job runner (a test's gate)."""
    parts = build_transcoder_parts(settings, endpoints)
    job = TranscodeJob.from_parts(parts)
    worker = Transcoder(parts, around_job(job) if around_job else job)
    await worker.start()
    try:
        yield worker
    finally:
        await worker.stop()


@pytest.fixture
async def transcoder(
    video_settings: Settings, endpoints: Endpoints, relay: Relay
) -> AsyncIterator[Transcoder]:
    async with transcoder_running(video_settings, endpoints) as worker:
        yield worker
