"""Values of the videos context that travel across the layers: the status and visibility
of a video, and one rendition of its HLS ladder.

``Rendition`` is what the transcoder reports and what the catalog shows; the stored
``Video.RenditionAdded`` event keeps its original dict payload (``as_payload`` and
``from_payload`` convert at the aggregate's boundary), so old events replay unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
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
