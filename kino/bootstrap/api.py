"""Builds the api's container from settings; tests replace any adapter through ``Overrides``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import redis.asyncio as aioredis
from psycopg_pool import AsyncConnectionPool

from kino.bootstrap.container import (
    AccountsParts,
    ChatParts,
    CommentsParts,
    Container,
    LiveParts,
    Realtime,
    Resources,
    VideosParts,
)
from kino.bootstrap.endpoints import Endpoints
from kino.bootstrap.overrides import Overrides
from kino.bootstrap.readers import Readers, build_readers
from kino.commands.accounts import Accounts
from kino.commands.authentication import Authentication
from kino.commands.chat import ChatRooms
from kino.commands.chatting import Chatting
from kino.commands.commenting import Commenting
from kino.commands.comments import Comments
from kino.commands.groupcommit import GroupCommit
from kino.commands.live import LiveStreams
from kino.commands.oauth import OAuthSignIn
from kino.commands.positions import SAVES_PER_MINUTE, Positions
from kino.commands.resumable import ResumableUploads
from kino.commands.sign_in import SignIn
from kino.commands.uploads import Uploads
from kino.commands.videos import Videos
from kino.commands.viewing import Viewing
from kino.infrastructure.chat_limits import ChatLimits
from kino.infrastructure.eventstore import eventstore_env, psycopg_conninfo
from kino.infrastructure.live.health import HealthBoard
from kino.infrastructure.media_tokens import MediaLinks, MediaTokens
from kino.infrastructure.metrics import ApiMetrics
from kino.infrastructure.oidc import FlowStore, OIDCLogin, RedirectAllowList
from kino.infrastructure.playback_positions import RedisPositions
from kino.infrastructure.probes import PROBE_TIMEOUT, nats_answers
from kino.infrastructure.projection_health import check_projections
from kino.infrastructure.pubsub import Channels, PubSubHub
from kino.infrastructure.ratelimit import RateLimit
from kino.infrastructure.readiness import Probe, Readiness
from kino.infrastructure.settings import Settings
from kino.infrastructure.storage.factory import open_resumable, open_store
from kino.infrastructure.storage.filesystem import UploadStaging
from kino.infrastructure.throttle import LoginThrottle
from kino.infrastructure.tokens import AccessTokens
from kino.infrastructure.upload_locks import UploadLocks
from kino.infrastructure.uploads import UploadTokens
from kino.infrastructure.view_counter import ViewCounter
from kino.infrastructure.viewers import ViewerCounter
from kino.infrastructure.web_session import SessionCookies


def build_container(
    settings: Settings, endpoints: Endpoints, overrides: Overrides | None = None
) -> Container:
    """Everything the api needs; ``await container.open()`` before use."""
    shared = _Shared.connect(settings, endpoints, overrides or Overrides())
    return Container(
        settings=settings,
        resources=Resources(
            shared.pool,
            shared.redis,
            readiness(shared, endpoints),
            snapshot=shared.readers.snapshot,
            metrics=ApiMetrics(),
        ),
        accounts=_accounts(shared),
        videos=_videos(shared),
        comments=_comments(shared),
        live=_live(shared),
        chat=_chat(shared),
        realtime=Realtime(
            PubSubHub(shared.redis),
            Channels(settings.redis_namespace),
            ViewerCounter(shared.redis, settings.redis_namespace),
        ),
    )


API_POOL_NAME = "kino-api"
IDLE_CONNECTION_SECONDS = 60.0  # the reader and upload-lock pools close connections idle this long


# Redis connections of one api process. A burst beyond them (every subscriber of a killed
# replica reconnecting here at once, each reading the chat history) waits for a free one
# instead of failing with "Too many connections" (redis-py's default pool raises at 100).
REDIS_CONNECTIONS = 100
REDIS_WAIT_SECONDS = 10.0


def api_redis(url: str) -> aioredis.Redis:
    """The api's Redis client: a bounded pool whose callers queue when it is exhausted."""
    pool = aioredis.BlockingConnectionPool.from_url(
        url, max_connections=REDIS_CONNECTIONS, timeout=REDIS_WAIT_SECONDS
    )
    return aioredis.Redis(connection_pool=pool)


@dataclass(frozen=True)
class _Shared:
    """What the parts of one api process share: connections, the event store's settings."""

    settings: Settings
    overrides: Overrides
    env: Mapping[str, str]
    pool: AsyncConnectionPool[Any]
    redis: aioredis.Redis
    media: MediaLinks
    readers: Readers
    database_url: str

    @classmethod
    def connect(cls, settings: Settings, endpoints: Endpoints, overrides: Overrides) -> _Shared:
        pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
            psycopg_conninfo(endpoints.database_url),
            min_size=1,
            max_size=10,
            max_idle=IDLE_CONNECTION_SECONDS,  # what a burst opened closes soon after it
            open=False,
            kwargs={"application_name": API_POOL_NAME},  # pg_stat_activity names the api
            # A restarted PostgreSQL leaves every pooled connection dead: check each one as it
            # is handed out (an empty query), or each would fail one request.
            check=AsyncConnectionPool.check_connection,
        )
        client = api_redis(endpoints.redis_url)
        return cls(
            settings=settings,
            overrides=overrides,
            env=eventstore_env(endpoints.database_url, pool_size=1, max_overflow=15),
            pool=pool,
            redis=client,
            media=MediaLinks(settings.public_url, MediaTokens(settings.secret_key)),
            readers=build_readers(pool, client, settings),
            database_url=endpoints.database_url,
        )


