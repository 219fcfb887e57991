"""`kino dev`: embedded servers plus every Kino process, in the foreground.

Children's output is prefixed with their name. Ctrl-C or SIGTERM stops the children first,
then the servers. A child that exits is restarted after a pause. So is a child whose health
check keeps failing (``kino.workers.health_checks``: the api's /healthz on its HTTP port, a
worker's on the metrics port the supervisor gives it): stopped with SIGTERM, then SIGKILL when
that does not stop it. An embedded server that dies is started again (``EmbeddedServers.revive``).
"""

from __future__ import annotations

import contextlib
import os
import selectors
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import structlog

from kino.infrastructure.embedded import EmbeddedServers, die_with_parent, free_port
from kino.infrastructure.settings import Settings
from kino.workers.health_checks import HealthCheck, healthz_url
from kino.workers.stop_signals import StopSignals

log = structlog.get_logger(__name__)

PROCESSES = ("api", "projector", "relay", "transcoder", "ingest")
STOP_SECONDS = 15.0  # Ctrl-C: how long children may take to stop
UNHEALTHY_STOP_SECONDS = 5.0  # a child that stopped answering gets less before SIGKILL


@dataclass
class Child:
    name: str
    health: HealthCheck
    env: dict[str, str] = field(default_factory=dict)  # added to the supervisor's environment
    process: subprocess.Popen[bytes] | None = None
    quick_exits: int = 0
    started_at: float = 0.0
    restart_at: float | None = None
    buffer: bytes = field(default=b"")


def make_child(name: str, settings: Settings) -> Child:
    """The api is checked on its HTTP port; a worker serves /healthz on a port of its own."""
    if name == "api":
        return Child(name, HealthCheck(healthz_url(settings.http_host, settings.http_port)))
    port = free_port()
    env = {"KINO_METRICS_PORT": str(port), "KINO_METRICS_HOST": settings.http_host}
    return Child(name, HealthCheck(healthz_url(settings.http_host, port)), env)


class Supervisor:
    def __init__(self, settings: Settings, names: tuple[str, ...] = PROCESSES) -> None:
        self.settings = settings
        self.children = [make_child(name, settings) for name in names]
        self.servers: EmbeddedServers | None = None
        self.stopping = False
        self.announced = False  # "kino is running" said
        self.selector = selectors.DefaultSelector()
        self.probes = ThreadPoolExecutor(max_workers=len(names), thread_name_prefix="probe")

    def run(self) -> int:
        signals = StopSignals(self._request_stop).install()
        env = dict(os.environ)
        try:
            if self.settings.embedded:
                self.servers = EmbeddedServers(self.settings.data_dir)
                state = self.servers.start()
                log.info(
                    "embedded servers ready",
                    database=state.database_url,
                    redis=state.redis_url,
                    nats=state.nats_url,
                )
            for child in self.children:
                self._start(child, env)
            log.info("starting kino", processes=[child.name for child in self.children])
            while not self.stopping:
                self._pump(timeout=0.5)
                if self.servers is not None:
                    self.servers.revive()
                for child in self.children:
                    self._watch(child, env)
                self._announce_when_serving()
            log.info("stopping kino", signal=signals.name)
        finally:
            self._shutdown()
        return 0

    def _announce_when_serving(self) -> None:
        """Say where Kino is once the api answers its health check, not when it was started
        (a person opening the address before that would get no answer)."""
        if self.announced:
            return
        api = next((child for child in self.children if child.name == "api"), None)
        if api is None or api.health.answered:
            self.announced = True
            log.info("kino is running", url=self.settings.public_url)

    def _request_stop(self) -> None:
        self.stopping = True  # a plain flag: called from the signal handler

    def _start(self, child: Child, env: dict[str, str]) -> None:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "kino", child.name],
            env={**env, **child.env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            preexec_fn=die_with_parent,
        )
        child.process = process
        child.started_at = time.monotonic()
        child.restart_at = None
        child.health.restart(child.started_at)
        assert process.stdout is not None
        os.set_blocking(process.stdout.fileno(), False)
        self.selector.register(process.stdout, selectors.EVENT_READ, child)

    def _watch(self, child: Child, env: dict[str, str]) -> None:
        if self.stopping:
            return
        now = time.monotonic()
        if child.restart_at is not None:
            if now >= child.restart_at:
                self._start(child, env)
            return
        process = child.process
        if process is None:
            return
        if process.poll() is not None:
            self._exited(child, process, now)
            return
        child.health.poll(now, self.probes)
        if child.health.failing():
            log.warning(
                "process stopped answering its health check, restarting",
                process=child.name,
                pid=process.pid,
                failures=child.health.failures,
                reason=child.health.reason,
            )
            self._stop(child, UNHEALTHY_STOP_SECONDS)
            child.restart_at = time.monotonic()

    def _exited(self, child: Child, process: subprocess.Popen[bytes], now: float) -> None:
        self._drain(child)
        self._unregister(child)
        ran = now - child.started_at
        child.quick_exits = child.quick_exits + 1 if ran < 60 else 0
        delay = min(10.0, 0.5 * max(1, child.quick_exits))
        log.warning(
            "process exited, restarting",
            process=child.name,
            code=process.returncode,
            delay=delay,
        )
        child.restart_at = now + delay

    def _stop(self, child: Child, timeout: float) -> None:
        """SIGTERM, then SIGKILL after ``timeout``; waits until the process is gone."""
        process = child.process
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                log.warning("process did not stop, killing", process=child.name, pid=process.pid)
                process.kill()
                process.wait()
        self._drain(child)
        self._unregister(child)

    def _pump(self, timeout: float) -> None:
        for key, _ in self.selector.select(timeout):
            self._drain(key.data)

    def _drain(self, child: Child) -> None:
        if child.process is None or child.process.stdout is None:
            return
        try:
            chunk = child.process.stdout.read() or b""
        except (BlockingIOError, ValueError):
            chunk = b""
        data = child.buffer + chunk
        *lines, child.buffer = data.split(b"\n")
        for line in lines:
            sys.stdout.write(f"[{child.name:<9}] {line.decode(errors='replace')}\n")
        sys.stdout.flush()

    def _unregister(self, child: Child) -> None:
        if child.process is not None and child.process.stdout is not None:
            with contextlib.suppress(KeyError, ValueError):
                self.selector.unregister(child.process.stdout)

    def _shutdown(self) -> None:
        running = [c for c in self.children if c.process and c.process.poll() is None]
        for child in running:
            assert child.process is not None
            child.process.terminate()
        deadline = time.monotonic() + STOP_SECONDS
        for child in running:
            assert child.process is not None
            try:
                child.process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("process did not stop, killing", process=child.name)
                child.process.kill()
                child.process.wait()
        for child in self.children:
            self._drain(child)
            self._unregister(child)
        self.probes.shutdown(wait=False, cancel_futures=True)
        if self.servers is not None:
            self.servers.stop()
        log.info("kino stopped")
