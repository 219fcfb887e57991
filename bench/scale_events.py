"""The event store of ``bench/scale.py``: events written through the applications, batched,
and the latency of single saves.

Of the events: a tenth are users (four events each: the user, two unique keys, a session),
four tenths videos (created, uploaded, probed, one rendition, ready: five each), three tenths
comments and two tenths chat messages (one each). Each save holds about 1,000 events.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import Any
from uuid import UUID, uuid4

from rich.progress import Progress

from kino.commands.chat import ChatRooms
from kino.commands.comments import Comments
from kino.commands.videos import Videos
from kino.domain.chat import ChatMessage, ChatRoom
from kino.domain.comments import Comment
from kino.domain.video_values import ProbeResult, Rendition
from kino.domain.videos import Video
from kino.infrastructure.eventstore import eventstore_env
from tests.integration.recovery_helpers import write_users

SAVE = 1_000  # events a save
SHARES = {"users": 0.1, "videos": 0.4, "comments": 0.3, "chat messages": 0.2}
EVENTS_EACH = {"users": 4, "videos": 5, "comments": 1, "chat messages": 1}
RENDITION = Rendition("360p", 640, 360, 800_000, "avc1.64001e,mp4a.40.2", "v/360p.m3u8")
PROBE = ProbeResult(10.0, 640, 360, has_video=True, has_audio=True, ladder=("360p",))


def a_video(index: int) -> Video:
    owner = uuid4()
    video = Video(owner, f"Video {index}", "scale", "PUBLIC", "v.mp4", "video/mp4", 1000)
    video.complete_upload(1000)
    video.record_probe(PROBE)
    video.add_rendition(RENDITION, "v/master.m3u8")
    video.mark_ready()
    return video


def a_comment(index: int) -> Comment:
    owner = uuid4()
    return Comment(
        video_id=uuid4(), video_owner_id=owner, parent_id=None, author_id=owner, body=f"c{index}"
    )


def a_message(room: UUID, index: int) -> ChatMessage:
    return ChatMessage(room, uuid4(), f"m{index}")


def write_events(database_url: str, events: int, progress: Progress) -> int:
    """About ``events`` events across the contexts; how many were written."""
    env = eventstore_env(database_url)
    writers: dict[str, Callable[[int, Callable[[int], None]], int]] = {
        "users": partial(write_user_events, database_url),
        "videos": partial(write_video_events, env),
        "comments": partial(write_comment_events, env),
        "chat messages": partial(write_chat_events, env),
    }
    written = 0
    for context, share in SHARES.items():
        aggregates = round(events * share / EVENTS_EACH[context])
        task = progress.add_task(context, total=aggregates * EVENTS_EACH[context], rate="")
        started = time.perf_counter()

        def advance(count: int, task: Any = task, started: float = started) -> None:
            progress.advance(task, count)
            done = progress.tasks[task].completed
            progress.update(task, rate=f"{done / (time.perf_counter() - started):,.0f} events/s")

        written += writers[context](aggregates, advance)
    return written


def write_user_events(database_url: str, users: int, advance: Callable[[int], None]) -> int:
    per_save = SAVE // EVENTS_EACH["users"]
    for start in range(0, users, per_save * 10):
        count = min(per_save * 10, users - start)
        write_users(database_url, count, prefix=f"s{start}_")
        advance(count * EVENTS_EACH["users"])
    return users * EVENTS_EACH["users"]


def write_video_events(env: dict[str, str], videos: int, advance: Callable[[int], None]) -> int:
    app = Videos(env=env)
    try:
        return _save_in_batches(app, videos, a_video, EVENTS_EACH["videos"], advance)
    finally:
        app.close()


def write_comment_events(env: dict[str, str], comments: int, advance: Callable[[int], None]) -> int:
    app = Comments(env=env)
    try:
        return _save_in_batches(app, comments, a_comment, 1, advance)
    finally:
        app.close()


def write_chat_events(env: dict[str, str], messages: int, advance: Callable[[int], None]) -> int:
    app = ChatRooms(env=env)
    streams = [uuid4() for _ in range(100)]
    app.save(*(ChatRoom(stream_id=stream, owner_id=uuid4()) for stream in streams))
    try:
        return _save_in_batches(
            app,
            messages,
            lambda i: a_message(streams[i % len(streams)], i),
            1,
            advance,
        )
    finally:
        app.close()


def _save_in_batches(
    app: Any, count: int, make: Callable[[int], Any], each: int, advance: Callable[[int], None]
) -> int:
    per_save = max(1, SAVE // each)
    for start in range(0, count, per_save):
        batch = [make(i) for i in range(start, min(count, start + per_save))]
        app.save(*batch)
        advance(len(batch) * each)
    return count * each


def append_latencies(database_url: str, saves: int) -> dict[str, list[float]]:
    """Seconds per single-aggregate save: a comment, a chat message."""
    env = eventstore_env(database_url)
    comments, chat = Comments(env=env), ChatRooms(env=env)
    stream = uuid4()
    chat.save(ChatRoom(stream_id=stream, owner_id=uuid4()))
    try:
        return {
            "comments": _timed_saves(comments, a_comment, saves),
            "chat": _timed_saves(chat, partial(a_message, stream), saves),
        }
    finally:
        comments.close()
        chat.close()


def _timed_saves(app: Any, make: Callable[[int], Any], saves: int) -> list[float]:
    timings = []
    for i in range(saves):
        aggregate = make(i)
        started = time.perf_counter()
        app.save(aggregate)
        timings.append(time.perf_counter() - started)
    return timings
