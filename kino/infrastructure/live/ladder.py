"""The live ladder: which rungs a source gets, the one ffmpeg command that encodes them into
HLS, and the master playlist (written by us: BANDWIDTH, RESOLUTION and CODECS per rung).

Every rung has a keyframe forced at every segment boundary (no scene cuts), so segments are
aligned across rungs; audio is encoded once, as its own rendition that every rung names.
The ladder's cost is bounded by its top encoded rung, not by the source: frames are capped at
``MAX_FPS`` and scaled once to that rung before the split (the lower rungs scale from it), and
a source far above the ladder (a 2160p60 camera) is decoded without its deblocking filter.
A reconnect continues the same playlists (``append_list``, a discontinuity) with segment
names of its own session.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kino.infrastructure.live.stat import SourceInfo

MAX_FPS = 30  # live rungs are encoded at 30 fps at most (a 60 fps source is halved)
LARGE_SOURCE = 1920 * 1080  # pixels: above this, and twice every rung's height, skip deblocking
AUDIO = "audio"
AUDIO_BITRATE = 96_000
AUDIO_CODEC = "mp4a.40.2"
VIDEO_CODEC = "avc1.4d4028"  # H.264 Main, level 4.0 (set on every rung)
WINDOW = 6  # segments per playlist


@dataclass(frozen=True)
class LiveRung:
    name: str  # "360p": its folder under the stream's hls/ prefix
    width: int
    height: int
    bitrate: int  # video bits per second
    copy: bool = False  # the source itself, passed through (not encoded)
    codec: str = VIDEO_CODEC

    @property
    def bandwidth(self) -> int:
        return int((self.bitrate + AUDIO_BITRATE) * 1.1)


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)


def plan_rungs(
    source: SourceInfo, ladder: tuple[int, ...], passthrough: bool = False
) -> list[LiveRung]:
    """The configured heights at or below the source's, highest first (at least one).

    With ``passthrough`` (an H.264 source whose keyframes come at least every 2 s) a top
    rung at the source's own size is the source itself."""
    width, height = source.width or 1280, source.height or 720
    fps = min(float(MAX_FPS), source.fps or MAX_FPS)
    heights = [h for h in ladder if h <= height] or [_even(height)]
    rungs = []
    for h in heights:
        w = _even(width * h / height)
        rungs.append(LiveRung(f"{h}p", w, h, max(150_000, int(0.1 * w * h * fps))))
    top = rungs[0]
    same_size = (top.width, top.height) == (source.width, source.height)
    if passthrough and same_size and source.rfc6381 and source.fps <= MAX_FPS + 1:
        bitrate = max(top.bitrate, source.bitrate_in)
        rungs[0] = LiveRung(top.name, top.width, top.height, bitrate, True, source.rfc6381)
    return rungs


def can_pass_through(source: SourceInfo, ladder: tuple[int, ...]) -> bool:
    """Whether the source could be the top rung (then its keyframes are worth probing)."""
    return plan_rungs(source, ladder, passthrough=True)[0].copy


def skips_deblocking(source: SourceInfo, rungs: list[LiveRung]) -> bool:
    """A source above 1080p whose every encoded rung is at most half its height is decoded
    without H.264's deblocking filter: about a fifth of its decoding time, and the blocking
    it would smooth is shrunk away by the downscale."""
    encoded = [rung for rung in rungs if not rung.copy]
    large = source.width * source.height > LARGE_SOURCE
    return large and bool(encoded) and all(2 * rung.height <= source.height for rung in encoded)


def _filter_graph(rungs: list[tuple[int, LiveRung]], fps_cap: bool) -> str:
    """``[0:v]`` capped in frame rate, scaled once to the top encoded rung, split; the lower
    rungs are scaled from the top one (never from the source)."""
    (first, top), lower = rungs[0], rungs[1:]
    rate = f"fps={MAX_FPS}," if fps_cap else ""
    outputs = f"[v{first}]" + "".join(f"[s{i}]" for i, _ in lower)
    graph = f"[0:v]{rate}scale={top.width}:{top.height},split={len(rungs)}{outputs}"
    return ";".join([graph] + [f"[s{i}]scale={r.width}:{r.height}[v{i}]" for i, r in lower])


