"""Viewer-count announcements: a burst of changes is one announcement, and replicas share one
gate, so a stream's pages get a new count at most about once per push delay."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from uuid import uuid4

from kino.infrastructure.viewers import COUNT_CHANGED, ViewerCounter

DELAY = 0.4


class SharedRedis:
    """What two api processes see of one Redis: counters, a gate key with an expiry, and
    every publish with the time it was made."""

    def __init__(self) -> None:
        self.hashes: dict[str, dict[str, int]] = {}
        self.expiries: dict[str, float] = {}
        self.published: list[tuple[float, str, str]] = []

    async def hincrby(self, key: str, field: str, amount: int) -> int:
        fields = self.hashes.setdefault(key, {})
        fields[field] = fields.get(field, 0) + amount
        return fields[field]

    async def set(self, key: str, value: object, *, nx: bool, px: int) -> bool:
        now = time.monotonic()
        if nx and self.expiries.get(key, 0.0) > now:
            return False
        self.expiries[key] = now + px / 1000
        return True

    async def publish(self, channel: str, message: str) -> int:
        self.published.append((time.monotonic(), channel, message))
        return 1


def replicas(redis: SharedRedis, count: int) -> list[ViewerCounter]:
    return [ViewerCounter(redis, "ns", push_delay=DELAY) for _ in range(count)]  # type: ignore[arg-type]


async def test_a_burst_of_joins_on_one_replica_is_one_announcement():
    redis = SharedRedis()
    (counter,) = replicas(redis, 1)
    stream = uuid4()
    async with contextlib.AsyncExitStack() as watchers:
        for _ in range(20):
            await watchers.enter_async_context(counter.watching(stream))
        await asyncio.sleep(DELAY * 2.5)
        assert [(channel, message) for _, channel, message in redis.published] == [
            (f"ns:pubsub:live:{stream}", COUNT_CHANGED)
        ]
    await counter.stop()


async def test_replicas_changing_together_announce_one_after_the_other():
    """Without the shared gate both would announce at once; with it the second waits until
    the first one's gate lapses, and still announces (its change may be news)."""
    redis = SharedRedis()
    first, second = replicas(redis, 2)
    stream = uuid4()
    async with first.watching(stream), second.watching(stream):
        await asyncio.sleep(DELAY * 4)
    announced = [at for at, _, _ in redis.published]
    assert len(announced) >= 2
    gaps = [later - earlier for earlier, later in itertools.pairwise(announced)]
    assert min(gaps) >= DELAY / 2, gaps
    await asyncio.gather(first.stop(), second.stop())


async def test_stopping_waits_for_an_announcement_under_way_and_starts_no_new_one():
    redis = SharedRedis()
    (counter,) = replicas(redis, 1)
    async with counter.watching(uuid4()):
        pass
    await counter.stop()  # returns before the push delay: the announcement is not made
    assert redis.published == []
    async with counter.watching(uuid4()):
        pass
    await asyncio.sleep(DELAY * 1.5)
    assert redis.published == []  # a stopped counter announces nothing more
