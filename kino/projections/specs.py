"""What the projector runs: read models (a projection into a view) and processes.

A ``ProjectionSpec`` projects one application's events into a ``ReadModelView``; it can be
rebuilt. A ``ProcessSpec`` runs a process application (an ``EventSourcedProjection``) that
follows another application and records events of its own atomically with its position (the
chat opening a room when a live stream is created): never rebuilt, never replayed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eventsourcing.application import Application
from eventsourcing.projection import EventSourcedProjection, Projection

from kino.projections.view import ReadModelView


@dataclass(frozen=True)
class ProjectionSpec:
    """A read model: a projection of one application into one view."""

    name: str  # prefixes its tables or keys (and their generations)
    application_class: type[Application[Any]]
    projection_class: type[Projection[Any]]
    view_class: type[ReadModelView]


@dataclass(frozen=True)
class ProcessSpec:
    """A process: an application that follows another one and records events of its own."""

    name: str
    application_class: type[Application[Any]]
    process_class: type[EventSourcedProjection[Any]]


Spec = ProjectionSpec | ProcessSpec
