"""/healthz (the process runs and its event loop is not stalled), /readyz (every dependency
answers and no projection is failing or left without a projector), /metrics."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from litestar import Response, get
from litestar.handlers import HTTPRouteHandler

from kino.graphql.context import Services
from kino.infrastructure import metrics
from kino.infrastructure.probes import PROBE_TIMEOUT
from kino.infrastructure.projection_health import UnhealthyProjectionsError, check_projections
from kino.infrastructure.watchdog import Watchdog

Probe = Callable[[], Awaitable[Any]]


def health_routes(
    services: Services,
    extra: Sequence[tuple[str, Callable[[], Any]]] = (),
    watchdog: Watchdog | None = None,
) -> list[HTTPRouteHandler]:
    async def postgres() -> None:
        async with services.pg_pool.connection(timeout=PROBE_TIMEOUT) as conn:
            await conn.execute("SELECT 1")

    async def redis() -> None:
        await services.redis.ping()

    async def projections() -> None:
        await check_projections(services.pg_pool)

    probes: dict[str, Probe] = {"postgres": postgres, "redis": redis, "projections": projections}
    probes.update(dict(extra))

    @get("/healthz", include_in_schema=False, sync_to_thread=False)
    def healthz() -> Response[dict[str, str]]:
        """503 naming the stall when the event loop was just blocked for too long (a loop
        blocked right now cannot answer at all: then the caller's timeout tells)."""
        health = watchdog.health() if watchdog is not None else None
        if health is None or health.ok:
            return Response({"status": "ok"})
        return Response(health.body(), status_code=503)

    @get("/readyz", include_in_schema=False)
    async def readyz() -> Response[dict[str, Any]]:
        results = await asyncio.gather(
            *(asyncio.wait_for(probe(), PROBE_TIMEOUT) for probe in probes.values()),
            return_exceptions=True,
        )
        failing = {
            name: type(result).__name__ or "error"
            for name, result in zip(probes, results, strict=True)
            if isinstance(result, BaseException)
        }
        body: dict[str, Any] = {
            "status": "ok" if not failing else "unavailable",
            "checks": {name: "ok" if name not in failing else "failing" for name in probes},
        }
        if failing:
            body["failing"] = sorted(failing)
        for result in results:
            if isinstance(result, UnhealthyProjectionsError):
                body["projections"] = result.problems
        return Response(body, status_code=200 if not failing else 503)

    @get("/metrics", include_in_schema=False, sync_to_thread=False)
    def metrics_endpoint() -> Response[bytes]:
        payload, content_type = metrics.render()
        return Response(payload, media_type=content_type)

    return [healthz, readyz, metrics_endpoint]
