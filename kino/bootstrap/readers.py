"""The api's readers of the read models, pointed at the names the projections declare.

PostgreSQL readers get the public SQL views of their read models (``public_table``), Redis
readers the base of their keys (``redis_base``); both check the read model exists and is
kept where the reader looks, so a renamed projection fails at startup, not on a query.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis
from psycopg_pool import AsyncConnectionPool

from kino.bootstrap.projections import public_table, redis_base
from kino.infrastructure.settings import Settings
from kino.projections.view_counts import VIEW_TOTALS
from kino.queries.chat import ChatQueries, ChatReader
from kino.queries.comments import CommentQueries, CommentReader
from kino.queries.live import LiveQueries, LiveStreamReader
from kino.queries.sessions import SessionQueries, SessionReader
from kino.queries.snapshot import ReadSnapshot, TrackingSnapshot
from kino.queries.sql import ReadModelTables
from kino.queries.users import UserQueries, UserReader
from kino.queries.videos import CatalogTables, VideoQueries, VideoReader


@dataclass(frozen=True)
class Readers:
    users: UserReader
    sessions: SessionReader
    videos: VideoReader
    comments: CommentReader
    live_streams: LiveStreamReader
    chat: ChatReader
    snapshot: ReadSnapshot


def build_readers(
    pool: AsyncConnectionPool[Any], client: aioredis.Redis, settings: Settings
) -> Readers:
    return Readers(
        users=UserQueries(pool, read_model_tables("users")),
        sessions=SessionQueries(client, redis_base(settings, "sessions")),
        videos=VideoQueries(pool, catalog_tables()),
        comments=CommentQueries(pool, read_model_tables("comments")),
        live_streams=LiveQueries(client, redis_base(settings, "live_streams")),
        chat=ChatQueries(client, redis_base(settings, "chat_messages")),
        snapshot=TrackingSnapshot(
            pool, [public_table(name, "tracking") for name in ("users", "videos", "comments")]
        ),
    )


def read_model_tables(name: str) -> ReadModelTables:
    """A read model named for its table (``users``, ``comments``): its rows and positions."""
    return ReadModelTables(table=public_table(name, name), tracking=public_table(name, "tracking"))


def catalog_tables() -> CatalogTables:
    return CatalogTables(
        videos=public_table("videos", "videos"),
        tracking=public_table("videos", "tracking"),
        comment_counts=public_table("comments", "counts"),
        view_totals=VIEW_TOTALS,
        users=public_table("users", "users"),
    )
