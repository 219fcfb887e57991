"""Probe an untrusted upload with ffprobe: local file only, allowed formats only, under a timeout.

Demuxers that follow references (HLS playlists, concat lists, image sequences) are never
allowed, so a crafted upload cannot make ffprobe or ffmpeg read local paths or URLs.
"""

from __future__ import annotations

import json
import math
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kino.infrastructure.media.process import limit_child

# Demuxer short names; ffprobe/ffmpeg refuse every other (``-format_whitelist``).
FORMATS = "mov,matroska,webm,avi,mpegts,mpeg,flv,ogg,wav,mp3,flac,aac,asf,dv,mxf,m4v,3gp"
VIDEO_CODECS = frozenset(
    "h264 hevc vp8 vp9 av1 mpeg4 mpeg2video mpeg1video prores mjpeg theora h263 dvvideo "  # noqa: SIM905
    "wmv1 wmv2 wmv3 vc1 dnxhd msmpeg4v2 msmpeg4v3 flv1".split()
)
AUDIO_CODECS = frozenset(
    "aac mp3 mp2 opus vorbis flac alac ac3 eac3 wmav1 wmav2 dts amr_nb amr_wb".split()  # noqa: SIM905
)
MAX_LONG_SIDE, MAX_SHORT_SIDE = 7680, 4320
UNREADABLE = (
    "This file could not be read as a video. Upload MP4, MOV, MKV, WebM, AVI or a common "
    "audio format."
)


class ProbeRejected(Exception):
    """The upload is not something Kino transcodes; ``reason`` is for the uploader."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Probe:
    duration: float
    width: int  # as displayed (rotation applied); 0 when audio-only
    height: int
    fps: float
    has_video: bool
    has_audio: bool
    format_name: str


def ffprobe(path: Path, timeout: float) -> dict[str, Any]:
    argv = [
        "ffprobe", "-v", "error", "-hide_banner",
        "-protocol_whitelist", "file", "-format_whitelist", FORMATS,
        "-print_format", "json", "-show_format", "-show_streams",
        f"file:{path}",
    ]  # fmt: skip
    try:
        done = subprocess.run(  # noqa: S603 - fixed argv, no shell
            argv, capture_output=True, timeout=timeout, check=False, preexec_fn=limit_child
        )
    except subprocess.TimeoutExpired:
        raise ProbeRejected("Reading this file took too long; it may be damaged.") from None
    if done.returncode != 0:
        raise ProbeRejected(UNREADABLE)
    try:
        data: dict[str, Any] = json.loads(done.stdout)
    except ValueError:
        raise ProbeRejected(UNREADABLE) from None
    return data


def probe_upload(path: Path, *, timeout: float, max_duration: float) -> Probe:
    if path.stat().st_size == 0:
        raise ProbeRejected("The uploaded file is empty.")
    return judge(ffprobe(path, timeout), max_duration)


def judge(data: dict[str, Any], max_duration: float) -> Probe:
    """Apply Kino's limits to ffprobe's answer."""
    fmt = data.get("format") or {}
    streams = data.get("streams") or []
    videos = [
        s for s in streams
        if s.get("codec_type") == "video" and not (s.get("disposition") or {}).get("attached_pic")
    ]  # fmt: skip
    audios = [s for s in streams if s.get("codec_type") == "audio"]
    if not videos and not audios:
        raise ProbeRejected("This file has neither a video nor an audio track.")
    if videos and videos[0].get("codec_name") not in VIDEO_CODECS:
        raise ProbeRejected(f"Video codec {videos[0].get('codec_name')!r} is not supported.")
    if not videos and not _audio_codec_allowed(audios[0]):
        raise ProbeRejected(f"Audio codec {audios[0].get('codec_name')!r} is not supported.")
    duration = _number(fmt.get("duration")) or max(
        (_number(s.get("duration")) for s in streams), default=0.0
    )
    if duration <= 0:
        raise ProbeRejected("This file has no playable duration; it may be truncated.")
    if duration > max_duration:
        raise ProbeRejected(
            f"This video is {_span(duration, up=True)} long; videos can be at most "
            f"{_span(max_duration)} long."
        )
    width = height = 0
    fps = 0.0
    if videos:
        width, height, fps = _geometry(videos[0])
        if width <= 0 or height <= 0:
            raise ProbeRejected("The video track has no picture size; it may be damaged.")
        if max(width, height) > MAX_LONG_SIDE or min(width, height) > MAX_SHORT_SIDE:
            raise ProbeRejected("Videos can be at most 8K (7680x4320).")
    return Probe(
        duration=duration,
        width=width,
        height=height,
        fps=fps,
        has_video=bool(videos),
        has_audio=bool(audios and _audio_codec_allowed(audios[0])),
        format_name=str(fmt.get("format_name", "")),
    )


def _span(seconds: float, *, up: bool = False) -> str:
    """``3 hours``, ``1.5 minutes``; ``up`` rounds up (a length just over a limit reads longer)."""
    for unit, size in (("hour", 3600), ("minute", 60), ("second", 1)):
        if seconds >= size:
            count = math.ceil(seconds / size * 10) / 10 if up else round(seconds / size, 1)
            return f"{count:g} {unit}{'' if count == 1 else 's'}"
    return f"{seconds:g} seconds"


def _audio_codec_allowed(stream: dict[str, Any]) -> bool:
    codec = str(stream.get("codec_name") or "")
    return codec in AUDIO_CODECS or codec.startswith("pcm_")


def _geometry(stream: dict[str, Any]) -> tuple[int, int, float]:
    width, height = int(stream.get("width") or 0), int(stream.get("height") or 0)
    rotation = _number((stream.get("tags") or {}).get("rotate"))
    for side in stream.get("side_data_list") or []:
        if "rotation" in side:
            rotation = _number(side["rotation"])
    if round(abs(rotation)) % 180 == 90:
        width, height = height, width
    fps = 0.0
    for key in ("avg_frame_rate", "r_frame_rate"):
        num, _, den = str(stream.get(key) or "0/0").partition("/")
        if _number(den) > 0 and _number(num) > 0:
            fps = _number(num) / _number(den)
            break
    return width, height, fps


def _number(value: object) -> float:
    """A number ffprobe reported (as JSON: a number or a string); 0.0 when it is neither."""
    if not isinstance(value, int | float | str):
        return 0.0
    try:
        return float(value)
    except ValueError:
        return 0.0
