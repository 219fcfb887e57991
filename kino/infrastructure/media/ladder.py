"""The HLS ladder: which rungs a source gets, and the one ffmpeg command that encodes them.

Rungs are named by the picture's short side (a portrait 1080x1920 video is "1080p"),
capped at the source; a source between two rungs keeps its own size as the top rung.
Every rung has keyframes forced at the same times (every ``SEGMENT_SECONDS``, no scene
cuts), so segment boundaries are identical across rungs and across separate passes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from kino.infrastructure.media.probe import FORMATS, Probe

SEGMENT_SECONDS = 2
MAX_FPS = 60
LADDER = (
    (144, 200_000, 64_000),
    (240, 400_000, 64_000),
    (360, 800_000, 96_000),
    (480, 1_200_000, 128_000),
    (720, 2_500_000, 128_000),
    (1080, 5_000_000, 160_000),
    (1440, 9_000_000, 160_000),
    (2160, 16_000_000, 192_000),
)
AUDIO_ONLY = "audio"


@dataclass(frozen=True)
class Rung:
    name: str
    size: int  # the short side; 0 for audio only
    video_bitrate: int
    audio_bitrate: int
    portrait: bool = False

    @property
    def scale(self) -> str:
        return f"scale={self.size}:-2" if self.portrait else f"scale=-2:{self.size}"


def plan_ladder(probe: Probe) -> list[Rung]:
    """Lowest first."""
    if not probe.has_video:
        return [Rung(AUDIO_ONLY, 0, 0, 128_000)]
    portrait = probe.height > probe.width
    short = min(probe.width, probe.height) // 2 * 2
    rungs = [
        Rung(f"{size}p", size, video, audio, portrait)
        for size, video, audio in LADDER
        if size <= short
    ]
    if not rungs or short > rungs[-1].size:
        below = rungs[-1] if rungs else Rung("", 0, 150_000, 64_000)
        above = next(((s, v, a) for s, v, a in LADDER if s > short), LADDER[-1])
        share = (short - below.size) / max(1, above[0] - below.size)
        video = int(below.video_bitrate + share * (above[1] - below.video_bitrate))
        rungs.append(Rung(f"{short}p", short, video, above[2], portrait))
    return rungs


def ladder_command(
    source: Path, out_dir: Path, rungs: list[Rung], probe: Probe, preset: str
) -> list[str]:
    """One ffmpeg process: decode once, ``split`` + ``scale`` per rung, fMP4 HLS per rung."""
    argv = [
        "ffmpeg", "-nostdin", "-hide_banner", "-v", "error", "-y",
        "-protocol_whitelist", "file", "-format_whitelist", FORMATS,
        "-i", f"file:{source}",
    ]  # fmt: skip
    streams: list[str] = []
    if probe.has_video:
        labels = [f"[v{index}]" for index in range(len(rungs))]
        splits = "".join(f"[s{index}]" for index in range(len(rungs)))
        rate = min(probe.fps or 30.0, MAX_FPS)
        cap = f"fps={MAX_FPS}," if probe.fps > MAX_FPS else ""
        graph = [f"[0:v:0]{cap}split={len(rungs)}{splits}"] + [
            f"[s{index}]{rung.scale},format=yuv420p{labels[index]}"
            for index, rung in enumerate(rungs)
        ]
        threads = str(min(4, os.cpu_count() or 1))  # scaling every rung is the bottleneck
        argv += ["-filter_complex_threads", threads, "-filter_complex", ";".join(graph)]
        gop = max(1, round(SEGMENT_SECONDS * rate))
        for index, rung in enumerate(rungs):
            argv += ["-map", labels[index]]
            if probe.has_audio:
                argv += ["-map", "0:a:0"]
            argv += [
                f"-b:v:{index}", str(rung.video_bitrate),
                f"-maxrate:v:{index}", str(int(rung.video_bitrate * 1.5)),
                f"-bufsize:v:{index}", str(rung.video_bitrate * 2),
            ]  # fmt: skip
            audio = f"a:{index}," if probe.has_audio else ""
            streams.append(f"v:{index},{audio}name:{rung.name}")
        argv += [
            "-c:v", "libx264", "-preset", preset, "-profile:v", "high",
            "-g", str(gop), "-keyint_min", str(gop), "-sc_threshold", "0",
            "-force_key_frames", f"expr:gte(t,n_forced*{SEGMENT_SECONDS})",
        ]  # fmt: skip
    else:
        argv += ["-map", "0:a:0", "-vn"]
        streams.append(f"a:0,name:{rungs[0].name}")
    if probe.has_audio:
        argv += ["-c:a", "aac", "-ac", "2", "-ar", "48000"]
        for index, rung in enumerate(rungs):
            argv += [f"-b:a:{index}", str(rung.audio_bitrate)]
    argv += [
        "-f", "hls", "-hls_time", str(SEGMENT_SECONDS), "-hls_playlist_type", "vod",
        "-hls_segment_type", "fmp4", "-hls_fmp4_init_filename", "init.mp4",
        "-hls_segment_filename", str(out_dir / "%v" / "seg_%05d.m4s"),
        "-var_stream_map", " ".join(streams), "-master_pl_name", "master.m3u8",
        "-progress", "pipe:1", "-nostats",
        str(out_dir / "%v" / "index.m3u8"),
    ]  # fmt: skip
    return argv


def image_commands(source: Path, out_dir: Path, probe: Probe) -> list[list[str]]:
    """A thumbnail (360 lines) and a poster (source size up to 1080 lines) from one frame."""
    at = f"{min(1.0, probe.duration / 3):.3f}"
    short = min(probe.width, probe.height)
    commands = []
    for name, limit in (("thumbnail.jpg", 360), ("poster.jpg", 1080)):
        size = min(short, limit) // 2 * 2
        scale = f"scale={size}:-2" if probe.height > probe.width else f"scale=-2:{size}"
        commands.append(
            [
                "ffmpeg",
                "-nostdin",
                "-hide_banner",
                "-v",
                "error",
                "-y",
                "-protocol_whitelist",
                "file",
                "-format_whitelist",
                FORMATS,
                "-ss",
                at,
                "-i",
                f"file:{source}",
                "-frames:v",
                "1",
                "-vf",
                scale,
                "-q:v",
                "3",
                str(out_dir / name),
            ]
        )
    return commands
