"""Shared subscription execution: one run per distinct operation, many subscribers.

Strawberry executes a subscription's selection once per subscriber per event.
For public, viewer-independent fields (``SHARED_FIELDS``), subscribers of the
same (query, variables, operation name) in one process share a single execution
instead: its results are serialised to JSON once, into the run's ``FrameLog``,
which every subscriber reads at its own pace (a position, not a queue of its
own: per-subscriber state is what bounds how many a process holds). A
subscriber more than ``queue_size`` frames behind is dropped (its ``on_drop``
is called) and never slows the run or the other subscribers.

A subscriber that joins a run late must not get what happened before it joined:
a run can be behind its channel (a burst queues announcements), and what it
still has to execute the joiner has already read from the history. The run's
resolver marks each frame with the announcement it answers and says how a
subscriber's starting point is found (``RunMarks``); a joiner skips the frames
at or before its own starting point, as a subscription of its own would.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import structlog
from graphql import OperationType
from prometheus_client import Counter
from strawberry.types.execution import ExecutionResult, PreExecutionError

from kino.graphql.operations import root_fields

log = structlog.get_logger(__name__)

EXECUTIONS = Counter(
    "kino_subscription_executions_total",
    "Shared subscription results (one per event per operation)",
)
DELIVERIES = Counter("kino_subscription_deliveries_total", "Subscription frames queued")
DROPPED = Counter("kino_subscription_dropped_total", "Subscribers dropped for not reading")

SHARED_FIELDS = frozenset({"chat", "liveStream"})
Key = tuple[str, str, str | None]
Mark = tuple[str, int]  # (application, position) of the announcement a frame answers
# ("next" | "error" | "complete" | "dropped", JSON text, the announcement it answers)
Frame = tuple[str, str, Mark | None]
Start = Callable[[], Awaitable[dict[str, int]]]


class RunMarks:
    """What a shared run's resolver tells the run: how to find where a new subscriber starts
    (application → the last position it has seen), and which announcement it answers now."""

    __slots__ = ("current", "start")

    def __init__(self) -> None:
        self.start: Start | None = None
        self.current: Mark | None = None

    def take(self) -> Mark | None:
        current, self.current = self.current, None
        return current


SourceFactory = Callable[[RunMarks], Awaitable[AsyncIterator[Any]]]


def is_shared(query: str, operation_name: str | None) -> bool:
    """True for a subscription whose root fields are all shareable (no fragments)."""
    fields = root_fields(query, operation_name, OperationType.SUBSCRIPTION)
    return fields is not None and fields <= SHARED_FIELDS


def operation_key(query: str, variables: dict[str, object] | None, name: str | None) -> Key:
    return (query, json.dumps(variables or {}, sort_keys=True, default=str), name)


class FrameLog:
    """A run's recent frames by position, and one event that wakes every waiting reader."""

    __slots__ = ("arrived", "first", "framed", "frames")

    def __init__(self) -> None:
        self.frames: deque[Frame] = deque()
        self.first = 0  # the position of frames[0]
        self.arrived = asyncio.Event()
        # (position, operation id) → the whole graphql-transport-ws message, made once for
        # every subscriber that names its operation the same (clients mostly say "1").
        self.framed: dict[tuple[int, str], str] = {}

    @property
    def end(self) -> int:
        return self.first + len(self.frames)

    def append(self, frame: Frame) -> None:
        self.frames.append(frame)
        self.arrived.set()  # wakes the readers waiting now ...
        self.arrived.clear()  # ... and the next ones wait for the next frame

    def at(self, position: int) -> Frame:
        return self.frames[position - self.first]

    def message(self, position: int, operation_id: str) -> str:
        """The ``next`` message carrying the frame at ``position`` for ``operation_id``."""
        key = (position, operation_id)
        text = self.framed.get(key)
        if text is None:
            prefix = '{"id":' + json.dumps(operation_id) + ',"type":"next","payload":'
            text = self.framed[key] = prefix + self.at(position)[1] + "}"
        return text

    def trim(self, oldest_needed: int) -> None:
        while self.frames and self.first < oldest_needed:
            self.frames.popleft()
            self.first += 1
        if self.framed:
            self.framed = {key: text for key, text in self.framed.items() if key[0] >= self.first}


