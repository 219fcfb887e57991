"""The loop watchdog and the workers' /healthz: a blocked loop is reported, with the reason."""

from __future__ import annotations

import asyncio
import time

import httpx

from kino.infrastructure.embedded import free_port
from kino.infrastructure.metrics import serve_metrics
from kino.infrastructure.watchdog import Health, Watchdog, WatchedLoop


async def test_a_blocked_event_loop_is_reported_until_it_runs_again():
    watched = WatchedLoop(Watchdog("event loop", stall_after=0.2, interval=0.05))
    await watched.start()
    try:
        await asyncio.sleep(0.1)
        assert watched.watchdog.health().ok
        time.sleep(0.5)
        health = watched.watchdog.health()
        assert not health.ok
        assert health.reason is not None and "event loop has been blocked" in health.reason
        await asyncio.sleep(0.1)
        assert watched.watchdog.health().ok
    finally:
        await watched.stop()


def test_a_thread_loop_that_stops_beating_is_stalled():
    watchdog = Watchdog("supervise loop", stall_after=0.2, interval=0.05)
    watchdog.start()
    try:
        watchdog.beat()
        assert watchdog.health().ok
        time.sleep(0.4)
        assert watchdog.health().body()["status"] == "stalled"
        watchdog.beat()
        assert watchdog.health().ok
    finally:
        watchdog.stop()


def test_the_metrics_port_serves_healthz_and_metrics():
    state = {"health": Health(ok=True)}
    port = free_port()
    server = serve_metrics(port, "127.0.0.1", lambda: state["health"])
    assert server is not None
    try:
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{base}/healthz").json() == {"status": "ok"}
        state["health"] = Health(ok=False, reason="the event loop has been blocked for 12 s")
        answer = httpx.get(f"{base}/healthz")
        assert answer.status_code == 503
        assert answer.json() == {
            "status": "stalled",
            "reason": "the event loop has been blocked for 12 s",
        }
        assert "kino_loop_lag_seconds" in httpx.get(f"{base}/metrics").text
    finally:
        server.shutdown()
        server.server_close()
