"""Events stored before the text rule existed (NUL bytes, lone surrogates and control characters
in a display name, a video's title, description and filename, a comment, a stream's title, a
chat message, a session's client) are projected without error by every read model, and a
rebuild of every read model gives the same GraphQL answers."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest

from kino.bootstrap import build_projector
from kino.commands.accounts import Accounts
from kino.commands.chat import ChatRooms
from kino.commands.comments import Comments
from kino.commands.live import LiveStreams
from kino.commands.videos import Videos
from kino.domain.accounts import Session, UniqueKey, User
from kino.domain.chat import ChatMessage
from kino.domain.comments import Comment
from kino.domain.live import LiveStream, StreamKey
from kino.domain.video_values import ProbeResult, Rendition
from kino.domain.videos import Video
from kino.infrastructure.eventstore import eventstore_env
from kino.operations.projections import READ_MODELS
from tests.conftest import make_settings
from tests.integration.conftest import GraphQLError, gql
from tests.integration.live_helpers import api_server
from tests.integration.recovery_helpers import clean_namespace, fresh_database, kino, kino_env
from tests.integration.text_helpers import event_store_marks

PLACEHOLDER = "\ue000"  # swapped for the JSON escape of a lone surrogate once encoded
SURROGATE_JSON = b"\\ud800"
WAIT_LIMIT = 120.0  # a safety net for a stuck projection, not a timing threshold
RENDITION = {"name": "144p", "width": 256, "height": 144, "bandwidth": 200_000}

ANSWERS = """query($video: ID!, $handle: String!, $stream: ID!) {
  video(id: $video) { title description owner { handle displayName } }
  videos(ownerHandle: $handle) { edges { node { id title } } }
  comments(videoId: $video) { edges { node { body author { displayName } } } }
  user(handle: $handle) { displayName }
  liveStream(id: $stream) { title description owner { displayName } }
  chatMessages(streamId: $stream) { body author { displayName } }
}"""


def save_as_older_code_did(app: Any, *aggregates: Any) -> None:
    """Record the aggregates' pending events below the command layer. A ``PLACEHOLDER`` in
    their text becomes ``\\ud800`` in the stored JSON: a lone surrogate once decoded, which
    today's encoder would refuse to write but an older writer (or another tool) could."""
    events = [event for aggregate in aggregates for event in aggregate.collect_events()]
    stored = [app.mapper.to_stored_event(event) for event in events]
    poisoned = [
        replace(s, state=s.state.replace(PLACEHOLDER.encode(), SURROGATE_JSON)) for s in stored
    ]
    app.recorder.insert_events(poisoned)


@dataclass(frozen=True)
class Poisoned:
    handle: str
    video: UUID
    stream: UUID


def write_poisoned_events(database_url: str) -> Poisoned:
    env = eventstore_env(database_url)
    accounts, videos, comments = Accounts(env=env), Videos(env=env), Comments(env=env)
    live, chat = LiveStreams(env=env), ChatRooms(env=env)
    try:
        handle = f"poison_{secrets.token_hex(3)}"
        user = User(
            email=f"{handle}@example.com",
            handle=handle,
            display_name=f"Mal\x00lory{PLACEHOLDER}\x1b[1m",
            password_hash=None,
        )
        session = Session(
            user_id=user.id,
            method="password",
            token_hash="h" * 64,
            expires_at=datetime.now(UTC) + timedelta(days=1),
            client=f"agent\x00{PLACEHOLDER}",
        )
        save_as_older_code_did(
            accounts,
            user,
            UniqueKey(kind=UniqueKey.EMAIL, key=user.email, user_id=user.id),
            UniqueKey(kind=UniqueKey.HANDLE, key=handle, user_id=user.id),
            session,
        )
        video = Video(
            owner_id=user.id,
            title=f"Clip\x00 one{PLACEHOLDER}",
            description=f"Line\x00 one\nline two{PLACEHOLDER}\u202e",
            visibility="PUBLIC",
            filename=f"a\x00{PLACEHOLDER}.mp4",
            content_type="video/mp4\r\nX-Injected: 1",
            size_bytes=10,
        )
        save_as_older_code_did(videos, video)
        transcode(videos, video.id, user.id)
        edited = videos.get_video(video.id)
        edited._details_edited(title=f"Edited\x00 clip{PLACEHOLDER}", description="D\x00")
        save_as_older_code_did(videos, edited)
        comment = Comment(
            video_id=video.id,
            video_owner_id=user.id,
            parent_id=None,
            author_id=user.id,
            body=f"First\x00 comment{PLACEHOLDER}\x07",
        )
        save_as_older_code_did(comments, comment)
        stream = LiveStream(
            owner_id=user.id,
            title=f"Live\x00 now{PLACEHOLDER}",
            description=f"About\x00{PLACEHOLDER}",
            key_hash="k" * 64,
        )
        key = StreamKey(key_hash=stream.key_hash, stream_id=stream.id)
        save_as_older_code_did(live, stream, key)
        message = ChatMessage(stream.id, user.id, f"hi\x00 all{PLACEHOLDER}")
        save_as_older_code_did(chat, message)
        return Poisoned(handle, video.id, stream.id)
    finally:
        for app in (accounts, videos, comments, live, chat):
            app.close()


