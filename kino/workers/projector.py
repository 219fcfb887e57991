"""`kino projector`: keeps every read model up to date until SIGTERM or Ctrl-C."""

from __future__ import annotations

import signal
from types import FrameType

import structlog

from kino.infrastructure.metrics import serve_metrics
from kino.infrastructure.settings import Settings

log = structlog.get_logger(__name__)


def run_projector(settings: Settings) -> None:
    from kino.bootstrap import build_projector, resolve_endpoints

    projector = build_projector(settings, resolve_endpoints(settings))
    serve_metrics(settings.metrics_port)

    def stop(signum: int, _frame: FrameType | None) -> None:
        log.info("stopping projector", signal=signal.Signals(signum).name)
        projector.request_stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    with projector:
        log.info("projector running", projections=[r.name for r in projector.runners])
        projector.run_forever()
    log.info("projector stopped")
