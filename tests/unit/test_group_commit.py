"""Group commit: concurrent callers share batches and each learns its own outcome."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from kino.commands.groupcommit import GroupCommit
from kino.domain.errors import BadInputError


async def test_concurrent_requests_share_batches_and_refusals_stay_separate():
    batches: list[list[int]] = []

    def handle(requests: Sequence[int]) -> list[int | Exception]:
        batches.append(list(requests))
        return [BadInputError("odd") if r % 2 else r * 10 for r in requests]

    commit: GroupCommit[int, int] = GroupCommit(handle, window=0.01)
    outcomes = await asyncio.gather(*(commit.submit(i) for i in range(100)), return_exceptions=True)
    await commit.close()
    for i, outcome in enumerate(outcomes):
        if i % 2:
            assert isinstance(outcome, BadInputError)
        else:
            assert outcome == i * 10
    assert sorted(r for batch in batches for r in batch) == list(range(100))
    assert len(batches) < 10


async def test_a_failed_batch_fails_its_callers_only():
    calls = 0

    def handle(requests: Sequence[int]) -> list[int | Exception]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("database down")
        return list(requests)

    commit: GroupCommit[int, int] = GroupCommit(handle, window=0.0)
    first = await asyncio.gather(commit.submit(1), return_exceptions=True)
    assert isinstance(first[0], RuntimeError)
    assert await commit.submit(2) == 2
    await commit.close()
