"""The composition root: builds every Kino component from settings, with overrides for tests."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import redis
import redis.asyncio as aioredis
from eventsourcing.application import Application
from eventsourcing.persistence import TrackingRecorder
from psycopg_pool import AsyncConnectionPool

from kino.commands.accounts import Accounts, PasswordHasher
from kino.commands.chat import Chat
from kino.commands.comments import Comments
from kino.commands.groupcommit import GroupCommit
from kino.commands.live import Live
from kino.commands.videos import Videos
from kino.graphql.comment_services import CommentServices
from kino.graphql.context import Services
from kino.graphql.fanout import SharedSubscriptions
from kino.graphql.video_services import VideoServices
from kino.infrastructure.chat_limits import ChatLimits
from kino.infrastructure.embedded import read_state
from kino.infrastructure.eventstore import eventstore_env, psycopg_conninfo
from kino.infrastructure.media_tokens import MediaTokens
from kino.infrastructure.oidc import FlowStore, OIDCLogin, RedirectAllowList
from kino.infrastructure.projection_health import ProjectionHealthStore
from kino.infrastructure.pubsub import PubSubHub
from kino.infrastructure.ratelimit import RateLimit
from kino.infrastructure.settings import Settings, SettingsError
from kino.infrastructure.storage.factory import open_store
from kino.infrastructure.throttle import LoginThrottle
from kino.infrastructure.tokens import AccessTokens
from kino.infrastructure.uploads import UploadTokens
from kino.infrastructure.view_counter import ViewCounter
from kino.infrastructure.viewers import ViewerCounter
from kino.projections.base import PostgresView, RedisView
from kino.projections.chat_messages import ChatProjection, ChatView
from kino.projections.comments import CommentProjection, CommentView
from kino.projections.generations import Generations, generation_name
from kino.projections.live_streams import LiveStreamProjection, LiveStreamView
from kino.projections.runner import ProjectionSpec, Projector, construct_postgres_view
from kino.projections.sessions import SessionProjection, SessionView
from kino.projections.users import UserProjection, UserView
from kino.projections.videos import VideoProjection, VideoView
from kino.projections.view_counts import ViewTotals
from kino.queries.chat import ChatQueries
from kino.queries.comments import CommentQueries
from kino.queries.live import LiveQueries
from kino.queries.sessions import SessionQueries
from kino.queries.users import UserQueries
from kino.queries.videos import VideoQueries


@dataclass(frozen=True)
class Endpoints:
    database_url: str
    redis_url: str
    nats_url: str


def resolve_endpoints(settings: Settings) -> Endpoints:
    """Configured servers, else the embedded ones that ``kino dev`` started."""
    if not settings.embedded:
        assert settings.database_url
        assert settings.redis_url
        assert settings.nats_url
        return Endpoints(settings.database_url, settings.redis_url, settings.nats_url)
    state = read_state(settings.data_dir)
    if state is None:
        raise SettingsError(
            "No servers are configured and no embedded ones are running under "
            f"{settings.data_dir}: start `kino dev`, or set KINO_DATABASE_URL, "
            "KINO_REDIS_URL and KINO_NATS_URL."
        )
    return Endpoints(
        settings.database_url or state.database_url,
        settings.redis_url or state.redis_url,
        settings.nats_url or state.nats_url,
    )


def redis_prefix(settings: Settings, name: str) -> str:
    return f"{settings.redis_namespace}:{name}"


APPLICATIONS: tuple[type[Application[Any]], ...] = (Accounts, Videos, Comments)

PROJECTIONS: tuple[ProjectionSpec, ...] = (
    ProjectionSpec("users", Accounts, UserProjection, UserView),
    ProjectionSpec("sessions", Accounts, SessionProjection, SessionView, redis=True),
    ProjectionSpec("videos", Videos, VideoProjection, VideoView),
    ProjectionSpec("live_streams", Live, LiveStreamProjection, LiveStreamView, redis=True),
    ProjectionSpec("chat_rooms", Live, Chat, TrackingRecorder, policy=True),  # type: ignore[arg-type,type-abstract]
    ProjectionSpec("chat_messages", Chat, ChatProjection, ChatView, redis=True),
    ProjectionSpec("comments", Comments, CommentProjection, CommentView),
)


def projection_spec(name: str) -> ProjectionSpec:
    for spec in PROJECTIONS:
        if spec.name == name:
            return spec
    known = ", ".join(spec.name for spec in PROJECTIONS)
    raise SettingsError(f"Unknown projection {name!r}; the projections are: {known}")


def make_view(
    spec: ProjectionSpec,
    name: str,
    settings: Settings,
    endpoints: Endpoints,
    env: Mapping[str, str],
) -> TrackingRecorder:
    if spec.redis:
        assert issubclass(spec.view_class, RedisView)
        client = redis.Redis.from_url(endpoints.redis_url)
        return spec.view_class(client, redis_prefix(settings, name))
    assert issubclass(spec.view_class, PostgresView)
    return construct_postgres_view(spec.view_class, name, env)


@dataclass(frozen=True)
class ProjectionTools:
    """What the projector and the operator commands need to handle read models."""

    settings: Settings
    endpoints: Endpoints
    env: dict[str, str]
    generations: Generations

    def view(self, spec: ProjectionSpec, name: str) -> TrackingRecorder:
        return make_view(spec, name, self.settings, self.endpoints, self.env)

    def live_name(self, spec: ProjectionSpec) -> str:
        return generation_name(spec.name, self.generations.live(spec.name))


def projection_tools(settings: Settings, endpoints: Endpoints) -> ProjectionTools:
    # Per projection: a LISTEN connection, a puller and the view: small pools suffice.
    env = eventstore_env(endpoints.database_url, pool_size=1, max_overflow=3)
    generations = Generations(psycopg_conninfo(endpoints.database_url))
    return ProjectionTools(settings, endpoints, env, generations)


def build_projector(
    settings: Settings,
    endpoints: Endpoints,
    specs: tuple[ProjectionSpec, ...] = PROJECTIONS,
    poll_interval: float = 1.0,
    *,
    record_health: bool = True,
) -> Projector:
    """The projector: every projection runs its live generation (see ADR 1), and records
    each projection's health for /readyz unless ``record_health`` is False."""
    tools = projection_tools(settings, endpoints)
    conninfo = psycopg_conninfo(endpoints.database_url)
    views = ViewTotals(
        redis.Redis.from_url(endpoints.redis_url),
        settings.redis_namespace,
        conninfo,
    )
    return Projector(
        list(specs),
        tools.env,
        tools.view,
        tools.live_name,
        poll_interval,
        periodic=[views.flush],
        health=ProjectionHealthStore(conninfo) if record_health else None,
    )


