"""The campaign's own PostgreSQL, Redis and NATS: ``kino dev``'s embedded servers, reused.

``EmbeddedServers`` (kino.infrastructure.embedded) starts them under a temporary data
directory on private sockets and ports, and ``revive()`` starts one that died again on the same
data. The machine's shared servers (5432, 6379, 4222) are never touched. The faults:

- PostgreSQL: ``pg_ctl stop -m immediate`` (no shutdown checkpoint: crash recovery on start);
- Redis: SIGKILL (it keeps nothing on disk, so it comes back empty, as a restarted cache);
- NATS: SIGKILL (JetStream's file store survives under the data directory).
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import psutil

from kino.infrastructure.embedded import EmbeddedServers, EmbeddedState


def stop_immediately(pgdata: Path, user: str | None) -> None:
    """``pg_ctl stop -m immediate``: PostgreSQL's crash, recovered from the WAL on start.

    Returns once the postmaster it stopped has exited. pg_ctl's own wait is not used: it waits
    for the pid file to go, and a supervisor (``kino dev``'s) that starts the next postmaster
    within pg_ctl's 100 ms poll writes a new one, which pg_ctl then waits out for 60 s."""
    from pgserver._commands import POSTGRES_BIN_PATH

    postmaster = int((pgdata / "postmaster.pid").read_text().split()[0])
    command = [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(pgdata), "-m", "immediate", "-W"]
    subprocess.run([*command, "stop"], check=True, user=user, capture_output=True, timeout=60)
    deadline = time.monotonic() + 60
    while running(postmaster):
        if time.monotonic() > deadline:
            raise TimeoutError(f"PostgreSQL's postmaster {postmaster} did not exit in 60 s")
        time.sleep(0.05)


def running(pid: int) -> bool:
    """Whether ``pid`` runs (a dead process its parent has not reaped yet does not)."""
    try:
        return bool(psutil.Process(pid).status() != psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return False


class PrivateServers:
    def __init__(self, data_dir: Path) -> None:
        self.embedded = EmbeddedServers(data_dir)
        self.lock = threading.Lock()  # revive() runs in the supervisor thread

    def start(self) -> EmbeddedState:
        return self.embedded.start()

    def revive(self) -> list[str]:
        with self.lock:
            return self.embedded.revive()

    def restart_postgres(self) -> None:
        server = self.embedded._postgres
        assert server is not None
        with self.lock:
            stop_immediately(server.pgdata, server.system_user)

    def kill(self, name: str) -> int:
        """SIGKILL the embedded server ``name`` ("redis" or "nats"); its pid."""
        with self.lock:
            for server in self.embedded.servers:
                if server.name == name and server.process is not None:
                    os.kill(server.process.pid, signal.SIGKILL)
                    return server.process.pid
        raise LookupError(name)

    def pids(self) -> dict[str, int]:
        found = {s.name: s.process.pid for s in self.embedded.servers if s.process is not None}
        if self.embedded._postgres is not None:
            pid = self.embedded._postgres.get_pid()
            if pid is not None:
                found["postgres"] = pid
        return found

    def stop(self) -> None:
        with self.lock:
            self.embedded.stop()
