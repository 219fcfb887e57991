"""Health checks of `kino dev`'s children: is this process still answering?

Each child has a ``HealthCheck`` on its ``/healthz`` (the api's HTTP port, a worker's metrics
port). Probes run in a thread pool, so a child that does not answer never stalls the
supervisor. A child is failing after ``failures_allowed`` failures in a row. While it starts
(until it first answers, for at most ``grace``), a port nobody listens on yet is no failure;
a process that listens but does not answer, or answers 503, is failing from the start.
"""

from __future__ import annotations

from concurrent.futures import Executor, Future
from dataclasses import dataclass, field

import httpx

PROBE_SECONDS = 2.0  # how often, and how long a probe waits for an answer
FAILURES_ALLOWED = 3
START_GRACE_SECONDS = 60.0


def healthz_url(host: str, port: int) -> str:
    """Where a process listening on ``host:port`` answers, from this machine."""
    if host in ("", "0.0.0.0"):  # noqa: S104 - a wildcard address: probe the loopback one
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/healthz"


@dataclass(frozen=True)
class Outcome:
    failure: str | None  # None when healthy, else why not (said in the supervisor's log)
    listening: bool = True  # False: nothing accepted the connection (not started yet?)


def probe(url: str, timeout: float = PROBE_SECONDS) -> Outcome:
    try:
        response = httpx.get(url, timeout=timeout)
    except httpx.ConnectError as error:
        return Outcome(f"unreachable ({type(error).__name__})", listening=False)
    except httpx.TimeoutException:
        return Outcome(f"no answer within {timeout:.0f} s")
    except httpx.HTTPError as error:
        return Outcome(f"unreachable ({type(error).__name__})")
    if response.status_code == 200:
        return Outcome(None)
    try:
        reason = str(response.json().get("reason") or "")
    except ValueError:
        reason = ""
    return Outcome(f"answered {response.status_code}" + (f": {reason}" if reason else ""))


@dataclass
class HealthCheck:
    url: str
    interval: float = PROBE_SECONDS
    failures_allowed: int = FAILURES_ALLOWED
    grace: float = START_GRACE_SECONDS
    failures: int = 0
    reason: str = ""
    answered: bool = False
    started_at: float = 0.0
    next_at: float = 0.0
    pending: Future[Outcome] | None = field(default=None, repr=False)

    def restart(self, now: float) -> None:
        """A new process: forget the old one's results."""
        self.failures, self.reason, self.answered = 0, "", False
        self.started_at, self.next_at = now, now + self.interval
        if self.pending is not None:
            self.pending.cancel()
        self.pending = None

    def poll(self, now: float, executor: Executor) -> None:
        """Collect a finished probe; start the next one when it is due."""
        if self.pending is not None and self.pending.done():
            self._record(self.pending.result(), now)
            self.pending = None
        if self.pending is None and now >= self.next_at:
            self.next_at = now + self.interval
            self.pending = executor.submit(probe, self.url, self.interval)

    def _record(self, outcome: Outcome, now: float) -> None:
        if outcome.failure is None:
            self.failures, self.reason, self.answered = 0, "", True
            return
        self.reason = outcome.failure
        starting = not self.answered and now - self.started_at <= self.grace
        if outcome.listening or not starting:
            self.failures += 1

    def failing(self) -> bool:
        return self.failures >= self.failures_allowed
