"""The Litestar application: GraphQL over HTTP and websockets, health, readiness, metrics."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import structlog
from litestar import Litestar
from litestar.config.cors import CORSConfig

from kino.graphql.context import Services
from kino.graphql.controller import make_controller
from kino.graphql.guards import request_guard_middleware
from kino.graphql.health import health_routes
from kino.graphql.media import media_routes
from kino.graphql.metrics import http_metrics_middleware
from kino.graphql.web import web_routes
from kino.infrastructure.watchdog import Watchdog, WatchedLoop

log = structlog.get_logger(__name__)


def create_app(
    services: Services,
    *,
    extra_readiness: Sequence[tuple[str, Callable[[], Any]]] = (),
    watchdog: Watchdog | None = None,
) -> Litestar:
    settings = services.settings
    watched = WatchedLoop(watchdog or Watchdog("event loop"), debug_hooks=settings.debug_hooks)

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        await services.open()
        await watched.start()
        # What start-up built lives as long as the process: keep it out of the collector's
        # full passes, which otherwise stop the event loop for ~100 ms on a large heap.
        gc.freeze()
        try:
            yield
        finally:
            gc.unfreeze()
            await watched.stop()
            await asyncio.shield(services.close())

    return Litestar(
        route_handlers=[
            make_controller(services),
            *health_routes(services, extra_readiness, watched.watchdog),
            *web_routes(),
            *media_routes(services),
        ],
        lifespan=[lifespan],
        cors_config=CORSConfig(
            allow_origins=[settings.public_origin],
            allow_credentials=False,
            allow_headers=["Authorization", "Content-Type"],
        ),
        debug=False,
        logging_config=None,
        middleware=[http_metrics_middleware, request_guard_middleware],
    )
