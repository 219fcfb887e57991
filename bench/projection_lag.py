"""Projection lag: how long after an event commits its read model shows it.

Runs `kino api` and `kino projector` on a scratch database. For comments (the PostgreSQL
``comments`` read model) and chat messages (the Redis ``chat_messages`` read model): first
the maximum write rate of the write side (WRITERS threads saving one event each, for a few
seconds), then writes at half that rate for SECONDS, and for every write the time from its
save returning (the commit) to the moment the read model's tracking position reaches it,
polled every POLL seconds. The baseline, measured by the same poller in the same run, is
the time until the event store's own head shows the write: what any reader needs at least.
Targets: p99 <= 250 ms for the Redis view, <= 500 ms for the PostgreSQL view.

    python -m bench.projection_lag [--seconds 20] [--writers 16]
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import uuid4

import redis.asyncio as aioredis
from psycopg_pool import AsyncConnectionPool

from bench.common import REDIS_URL, kino_env, kino_processes, percentile, scratch_database, summary
from kino.bootstrap.readers import build_readers
from kino.commands.base import KinoApplication
from kino.commands.chat import ChatRooms, PostRequest
from kino.commands.comments import Comments
from kino.domain.chat import ChatRoom
from kino.domain.comments import Comment
from kino.infrastructure.eventstore import eventstore_env
from kino.infrastructure.settings import Settings

POLL = 0.002
Write = Callable[[], int]  # saves one event, returns its notification id
Position = Callable[[], Awaitable[int]]


@dataclass
class Lags:
    """Commit times of pending writes, and how long each took to show in each place."""

    pending: dict[int, float] = field(default_factory=dict)
    seen: dict[str, list[float]] = field(default_factory=lambda: {"view": [], "head": []})
    lock: threading.Lock = field(default_factory=threading.Lock)

    def committed(self, position: int) -> None:
        with self.lock:
            self.pending[position] = time.perf_counter()


async def follow(lags: Lags, name: str, position: Position, stop: asyncio.Event) -> None:
    """Record, for every write, when ``position`` first reached it."""
    done: set[int] = set()
    while not stop.is_set() or len(done) < len(lags.pending):
        now_at, now = await position(), time.perf_counter()
        with lags.lock:
            reached = [p for p in lags.pending if p <= now_at and p not in done]
            for p in reached:
                lags.seen[name].append(now - lags.pending[p])
        done.update(reached)
        await asyncio.sleep(POLL)


def max_rate(write: Write, writers: int, seconds: float) -> float:
    deadline = time.perf_counter() + seconds
    counts = [0] * writers

    def run(index: int) -> None:
        while time.perf_counter() < deadline:
            write()
            counts[index] += 1

    started = time.perf_counter()
    with ThreadPoolExecutor(writers) as pool:
        list(pool.map(run, range(writers)))
    return sum(counts) / (time.perf_counter() - started)


async def paced(write: Write, rate: float, seconds: float, lags: Lags, writers: int) -> None:
    loop = asyncio.get_running_loop()
    pool = ThreadPoolExecutor(writers)

    def one() -> None:
        lags.committed(write())

    started, sent, tasks = time.perf_counter(), 0, []
    while time.perf_counter() - started < seconds:
        due = int((time.perf_counter() - started) * rate)
        for _ in range(due - sent):
            tasks.append(loop.run_in_executor(pool, one))
        sent = max(sent, due)
        await asyncio.sleep(1 / rate / 2)
    await asyncio.gather(*tasks)
    pool.shutdown()


async def measure(
    name: str, app: KinoApplication, write: Write, view: Position, args: argparse.Namespace
) -> None:
    await asyncio.to_thread(max_rate, write, args.writers, 1)  # warm up
    rate = await asyncio.to_thread(max_rate, write, args.writers, args.rate_seconds)
    lags, stop = Lags(), asyncio.Event()

    async def head() -> int:
        return int(await asyncio.to_thread(app.recorder.max_notification_id) or 0)

    followers = [
        asyncio.create_task(follow(lags, "view", view, stop)),
        asyncio.create_task(follow(lags, "head", head, stop)),
    ]
    await paced(write, rate / 2, args.seconds, lags, args.writers)
    stop.set()
    await asyncio.wait_for(asyncio.gather(*followers), timeout=60)
    view_lag, head_lag = lags.seen["view"], lags.seen["head"]
    print(f"{name}: max write rate {rate:,.0f}/s; at half of it ({rate / 2:,.0f}/s):")
    print(f"    read model lag  {summary(view_lag)}  ({len(view_lag)} writes)")
    print(f"    event store lag {summary(head_lag)}  (baseline)")
    ratio = percentile(view_lag, 99) / percentile(head_lag, 99)
    print(f"    p99 ratio read model/baseline {ratio:.1f}x")


def comment_writer(comments: Comments) -> Write:
    video, owner = uuid4(), uuid4()

    def write() -> int:
        comment = Comment(
            video_id=video, video_owner_id=owner, parent_id=None, author_id=owner, body="lag"
        )
        return max(r.notification.id for r in comments.save(comment))

    return write


def chat_writer(chat: ChatRooms) -> Write:
    room = ChatRoom(stream_id=uuid4(), owner_id=uuid4())
    chat.save(room)
    author = uuid4()
    return lambda: chat.post_message(PostRequest(room.id, author, "lag")).position


async def main(args: argparse.Namespace) -> None:
    with scratch_database() as database, tempfile.TemporaryDirectory() as folder:
        namespace = {"KINO_REDIS_NAMESPACE": f"kinolag{secrets.token_hex(3)}"}
        settings = Settings.from_env({**kino_env(database, Path(folder), 8000), **namespace})
        with kino_processes(database, Path(folder), "api", "projector", settings=namespace):
            pool: AsyncConnectionPool[Any] = AsyncConnectionPool(database, min_size=1, open=False)
            await pool.open()
            client = aioredis.Redis.from_url(REDIS_URL)
            readers = build_readers(pool, client, settings)
            store = eventstore_env(database, pool_size=args.writers, max_overflow=4)
            comments, chat = Comments(env=store), ChatRooms(env=store)
            try:
                await measure(
                    "comments (PostgreSQL view)",
                    comments,
                    comment_writer(comments),
                    lambda: readers.comments.position(comments.name),
                    args,
                )
                await measure(
                    "chat messages (Redis view)",
                    chat,
                    chat_writer(chat),
                    lambda: readers.chat.position(chat.name),
                    args,
                )
            finally:
                comments.close()
                chat.close()
                await client.aclose()
                await pool.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--rate-seconds", type=float, default=5)
    parser.add_argument("--writers", type=int, default=16)
    asyncio.run(main(parser.parse_args()))
