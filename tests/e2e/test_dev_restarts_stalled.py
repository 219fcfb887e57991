"""Under `kino dev`, a process whose loop is blocked (the test-only debug hook: SIGUSR1) stops
answering its health check, and the supervisor replaces it."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import httpx
import psutil
import pytest

from tests.e2e.dev_helpers import Dev, kino_dev, wait_until


def replaced(dev: Dev, old: psutil.Process, healthy: str) -> bool:
    """The old process is gone and its successor answers ``healthy`` (a /healthz URL)."""
    if old.is_running() and old.status() != psutil.STATUS_ZOMBIE:
        return False
    try:
        return httpx.get(healthy, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def metrics_port(process: psutil.Process) -> int:
    return int(process.environ()["KINO_METRICS_PORT"])


@pytest.mark.slow
def test_a_blocked_api_and_a_blocked_worker_are_restarted(tmp_path: Path):
    with kino_dev(tmp_path) as dev:
        api = dev.child("kino api")
        api.send_signal(signal.SIGUSR1)
        seconds = wait_until(
            lambda: replaced(dev, api, f"{dev.url}/healthz"), "a new api answering", 30
        )
        print(f"api blocked → a new api answers /healthz after {seconds:.1f} s")
        assert dev.child("kino api").pid != api.pid
        assert "debug hook: blocking the loop on purpose" in dev.log.read_text()
        wait_until(dev.ready, "the new api being ready", 30)

        # A worker's /healthz (on the metrics port the supervisor gave it) says why it fails.
        transcoder = dev.child("kino transcoder")
        healthz = f"http://127.0.0.1:{metrics_port(transcoder)}/healthz"
        transcoder.send_signal(signal.SIGUSR1)
        blocked_at = time.monotonic()

        def says_stalled() -> bool:
            answer = httpx.get(healthz, timeout=2)
            return answer.status_code == 503 and "blocked" in answer.json()["reason"]

        wait_until(says_stalled, "the blocked transcoder reporting its stall", 30)
        seconds = wait_until(lambda: replaced(dev, transcoder, healthz), "a new transcoder", 90)
        print(f"transcoder blocked → replaced after {time.monotonic() - blocked_at:.1f} s")
        log = dev.log.read_text()
        assert "process stopped answering its health check, restarting" in log
        assert "process did not stop, killing" in log
