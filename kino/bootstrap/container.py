"""The container the api is built from: every part it uses, grouped by context, typed.

``kino.graphql`` and ``kino.http`` reach infrastructure only through these types (they never
import ``kino.infrastructure``): the few infrastructure types they name in annotations are
re-exported here. ``build_container`` (``kino.bootstrap.api``) fills it from settings.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from psycopg_pool import AsyncConnectionPool
from redis.asyncio import Redis

from kino.commands.accounts import Accounts
from kino.commands.authentication import Authentication
from kino.commands.chat import ChatRooms, PostedMessage, PostRequest
from kino.commands.chatting import Chatting
from kino.commands.commenting import Commenting
from kino.commands.comments import Comments
from kino.commands.groupcommit import GroupCommit
from kino.commands.live import LiveStreams
from kino.commands.sign_in import SignIn
from kino.commands.uploads import Uploads
from kino.commands.videos import Videos
from kino.commands.viewing import Viewing
from kino.infrastructure import metrics
from kino.infrastructure.chat_limits import Reservation
from kino.infrastructure.media_tokens import MediaLinks
from kino.infrastructure.oidc import OIDCLogin
from kino.infrastructure.probes import PROBE_TIMEOUT
from kino.infrastructure.projection_health import UnhealthyProjectionsError
from kino.infrastructure.pubsub import Channels, PubSubHub
from kino.infrastructure.settings import Settings
from kino.infrastructure.storage import ObjectStore
from kino.infrastructure.storage.filesystem import STALE_SECONDS, remove_stale_files
from kino.infrastructure.tokens import AccessTokens
from kino.infrastructure.viewers import ViewerCounter
from kino.infrastructure.watchdog import Watchdog
from kino.queries.chat import ChatReader
from kino.queries.comments import CommentReader
from kino.queries.live import LiveStreamReader
from kino.queries.sessions import SessionReader
from kino.queries.users import UserReader
from kino.queries.videos import VideoReader

__all__ = [
    "PROBE_TIMEOUT",
    "AccountsParts",
    "ChatParts",
    "CommentsParts",
    "Container",
    "LiveParts",
    "ObjectStore",
    "Probe",
    "Realtime",
    "Resources",
    "Settings",
    "VideosParts",
    "Watchdog",
    "metrics",
    "projection_problems",
    "remove_stale_uploads",
]

Probe = Callable[[], Awaitable[object]]


def remove_stale_uploads(staging: Path) -> None:
    """Staging files a crashed upload left behind (older than a day) go."""
    remove_stale_files(staging, STALE_SECONDS)


def projection_problems(outcome: object) -> dict[str, dict[str, object]] | None:
    """What /readyz shows of failing projections, when a probe's outcome says some fail."""
    return outcome.problems if isinstance(outcome, UnhealthyProjectionsError) else None


@dataclass(frozen=True)
class Resources:
    """Connections shared by every part of one api process."""

    pg_pool: AsyncConnectionPool[Any]
    redis: Redis
    probes: Mapping[str, Probe]  # readiness: each dependency answers


@dataclass(frozen=True)
class AccountsParts:
    app: Accounts
    authentication: Authentication
    sign_in: SignIn
    users: UserReader
    sessions: SessionReader
    tokens: AccessTokens
    oidc: OIDCLogin


@dataclass(frozen=True)
class VideosParts:
    app: Videos
    uploads: Uploads
    catalog: VideoReader
    store: ObjectStore
    media: MediaLinks
    viewing: Viewing


@dataclass(frozen=True)
class CommentsParts:
    app: Comments
    commenting: Commenting
    queries: CommentReader


@dataclass(frozen=True)
class LiveParts:
    app: LiveStreams
    streams: LiveStreamReader
    ingest_url: str  # where encoders publish (OBS: the server)


@dataclass(frozen=True)
class ChatParts:
    app: ChatRooms
    chatting: Chatting[Reservation]
    commit: GroupCommit[PostRequest, PostedMessage]
    rooms: ChatReader


@dataclass(frozen=True)
class Realtime:
    pubsub: PubSubHub
    channels: Channels
    viewers: ViewerCounter


@dataclass(frozen=True)
class Container:
    settings: Settings
    resources: Resources
    accounts: AccountsParts
    videos: VideosParts
    comments: CommentsParts
    live: LiveParts
    chat: ChatParts
    realtime: Realtime

    async def open(self) -> None:
        await self.resources.pg_pool.open(wait=True, timeout=30)
        await self.realtime.viewers.start()

    async def close(self) -> None:
        """Stop what runs, then close the connections (each step bounded)."""
        await self.realtime.viewers.stop()
        await self.chat.commit.close()
        await self.realtime.pubsub.close()
        applications = (self.accounts.app, self.videos.app, self.comments.app)
        for app in (*applications, self.live.app, self.chat.app):
            await asyncio.to_thread(app.close)
        await self.resources.pg_pool.close()
        await self.resources.redis.aclose()
