"""Which reads the response cache answers, and when a kept answer is still right."""

from __future__ import annotations

import pytest
from strawberry.types import ExecutionResult

from kino.graphql.response_cache import ResponseCache, is_cacheable
from kino.infrastructure.metrics import ApiMetrics
from kino.queries.snapshot import Snapshot


class Snapshots:
    def __init__(self) -> None:
        self.value: Snapshot = (1, 1, 1)
        self.broken = False

    async def current(self) -> Snapshot:
        if self.broken:
            raise OSError("the database went away")
        return self.value


class Executions:
    def __init__(self, errors: bool = False) -> None:
        self.count = 0
        self.errors = errors

    async def __call__(self) -> ExecutionResult:
        self.count += 1
        errors = [Exception("no")] if self.errors else None
        return ExecutionResult(data={"n": self.count}, errors=errors)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("query", "operation", "expected"),
    [
        ("{ video(id: 1) { id } }", None, True),
        ("query A { videos { edges { cursor } } } query B { me { id } }", "A", True),
        ("query A { videos { edges { cursor } } } query B { me { id } }", "B", False),
        ("query A { videos { edges { cursor } } } query B { me { id } }", None, False),
        ("{ video(id: 1) { id } me { id } }", None, False),
        ("{ chatMessages(streamId: 1) { id } }", None, False),
        ("{ liveStreams { edges { cursor } } }", None, False),
        ("mutation { deleteVideo(id: 1) }", None, False),
        ("subscription { liveStream(id: 1) { id } }", None, False),
        ("{ ...F } fragment F on Query { me { id } }", None, False),
        ("{ ... on Query { me { id } } }", None, False),
        ("{ video(id: 1) { id ", None, False),
    ],
)
def test_only_queries_of_public_read_models_are_cacheable(query, operation, expected):
    assert is_cacheable(query, operation) is expected


async def test_an_answer_is_kept_while_the_snapshot_stands_still():
    snapshots, executions = Snapshots(), Executions()
    cache = ResponseCache(snapshots, ApiMetrics())
    first = await cache.answer("{ video(id: 1) { id } }", None, {"a": 1}, executions)
    again = await cache.answer("{ video(id: 1) { id } }", None, {"a": 1}, executions)
    assert again is first and executions.count == 1
    await cache.answer("{ video(id: 1) { id } }", None, {"a": 2}, executions)
    assert executions.count == 2  # other variables, another answer
    snapshots.value = (1, 2, 1)
    moved = await cache.answer("{ video(id: 1) { id } }", None, {"a": 1}, executions)
    assert moved.data == {"n": 3}


async def test_errors_are_not_kept_and_a_broken_snapshot_means_no_cache():
    snapshots, failing = Snapshots(), Executions(errors=True)
    cache = ResponseCache(snapshots, ApiMetrics())
    for _ in range(2):
        await cache.answer("{ video(id: 1) { id } }", None, None, failing)
    assert failing.count == 2
    snapshots.broken = True
    executions = Executions()
    for _ in range(2):
        await cache.answer("{ video(id: 1) { id } }", None, None, executions)
    assert executions.count == 2


async def test_the_cache_holds_a_bounded_number_of_answers():
    executions = Executions()
    cache = ResponseCache(Snapshots(), ApiMetrics(), max_entries=3)
    for n in range(5):
        await cache.answer("{ video(id: 1) { id } }", None, {"n": n}, executions)
    await cache.answer("{ video(id: 1) { id } }", None, {"n": 4}, executions)
    assert executions.count == 5  # the newest is kept
    await cache.answer("{ video(id: 1) { id } }", None, {"n": 0}, executions)
    assert executions.count == 6  # the oldest was dropped
