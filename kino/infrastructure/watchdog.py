"""A process watches its own loop: a heartbeat that must keep beating, and a thread that notices.

The watched loop calls ``beat()`` (an asyncio process runs ``keep_beating()`` as a task; the
projector beats from its supervise loop). ``lag()`` is how much later than expected the last beat
was: near zero while the loop runs, growing while something blocks it. The watchdog thread logs
a stall once it passes ``stall_after`` (with the stack of the blocked thread, to find the
culprit) and again when it ends. ``health()`` is what ``/healthz`` answers; a worker serves it
from a thread (``kino.infrastructure.metrics.serve_metrics``), so it answers even while the
loop is blocked, whereas the api serves it from the blocked loop, which then cannot answer at
all: the caller's timeout is the signal there.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time
import traceback
from dataclasses import dataclass

import structlog

from kino.infrastructure import metrics
from kino.infrastructure.debug_hooks import block_on_signal

log = structlog.get_logger(__name__)

ASYNC_STALL_SECONDS = 10.0  # an asyncio loop blocked this long serves nobody
BEAT_SECONDS = 0.5


@dataclass(frozen=True)
class Health:
    ok: bool
    reason: str | None = None

    def body(self) -> dict[str, str]:
        if self.ok:
            return {"status": "ok"}
        return {"status": "stalled", "reason": self.reason or "stalled"}


class Watchdog:
    def __init__(
        self,
        loop_name: str,
        stall_after: float = ASYNC_STALL_SECONDS,
        interval: float = BEAT_SECONDS,
    ) -> None:
        self.loop_name = loop_name  # "event loop", "supervise loop": said in logs and /healthz
        self.stall_after = stall_after
        self.interval = interval
        self._last_beat = time.monotonic()
        self._beating_thread: int | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def beat(self) -> None:
        now = time.monotonic()
        metrics.LOOP_LATENESS.observe(max(0.0, now - self._last_beat - self.interval))
        self._last_beat = now
        self._beating_thread = threading.get_ident()

    def lag(self) -> float:
        """Seconds the next beat is overdue (0 while the loop keeps up)."""
        return max(0.0, time.monotonic() - self._last_beat - self.interval)

    def health(self) -> Health:
        lag = self.lag()
        if lag <= self.stall_after:
            return Health(ok=True)
        return Health(ok=False, reason=f"the {self.loop_name} has been blocked for {lag:.0f} s")

    async def keep_beating(self) -> None:
        """Run as a task on the watched asyncio loop."""
        while True:
            self.beat()
            await asyncio.sleep(self.interval)

    def start(self) -> None:
        """Start the watching thread (idempotent); the lag becomes a metric."""
        self._last_beat = time.monotonic()
        metrics.LOOP_LAG.set_function(self.lag)
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._watch, name="watchdog", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join()

    def _watch(self) -> None:
        stalled_since: float | None = None
        while not self._stop.wait(1.0):
            lag = self.lag()
            if stalled_since is None and lag > self.stall_after:
                stalled_since = time.monotonic() - lag
                log.warning(
                    "loop blocked",
                    loop=self.loop_name,
                    seconds=round(lag, 1),
                    stack=self._blocked_stack(),
                )
            elif stalled_since is not None and lag <= self.stall_after:
                blocked = time.monotonic() - stalled_since
                log.warning("loop runs again", loop=self.loop_name, seconds=round(blocked, 1))
                stalled_since = None

    def _blocked_stack(self) -> str:
        frame = sys._current_frames().get(self._beating_thread or -1)
        return "".join(traceback.format_stack(frame)[-12:]) if frame is not None else ""


class WatchedLoop:
    """The watchdog of the running asyncio loop, from ``start()`` to ``stop()``.

    With ``debug_hooks`` (tests only), SIGUSR1 blocks the loop on purpose.
    """

    def __init__(self, watchdog: Watchdog, *, debug_hooks: bool = False) -> None:
        self.watchdog = watchdog
        self.debug_hooks = debug_hooks
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.watchdog.start()
        self._task = asyncio.create_task(self.watchdog.keep_beating(), name="heartbeat")
        if self.debug_hooks:
            block_on_signal(asyncio.get_running_loop())

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        self.watchdog.stop()
