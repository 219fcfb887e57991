"""Kino's processes as the campaign runs them: two apis, projector, relay, two transcoders,
ingest, each ``python -m kino KIND`` restarted by ``revive()`` when it exits, as a supervisor
(``kino dev``, Kubernetes) would. ``kill()`` is a crash: SIGKILL to the process only, so what
its children do (nginx, ffmpeg) is Kino's own doing (they must die with it).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from kino.infrastructure.embedded import die_with_parent, free_port

RESTART_DELAY = 0.5


@dataclass
class Member:
    name: str  # "api-1", "transcoder-2", ...
    kind: str  # the `kino` subcommand
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None
    died_at: float | None = None
    restarts: int = 0
    history: list[int] = field(default_factory=list)  # every pid it ran as

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "kino", self.kind],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                preexec_fn=die_with_parent,  # own process group; SIGTERM if the campaign dies
            )
        self.history.append(self.process.pid)
        self.died_at = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid


def member_env(base: dict[str, str], kind: str, index: int) -> dict[str, str]:
    env = dict(base)
    env["KINO_METRICS_PORT"] = str(free_port())
    if kind == "api":
        env["KINO_HTTP_PORT"] = base[f"CHAOS_API_PORT_{index}"]
        env["KINO_PUBLIC_URL"] = f"http://127.0.0.1:{env['KINO_HTTP_PORT']}"
    return env


class Fleet:
    LAYOUT = (("api", 2), ("projector", 1), ("relay", 1), ("transcoder", 2), ("ingest", 1))

    def __init__(self, base_env: dict[str, str], logs: Path) -> None:
        self.members: list[Member] = []
        self.lock = threading.Lock()
        self.stopping = False
        for kind, count in self.LAYOUT:
            for index in range(1, count + 1):
                name = kind if count == 1 else f"{kind}-{index}"
                env = member_env(base_env, kind, index)
                self.members.append(Member(name, kind, env, logs / f"{name}.log"))

    def start(self) -> None:
        for member in self.members:
            member.start()

    def member(self, name: str) -> Member:
        return next(m for m in self.members if m.name == name)

    def api_urls(self) -> list[str]:
        return [m.env["KINO_PUBLIC_URL"] for m in self.members if m.kind == "api"]

    def revive(self) -> list[str]:
        """Start again every member that exited (after a short pause); their names."""
        started = []
        with self.lock:
            if self.stopping:
                return []
            now = time.monotonic()
            for member in self.members:
                if member.process is None or member.process.poll() is None:
                    continue
                if member.died_at is None:
                    member.died_at = now
                if now - member.died_at >= RESTART_DELAY:
                    member.restarts += 1
                    member.start()
                    started.append(member.name)
        return started

    def kill(self, name: str, sig: signal.Signals = signal.SIGKILL) -> int:
        with self.lock:
            member = self.member(name)
            os.kill(member.pid, sig)
            return member.pid

    def all_running(self) -> bool:
        return all(m.process is not None and m.process.poll() is None for m in self.members)

    def stop(self, timeout: float = 20.0) -> None:
        with self.lock:
            self.stopping = True
            running = [m.process for m in self.members if m.process and m.process.poll() is None]
        for process in running:
            process.terminate()
        deadline = time.monotonic() + timeout
        for process in running:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