def build_services(
    settings: Settings,
    endpoints: Endpoints,
    *,
    passwords: PasswordHasher | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Services:
    """Everything the api needs; call ``await services.open()`` before use."""
    env = eventstore_env(endpoints.database_url, pool_size=2, max_overflow=14)
    pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
        psycopg_conninfo(endpoints.database_url), min_size=1, max_size=10, open=False
    )
    client = aioredis.Redis.from_url(endpoints.redis_url)
    parts: dict[str, Any] = {
        "settings": settings,
        "accounts": Accounts(env=env, passwords=passwords),
        "users": UserQueries(pool),
        "sessions": SessionQueries(client, redis_prefix(settings, "sessions")),
        "tokens": AccessTokens(settings.secret_key, settings.access_token_ttl_seconds),
        "throttle": LoginThrottle(
            client, settings.login_failures_per_minute, namespace=settings.redis_namespace
        ),
        "pg_pool": pool,
        "redis": client,
        "oidc": OIDCLogin(
            settings.oidc_providers,
            RedirectAllowList(settings.public_url, settings.oauth_redirect_extras),
            FlowStore(client, settings.redis_namespace),
        ),
        "videos": build_video_services(settings, env, pool, client),
        **live_services(settings, env, client),
        "comments": CommentServices(
            app=Comments(env=dict(env)),
            queries=CommentQueries(pool),
            rate_limit=RateLimit(
                client, settings.redis_namespace, "comments", settings.comments_per_minute
            ),
        ),
    }
    parts.update(overrides or {})
    return Services(**parts)


def build_video_services(
    settings: Settings,
    env: Mapping[str, str],
    pool: AsyncConnectionPool[Any],
    client: aioredis.Redis,
) -> VideoServices:
    return VideoServices(
        app=Videos(env=dict(env)),
        catalog=VideoQueries(pool),
        store=open_store(settings),
        uploads=UploadTokens(settings.secret_key, settings.videos.upload_ttl_seconds),
        public_url=settings.public_url,
        max_upload_bytes=settings.videos.max_upload_bytes,
        media_tokens=MediaTokens(settings.secret_key),
        views=ViewCounter(client, settings.redis_namespace),
    )


def live_services(
    settings: Settings, env: Mapping[str, str], client: aioredis.Redis
) -> dict[str, Any]:
    """The live and chat parts of ``Services``."""
    chat = Chat(env=env)
    return {
        "live": Live(env=env),
        "chat": chat,
        "chat_commit": GroupCommit(chat.post_messages),
        "chat_limits": ChatLimits(
            client,
            settings.redis_namespace,
            limit=settings.chat_rate_limit,
            window_seconds=settings.chat_rate_window_seconds,
        ),
        "live_streams": LiveQueries(client, redis_prefix(settings, "live_streams")),
        "chat_rooms": ChatQueries(client, redis_prefix(settings, "chat_messages")),
        "pubsub": PubSubHub(client),
        "viewers": ViewerCounter(client, settings.redis_namespace),
        "fanout": SharedSubscriptions(),
    }
