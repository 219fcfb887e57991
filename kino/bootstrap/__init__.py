"""The one composition root: every Kino process takes its parts from here.

- ``build_container`` (the api), ``build_projector`` and ``projection_tools`` (the projector
  and operator commands), ``build_relay_parts``, ``build_transcoder_parts`` and
  ``build_ingest_parts`` (the workers, ``kino.bootstrap.workers``), ``resolve_endpoints``
  (configured or embedded servers);
  ``Overrides``: the adapters a test (or an embedding program) replaces.
- ``kino.bootstrap.container``: the container's types, the only door from ``kino.graphql``
  and ``kino.http`` to infrastructure.
"""

from kino.bootstrap.api import build_container
from kino.bootstrap.container import Container
from kino.bootstrap.endpoints import Endpoints, redis_prefix, resolve_endpoints
from kino.bootstrap.overrides import Overrides
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
from kino.bootstrap.workers import (
    IngestParts,
    RelayParts,
    TranscoderParts,
    build_ingest_parts,
    build_relay_parts,
    build_transcoder_parts,
)

__all__ = [
    "APPLICATIONS",
    "PROJECTIONS",
    "READ_MODELS",
    "Container",
    "Endpoints",
    "IngestParts",
    "Overrides",
    "ProjectionTools",
    "RelayParts",
    "TranscoderParts",
    "build_container",
    "build_ingest_parts",
    "build_projector",
    "build_relay_parts",
    "build_transcoder_parts",
    "make_view",
    "projection_spec",
    "projection_tools",
    "read_model_spec",
    "redis_prefix",
    "resolve_endpoints",
]
