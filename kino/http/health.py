"""/healthz (the process runs and its event loop is not stalled), /readyz (every dependency
answers and no projection is failing or left without a projector), /metrics."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Controller, Response, get

from kino.bootstrap.container import (
    PROBE_TIMEOUT,
    Container,
    Watchdog,
    metrics,
    projection_problems,
)


class HealthController(Controller):
    include_in_schema = False

    @get("/healthz", sync_to_thread=False)
    def healthz(self, watchdog: Watchdog | None) -> Response[dict[str, str]]:
        """503 naming the stall when the event loop was just blocked for too long (a loop
        blocked right now cannot answer at all: then the caller's timeout tells)."""
        health = watchdog.health() if watchdog is not None else None
        if health is None or health.ok:
            return Response({"status": "ok"})
        return Response(health.body(), status_code=503)

    @get("/readyz")
    async def readyz(self, container: Container) -> Response[dict[str, Any]]:
        probes = container.resources.probes
        results = await asyncio.gather(
            *(asyncio.wait_for(probe(), PROBE_TIMEOUT) for probe in probes.values()),
            return_exceptions=True,
        )
        failing = sorted(
            name
            for name, result in zip(probes, results, strict=True)
            if isinstance(result, BaseException)
        )
        body: dict[str, Any] = {
            "status": "ok" if not failing else "unavailable",
            "checks": {name: "ok" if name not in failing else "failing" for name in probes},
        }
        if failing:
            body["failing"] = failing
        for result in results:
            if (problems := projection_problems(result)) is not None:
                body["projections"] = problems
        return Response(body, status_code=200 if not failing else 503)

    @get("/metrics", sync_to_thread=False)
    def metrics_endpoint(self) -> Response[bytes]:
        payload, content_type = metrics.render()
        return Response(payload, media_type=content_type)
