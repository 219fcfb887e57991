"""The container the api is built from: every part it uses, grouped by context, typed.

``kino.graphql`` and ``kino.http`` reach infrastructure only through these types (they never
import ``kino.infrastructure``): they use the objects the container holds, and the few
infrastructure types they name in annotations are re-exported here; no function is.
``build_container`` (``kino.bootstrap.api``) fills it from settings.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
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
from kino.commands.oauth import OAuthSignIn
from kino.commands.positions import Positions
from kino.commands.resumable import ResumableUploads
from kino.commands.sign_in import SignIn
from kino.commands.uploads import Uploads
from kino.commands.videos import Videos
from kino.commands.viewing import Viewing
from kino.infrastructure.chat_limits import Reservation
from kino.infrastructure.live.health import HealthBoard, StreamHealth
from kino.infrastructure.media_tokens import MediaLinks
from kino.infrastructure.metrics import ApiMetrics
from kino.infrastructure.oidc import OIDCLogin
from kino.infrastructure.pubsub import Channels, PubSubHub
from kino.infrastructure.readiness import Readiness
from kino.infrastructure.settings import Settings
from kino.infrastructure.storage import ObjectStore, StorageError
from kino.infrastructure.storage.filesystem import UploadStaging
from kino.infrastructure.tokens import AccessTokens
from kino.infrastructure.upload_locks import UploadLocks
from kino.infrastructure.viewers import ViewerCounter
from kino.infrastructure.watchdog import Watchdog
from kino.infrastructure.web_session import SessionCookies
from kino.queries.chat import ChatReader
from kino.queries.comments import CommentReader
from kino.queries.live import LiveStreamReader
from kino.queries.sessions import SessionReader
from kino.queries.snapshot import ReadSnapshot
from kino.queries.users import UserReader
from kino.queries.videos import VideoReader

__all__ = [
    "AccountsParts",
    "ApiMetrics",
    "ChatParts",
    "CommentsParts",
    "Container",
    "LiveParts",
    "ObjectStore",
    "Realtime",
    "Resources",
    "SessionCookies",
    "Settings",
    "StorageError",
    "StreamHealth",
    "UploadLocks",
    "VideosParts",
    "Watchdog",
]


@dataclass(frozen=True)
class Resources:
    """What every part of one api process shares: connections, readiness, metrics."""

    pg_pool: AsyncConnectionPool[Any]
    redis: Redis
    readiness: Readiness  # /readyz: each dependency answers, no projection fails
    snapshot: ReadSnapshot  # moves whenever a public read model commits (response cache)
    metrics: ApiMetrics


@dataclass(frozen=True)
class AccountsParts:
    app: Accounts
    authentication: Authentication
    sign_in: SignIn
    users: UserReader
    sessions: SessionReader
    tokens: AccessTokens
    oidc: OIDCLogin  # begins a sign-in with a provider; names the providers
    oauth: OAuthSignIn  # completes it
    cookies: SessionCookies  # the browser's refresh-token cookie


@dataclass(frozen=True)
class VideosParts:
    app: Videos
    uploads: Uploads
    resumable: ResumableUploads  # tus
    upload_locks: UploadLocks  # one tus append at a time per upload, across replicas
    staging: UploadStaging  # where the upload endpoint receives a PUT's body
    catalog: VideoReader
    store: ObjectStore
    media: MediaLinks
    viewing: Viewing
    positions: Positions  # resume positions of signed-in viewers


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
    health: HealthBoard  # each stream's health as its ingest posts it (the owner's studio)


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
        await self.videos.upload_locks.open()
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
        await self.videos.upload_locks.close()
        await self.resources.redis.aclose()
