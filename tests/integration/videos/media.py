"""Test media, generated once per run by ffmpeg's lavfi sources (short and small)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

SECONDS = 4


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True)


def video(
    path: Path,
    width: int,
    height: int,
    *,
    audio: bool = True,
    rate: int = 24,
    seconds: int = SECONDS,
) -> Path:
    if not path.exists():
        inputs = ["-f", "lavfi", "-i", f"testsrc2=size={width}x{height}:rate={rate}"]
        if audio:
            inputs += ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"]
        codecs = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
        codecs += ["-c:a", "aac"] if audio else []
        _ffmpeg(*inputs, "-t", str(seconds), *codecs, str(path))
    return path


def audio_only(path: Path) -> Path:
    if not path.exists():
        _ffmpeg(
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=330:sample_rate=44100",
            "-t",
            str(SECONDS),
            "-c:a",
            "aac",
            str(path),
        )
    return path


def rotated(path: Path, source: Path) -> Path:
    """``source`` with display-matrix rotation 90 (shown as portrait)."""
    if not path.exists():
        _ffmpeg("-i", str(source), "-c", "copy", "-metadata:s:v:0", "rotate=90", str(path))
    return path


def ffprobe_json(target: str, *args: str) -> dict:
    out = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-protocol_whitelist",
            "file",
            "-print_format",
            "json",
            *args,
            target,
        ],
        check=True,
        capture_output=True,
    )
    return json.loads(out.stdout)


def keyframe_times(playlist: Path) -> list[float]:
    data = ffprobe_json(
        str(playlist),
        "-select_streams",
        "v:0",
        "-skip_frame",
        "nokey",
        "-show_entries",
        "frame=pts_time",
    )
    return [round(float(f["pts_time"]), 3) for f in data["frames"]]


def segment_durations(playlist: Path) -> list[str]:
    return [line for line in playlist.read_text().splitlines() if line.startswith("#EXTINF")]
