"""`kino dev` as a test fixture: embedded servers, a free port, a fresh data dir, debug hooks on."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil

from kino.infrastructure.embedded import free_port


@dataclass
class Dev:
    url: str
    data_dir: Path
    process: subprocess.Popen[bytes]
    log: Path

    def state(self) -> dict[str, str]:
        """The embedded servers' addresses (``embedded.json``)."""
        state: dict[str, str] = json.loads((self.data_dir / "embedded.json").read_text())
        return state

    def child(self, needle: str) -> psutil.Process:
        """The supervisor's one live child whose command line contains ``needle``."""
        found = [
            process
            for process in psutil.Process(self.process.pid).children()
            if needle in " ".join(_cmdline(process)) and process.status() != psutil.STATUS_ZOMBIE
        ]
        assert len(found) == 1, (needle, found)
        return found[0]

    def ready(self) -> bool:
        try:
            return httpx.get(f"{self.url}/readyz", timeout=3).status_code == 200
        except httpx.HTTPError:
            return False

    def healthy(self) -> bool:
        try:
            return httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False


def _cmdline(process: psutil.Process) -> list[str]:
    try:
        return process.cmdline()
    except psutil.Error:
        return []


def wait_until(condition: Callable[[], bool], what: str, timeout: float) -> float:
    """Seconds it took for ``condition`` to hold; fails after ``timeout``."""
    started = time.monotonic()
    while not condition():
        elapsed = time.monotonic() - started
        assert elapsed < timeout, f"{what} did not happen within {timeout:.0f} s"
        time.sleep(0.1)
    return time.monotonic() - started


@contextmanager
def kino_dev(tmp_path: Path, **extra_env: str) -> Iterator[Dev]:
    data_dir = tmp_path / "kino-data"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KINO_")}
    env.update(
        {
            "KINO_DATA_DIR": str(data_dir),
            "KINO_HTTP_PORT": str(port),
            "KINO_RTMP_PORT": str(free_port()),  # kino dev's ingest: never the shared 1935
            "KINO_LOG_FORMAT": "json",
            "KINO_DEBUG_HOOKS": "1",
            "KINO_TRANSCODE_PRESET": "ultrafast",
            **extra_env,
        }
    )
    log = tmp_path / "kino-dev.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "kino", "dev"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    dev = Dev(f"http://127.0.0.1:{port}", data_dir, process, log)

    def up() -> bool:
        assert process.poll() is None, f"kino dev exited:\n{log.read_text()[-3000:]}"
        return dev.ready()

    try:
        wait_until(up, "kino dev being ready", 180)
        yield dev
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
