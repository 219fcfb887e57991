"""Storyboards: the frames a player previews while the pointer hovers its seek bar.

One JPEG sprite holds every tile (``COLUMNS`` per row, the long side ``TILE_LONG_SIDE``
pixels) and a WebVTT index maps each interval of the video to its tile with a media fragment
(``storyboard.jpg#xywh=x,y,w,h``), which media-chrome's ``media-preview-thumbnail`` reads
from a ``<track kind="metadata" label="thumbnails">``. The interval is a whole number of
seconds chosen from the duration, so that a video never has more than ``MAX_TILES`` tiles.

One ffmpeg pass decodes the source; from an interval of ``KEYFRAMES_FROM`` seconds (videos
longer than about a quarter of an hour) it decodes keyframes only, which costs a fraction of
a full decode and is precise enough for tiles that far apart.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from kino.infrastructure.media.probe import FORMATS, Probe

TILE_LONG_SIDE = 160
MAX_TILES = 100
COLUMNS = 10
KEYFRAMES_FROM = 10  # seconds between tiles from which only keyframes are decoded


@dataclass(frozen=True)
class StoryboardPlan:
    duration: float
    interval: int  # seconds per tile
    tiles: int
    tile_width: int
    tile_height: int

    @property
    def columns(self) -> int:
        return min(COLUMNS, self.tiles)

    @property
    def rows(self) -> int:
        return math.ceil(self.tiles / COLUMNS)

    def tile(self, index: int) -> tuple[int, int, int, int]:
        """x, y, width, height of tile ``index`` in the sprite."""
        row, column = divmod(index, COLUMNS)
        return column * self.tile_width, row * self.tile_height, self.tile_width, self.tile_height


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)


def plan_storyboard(probe: Probe) -> StoryboardPlan:
    duration = max(probe.duration, 0.001)
    interval = max(1, math.ceil(duration / MAX_TILES))
    tiles = max(1, math.ceil(duration / interval))
    width, height = max(probe.width, 1), max(probe.height, 1)
    if width >= height:
        size = (TILE_LONG_SIDE, _even(TILE_LONG_SIDE * height / width))
    else:
        size = (_even(TILE_LONG_SIDE * width / height), TILE_LONG_SIDE)
    return StoryboardPlan(duration, interval, tiles, *size)


def storyboard_command(source: Path, sprite: Path, plan: StoryboardPlan) -> list[str]:
    """One ffmpeg process: a frame every ``interval`` seconds, scaled, tiled into one JPEG."""
    keyframes = ["-skip_frame", "nokey"] if plan.interval >= KEYFRAMES_FROM else []
    graph = (
        f"fps=1/{plan.interval},scale={plan.tile_width}:{plan.tile_height},setsar=1,"
        f"tile={plan.columns}x{plan.rows}"
    )
    return [
        "ffmpeg", "-nostdin", "-hide_banner", "-v", "error", "-y",
        "-protocol_whitelist", "file", "-format_whitelist", FORMATS,
        *keyframes, "-i", f"file:{source}",
        "-map", "0:v:0", "-an", "-sn", "-vf", graph,
        "-frames:v", "1", "-q:v", "5", "-progress", "pipe:1", "-nostats",
        str(sprite),
    ]  # fmt: skip


def _timestamp(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"


def storyboard_vtt(plan: StoryboardPlan, sprite_name: str) -> str:
    """The WebVTT index: one cue per tile, its text the tile's URL relative to the index."""
    lines = ["WEBVTT", ""]
    for index in range(plan.tiles):
        start = index * plan.interval
        end = min(plan.duration, start + plan.interval)
        x, y, w, h = plan.tile(index)
        lines += [
            f"{_timestamp(start)} --> {_timestamp(end)}",
            f"{sprite_name}#xywh={x},{y},{w},{h}",
            "",
        ]
    return "\n".join(lines)
