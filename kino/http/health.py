"""/healthz (the process runs and its event loop is not stalled), /readyz (every dependency
answers and no projection is failing or left without a projector), /metrics."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Response, get

from kino.bootstrap.container import Container, Watchdog


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
        report = await container.resources.readiness.check()
        return Response(report.body, status_code=200 if report.ready else 503)

    @get("/metrics", sync_to_thread=False)
    def metrics_endpoint(self, container: Container) -> Response[bytes]:
        payload, content_type = container.resources.metrics.page()
        return Response(payload, media_type=content_type)