class Sink:
    """One subscriber: where it is in its run's log; ``on_drop`` ends it once it is dropped."""

    __slots__ = ("log", "on_drop", "position", "seen")

    def __init__(self, log: FrameLog, on_drop: Callable[[], None]) -> None:
        self.log = log
        self.position = log.end  # frames from now on
        self.on_drop = on_drop
        self.seen: dict[str, int] = {}  # announcements it had seen when it joined

    def _already_seen(self, frame: Frame) -> bool:
        mark = frame[2]
        return mark is not None and mark[1] <= self.seen.get(mark[0], 0)

    @property
    def behind(self) -> int:
        return self.log.end - self.position

    async def positions(self) -> AsyncIterator[tuple[int, Frame]]:
        """Each frame with its position in the log, until a frame that ends the run."""
        log = self.log
        while True:
            while self.position < log.end:
                position = self.position
                frame = log.at(position)
                self.position += 1
                if frame[0] == "next" and self._already_seen(frame):
                    continue
                yield position, frame
                if frame[0] != "next":
                    return
            await log.arrived.wait()

    async def frames(self) -> AsyncIterator[tuple[str, str]]:
        async for _, (kind, text, _mark) in self.positions():
            yield kind, text


class _Run:
    def __init__(self) -> None:
        self.sinks: set[Sink] = set()
        self.log = FrameLog()
        self.marks = RunMarks()
        self.task: asyncio.Task[None] | None = None
        self.last_text = ""  # the last result sent, to drop a nudge's result that repeats it


class SharedSubscriptions:
    def __init__(self, queue_size: int = 1000) -> None:
        self.queue_size = queue_size
        self._runs: dict[Key, _Run] = {}
        self.executions = 0  # results produced (one per event per distinct operation)
        self.deliveries = 0  # frames handed to subscribers
        self.dropped = 0

    async def close(self) -> None:
        """Stop every run (at shutdown, before the pools they read from close)."""
        runs, self._runs = list(self._runs.values()), {}
        tasks = [run.task for run in runs if run.task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    @asynccontextmanager
    async def attach(
        self, key: Key, make_source: SourceFactory, on_drop: Callable[[], None]
    ) -> AsyncIterator[Sink]:
        run = self._runs.get(key)
        if run is None:
            run = self._runs[key] = _Run()
            run.task = asyncio.create_task(self._pump(key, run, make_source))
        sink = Sink(run.log, on_drop)
        run.sinks.add(sink)
        run.last_text = ""  # the joiner has seen none of it: the next nudge's result goes out
        try:
            if run.marks.start is not None:  # a run under way: start where the joiner is
                sink.seen = await run.marks.start()
            yield sink
        finally:
            run.sinks.discard(sink)
            if not run.sinks and self._runs.get(key) is run:
                del self._runs[key]
                if run.task is not None:
                    run.task.cancel()

    def _broadcast(self, run: _Run, frame: Frame) -> None:
        if frame[0] == "next":
            self.executions += 1
            EXECUTIONS.inc()
        log = run.log
        log.append(frame)
        delivered, oldest_needed = 0, log.end
        for sink in tuple(run.sinks):
            if sink.behind <= self.queue_size:
                delivered += 1
                oldest_needed = min(oldest_needed, sink.position)
                continue
            run.sinks.discard(sink)
            self.dropped += 1
            DROPPED.inc()
            sink.on_drop()
        log.trim(oldest_needed)
        self.deliveries += delivered
        DELIVERIES.inc(delivered)

    def _finish(self, key: Key, run: _Run, frame: Frame) -> None:
        if self._runs.get(key) is run:
            del self._runs[key]  # later subscribers start a new run
        self._broadcast(run, frame)

    async def _pump(self, key: Key, run: _Run, make_source: SourceFactory) -> None:
        try:
            source = await make_source(run.marks)
            first = True
            try:
                async for result in source:
                    if first and isinstance(result, PreExecutionError):
                        errors = [error.formatted for error in result.errors or []]
                        self._finish(key, run, ("error", json.dumps(errors), None))
                        return
                    first = False
                    if not isinstance(result, ExecutionResult):
                        message = "Incremental delivery is not supported over websockets."
                        unsupported = json.dumps([{"message": message}])
                        self._finish(key, run, ("error", unsupported, None))
                        return
                    text, mark = serialise(result), run.marks.take()
                    if mark is None and text == run.last_text:
                        continue  # a nudge that changed nothing this selection shows
                    run.last_text = text
                    self._broadcast(run, ("next", text, mark))
            finally:
                aclose = getattr(source, "aclose", None)
                if aclose is not None:
                    await aclose()
            self._finish(key, run, ("complete", "", None))
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.error("shared subscription failed", error=repr(error), exc_info=error)
            failure = [{"message": "The subscription failed; subscribe again."}]
            self._finish(key, run, ("error", json.dumps(failure), None))


def serialise(result: ExecutionResult) -> str:
    payload: dict[str, object] = {"data": result.data}
    if result.errors:
        payload["errors"] = [error.formatted for error in result.errors]
    if result.extensions:
        payload["extensions"] = result.extensions
    return json.dumps(payload, separators=(",", ":"), default=str)
