"""The second run mode: everything under one ``kino dev`` (embedded mode).

``kino dev`` starts its own private PostgreSQL, Redis and NATS and one of each Kino process,
and is the supervisor: the campaign only kills. ``DevFleet`` and ``DevServers`` find the
processes among ``kino dev``'s children by command line (pids change on every restart) and
offer what ``Fleet`` and ``PrivateServers`` offer to the fault injector.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from bench.chaos.servers import stop_immediately
from kino.infrastructure.embedded import EmbeddedState, die_with_parent, read_state

KINDS = ("api", "projector", "relay", "transcoder", "ingest")


def kino_children(root: psutil.Process) -> dict[str, psutil.Process]:
    """``kind`` → the running ``python -m kino KIND`` child of ``kino dev``."""
    found = {}
    for child in root.children():
        try:
            command = child.cmdline()
        except psutil.Error:
            continue
        if command[1:3] == ["-m", "kino"] and len(command) > 3 and command[3] in KINDS:
            found[command[3]] = child
    return found


@dataclass
class DevMember:
    name: str
    kind: str
    root: psutil.Process
    env: dict[str, str]

    @property
    def process(self) -> psutil.Process | None:
        return kino_children(self.root).get(self.kind)

    @property
    def pid(self) -> int:
        process = self.process
        return process.pid if process is not None else 0


class DevFleet:
    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = env
        with (logs / "dev.log").open("ab") as out:
            self.dev = subprocess.Popen(
                [sys.executable, "-m", "kino", "dev"],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                preexec_fn=die_with_parent,  # SIGTERM to kino dev if the campaign dies
            )
        self.root = psutil.Process(self.dev.pid)
        url = f"http://127.0.0.1:{env['KINO_HTTP_PORT']}"
        member_env = env | {"KINO_PUBLIC_URL": url}  # the api's address, and the settings
        self.members = [DevMember(kind, kind, self.root, dict(member_env)) for kind in KINDS]

    def start(self) -> None:
        """Wait (at most 120 s) until every child runs; learn the workers' metrics ports."""
        deadline = time.monotonic() + 120
        while len(kino_children(self.root)) < len(KINDS) and time.monotonic() < deadline:
            time.sleep(0.2)
        for member in self.members:
            if member.kind != "api" and member.process is not None:
                member.env["KINO_METRICS_PORT"] = member.process.environ()["KINO_METRICS_PORT"]

    def state(self) -> EmbeddedState:
        deadline = time.monotonic() + 120
        while (state := read_state(Path(self.env["KINO_DATA_DIR"]))) is None:
            if time.monotonic() > deadline:
                raise RuntimeError("kino dev did not start its servers")
            time.sleep(0.2)
        return state

    def api_urls(self) -> list[str]:
        return [self.members[0].env["KINO_PUBLIC_URL"]]

    def member(self, name: str) -> DevMember:
        return next(m for m in self.members if m.name == name)

    def kill(self, name: str, sig: signal.Signals = signal.SIGKILL) -> int:
        pid = self.member(name).pid
        os.kill(pid, sig)
        return pid

    def revive(self) -> list[str]:
        return []  # kino dev restarts them

    def all_running(self) -> bool:
        return len(kino_children(self.root)) == len(KINDS)

    def stop(self, timeout: float = 30.0) -> None:
        self.dev.terminate()
        try:
            self.dev.wait(timeout)
        except subprocess.TimeoutExpired:
            self.dev.kill()
            self.dev.wait()


class DevServers:
    """``kino dev``'s embedded servers, found among its children (PostgreSQL by its data)."""

    BINARIES = {"redis": "redis-server", "nats": "nats-server"}

    def __init__(self, fleet: DevFleet) -> None:
        self.fleet = fleet
        self.pgdata = Path(fleet.env["KINO_DATA_DIR"]) / "postgres"

    def find(self, name: str) -> psutil.Process | None:
        for child in self.fleet.root.children():
            try:
                # redis-server rewrites its title: argv[0] becomes "PATH unixsocket:…"
                if Path(child.cmdline()[0].split()[0]).name == self.BINARIES[name]:
                    return child
            except (psutil.Error, IndexError):
                continue
        return None

    def kill(self, name: str) -> int:
        process = self.find(name)
        if process is None:
            raise LookupError(name)
        process.kill()
        return int(process.pid)

    def restart_postgres(self) -> None:
        stop_immediately(self.pgdata, "pgserver" if os.geteuid() == 0 else None)

    def pids(self) -> dict[str, int]:
        found = {name: p.pid for name in self.BINARIES if (p := self.find(name)) is not None}
        pid_file = self.pgdata / "postmaster.pid"
        if pid_file.exists():
            found["postgres"] = int(pid_file.read_text().split()[0])
        return found

    def revive(self) -> list[str]:
        return []  # kino dev revives them

    def stop(self) -> None:
        pass  # kino dev stops them
