"""The api's live playlist cache: however many viewers ask at once, one store read per
playlist is in flight; a read is kept a fraction of a segment; a viewer who goes away
mid-read, or a failed read, spoils nothing for the others."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest

from kino.http.live_media import CACHE_FRACTION, PlaylistCache
from kino.infrastructure.storage import StorageError
from kino.infrastructure.storage.port import ObjectInfo

KEY = "live/s/hls/360p/index.m3u8"
VIEWERS = 500


class GatedStore:
    """An object store of playlists whose reads wait for ``gate`` and are counted."""

    def __init__(self) -> None:
        self.objects = {KEY: b"#EXTM3U\n#one\n"}
        self.gate = threading.Event()
        self.gate.set()
        self.reads = 0
        self.failing = False

    def stat(self, key: str) -> ObjectInfo | None:
        body = self.objects.get(key)
        return None if body is None else ObjectInfo(key, len(body))

    def read(self, key: str) -> Iterator[bytes]:
        self.reads += 1
        self.gate.wait(10)
        if self.failing:
            raise ConnectionError("the store is away")
        if key not in self.objects:
            raise StorageError(f"no object {key!r}")
        yield self.objects[key]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def until(condition, timeout: float = 10) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


async def many(cache: PlaylistCache, store: GatedStore, lifetime: float) -> list[object]:
    """``VIEWERS`` requests at once, while the store holds the first read."""
    store.gate.clear()
    viewers = [asyncio.create_task(cache.get(store, KEY, lifetime)) for _ in range(VIEWERS)]
    await until(lambda: store.reads > 0)
    await asyncio.sleep(0.05)  # every viewer has asked by now
    store.gate.set()
    return await asyncio.gather(*viewers, return_exceptions=True)


async def test_one_read_in_flight_however_many_viewers_ask():
    store, clock = GatedStore(), Clock()
    cache = PlaylistCache(clock)
    lifetime = 1 * CACHE_FRACTION  # 1 s segments
    bodies = await many(cache, store, lifetime)
    assert bodies == [b"#EXTM3U\n#one\n"] * VIEWERS
    assert store.reads == 1
    # Kept for its lifetime (under one segment), read again after it.
    store.objects[KEY] = b"#EXTM3U\n#two\n"
    clock.now += lifetime / 2
    assert await cache.get(store, KEY, lifetime) == b"#EXTM3U\n#one\n"
    assert store.reads == 1
    clock.now += lifetime
    assert await many(cache, store, lifetime) == [b"#EXTM3U\n#two\n"] * VIEWERS
    assert store.reads == 2
    assert 0 < lifetime < 1  # less than one segment


async def test_playlists_are_read_independently_and_missing_ones_are_none():
    store = GatedStore()
    cache = PlaylistCache(Clock())
    other = "live/s/hls/240p/index.m3u8"
    assert await asyncio.gather(cache.get(store, KEY, 1), cache.get(store, other, 1)) == [
        b"#EXTM3U\n#one\n",
        None,
    ]
    assert store.reads == 1  # a missing playlist is only stat'ed
    assert await cache.get(store, other, 1) is None


async def test_a_viewer_going_away_mid_read_fails_no_one_else():
    store = GatedStore()
    cache = PlaylistCache(Clock())
    store.gate.clear()
    first = asyncio.create_task(cache.get(store, KEY, 1))
    await until(lambda: store.reads == 1)
    others = [asyncio.create_task(cache.get(store, KEY, 1)) for _ in range(10)]
    await asyncio.sleep(0.05)
    first.cancel()  # the first viewer, whose request started the read, disconnects
    await asyncio.sleep(0.05)
    store.gate.set()
    assert await asyncio.gather(*others) == [b"#EXTM3U\n#one\n"] * 10
    with pytest.raises(asyncio.CancelledError):
        await first
    assert store.reads == 1


async def test_a_failed_read_reaches_every_waiter_and_is_not_kept():
    store = GatedStore()
    cache = PlaylistCache(Clock())
    store.failing = True
    failed = await many(cache, store, 1)
    assert all(isinstance(error, ConnectionError) for error in failed)
    assert store.reads == 1
    store.failing = False
    assert await cache.get(store, KEY, 1) == b"#EXTM3U\n#one\n"  # tried again at once
    assert store.reads == 2
    assert cache.loading == {}


async def test_an_object_deleted_between_stat_and_read_is_missing():
    store = GatedStore()
    store.read = lambda key: (_ for _ in ()).throw(StorageError("gone"))  # type: ignore[method-assign]
    assert await PlaylistCache(Clock()).get(store, KEY, 1) is None
