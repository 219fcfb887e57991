"""Query latency against read-model size for ``bench/scale.py``.

For each size (rows in the catalog, the comments and the chat history), the read models'
tables are filled up to that size (``bench.scale_rows``) and the readers behind
``videos(first: 20)``, a search, a channel page, the 50th comment page and
``chatMessages(last: 50)`` are timed (p50, p99), each call as the api makes it.
"""

from __future__ import annotations

import random
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import redis
import redis.asyncio as aioredis
from psycopg_pool import AsyncConnectionPool

from bench import scale_rows
from bench.common import percentile
from kino.bootstrap import Endpoints, projection_tools, read_model_spec
from kino.bootstrap.readers import catalog_tables, read_model_tables
from kino.infrastructure.settings import Settings
from kino.queries.chat import ChatQueries
from kino.queries.comments import CommentQueries
from kino.queries.users import UserQueries
from kino.queries.videos import PageRequest, VideoQueries

QUERIES = ("videos(first: 20)", "search", "channel page", "50th comment page", "chatMessages")
Timed = Callable[[], Awaitable[object]]


def create_read_models(database_url: str, redis_url: str, namespace: str, tmp: Path) -> None:
    """The users, videos and comments tables with their indexes and public views."""
    settings = Settings(
        data_dir=tmp,
        database_url=database_url,
        redis_url=redis_url,
        nats_url="nats://127.0.0.1:4222",
        redis_namespace=namespace,
        secret_key="b" * 40,
    )
    tools = projection_tools(settings, Endpoints(database_url, redis_url, "nats://127.0.0.1:4222"))
    for name in ("users", "videos", "comments"):
        spec = read_model_spec(name)
        view = tools.view(spec, tools.live_name(spec))
        view.create_table()  # type: ignore[attr-defined]


def fill_to(database_url: str, client: redis.Redis, prefix: str, have: int, size: int) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        if have == 0:
            scale_rows.fill_users(conn)
        scale_rows.fill_videos(conn, have, size)
        scale_rows.fill_comments(conn, have, size)
        conn.execute("VACUUM ANALYZE")  # what autovacuum would do soon: not during the timing
    scale_rows.fill_chat(client, prefix, have, size)


async def comment_cursor(comments: CommentQueries, page: int) -> tuple[datetime, UUID] | None:
    """The cursor a client holds after reading ``page - 1`` pages of 20 (walked once)."""
    after = None
    for _ in range(page - 1):
        rows = await comments.top_level(scale_rows.BUSY_VIDEO, 20, after)
        after = (rows[19].created_at, rows[19].id)
    return after


async def time_queries(
    database_url: str, redis_url: str, namespace: str, size: int, samples: int
) -> dict[str, list[float]]:
    pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
        database_url, min_size=2, max_size=2, open=False
    )
    await pool.open()
    client = aioredis.Redis.from_url(redis_url)
    try:
        videos, users = (
            VideoQueries(pool, catalog_tables()),
            UserQueries(pool, read_model_tables("users")),
        )
        comments = CommentQueries(pool, read_model_tables("comments"))
        chat = ChatQueries(client, f"{namespace}:chat_messages")
        after = await comment_cursor(comments, 50)
        rooms = max(1, size // scale_rows.MESSAGES_PER_ROOM)

        async def chat_messages() -> object:
            records = await chat.recent(scale_rows.room_id(random.randrange(rooms)), 50)
            return await users.by_ids(list({record.author_id for record in records}))

        queries: dict[str, Timed] = {
            "videos(first: 20)": lambda: videos.page(PageRequest(first=20)),
            "search": lambda: videos.page(PageRequest(first=20, search=scale_rows.SEARCH_WORD)),
            "channel page": lambda: videos.page(
                PageRequest(
                    first=20,
                    owner_handle=f"channel{random.randrange(scale_rows.CHANNELS)}",
                )
            ),
            "50th comment page": lambda: comments.top_level(scale_rows.BUSY_VIDEO, 20, after),
            "chatMessages": chat_messages,
        }
        return {name: await sample(query, samples) for name, query in queries.items()}
    finally:
        await pool.close()
        await client.aclose()


async def sample(query: Timed, samples: int) -> list[float]:
    for _ in range(5):  # warm the pool, the plan caches and the pages
        await query()
    timings = []
    for _ in range(samples):
        started = time.perf_counter()
        await query()
        timings.append(time.perf_counter() - started)
    return timings


def print_table(results: dict[int, dict[str, list[float]]]) -> None:
    sizes = sorted(results)
    header = " | ".join(f"{size:,} rows p50 / p99" for size in sizes)
    print(f"| query | {header} | p50 {sizes[-1]:,} ÷ {sizes[0]:,} (target ≤ 2) |")
    print("|---|" + "---|" * len(sizes) + "---|")
    for name in QUERIES:
        cells = []
        for size in sizes:
            timings = results[size][name]
            p50, p99 = percentile(timings, 50), percentile(timings, 99)
            cells.append(f"{p50 * 1000:.2f} / {p99 * 1000:.2f} ms")
        first, last = (percentile(results[size][name], 50) for size in (sizes[0], sizes[-1]))
        print(f"| `{name}` | {' | '.join(cells)} | {last / first:.2f} |")
