"""The recording of a stream: its sessions' source files (FLV, as received) joined into one
MP4 without re-encoding (ffmpeg's concat demuxer); the keyframe times of a session's start."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from kino.infrastructure.media.ffmpeg import run_ffmpeg

JOIN_TIMEOUT = 3600.0


async def join_sessions(parts: list[Path], out: Path) -> None:
    """``parts`` in order, into ``out`` (an MP4); FfmpegError when ffmpeg fails."""
    listing = out.with_suffix(".txt")
    lines = []
    for part in parts:
        quoted = str(part.resolve()).replace("'", "'\\\\''")
        lines.append(f"file '{quoted}'")
    listing.write_text("\n".join(lines) + "\n")
    await run_ffmpeg(
        [
            "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
            "-progress", "pipe:1",
            "-f", "concat", "-safe", "0", "-i", str(listing),
            "-map", "0", "-c", "copy", "-movflags", "+faststart", str(out),
        ],
        timeout=JOIN_TIMEOUT,
    )  # fmt: skip


async def keyframe_times(path: Path, timeout: float = 5.0) -> list[float]:
    """The video keyframes' times in an FLV (one being written is read as far as it goes)."""
    process = await asyncio.create_subprocess_exec(
        "ffprobe", "-v", "error", "-select_streams", "v:0", "-skip_frame", "nokey",
        "-show_entries", "frame=pts_time", "-of", "csv=p=0", str(path),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        async with asyncio.timeout(timeout):
            out, _ = await process.communicate()
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        return []
    times = []
    for line in out.decode(errors="replace").splitlines():
        with contextlib.suppress(ValueError):
            times.append(float(line.strip().strip(",")))
    return times