def transcode(videos: Videos, video_id: UUID, owner_id: UUID) -> None:
    videos.complete_upload(video_id, owner_id, 10)
    videos.record_probe(video_id, ProbeResult(4.0, 256, 144, True, False, ("144p",)))
    playlist = f"videos/{video_id}/hls/144p/index.m3u8"
    videos.add_rendition(
        video_id, Rendition.from_payload({**RENDITION, "codecs": "avc1", "playlist_key": playlist})
    )
    videos.mark_ready(video_id)


@dataclass
class World:
    client: Any
    services: Any
    env: dict[str, str]
    database_url: str
    poisoned: Poisoned


@pytest.fixture
async def world(run_id, endpoints, tmp_path, redis_client) -> AsyncIterator[World]:
    """A fresh event store holding the poisoned events, its projector and an api on it."""
    with fresh_database(run_id, f"poison{secrets.token_hex(2)}", endpoints) as fresh:
        namespace = f"kinotest{run_id}p{secrets.token_hex(2)}"
        settings = make_settings(tmp_path, fresh, namespace)
        poisoned = await asyncio.to_thread(write_poisoned_events, fresh.database_url)
        try:
            with build_projector(settings, fresh, poll_interval=0.2):
                async with (
                    api_server(settings, fresh) as api,
                    httpx.AsyncClient(base_url=api.url) as client,
                ):
                    env = kino_env(fresh, tmp_path, namespace)
                    yield World(client, api.container, env, fresh.database_url, poisoned)
        finally:
            clean_namespace(redis_client, namespace)


async def answers(world: World) -> dict[str, Any]:
    poisoned = world.poisoned
    variables = {
        "video": str(poisoned.video),
        "handle": poisoned.handle,
        "stream": str(poisoned.stream),
    }
    return await gql(world.client, ANSWERS, variables)


def complete(data: dict[str, Any]) -> bool:
    """Every read model shows its poisoned events (the edit is the video's last event)."""
    video = data["video"]
    return bool(
        video
        and video["title"].startswith("Edited")
        and data["videos"]["edges"]
        and data["comments"]["edges"]
        and data["user"]
        and data["liveStream"]
        and data["chatMessages"]
    )


async def behind(world: World) -> dict[str, tuple[int, int]]:
    """Read models whose position is short of their application's last event."""
    services = world.services
    heads = await event_store_marks(world.database_url)
    positions = {
        "users": (await services.accounts.users.position("accounts"), heads["accounts_events"]),
        "sessions": (
            await services.accounts.sessions.position("accounts"),
            heads["accounts_events"],
        ),
        "videos": (await services.videos.catalog.position("videos"), heads["videos_events"]),
        "comments": (
            await services.comments.queries.position("comments"),
            heads["comments_events"],
        ),
        "live_streams": (await services.live.streams.position("live"), heads["live_events"]),
        "chat_messages": (await services.chat.rooms.position("chat"), heads["chat_events"]),
    }
    return {name: pair for name, pair in positions.items() if pair[0] < pair[1]}


async def until(world: World, condition: Any, what: str) -> dict[str, Any]:
    deadline = time.monotonic() + WAIT_LIMIT
    while True:
        try:
            data: Any = await answers(world)
        except GraphQLError as error:  # e.g. NOT_FOUND while the video is not projected yet
            data = error.errors
        else:
            if condition(data) and not await behind(world):
                return data  # type: ignore[no-any-return]
        assert time.monotonic() < deadline, f"timed out waiting for {what}: {data}"
        await asyncio.sleep(0.1)


def strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in strings(item)]
    return []


async def test_poisoned_events_project_and_rebuild_to_the_same_answers(world):
    projected = await until(world, complete, "every read model to show the poisoned events")

    for text in strings(projected):
        assert not set(text) & {"\x00", "\x1b", "\x07", "\u202e"}, text
        text.encode("utf-8")  # no lone surrogate left
    name = "Mallory\ufffd[1m"
    assert projected["video"] == {
        "title": "Edited clip\ufffd",
        "description": "D",
        "owner": {"handle": world.poisoned.handle, "displayName": name},
    }
    assert [edge["node"]["id"] for edge in projected["videos"]["edges"]] == [
        str(world.poisoned.video)
    ]
    assert projected["comments"]["edges"][0]["node"] == {
        "body": "First comment\ufffd",
        "author": {"displayName": name},
    }
    assert projected["user"] == {"displayName": name}
    assert projected["liveStream"] == {
        "title": "Live now\ufffd",
        "description": "About\ufffd",
        "owner": {"displayName": name},
    }
    assert projected["chatMessages"] == [{"body": "hi all\ufffd", "author": {"displayName": name}}]

    rebuild = kino(world.env, "projections", "rebuild", "--all")
    output, _ = await asyncio.to_thread(rebuild.communicate, timeout=300)
    assert rebuild.returncode == 0, output
    for spec in READ_MODELS:
        assert f"{spec.name}: rebuilt g2 (was g1)" in output, output
    rebuilt = await until(world, lambda data: data == projected, "the rebuilt answers")
    assert rebuilt == projected
