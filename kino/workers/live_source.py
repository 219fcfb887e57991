"""What a publish session learns of its source before the ladder starts: the encoder's
metadata (nginx's statistics page, no ffmpeg probe) and how often its keyframes come (read
from nginx's recording of the session), which decides whether the top rung is the source."""

from __future__ import annotations

import asyncio
import itertools
import time
from pathlib import Path

import httpx
import structlog

from kino.infrastructure.live.recording import keyframe_times
from kino.infrastructure.live.stat import SourceInfo, stream_info

METADATA_SECONDS = 5.0  # how long the encoder has to send its metadata
GOP_PROBE_SECONDS = 2.2  # a second keyframe by then, or the top rung is encoded
PASSTHROUGH_GOP = 2.0  # keyframes at least this often: the top rung is the source itself


async def source_metadata(stat_url: str, name: str, closed: asyncio.Event) -> SourceInfo | None:
    """The stream's metadata once the encoder sent it; None after ``METADATA_SECONDS``."""
    deadline = time.monotonic() + METADATA_SECONDS
    async with httpx.AsyncClient(timeout=2) as http:
        while time.monotonic() < deadline and not closed.is_set():
            source = await stream_info(http, stat_url, name)
            if source is not None and source.metadata:
                return source
            await asyncio.sleep(0.1)
    return None


async def keyframes_often(
    recording: Path, closed: asyncio.Event, log: structlog.typing.FilteringBoundLogger
) -> bool:
    """True when the source has a keyframe at least every ``PASSTHROUGH_GOP`` seconds, read
    from the first seconds nginx recorded."""
    deadline = time.monotonic() + GOP_PROBE_SECONDS
    times: list[float] = []
    while time.monotonic() < deadline and len(times) < 2 and not closed.is_set():
        await asyncio.sleep(0.25)  # two keyframes seen, or none within the deadline
        times = await keyframe_times(recording)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    often = len(times) >= 2 and max(gaps) <= PASSTHROUGH_GOP + 0.05
    log.info("source keyframes", keyframes=len(times), passthrough=often)
    return often
