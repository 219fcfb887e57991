"""HLS playlists: read what ffmpeg wrote, measure each rendition, write Kino's master playlist.

The master is rewritten by Kino after each rendition is stored, so it lists exactly the
renditions a viewer can play (lowest first), whichever pass or worker produced them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from kino.domain.video_values import Rendition

_ATTRIBUTE = re.compile(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)')


def read_master(path: Path) -> dict[str, dict[str, str]]:
    """ffmpeg's master playlist: variant name (its folder) → STREAM-INF attributes."""
    variants: dict[str, dict[str, str]] = {}
    attributes: dict[str, str] | None = None
    for line in path.read_text().splitlines():
        if line.startswith("#EXT-X-STREAM-INF:"):
            pairs = _ATTRIBUTE.findall(line.partition(":")[2])
            attributes = {key: value.strip('"') for key, value in pairs}
        elif line and not line.startswith("#") and attributes is not None:
            variants[line.split("/")[0]] = attributes
            attributes = None
    return variants


def segments(playlist: Path) -> list[tuple[str, float]]:
    """(uri, duration) of every media segment of a variant playlist."""
    found, duration = [], 0.0
    for line in playlist.read_text().splitlines():
        if line.startswith("#EXTINF:"):
            duration = float(line.partition(":")[2].split(",")[0])
        elif line and not line.startswith("#"):
            found.append((line, duration))
    return found


def referenced_files(playlist: Path) -> list[str]:
    """Every file a variant playlist points at (init segment first), all relative names."""
    text = playlist.read_text()
    names = re.findall(r'#EXT-X-MAP:URI="([^"]+)"', text)
    names += [uri for uri, _ in segments(playlist)]
    for name in names:
        if "/" in name or ":" in name:
            raise ValueError(f"unexpected playlist entry {name!r}")
    return names


def measured_bandwidth(variant_dir: Path) -> tuple[int, int]:
    """(peak, average) bits per second over the segments ffmpeg wrote."""
    playlist = variant_dir / "index.m3u8"
    rates, total_bits, total_seconds = [], 0, 0.0
    for uri, duration in segments(playlist):
        bits = (variant_dir / uri).stat().st_size * 8
        total_bits += bits
        total_seconds += duration
        if duration > 0:
            rates.append(bits / duration)
    peak = int(max(rates, default=0))
    average = int(total_bits / total_seconds) if total_seconds else peak
    return max(peak, 1), max(average, 1)


def master_playlist(renditions: Sequence[Rendition]) -> str:
    """Kino's master playlist, lowest rendition first."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for rendition in sorted(renditions, key=rendition_order):
        average = rendition.average_bandwidth or rendition.bandwidth
        attributes = [f"BANDWIDTH={rendition.bandwidth}", f"AVERAGE-BANDWIDTH={average}"]
        if rendition.height:
            attributes.append(f"RESOLUTION={rendition.width}x{rendition.height}")
        attributes.append(f'CODECS="{rendition.codecs}"')
        lines += ["#EXT-X-STREAM-INF:" + ",".join(attributes), f"{rendition.name}/index.m3u8"]
    return "\n".join(lines) + "\n"


def rendition_order(rendition: Rendition) -> tuple[int, int]:
    return (rendition.height, rendition.bandwidth)
