"""Read-model rows for ``bench/scale.py``: the catalog, users, comments and chat history at a
given number of rows, in the read models' own tables (made by their views, indexes included)
and Redis keys (the chat view's layout).

Rows are generated in PostgreSQL (``generate_series``) and Redis pipelines, not projected:
what is measured is how the readers' queries grow with the rows they read, and projecting a
million rows per table would take longer than the whole bench may.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid5

import psycopg
import redis

from kino.domain.video_values import VideoStatus, Visibility

# Owners of videos, handles "channel0" ...: 100 videos each already at 10,000 rows, so a
# channel's page is full at every size.
CHANNELS = 100
BUSY_VIDEO = UUID("00000000-0000-4000-8000-000000000001")  # has COMMENTS_ON_BUSY comments
COMMENTS_ON_BUSY = 2_000  # 100 pages of 20: the 50th page exists at every size
MESSAGES_PER_ROOM = 500  # a room's history is capped there (HISTORY_CAP)
SEARCH_WORD = "harbour"  # in one title of a hundred
EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
NAMESPACE = UUID("6f1c2a52-7b5e-4a55-9d0e-8f3b1f8f0c11")


def room_id(index: int) -> UUID:
    return uuid5(NAMESPACE, f"room{index}")


def fill_users(conn: psycopg.Connection[object]) -> None:
    conn.execute(
        "INSERT INTO users_users (id, handle, email, display_name, has_password, created_at, "
        "updated_at) SELECT md5('user' || i)::uuid, 'channel' || i, 'channel' || i || "
        "'@example.com', 'Channel ' || i, true, now(), now() FROM generate_series(0, %s) i "
        "ON CONFLICT DO NOTHING",
        (CHANNELS - 1,),
    )


def fill_videos(conn: psycopg.Connection[object], start: int, stop: int) -> None:
    """Videos ``start`` ≤ i < ``stop``: nine in ten PUBLIC and READY, one a minute."""
    conn.execute(
        "INSERT INTO videos_videos (id, owner_id, title, description, visibility, status, "
        "filename, size_bytes, created_at, updated_at) "
        "SELECT md5('video' || i)::uuid, md5('user' || (i %% %(channels)s))::uuid, "
        "'Video ' || i || CASE WHEN i %% 100 = 7 THEN %(word)s ELSE ' river' END, "
        "'About video ' || i, CASE WHEN i %% 10 = 3 THEN %(private)s ELSE %(public)s END, "
        "CASE WHEN i %% 10 = 5 THEN %(processing)s ELSE %(ready)s END, 'v.mp4', 1000, "
        "%(epoch)s + i * interval '1 minute', %(epoch)s + i * interval '1 minute' "
        "FROM generate_series(%(start)s, %(stop)s - 1) i",
        {
            "channels": CHANNELS,
            "word": f" {SEARCH_WORD}",
            "private": Visibility.PRIVATE.value,
            "public": Visibility.PUBLIC.value,
            "processing": VideoStatus.PROCESSING.value,
            "ready": VideoStatus.READY.value,
            "epoch": EPOCH,
            "start": start,
            "stop": stop,
        },
    )


def fill_comments(conn: psycopg.Connection[object], start: int, stop: int) -> None:
    """Comments ``start`` ≤ i < ``stop``: the first COMMENTS_ON_BUSY on BUSY_VIDEO (spread over
    the time the million rows span, as a popular video's comments are), the rest on the
    catalog's videos, one reply in five; then the comment counts per video."""
    conn.execute(
        "INSERT INTO comments_comments (id, video_id, parent_id, author_id, body, created_at) "
        "SELECT md5('comment' || i)::uuid, CASE WHEN i < %(busy)s THEN %(video)s::uuid "
        "ELSE md5('video' || (i %% 100000))::uuid END, "
        "CASE WHEN i >= %(busy)s AND i %% 5 = 4 THEN md5('comment' || (i - 1))::uuid END, "
        "md5('user' || (i %% %(channels)s))::uuid, 'Comment ' || i, "
        "%(epoch)s + CASE WHEN i < %(busy)s THEN i * 500 ELSE i END * interval '1 second' "
        "FROM generate_series(%(start)s, %(stop)s - 1) i",
        {
            "busy": COMMENTS_ON_BUSY,
            "video": BUSY_VIDEO,
            "channels": CHANNELS,
            "epoch": EPOCH,
            "start": start,
            "stop": stop,
        },
    )
    conn.execute(
        "INSERT INTO comments_counts (video_id, comments) SELECT video_id, count(*) "
        "FROM comments_comments GROUP BY video_id "
        "ON CONFLICT (video_id) DO UPDATE SET comments = EXCLUDED.comments"
    )


def fill_chat(client: redis.Redis, prefix: str, start: int, stop: int) -> None:
    """Messages ``start`` ≤ i < ``stop``, MESSAGES_PER_ROOM a room, in the chat view's keys."""
    pipe = client.pipeline(transaction=False)
    for i in range(start, stop):
        room = room_id(i // MESSAGES_PER_ROOM)
        message_id = str(uuid5(NAMESPACE, f"message{i}"))
        body = {
            "id": message_id,
            "streamId": str(room),
            "authorId": str(uuid5(NAMESPACE, f"user{i % CHANNELS}")),
            "body": f"message {i}",
            "createdAt": (EPOCH + timedelta(seconds=i)).isoformat(),
        }
        pipe.zadd(f"{prefix}:order:{room}", {message_id: i + 1})
        pipe.hset(f"{prefix}:messages:{room}", message_id, json.dumps(body))
        if len(pipe) >= 10_000:
            pipe.execute()
    pipe.execute()
