"""`kino projector`: keeps every read model up to date until SIGTERM or Ctrl-C."""

from __future__ import annotations

import structlog

from kino.bootstrap import build_projector, resolve_endpoints
from kino.infrastructure.debug_hooks import block_on_signal
from kino.infrastructure.metrics import serve_metrics
from kino.infrastructure.settings import Settings
from kino.infrastructure.watchdog import Watchdog
from kino.workers.stop_signals import StopSignals

log = structlog.get_logger(__name__)

# The supervise loop beats once a poll, but may legitimately pause while a projection starts
# (connecting, creating its tables): only a much longer pause is a stall.
SUPERVISE_STALL_SECONDS = 60.0


def run_projector(settings: Settings) -> None:
    projector = build_projector(settings, resolve_endpoints(settings))
    watchdog = Watchdog(
        "supervise loop", stall_after=SUPERVISE_STALL_SECONDS, interval=projector.poll_interval
    )
    serve_metrics(settings.metrics_port, settings.metrics_host, watchdog.health)
    signals = StopSignals(projector.request_stop).install()
    if settings.debug_hooks:
        block_on_signal()
    watchdog.start()
    with projector:
        log.info("projector running", projections=[r.name for r in projector.runners])
        projector.run_forever(heartbeat=watchdog.beat)
        log.info("stopping projector", signal=signals.name)
    watchdog.stop()
    log.info("projector stopped")
