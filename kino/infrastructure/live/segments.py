"""Mirrors a live ladder's local HLS output into the object store, as it is written.

Each segment is stored before the playlist that names it (so no viewer is ever sent to a
segment that is not there yet); a playlist is stored when it changed; segments that left
every playlist's window are deleted. Synchronous: run ``sync`` in a thread.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path

from kino.infrastructure.storage import ObjectStore
from kino.infrastructure.storage.port import StorageError

PLAYLIST = "index.m3u8"
MASTER = "master.m3u8"
PLAYLIST_TYPE = "application/vnd.apple.mpegurl"
SEGMENT_TYPE = "video/mp2t"
KEEP_RETIRED = 3  # segments kept after they left the window


def playlist_segments(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"]


@dataclass
class SegmentMirror:
    store: ObjectStore
    local: Path  # the ladder's output: <local>/<name>/index.m3u8 and its segments
    prefix: str  # object keys: <prefix><name>/<segment>
    names: list[str]
    stored: dict[str, set[str]] = field(default_factory=dict)  # segments stored, per name
    playlists: dict[str, bytes] = field(default_factory=dict)  # the last stored, per name
    retired: dict[str, list[str]] = field(default_factory=dict)  # left the window, per name

    def sync(self) -> dict[str, int]:
        """Store what is new; the number of segments each stored playlist names."""
        counts = {}
        for name in self.names:
            counts[name] = self._sync_one(name)
        return counts

    def _sync_one(self, name: str) -> int:
        folder = self.local / name
        try:
            body = (folder / PLAYLIST).read_bytes()
        except FileNotFoundError:
            return 0
        wanted = playlist_segments(body.decode(errors="replace"))
        stored = self.stored.setdefault(name, set())
        for segment in wanted:
            if segment in stored:
                continue
            path = folder / segment
            if "/" in segment or not path.is_file():
                return len(playlist_segments(self.playlists.get(name, b"").decode()))
            self.store.put_file(f"{self.prefix}{name}/{segment}", path, SEGMENT_TYPE)
            stored.add(segment)
        if self.playlists.get(name) != body:
            self.store.put_bytes(f"{self.prefix}{name}/{PLAYLIST}", body, PLAYLIST_TYPE)
            self.playlists[name] = body
        retired = self.retired.setdefault(name, [])
        for gone in sorted(stored - set(wanted)):
            stored.discard(gone)
            retired.append(gone)
        while len(retired) > KEEP_RETIRED:  # a viewer's older playlist may still name these
            with contextlib.suppress(StorageError):
                self.store.delete(f"{self.prefix}{name}/{retired.pop(0)}")
        return len(wanted)

    def put_master(self, text: str) -> None:
        self.store.put_bytes(self.prefix + MASTER, text.encode(), PLAYLIST_TYPE)

    def retire(self, name: str, master: str) -> None:
        """A rendition is no longer encoded: the master playlist without it, then its
        playlist removed, so a player on it gets a 404 and switches to another rendition
        (a playlist that stops changing would stall it). Its segments go with the stream."""
        self.names = [other for other in self.names if other != name]
        self.put_master(master)
        self.store.delete(f"{self.prefix}{name}/{PLAYLIST}")
        self.playlists.pop(name, None)
