"""Per-request context: the services, the signed-in viewer, read-your-writes waits."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from psycopg_pool import AsyncConnectionPool
from redis.asyncio import Redis
from strawberry.litestar import BaseContext
from strawberry.types import Info as StrawberryInfo

from kino.commands.accounts import Accounts
from kino.commands.chat import Chat, PostedMessage, PostRequest
from kino.commands.groupcommit import GroupCommit
from kino.commands.live import Live
from kino.domain.errors import KinoError, UnauthenticatedError
from kino.graphql.comment_services import CommentServices
from kino.graphql.fanout import SharedSubscriptions
from kino.graphql.loaders import Loaders
from kino.graphql.video_services import VideoServices
from kino.infrastructure.chat_limits import ChatLimits
from kino.infrastructure.oidc import OIDCLogin
from kino.infrastructure.pubsub import PubSubHub
from kino.infrastructure.settings import Settings
from kino.infrastructure.throttle import LoginThrottle
from kino.infrastructure.tokens import AccessTokens
from kino.infrastructure.viewers import ViewerCounter
from kino.queries.chat import ChatQueries
from kino.queries.live import LiveQueries
from kino.queries.sessions import SessionQueries
from kino.queries.users import UserQueries

READ_YOUR_WRITES_TIMEOUT = 10.0


@dataclass
class Services:
    settings: Settings
    accounts: Accounts
    users: UserQueries
    sessions: SessionQueries
    tokens: AccessTokens
    throttle: LoginThrottle
    pg_pool: AsyncConnectionPool[Any]
    redis: Redis
    oidc: OIDCLogin
    videos: VideoServices
    live: Live
    chat: Chat
    chat_commit: GroupCommit[PostRequest, PostedMessage]
    chat_limits: ChatLimits
    live_streams: LiveQueries
    chat_rooms: ChatQueries
    pubsub: PubSubHub
    viewers: ViewerCounter
    fanout: SharedSubscriptions
    comments: CommentServices
    extra: dict[str, Any] = field(default_factory=dict)

    async def open(self) -> None:
        await self.pg_pool.open(wait=True, timeout=30)
        await self.viewers.start()

    async def close(self) -> None:
        await self.viewers.stop()
        await self.fanout.close()
        await self.chat_commit.close()
        await self.pubsub.close()
        await asyncio.to_thread(self.live.close)
        await asyncio.to_thread(self.chat.close)
        await self.pg_pool.close()
        await self.redis.aclose()
        await asyncio.to_thread(self.accounts.close)
        await self.videos.close()
        await self.comments.close()


@dataclass(frozen=True)
class Viewer:
    user_id: UUID
    session_id: UUID


class KinoContext(BaseContext, kw_only=True):
    services: Services
    client_address: str = "unknown"
    user_agent: str = ""
    authorization: str | None = None
    connection_params: dict[str, Any] | None = None
    _viewer: Viewer | None = None
    _authenticated: bool = False
    _loaders: Loaders | None = None

    def loaders(self) -> Loaders:
        """This request's dataloaders (created on first use)."""
        if self._loaders is None:
            self._loaders = Loaders(self.services)
        return self._loaders

    def bearer_token(self) -> str | None:
        header = self.authorization
        if header is None and self.connection_params:
            raw = self.connection_params.get("Authorization") or self.connection_params.get(
                "authorization"
            )
            header = raw if isinstance(raw, str) else None
        if not header:
            return None
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise UnauthenticatedError("Send the access token as 'Authorization: Bearer <token>'.")
        return token.strip()

    async def viewer(self) -> Viewer | None:
        """The signed-in user, or None; a presented but invalid token is an error."""
        if not self._authenticated:
            token = self.bearer_token()
            if token is not None:
                claims = self.services.tokens.verify(token)
                user_id = await self.services.sessions.active_user(claims.session_id)
                if user_id != claims.user_id:
                    raise UnauthenticatedError("This session has ended; sign in again.")
                self._viewer = Viewer(claims.user_id, claims.session_id)
            self._authenticated = True
        return self._viewer

    @property
    def signed_in(self) -> Viewer | None:
        """The viewer once ``viewer()`` has run (None before that, and when anonymous)."""
        return self._viewer

    async def require_viewer(self) -> Viewer:
        viewer = await self.viewer()
        if viewer is None:
            raise UnauthenticatedError("Sign in to do that.")
        return viewer


Info = StrawberryInfo[KinoContext, None]


async def wait_for_position(
    position: Callable[[], Awaitable[int]], target: int, timeout: float = READ_YOUR_WRITES_TIMEOUT
) -> None:
    """Wait until a read model has processed notification ``target`` (read-your-writes)."""
    deadline = time.monotonic() + timeout
    delay = 0.002
    while await position() < target:
        if time.monotonic() > deadline:
            raise KinoError("The change was saved but is taking long to appear; reload shortly.")
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.05)


async def run_sync(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call the synchronous write side from async code without blocking the event loop."""
    return await asyncio.to_thread(func, *args, **kwargs)
