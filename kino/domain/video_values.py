"""Values of the videos context that travel across the layers: the status and visibility
of a video, and one rendition of its HLS ladder.

``Rendition`` is what the transcoder reports and what the catalog shows; the stored
``Video.RenditionAdded`` event keeps its original dict payload (``as_payload`` and
``from_payload`` convert at the aggregate's boundary), so old events replay unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any


class VideoStatus(StrEnum):
    AWAITING_UPLOAD = "AWAITING_UPLOAD"
    PROCESSING = "PROCESSING"
    READY = "READY"
    FAILED = "FAILED"


class Visibility(StrEnum):
    PUBLIC = "PUBLIC"  # listed, and anyone may watch
    UNLISTED = "UNLISTED"  # anyone with the link may watch
    PRIVATE = "PRIVATE"  # the owner only


@dataclass(frozen=True)
class Rendition:
    name: str  # the rung: "360p"
    width: int
    height: int
    bandwidth: int  # peak bits per second, measured
    codecs: str  # RFC 6381, as in the master playlist
    playlist_key: str  # the object key of its media playlist
    average_bandwidth: int | None = None

    def as_payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "name": self.name,
            "width": self.width,
            "height": self.height,
            "bandwidth": self.bandwidth,
            "codecs": self.codecs,
            "playlist_key": self.playlist_key,
        }
        if self.average_bandwidth is not None:
            payload["average_bandwidth"] = self.average_bandwidth
        return payload

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Rendition:
        average = payload.get("average_bandwidth")
        return cls(
            name=str(payload["name"]),
            width=int(payload["width"]),
            height=int(payload["height"]),
            bandwidth=int(payload["bandwidth"]),
            codecs=str(payload.get("codecs", "")),
            playlist_key=str(payload["playlist_key"]),
            average_bandwidth=int(average) if average is not None else None,
        )


@dataclass(frozen=True)
class ProbeResult:
    """What probing an upload found, and the ladder planned from it (the ``Probed`` event)."""

    duration_seconds: float
    width: int
    height: int
    has_video: bool
    has_audio: bool
    ladder: tuple[str, ...]  # the rungs' names, lowest first

    def as_payload(self) -> dict[str, Any]:
        return {**asdict(self), "ladder": list(self.ladder)}


@dataclass(frozen=True)
class Storyboard:
    """Hover previews of a video: a JPEG sprite of ``tiles`` frames (``tile_width`` by
    ``tile_height``), one every ``interval_seconds``, and a WebVTT index of it whose cues
    point into the sprite (``sprite.jpg#xywh=x,y,w,h``): the ``Video.StoryboardAdded`` event."""

    index_key: str  # the WebVTT's object key
    sprite_key: str  # the sprite's object key
    interval_seconds: float
    tiles: int
    tile_width: int
    tile_height: int

    def as_payload(self) -> dict[str, Any]:
        return asdict(self)
