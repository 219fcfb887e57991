"""`kino dev`: embedded servers plus every Kino process, in the foreground.

Children's output is prefixed with their name. Ctrl-C or SIGTERM stops the
children first, then the servers; a child that dies is restarted after a pause.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from types import FrameType

import structlog

from kino.infrastructure.embedded import EmbeddedServers, _die_with_parent
from kino.infrastructure.settings import Settings

log = structlog.get_logger(__name__)

PROCESSES = ("api", "projector", "relay", "transcoder")


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    started_at: float = 0.0
    buffer: bytes = field(default=b"")


class Supervisor:
    def __init__(self, settings: Settings, names: tuple[str, ...] = PROCESSES) -> None:
        self.settings = settings
        self.children = [Child(name) for name in names]
        self.servers: EmbeddedServers | None = None
        self.stopping = False
        self.selector = selectors.DefaultSelector()

    def run(self) -> int:
        signal.signal(signal.SIGINT, self._on_signal)
        signal.signal(signal.SIGTERM, self._on_signal)
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
            log.info("kino is running", url=self.settings.public_url)
            while not self.stopping:
                self._pump(timeout=0.5)
                for child in self.children:
                    self._watch(child, env)
        finally:
            self._shutdown()
        return 0

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        if not self.stopping:
            log.info("stopping kino", signal=signal.Signals(signum).name)
        self.stopping = True

    def _start(self, child: Child, env: dict[str, str]) -> None:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "kino", child.name],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )
        child.process = process
        child.started_at = time.monotonic()
        assert process.stdout is not None
        os.set_blocking(process.stdout.fileno(), False)
        self.selector.register(process.stdout, selectors.EVENT_READ, child)

    def _watch(self, child: Child, env: dict[str, str]) -> None:
        process = child.process
        if process is None or process.poll() is None or self.stopping:
            return
        self._drain(child)
        log.warning("process exited, restarting", process=child.name, code=process.returncode)
        self._unregister(child)
        child.restarts += 1
        time.sleep(min(10.0, 0.5 * child.restarts))
        self._start(child, env)

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
        deadline = time.monotonic() + 15
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
        if self.servers is not None:
            self.servers.stop()
        log.info("kino stopped")
