"""Shared subscription execution: one run per distinct operation, many subscribers.

Strawberry executes a subscription's selection once per subscriber per event.
For public, viewer-independent fields (``SHARED_FIELDS``), subscribers of the
same (query, variables, operation name) in one process share a single execution
instead: its results are serialised to JSON once and put into every
subscriber's bounded queue. A subscriber whose queue is full is dropped (its
``on_drop`` is called) and never slows the run or the other subscribers.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Any

import structlog
from graphql import (
    FieldNode,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    StringValueNode,
    VariableNode,
    parse,
)
from prometheus_client import Counter
from strawberry.types.execution import ExecutionResult, PreExecutionError

log = structlog.get_logger(__name__)

EXECUTIONS = Counter(
    "kino_subscription_executions_total",
    "Shared subscription results (one per event per operation)",
)
DELIVERIES = Counter("kino_subscription_deliveries_total", "Subscription frames queued")
DROPPED = Counter("kino_subscription_dropped_total", "Subscribers dropped for not reading")

SHARED_FIELDS = frozenset({"chat", "liveStream"})
Key = tuple[str, str, str | None]
Frame = tuple[str, str]  # ("next" | "error" | "complete" | "dropped", JSON text)
SourceFactory = Callable[[], Awaitable[AsyncIterator[Any]]]


@lru_cache(maxsize=512)
def is_shared(query: str, operation_name: str | None) -> bool:
    """True for a subscription whose root fields are all shareable (no fragments)."""
    try:
        document = parse(query)
    except GraphQLError:
        return False
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [o for o in operations if o.name and o.name.value == operation_name]
    if len(operations) != 1 or operations[0].operation is not OperationType.SUBSCRIPTION:
        return False
    selections = operations[0].selection_set.selections
    return all(
        isinstance(node, FieldNode) and node.name.value in SHARED_FIELDS and not node.directives
        for node in selections
    )


@lru_cache(maxsize=512)
def _live_stream_argument(query: str, operation_name: str | None) -> tuple[str, str] | None:
    """("literal", id) or ("variable", name) of a ``liveStream(id:)`` root field."""
    try:
        document = parse(query)
    except GraphQLError:
        return None
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        if operation_name is not None and (
            definition.name is None or definition.name.value != operation_name
        ):
            continue
        for node in definition.selection_set.selections:
            if isinstance(node, FieldNode) and node.name.value == "liveStream":
                for argument in node.arguments or ():
                    if argument.name.value != "id":
                        continue
                    if isinstance(argument.value, VariableNode):
                        return ("variable", argument.value.name.value)
                    if isinstance(argument.value, StringValueNode):
                        return ("literal", argument.value.value)
    return None


def watched_stream(
    query: str, variables: dict[str, object] | None, operation_name: str | None
) -> str | None:
    """The stream a ``liveStream`` subscription watches (one viewer of it), if any."""
    found = _live_stream_argument(query, operation_name)
    if found is None:
        return None
    kind, value = found
    watched = value if kind == "literal" else (variables or {}).get(value)
    return str(watched)[:64] if watched is not None else None


def operation_key(query: str, variables: dict[str, object] | None, name: str | None) -> Key:
    return (query, json.dumps(variables or {}, sort_keys=True, default=str), name)


class Sink:
    __slots__ = ("dropped", "on_drop", "queue")

    def __init__(self, size: int, on_drop: Callable[[], None]) -> None:
        self.queue: asyncio.Queue[Frame] = asyncio.Queue(size)
        self.on_drop = on_drop
        self.dropped = False

    def offer(self, frame: Frame) -> bool:
        try:
            self.queue.put_nowait(frame)
        except asyncio.QueueFull:
            self.dropped = True
            return False
        return True

    async def frames(self) -> AsyncIterator[Frame]:
        while True:
            frame = await self.queue.get()
            yield frame
            if frame[0] != "next":
                return


class _Run:
    def __init__(self) -> None:
        self.sinks: set[Sink] = set()
        self.task: asyncio.Task[None] | None = None


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
        sink = Sink(self.queue_size, on_drop)
        run = self._runs.get(key)
        if run is None:
            run = self._runs[key] = _Run()
            run.task = asyncio.create_task(self._pump(key, run, make_source))
        run.sinks.add(sink)
        try:
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
        delivered = 0
        for sink in tuple(run.sinks):
            if sink.offer(frame):
                delivered += 1
                continue
            run.sinks.discard(sink)
            self.dropped += 1
            DROPPED.inc()
            sink.on_drop()
        self.deliveries += delivered
        DELIVERIES.inc(delivered)

    def _finish(self, key: Key, run: _Run, frame: Frame) -> None:
        if self._runs.get(key) is run:
            del self._runs[key]  # later subscribers start a new run
        self._broadcast(run, frame)

    async def _pump(self, key: Key, run: _Run, make_source: SourceFactory) -> None:
        try:
            source = await make_source()
            first = True
            try:
                async for result in source:
                    if first and isinstance(result, PreExecutionError):
                        errors = [error.formatted for error in result.errors or []]
                        self._finish(key, run, ("error", json.dumps(errors)))
                        return
                    first = False
                    if not isinstance(result, ExecutionResult):
                        message = "Incremental delivery is not supported over websockets."
                        self._finish(key, run, ("error", json.dumps([{"message": message}])))
                        return
                    self._broadcast(run, ("next", serialise(result)))
            finally:
                aclose = getattr(source, "aclose", None)
                if aclose is not None:
                    await aclose()
            self._finish(key, run, ("complete", ""))
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.error("shared subscription failed", error=repr(error), exc_info=error)
            failure = [{"message": "The subscription failed; subscribe again."}]
            self._finish(key, run, ("error", json.dumps(failure)))


def serialise(result: ExecutionResult) -> str:
    payload: dict[str, object] = {"data": result.data}
    if result.errors:
        payload["errors"] = [error.formatted for error in result.errors]
    if result.extensions:
        payload["extensions"] = result.extensions
    return json.dumps(payload, separators=(",", ":"), default=str)