def readiness(shared: _Shared, endpoints: Endpoints) -> Readiness:
    async def postgres() -> None:
        async with shared.pool.connection(timeout=PROBE_TIMEOUT) as conn:
            await conn.execute("SELECT 1")

    async def redis() -> None:
        await shared.redis.ping()

    async def projections() -> None:
        await check_projections(shared.pool)

    async def nats() -> None:
        await nats_answers(endpoints.nats_url)

    probes: dict[str, Probe] = {"postgres": postgres, "redis": redis, "projections": projections}
    if shared.overrides.probe_nats:
        probes["nats"] = nats
    return Readiness(probes)


def _accounts(shared: _Shared) -> AccountsParts:
    settings = shared.settings
    app = Accounts(env=shared.env, passwords=shared.overrides.passwords)
    sessions = shared.readers.sessions
    tokens = AccessTokens(settings.secret_key, settings.access_token_ttl_seconds)
    throttle = shared.overrides.throttle or LoginThrottle(
        shared.redis, settings.login_failures_per_minute, namespace=settings.redis_namespace
    )
    oidc = shared.overrides.oidc or OIDCLogin(
        settings.oidc_providers,
        RedirectAllowList(settings.public_url, settings.oauth_redirect_extras),
        FlowStore(shared.redis, settings.redis_namespace),
    )
    return AccountsParts(
        app=app,
        authentication=Authentication(tokens, sessions, shared.media.tokens, app),
        sign_in=SignIn(app, throttle),
        users=shared.readers.users,
        sessions=sessions,
        tokens=tokens,
        oidc=oidc,
        oauth=OAuthSignIn(app, oidc),
        cookies=SessionCookies(
            secure=settings.public_url.startswith("https://"),
            max_age=settings.refresh_token_ttl_seconds,
        ),
    )


def _videos(shared: _Shared) -> VideosParts:
    settings = shared.settings
    app = Videos(env=dict(shared.env))
    catalog = shared.readers.videos
    store = shared.overrides.store or open_store(settings)
    tokens = UploadTokens(settings.secret_key, settings.videos.upload_ttl_seconds)
    uploads = Uploads(
        app,
        store,
        tokens,
        public_url=settings.public_url,
        max_bytes=settings.videos.max_upload_bytes,
    )
    namespace = settings.redis_namespace
    tally = ViewCounter(shared.redis, namespace)
    positions = Positions(
        catalog,
        RedisPositions(shared.redis, namespace),
        RateLimit(shared.redis, namespace, "positions", SAVES_PER_MINUTE),
    )
    return VideosParts(
        app=app,
        uploads=uploads,
        resumable=ResumableUploads(uploads, open_resumable(store)),
        upload_locks=UploadLocks(
            psycopg_conninfo(shared.database_url), max_idle=IDLE_CONNECTION_SECONDS
        ),
        staging=UploadStaging(settings.data_dir / "uploads"),
        catalog=catalog,
        store=store,
        media=shared.media,
        viewing=Viewing(catalog, tally),
        positions=positions,
    )


def _comments(shared: _Shared) -> CommentsParts:
    settings = shared.settings
    app, queries = Comments(env=dict(shared.env)), shared.readers.comments
    limit = RateLimit(
        shared.redis, settings.redis_namespace, "comments", settings.comments_per_minute
    )
    commenting = Commenting(app, shared.readers.videos, queries, limit)
    return CommentsParts(app=app, commenting=commenting, queries=queries)


def _live(shared: _Shared) -> LiveParts:
    settings = shared.settings
    host = urlsplit(settings.public_url).hostname
    return LiveParts(
        app=LiveStreams(env=shared.env),
        streams=shared.readers.live_streams,
        ingest_url=f"rtmp://{host}:{settings.rtmp_port}/live",
        health=HealthBoard(shared.redis, settings.redis_namespace),
    )


def _chat(shared: _Shared) -> ChatParts:
    settings = shared.settings
    app = ChatRooms(env=shared.env)
    commit = GroupCommit(app.post_messages)
    rooms = shared.readers.chat
    limits = ChatLimits(
        shared.redis,
        settings.redis_namespace,
        limit=settings.chat_rate_limit,
        window_seconds=settings.chat_rate_window_seconds,
    )
    return ChatParts(app=app, chatting=Chatting(commit, rooms, limits), commit=commit, rooms=rooms)
