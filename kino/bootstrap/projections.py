"""The read side's composition: every projection, its view, the projector and the tools
the operator commands use."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import redis
from eventsourcing.application import Application

from kino.bootstrap.endpoints import Endpoints, redis_prefix
from kino.commands.accounts import Accounts
from kino.commands.chat import ChatRooms
from kino.commands.comments import Comments
from kino.commands.live import LiveStreams
from kino.commands.videos import Videos
from kino.infrastructure.eventstore import eventstore_env, psycopg_conninfo
from kino.infrastructure.projection_health import ProjectionHealthStore
from kino.infrastructure.settings import Settings, SettingsError
from kino.projections.chat_messages import ChatProjection, ChatView
from kino.projections.comments import CommentProjection, CommentView
from kino.projections.generations import Generations, generation_name
from kino.projections.live_streams import LiveStreamProjection, LiveStreamView
from kino.projections.postgres_view import PostgresView, construct_postgres_view
from kino.projections.projector import Projector
from kino.projections.redis_view import RedisView
from kino.projections.sessions import SessionProjection, SessionView
from kino.projections.specs import ProcessSpec, ProjectionSpec, Spec
from kino.projections.users import UserProjection, UserView
from kino.projections.videos import VideoProjection, VideoView
from kino.projections.view import ReadModelView
from kino.projections.view_counts import ViewTotals

APPLICATIONS: tuple[type[Application[Any]], ...] = (
    Accounts,
    Videos,
    Comments,
    LiveStreams,
    ChatRooms,
)

PROJECTIONS: tuple[Spec, ...] = (
    ProjectionSpec("users", Accounts, UserProjection, UserView),
    ProjectionSpec("sessions", Accounts, SessionProjection, SessionView),
    ProjectionSpec("videos", Videos, VideoProjection, VideoView),
    ProjectionSpec("live_streams", LiveStreams, LiveStreamProjection, LiveStreamView),
    ProcessSpec("chat_rooms", LiveStreams, ChatRooms),
    ProjectionSpec("chat_messages", ChatRooms, ChatProjection, ChatView),
    ProjectionSpec("comments", Comments, CommentProjection, CommentView),
)
READ_MODELS = tuple(spec for spec in PROJECTIONS if isinstance(spec, ProjectionSpec))


def projection_spec(name: str) -> Spec:
    for spec in PROJECTIONS:
        if spec.name == name:
            return spec
    known = ", ".join(spec.name for spec in PROJECTIONS)
    raise SettingsError(f"Unknown projection {name!r}; the projections are: {known}")


def read_model_spec(name: str) -> ProjectionSpec:
    """The read model ``name``; a process (which records events of its own) is refused."""
    spec = projection_spec(name)
    if not isinstance(spec, ProjectionSpec):
        raise SettingsError(f"{name} records events of its own (a process, not a read model)")
    return spec


def public_table(projection: str, suffix: str) -> str:
    """The SQL view readers query for table ``suffix`` (or ``tracking``) of a read model."""
    view_class = read_model_spec(projection).view_class
    if not issubclass(view_class, PostgresView):
        raise TypeError(f"{projection} is not kept in PostgreSQL")
    return view_class.public_names(projection)[suffix]


def redis_base(settings: Settings, projection: str) -> str:
    """``<namespace>:<projection>``: where readers find a Redis read model's generations."""
    if not issubclass(read_model_spec(projection).view_class, RedisView):
        raise TypeError(f"{projection} is not kept in Redis")
    return redis_prefix(settings, projection)


def make_view(
    spec: ProjectionSpec,
    name: str,
    settings: Settings,
    endpoints: Endpoints,
    env: Mapping[str, str],
) -> ReadModelView:
    """The view of ``spec`` whose tables or keys are prefixed ``name`` (a generation)."""
    if issubclass(spec.view_class, RedisView):
        client = redis.Redis.from_url(endpoints.redis_url)
        return spec.view_class(client, redis_prefix(settings, name))
    if issubclass(spec.view_class, PostgresView):
        return construct_postgres_view(spec.view_class, name, env)
    raise TypeError(f"{spec.view_class.__name__} is neither a PostgreSQL nor a Redis view")


@dataclass(frozen=True)
class ProjectionTools:
    """What the projector and the operator commands need to handle read models."""

    settings: Settings
    endpoints: Endpoints
    env: dict[str, str]
    generations: Generations

    def view(self, spec: ProjectionSpec, name: str) -> ReadModelView:
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
    specs: tuple[Spec, ...] = PROJECTIONS,
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
        specs,
        tools.env,
        tools,
        poll_interval,
        periodic=[views.flush],
        health=ProjectionHealthStore(conninfo) if record_health else None,
    )
