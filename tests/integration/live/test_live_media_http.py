"""``GET /live/{id}/hls/...`` over HTTP: playlists live less than one segment, segments are
immutable, what is not there is 404 and not cached; many viewers refreshing a playlist at
once cost the store one read."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import replace
from functools import partial
from pathlib import Path
from uuid import uuid4

import pytest
from litestar.testing import AsyncTestClient

from kino.api import create_app
from kino.bootstrap import Overrides, build_container
from kino.domain.live import live_prefix
from kino.http import live_media
from kino.infrastructure.passwords import FastPasswords
from kino.infrastructure.settings import LiveSettings
from kino.infrastructure.storage.filesystem import FilesystemStore

PLAYLIST = "application/vnd.apple.mpegurl"
VIEWERS = 200


class CountingStore(FilesystemStore):
    """The filesystem store, counting reads per key."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.reads: dict[str, int] = {}

    def read(self, key: str, *args, **kwargs) -> Iterator[bytes]:  # type: ignore[override]
        self.reads[key] = self.reads.get(key, 0) + 1
        return super().read(key, *args, **kwargs)


class TestClock:
    """The playlist cache's clock: the real one unless a test stops it."""

    def __init__(self) -> None:
        self.stopped_at: float | None = None

    def __call__(self) -> float:
        return time.monotonic() if self.stopped_at is None else self.stopped_at


@pytest.fixture(params=[1, 4], ids=["1s-segments", "4s-segments"])
async def served(request, settings, endpoints, tmp_path, monkeypatch):
    """An api whose store holds one live stream's playlists and a segment."""
    seconds = request.param
    clock = TestClock()
    monkeypatch.setattr(live_media, "PlaylistCache", partial(live_media.PlaylistCache, clock))
    store = CountingStore(tmp_path / "objects")
    own = replace(settings, live=replace(LiveSettings(), segment_seconds=seconds))
    container = build_container(own, endpoints, Overrides(passwords=FastPasswords(), store=store))
    stream = uuid4()
    hls = f"{live_prefix(stream)}hls/"
    store.put_bytes(hls + "master.m3u8", b"#EXTM3U\n360p/index.m3u8\n", PLAYLIST)
    store.put_bytes(hls + "360p/index.m3u8", b"#EXTM3U\ns1_7.ts\n", PLAYLIST)
    store.put_bytes(hls + "360p/s1_7.ts", b"G" * 188, "video/mp2t")
    async with AsyncTestClient(app=create_app(container)) as client:
        yield client, store, f"/live/{stream}/hls", hls, seconds, clock


async def test_playlists_live_under_a_segment_and_segments_are_immutable(served):
    client, _, base, _, seconds, _ = served
    for path in ("master.m3u8", "360p/index.m3u8"):
        got = await client.get(f"{base}/{path}")
        assert got.status_code == 200 and got.headers["content-type"].startswith(PLAYLIST)
        assert got.headers["access-control-allow-origin"] == "*"
        directives = dict(
            part.strip().partition("=")[::2] for part in got.headers["cache-control"].split(",")
        )
        assert "public" in directives and int(directives["max-age"]) < seconds
    segment = await client.get(f"{base}/360p/s1_7.ts")
    assert segment.status_code == 200 and segment.content == b"G" * 188
    assert segment.headers["content-type"] == "video/mp2t"
    assert segment.headers["cache-control"] == "public, max-age=31536000, immutable"
    for missing in ("360p/s1_8.ts", "240p/index.m3u8", "360p/x.mp4", "a/b/s1_7.ts"):
        gone = await client.get(f"{base}/{missing}")
        assert gone.status_code == 404, missing
        assert gone.headers["cache-control"] == "no-store"  # it may be there a moment later


async def test_many_viewers_refreshing_a_playlist_cost_one_store_read(served):
    """Litestar's test client answers one request at a time (a blocking call into the app's
    thread), so the viewers arrive one after another: the clock stands still meanwhile, as if
    they had all come within the playlist's cache lifetime. That reads in flight are shared
    is tests/unit/test_live_media_cache.py's."""
    client, store, base, hls, _, clock = served
    clock.stopped_at = time.monotonic()
    viewers = [asyncio.create_task(client.get(f"{base}/360p/index.m3u8")) for _ in range(VIEWERS)]
    answers = await asyncio.gather(*viewers)
    assert {(a.status_code, a.content) for a in answers} == {(200, b"#EXTM3U\ns1_7.ts\n")}
    assert store.reads == {hls + "360p/index.m3u8": 1}
