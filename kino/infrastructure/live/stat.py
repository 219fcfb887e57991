"""nginx-rtmp's statistics page (``rtmp_stat all``): what each published stream carries.

The encoder's metadata (``onMetaData``) says its size, frame rate and codecs as soon as it
publishes, before any ffmpeg has probed it: the ladder is planned from it.
"""

from __future__ import annotations

import contextlib
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import httpx


@dataclass(frozen=True)
class SourceInfo:
    width: int = 0
    height: int = 0
    fps: float = 0.0
    video_codec: str = ""  # "H264", "" when the stream has no video
    audio_codec: str = ""  # "AAC", "" when the stream has no audio
    bitrate_in: int = 0  # bits per second received
    metadata: bool = False  # the encoder sent its metadata
    profile: str = ""  # H.264: "Baseline", "Main", "High"
    compat: int = 0  # H.264 constraint flags
    level: str = ""  # H.264: "3.1"
    received_ms: int = 0  # the stream's timestamp nginx has received up to (the publisher's)

    @property
    def has_video(self) -> bool:
        return bool(self.video_codec) or self.height > 0

    @property
    def rfc6381(self) -> str:
        """The H.264 CODECS value of the source (``avc1.PPCCLL``), "" when unknown."""
        profiles = {"baseline": 0x42, "main": 0x4D, "extended": 0x58, "high": 0x64}
        profile = profiles.get(self.profile.lower())
        try:
            level = round(float(self.level) * 10)
        except ValueError:
            return ""
        if self.video_codec != "H264" or profile is None or not 0 < level < 256:
            return ""
        return f"avc1.{profile:02x}{self.compat & 0xFF:02x}{level:02x}"


def _number(element: ET.Element | None, path: str) -> float:
    found = element.find(path) if element is not None else None
    try:
        return float(found.text or 0) if found is not None else 0.0
    except ValueError:
        return 0.0


def _text(element: ET.Element | None, path: str) -> str:
    found = element.find(path) if element is not None else None
    return (found.text or "").strip() if found is not None else ""


def parse_stat(body: bytes, application: str = "live") -> dict[str, SourceInfo]:
    """The streams being published in ``application``, by their (renamed) name."""
    root = ET.fromstring(body)  # noqa: S314 - see the import
    streams: dict[str, SourceInfo] = {}
    for app in root.iter("application"):
        if _text(app, "name") != application:
            continue
        for stream in app.iter("stream"):
            meta = stream.find("meta")
            publisher = next(
                (c for c in stream.iter("client") if c.find("publishing") is not None), None
            )
            streams[_text(stream, "name")] = SourceInfo(
                width=int(_number(meta, "video/width")),
                height=int(_number(meta, "video/height")),
                fps=_number(meta, "video/frame_rate"),
                video_codec=_text(meta, "video/codec"),
                audio_codec=_text(meta, "audio/codec"),
                bitrate_in=int(_number(stream, "bw_in")),
                metadata=meta is not None,
                profile=_text(meta, "video/profile"),
                compat=int(_number(meta, "video/compat")),
                level=_text(meta, "video/level"),
                received_ms=int(_number(publisher, "timestamp")),
            )
    return streams


async def stream_info(http: httpx.AsyncClient, stat_url: str, name: str) -> SourceInfo | None:
    """What the stat page says of one stream, or None (not there, or the page is away)."""
    with contextlib.suppress(httpx.HTTPError, ValueError, SyntaxError):
        return parse_stat((await http.get(stat_url)).content).get(name)
    return None
