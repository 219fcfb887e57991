"""The fault schedule, the faults, and the recovery time of each.

Faults run one at a time, in a fixed cycle that reaches every Kino process, the ffmpeg
children of the transcoders and the ingest, and all three servers. After each, the campaign
measures the recovery: until every process answers (the apis' /readyz 200, each worker's
/healthz), and every read model's projection lag is under one second.
"""

from __future__ import annotations

import asyncio
import signal
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
import psutil

from kino.bootstrap import ProjectionTools
from kino.operations.projections import status_rows

RECOVERY_LIMIT = 180.0

CYCLE = (
    "kill -9 api-1",
    "kill -9 projector",
    "postgres restart (immediate)",
    "kill -9 relay",
    "kill -9 transcoder-1",
    "kill -9 ffmpeg in a transcoder",
    "redis restart",
    "kill -9 api-2",
    "kill -9 ingest",
    "kill -9 ffmpeg in the ingest",
    "nats restart",
    "kill -9 transcoder-2",
    "api-1 restart (SIGTERM) with websockets open",
)
# Under `kino dev` (one of each process; kino dev restarts them and its servers).
DEV_CYCLE = (
    "kill -9 api",
    "kill -9 projector",
    "postgres restart (immediate)",
    "kill -9 relay",
    "kill -9 transcoder",
    "kill -9 ffmpeg in a transcoder",
    "redis restart",
    "kill -9 ingest",
    "kill -9 ffmpeg in the ingest",
    "nats restart",
    "api restart (SIGTERM) with websockets open",
)


class Processes(Protocol):
    """Kino's processes: ``Fleet`` (mode processes) or ``DevFleet`` (under kino dev)."""

    @property
    def members(self) -> list[Any]: ...
    def kill(self, name: str, sig: signal.Signals = signal.SIGKILL) -> int: ...
    def member(self, name: str) -> Any: ...
    def all_running(self) -> bool: ...


class Servers(Protocol):
    """PostgreSQL, Redis, NATS: ``PrivateServers`` or ``DevServers``."""

    def kill(self, name: str) -> int: ...
    def restart_postgres(self) -> None: ...


@dataclass
class FaultResult:
    name: str
    at: float  # seconds into the campaign
    detail: str
    recovery: float | None  # None: not recovered within RECOVERY_LIMIT


def ffmpeg_children(pid: int) -> list[psutil.Process]:
    try:
        children = psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []
    return [c for c in children if c.name() == "ffmpeg"]


class Injector:
    def __init__(
        self,
        fleet: Processes,
        servers: Servers,
        tools: ProjectionTools,
        upload: Callable[[], Awaitable[object]],
    ) -> None:
        self.fleet, self.servers, self.tools, self.upload = fleet, servers, tools, upload
        self.http = httpx.AsyncClient(timeout=2)
        self.background: set[asyncio.Future[object]] = set()
        self.replacing: tuple[str, int] | None = None  # a killed process: (name, its pid)

    async def inject(self, name: str) -> str:
        """Do the fault ``name``; what was hit."""
        self.replacing = None
        if name.startswith("kill -9 ffmpeg"):
            return await self.kill_ffmpeg("transcoder" if "transcoder" in name else "ingest")
        if name.startswith("kill -9 "):
            target = name.removeprefix("kill -9 ")
            self.replacing = (target, self.fleet.kill(target))
            return f"pid {self.replacing[1]}"
        if name.startswith("postgres"):
            await asyncio.to_thread(self.servers.restart_postgres)
            return "pg_ctl stop -m immediate"
        if name.startswith(("redis", "nats")):
            server = name.split(maxsplit=1)[0]
            return f"pid {self.servers.kill(server)}"
        target = name.split(maxsplit=1)[0]
        self.replacing = (target, self.fleet.kill(target, signal.SIGTERM))
        return f"pid {self.replacing[1]} (SIGTERM)"

    async def kill_ffmpeg(self, kind: str) -> str:
        """SIGKILL an ffmpeg run by a ``kind`` process; for the transcoders an upload is made
        first so that one runs. Waits at most 60 s for one to appear."""
        if kind == "transcoder":
            self.background.add(asyncio.ensure_future(self.upload()))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for member in self.fleet.members:
                if member.kind == kind and member.process is not None:
                    for child in ffmpeg_children(member.pid):
                        child.kill()
                        return f"ffmpeg pid {child.pid} of {member.name}"
            await asyncio.sleep(0.05)
        return "no ffmpeg ran within 60 s: skipped"

    async def healthy(self) -> bool:
        if not self.fleet.all_running():
            return False
        if self.replacing is not None:  # until it is replaced, the old process may still answer
            name, pid = self.replacing
            if self.fleet.member(name).pid == pid:
                return False
        for member in self.fleet.members:
            if member.kind == "api":
                url = member.env["KINO_PUBLIC_URL"] + "/readyz"
            else:
                url = f"http://127.0.0.1:{member.env['KINO_METRICS_PORT']}/healthz"
            try:
                if (await self.http.get(url)).status_code != 200:
                    return False
            except httpx.HTTPError:
                return False
        return await asyncio.to_thread(self.caught_up)

    def caught_up(self) -> bool:
        try:
            rows = status_rows(self.tools, health={})
        except Exception:
            return False
        return all(r["lag_seconds"] is not None and float(str(r["lag_seconds"])) < 1 for r in rows)

    async def recovery(self, since: float) -> float | None:
        while time.monotonic() - since < RECOVERY_LIMIT:
            if await self.healthy():
                return time.monotonic() - since
            await asyncio.sleep(0.25)
        return None

    async def close(self) -> None:
        await self.http.aclose()


async def campaign(
    injector: Injector, started: float, duration: float, every: float, cycle: tuple[str, ...]
) -> list[FaultResult]:
    """Faults in CYCLE's order, one every ``every`` seconds (or once the last one recovered),
    until ``duration`` is over."""
    results: list[FaultResult] = []
    number = 0
    while time.monotonic() - started + every < duration:
        name = cycle[number % len(cycle)]
        number += 1
        at = time.monotonic()
        detail = await injector.inject(name)
        recovery = await injector.recovery(at)
        results.append(FaultResult(name, at - started, detail, recovery))
        shown = "NOT RECOVERED" if recovery is None else f"{recovery:.1f} s"
        when = time.strftime("%H:%M:%S")
        print(f"{when} [{at - started:6.1f} s] {name}: {detail}; recovered in {shown}", flush=True)
        await asyncio.sleep(max(0.0, every - (time.monotonic() - at)))
    return results


def recovery_summary(results: list[FaultResult]) -> tuple[float, float, int]:
    """p50 and max recovery of the faults that recovered, and how many did not."""
    times = [r.recovery for r in results if r.recovery is not None]
    if not times:
        return float("nan"), float("nan"), len(results)
    return statistics.median(times), max(times), len(results) - len(times)
