"""Clips for the browser upload tests, made once per module by ffmpeg (no files committed)."""

from __future__ import annotations

import subprocess
from pathlib import Path

MIB = 1024 * 1024


def noisy_clip(folder: Path, name: str = "holiday_by_the_sea.mp4") -> Path:
    """Three seconds at 240p with sound, noisy enough to weigh over 5 MiB (more than one S3
    part, many small tus chunks) yet cheap to transcode."""
    path = folder / name
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y",
         "-f", "lavfi", "-i", "testsrc2=size=426x240:rate=24,noise=alls=40:allf=t",
         "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "3",
         "-c:v", "libx264", "-preset", "ultrafast", "-qp", "20", "-pix_fmt", "yuv420p",
         "-c:a", "aac", str(path)],
        check=True,
    )  # fmt: skip
    assert path.stat().st_size > 5 * MIB
    return path