def ladder_command(
    url: str,
    out: Path,
    rungs: list[LiveRung],
    *,
    session: int,
    segment_seconds: int,
    audio: bool,
    source: SourceInfo,
    resume: bool,
) -> list[str]:
    """One ffmpeg reading the local RTMP stream ``url`` and writing every rung under ``out``."""
    encoded = [(i, rung) for i, rung in enumerate(rungs) if not rung.copy]
    args = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "warning"]
    args += ["-progress", "pipe:1", "-stats_period", "1", "-rw_timeout", "10000000"]
    if skips_deblocking(source, rungs):
        args += ["-skip_loop_filter", "all"]
    args += ["-i", url]
    if encoded:
        args += ["-filter_complex", _filter_graph(encoded, source.fps > MAX_FPS + 1)]
    for i, rung in enumerate(rungs):
        if rung.copy:
            args += ["-map", "0:v:0", f"-c:v:{i}", "copy"]
            continue
        bitrate = str(rung.bitrate)
        args += ["-map", f"[v{i}]", f"-c:v:{i}", "libx264", f"-b:v:{i}", bitrate]
        args += [f"-maxrate:v:{i}", bitrate, f"-bufsize:v:{i}", bitrate]
        args += [f"-preset:v:{i}", "veryfast", f"-tune:v:{i}", "zerolatency"]
        args += [f"-profile:v:{i}", "main", f"-level:v:{i}", "4.0", f"-pix_fmt:v:{i}", "yuv420p"]
        args += [f"-sc_threshold:v:{i}", "0"]
        args += [f"-force_key_frames:v:{i}", f"expr:gte(t,n_forced*{segment_seconds})"]
    if audio:
        args += ["-map", "0:a:0", "-c:a", "aac", "-b:a", str(AUDIO_BITRATE), "-ac", "2"]
        args += ["-ar", "48000"]
    flags = "independent_segments+program_date_time+delete_segments+omit_endlist+temp_file"
    if resume:
        flags += "+append_list+discont_start"
    args += ["-f", "hls", "-hls_time", str(segment_seconds), "-hls_list_size", str(WINDOW)]
    args += ["-hls_delete_threshold", "2", "-hls_flags", flags]
    args += ["-hls_segment_filename", str(out / "%v" / f"s{session}_%d.ts")]
    streams = [
        f"v:{i},name:{rung.name}" + (",agroup:aud" if audio else "") for i, rung in enumerate(rungs)
    ]
    if audio:
        streams.append(f"a:0,agroup:aud,name:{AUDIO}")
    args += ["-var_stream_map", " ".join(streams), str(out / "%v" / "index.m3u8")]
    return args


def master_playlist(rungs: list[LiveRung], audio: bool) -> str:
    lines = ["#EXTM3U", "#EXT-X-VERSION:6", "#EXT-X-INDEPENDENT-SEGMENTS"]
    if audio:
        lines.append(
            '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="audio",DEFAULT=YES,AUTOSELECT=YES,'
            f'URI="{AUDIO}/index.m3u8"'
        )
    for rung in rungs:
        group = ',AUDIO="aud"' if audio else ""
        codecs = rung.codec + (f",{AUDIO_CODEC}" if audio else "")
        lines.append(
            f"#EXT-X-STREAM-INF:BANDWIDTH={rung.bandwidth},RESOLUTION={rung.width}x{rung.height},"
            f'CODECS="{codecs}"{group}'
        )
        lines.append(f"{rung.name}/index.m3u8")
    return "\n".join(lines) + "\n"


def playlist_names(rungs: list[LiveRung], audio: bool) -> list[str]:
    """The folders of the rendition playlists (``<name>/index.m3u8``)."""
    return [rung.name for rung in rungs] + ([AUDIO] if audio else [])
