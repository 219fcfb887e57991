"""The one composition root: every Kino process takes its parts from here.

- ``build_container`` (the api), ``build_projector`` and ``projection_tools`` (the projector
  and operator commands), ``resolve_endpoints`` (configured or embedded servers).
- ``kino.bootstrap.container``: the container's types, the only door from ``kino.graphql``
  and ``kino.http`` to infrastructure.
"""

from kino.bootstrap.api import Overrides, build_container
from kino.bootstrap.container import Container
from kino.bootstrap.endpoints import Endpoints, redis_prefix, resolve_endpoints
from kino.bootstrap.projections import (
    APPLICATIONS,
    PROJECTIONS,
    READ_MODELS,
    ProjectionTools,
    build_projector,
    make_view,
    projection_spec,
    projection_tools,
    read_model_spec,
)

__all__ = [
    "APPLICATIONS",
    "PROJECTIONS",
    "READ_MODELS",
    "Container",
    "Endpoints",
    "Overrides",
    "ProjectionTools",
    "build_container",
    "build_projector",
    "make_view",
    "projection_spec",
    "projection_tools",
    "read_model_spec",
    "redis_prefix",
    "resolve_endpoints",
]
