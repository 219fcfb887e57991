"""Group commit: concurrent commands share one ``save()``.

eventsourcing's PostgreSQL recorder locks an application's events table for
each insert, so one save per chat message caps throughput at a few hundred per
second. Callers ``submit()`` a request and await their own outcome; one task
collects what arrives within ``window`` seconds (or while the previous batch is
being saved), runs ``handle_batch`` in a worker thread, and hands each caller
its own result or its own error. A refusal of one request never fails the others.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from contextlib import suppress
from typing import Generic, TypeVar

from prometheus_client import Histogram

BATCH_SIZE = Histogram(
    "kino_group_commit_batch_size",
    "Commands saved together",
    buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500),
)
Request = TypeVar("Request")
Result = TypeVar("Result")


class GroupCommit(Generic[Request, Result]):
    def __init__(
        self,
        handle_batch: Callable[[Sequence[Request]], Sequence[Result | Exception]],
        *,
        window: float = 0.003,
        max_batch: int = 500,
    ) -> None:
        self._handle_batch = handle_batch
        self.window = window
        self.max_batch = max_batch
        self._queue: asyncio.Queue[tuple[Request, asyncio.Future[Result]]] | None = None
        self._task: asyncio.Task[None] | None = None
        self.batches = 0
        self.requests = 0

    async def submit(self, request: Request) -> Result:
        if self._task is None or self._task.done():
            self._queue = asyncio.Queue()
            self._task = asyncio.create_task(self._run(self._queue))
        assert self._queue is not None
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((request, future))
        return await future

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task

    async def _run(self, queue: asyncio.Queue[tuple[Request, asyncio.Future[Result]]]) -> None:
        while True:
            batch = [await queue.get()]
            if queue.qsize() < self.max_batch - 1:
                await asyncio.sleep(self.window)  # let concurrent callers join this batch
            while len(batch) < self.max_batch and not queue.empty():
                batch.append(queue.get_nowait())
            await self._commit(batch)

    async def _commit(self, batch: list[tuple[Request, asyncio.Future[Result]]]) -> None:
        live = [(request, future) for request, future in batch if not future.cancelled()]
        if not live:
            return
        self.batches += 1
        self.requests += len(live)
        BATCH_SIZE.observe(len(live))
        try:
            outcomes = await asyncio.to_thread(self._handle_batch, [r for r, _ in live])
        except Exception as error:  # noqa: BLE001 - every caller of the batch learns of it
            for _, future in live:
                if not future.done():
                    future.set_exception(error)
            return
        for (_, future), outcome in zip(live, outcomes, strict=True):
            if future.done():
                continue
            if isinstance(outcome, Exception):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)
