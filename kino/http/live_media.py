"""``GET /live/{streamId}/hls/{path}``: a live stream's playlists and segments, from the
object store (any api replica serves any live stream).

Playlists live less than one segment (``max-age`` below ``KINO_LIVE_SEGMENT_SECONDS``) and
are kept in memory a fraction of a segment, so many viewers refreshing every second cost
the store one read per playlist per interval; segments are immutable. Live media is public,
cross-origin. Paths are the ladder's own (``master.m3u8``, ``<rung>/index.m3u8``,
``<rung>/<segment>.ts``): anything else is 404.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from typing import Any
from uuid import UUID

from litestar import Response, get
from litestar.types import ControllerRouterHandler

from kino.bootstrap.container import Container, ObjectStore, StorageError
from kino.domain.live import live_prefix

_PATH = re.compile(r"^(master\.m3u8|[a-z0-9]{1,12}/(index\.m3u8|s\d{1,6}_\d{1,9}\.ts))$")
_NOT_FOUND = {"code": "NOT_FOUND", "message": "There is no such media."}
PLAYLIST_TYPE = "application/vnd.apple.mpegurl"
SEGMENT_TYPE = "video/mp2t"
CACHE_FRACTION = 0.25  # of a segment: how long a playlist is served from memory
CACHE_LIMIT = 10_000  # playlists kept at most (a few per live stream)


class PlaylistCache:
    """Playlists kept in memory ``lifetime`` seconds (a fraction of a segment), with at most
    one store read in flight per playlist: every request that finds no fresh copy awaits the
    same read. The read is a task of its own, so a viewer who goes away mid-read (its request
    cancelled) fails no one else; a failed read is not kept."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.entries: dict[str, tuple[float, bytes | None]] = {}
        self.loading: dict[str, asyncio.Task[bytes | None]] = {}

    async def get(self, store: ObjectStore, key: str, lifetime: float) -> bytes | None:
        cached = self.entries.get(key)
        if cached is not None and self.clock() - cached[0] < lifetime:
            return cached[1]
        task = self.loading.get(key)
        if task is None:
            task = self.loading[key] = asyncio.create_task(self._load(store, key))
            task.add_done_callback(_retrieve)
        return await asyncio.shield(task)

    async def _load(self, store: ObjectStore, key: str) -> bytes | None:
        try:
            body = await asyncio.to_thread(_read, store, key)
            if len(self.entries) >= CACHE_LIMIT:
                self.entries.clear()
            self.entries[key] = (self.clock(), body)
            return body
        finally:
            del self.loading[key]


def _retrieve(task: asyncio.Task[bytes | None]) -> None:
    """A failed read nobody awaited any more is not reported as never retrieved."""
    if not task.cancelled():
        task.exception()


def _read(store: ObjectStore, key: str) -> bytes | None:
    if store.stat(key) is None:
        return None
    try:
        return b"".join(store.read(key))
    except StorageError:  # deleted since (a segment that left the window)
        return None


def live_media_routes() -> list[ControllerRouterHandler]:
    cache = PlaylistCache()

    @get("/live/{stream_id:uuid}/hls/{path:path}", include_in_schema=False)
    async def live_media(container: Container, stream_id: UUID, path: str) -> Response[Any]:
        path = path.lstrip("/")
        headers = {"Access-Control-Allow-Origin": "*"}
        if not _PATH.match(path):
            headers["Cache-Control"] = "no-store"
            return Response(_NOT_FOUND, status_code=404, headers=headers)
        key = f"{live_prefix(stream_id)}hls/{path}"
        store = container.videos.store
        seconds = container.settings.live.segment_seconds
        if path.endswith(".m3u8"):
            body = await cache.get(store, key, seconds * CACHE_FRACTION)
            headers["Cache-Control"] = f"public, max-age={max(0, seconds // 2)}"
            media_type = PLAYLIST_TYPE
        else:
            body = await asyncio.to_thread(_read, store, key)
            headers["Cache-Control"] = "public, max-age=31536000, immutable"
            media_type = SEGMENT_TYPE
        if body is None:
            headers["Cache-Control"] = "no-store"
            return Response(_NOT_FOUND, status_code=404, headers=headers)
        return Response(body, media_type=media_type, headers=headers)

    return [live_media]
