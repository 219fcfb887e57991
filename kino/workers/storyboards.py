"""The transcoder's storyboard step: a sprite of preview tiles and its WebVTT index.

The sprite and then the index are stored before ``Video.StoryboardAdded`` is recorded, so
the catalog never points at objects that are not there; a redelivered job whose video
already has a storyboard skips the step (the aggregate ignores a second one anyway), and
storing again overwrites the same keys. Previews are a nicety: when ffmpeg cannot make them
the video still becomes READY, without previews, and the failure is logged.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from uuid import UUID

import structlog

from kino.commands.videos import Videos
from kino.domain.video_rules import STORYBOARD_SPRITE, storyboard_keys
from kino.domain.video_values import Storyboard
from kino.infrastructure.media.ffmpeg import FfmpegError, run_ffmpeg
from kino.infrastructure.media.probe import Probe
from kino.infrastructure.media.storyboard import (
    plan_storyboard,
    storyboard_command,
    storyboard_vtt,
)
from kino.infrastructure.storage import ObjectStore

log = structlog.get_logger(__name__)

VTT_CONTENT_TYPE = "text/vtt"


async def make_storyboard(  # noqa: PLR0917 - one step's inputs
    videos: Videos,
    store: ObjectStore,
    video_id: UUID,
    probe: Probe,
    source: Path,
    workdir: Path,
    *,
    timeout: float,
    background: bool = False,
) -> int | None:
    """Make, store and record the storyboard; the notification id, or None when none was
    recorded (ffmpeg failed, or the video already had one)."""
    plan = plan_storyboard(probe)
    sprite = workdir / STORYBOARD_SPRITE
    try:
        await run_ffmpeg(
            storyboard_command(source, sprite, plan), timeout=timeout, background=background
        )
    except (FfmpegError, TimeoutError) as error:
        log.warning("storyboard not made", video_id=str(video_id), error=str(error)[:500])
        return None
    index_key, sprite_key = storyboard_keys(video_id)
    index = storyboard_vtt(plan, STORYBOARD_SPRITE).encode()
    await asyncio.to_thread(store.put_file, sprite_key, sprite, "image/jpeg", move=True)
    await asyncio.to_thread(store.put_bytes, index_key, index, VTT_CONTENT_TYPE)
    storyboard = Storyboard(
        index_key=index_key,
        sprite_key=sprite_key,
        interval_seconds=float(plan.interval),
        tiles=plan.tiles,
        tile_width=plan.tile_width,
        tile_height=plan.tile_height,
    )
    position = await asyncio.to_thread(videos.add_storyboard, video_id, storyboard)
    log.info("storyboard added", video_id=str(video_id), tiles=plan.tiles, position=position)
    return position
