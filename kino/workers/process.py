"""How an asyncio worker process runs (`kino relay`, `kino transcoder`): /metrics and /healthz
on its metrics port, a watchdog on its event loop, and SIGTERM or Ctrl-C stop it cleanly.

The worker is built inside the running loop (its clients belong to that loop), from the
endpoints the composition root resolves.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable, Mapping
from typing import Protocol

import structlog

from kino.bootstrap import Endpoints, resolve_endpoints
from kino.infrastructure import metrics
from kino.infrastructure.settings import Settings
from kino.infrastructure.watchdog import Watchdog, WatchedLoop

log = structlog.get_logger(__name__)


class Worker(Protocol):
    async def start(self) -> None: ...

    async def run(self, stopping: asyncio.Event) -> None:
        """Work until ``stopping`` is set."""

    async def stop(self) -> None: ...

    def describe(self) -> Mapping[str, object]:
        """What its "running" log line says about it."""


def run_worker(name: str, settings: Settings, build: Callable[[Endpoints], Worker]) -> None:
    endpoints = resolve_endpoints(settings)
    watchdog = Watchdog("event loop")
    metrics.serve_metrics(settings.metrics_port, settings.metrics_host, watchdog.health)

    async def main() -> None:
        watched = WatchedLoop(watchdog, debug_hooks=settings.debug_hooks)
        await watched.start()
        worker = build(endpoints)
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stopping.set)
        await worker.start()
        log.info(f"{name} running", **worker.describe())
        await worker.run(stopping)
        await worker.stop()
        await watched.stop()
        log.info(f"{name} stopped")

    asyncio.run(main())
