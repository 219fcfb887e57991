"""Shared subscription runs: one execution per event for every subscriber of an operation;
a subscriber that stops reading is dropped without holding up the others."""

from __future__ import annotations

import asyncio
import json

from strawberry.types.execution import ExecutionResult

from kino.graphql.fanout import RunMarks, SharedSubscriptions, is_shared, operation_key

QUERY = "subscription($s: ID!) { chat(streamId: $s) { __typename } }"


def test_only_public_subscriptions_are_shared():
    assert is_shared(QUERY, None)
    assert is_shared("subscription A { liveStream(id: 1) { id } }", "A")
    assert not is_shared("subscription { videoProcessing(videoId: 1) { stage } }", None)
    assert not is_shared("query { me { id } }", None)
    assert not is_shared("subscription { ...F } fragment F on Subscription { chat }", None)
    assert not is_shared("subscription {", None)


async def test_one_execution_feeds_every_subscriber_and_a_stalled_one_is_dropped():
    events: asyncio.Queue[int | None] = asyncio.Queue()
    sources = 0

    async def make_source(marks: RunMarks):
        nonlocal sources
        sources += 1

        async def results():
            while (n := await events.get()) is not None:
                yield ExecutionResult(data={"n": n}, errors=None)

        return results()

    shared = SharedSubscriptions(queue_size=4)
    key = operation_key(QUERY, {"s": "1"}, None)
    dropped: list[str] = []
    received: dict[str, list[int]] = {"a": [], "b": []}

    async def reader(name: str, ready: asyncio.Event) -> None:
        async with shared.attach(key, make_source, lambda: dropped.append(name)) as sink:
            ready.set()
            async for kind, text in sink.frames():
                if kind == "next":
                    received[name].append(json.loads(text)["data"]["n"])

    ready_a, ready_b = asyncio.Event(), asyncio.Event()
    readers = [asyncio.create_task(reader("a", ready_a)), asyncio.create_task(reader("b", ready_b))]
    await ready_a.wait()
    await ready_b.wait()
    async with shared.attach(key, make_source, lambda: dropped.append("stalled")):
        for n in range(20):
            await events.put(n)
            await asyncio.sleep(0)  # let the run and the readers go; "stalled" never reads
        await events.put(None)
        await asyncio.gather(*readers)
    assert received == {"a": list(range(20)), "b": list(range(20))}
    assert dropped == ["stalled"]
    assert sources == 1
    assert shared.executions == 20


async def test_a_subscriber_joining_a_run_that_is_behind_skips_what_it_had_seen():
    """A run still executing announcements 3..7 when a subscriber joins whose history already
    went to 5: the joiner gets 6 and 7 (once each), the first subscriber all of them."""
    announcements: asyncio.Queue[int | None] = asyncio.Queue()
    joiner_history_ends_at = 5

    async def make_source(marks: RunMarks):
        async def start() -> dict[str, int]:
            return {"chat": joiner_history_ends_at}

        marks.start = start

        async def results():
            while (position := await announcements.get()) is not None:
                marks.current = ("chat", position)
                yield ExecutionResult(data={"n": position}, errors=None)

        return results()

    shared = SharedSubscriptions()
    key = operation_key(QUERY, {"s": "1"}, None)

    async def read(sink) -> list[int]:
        return [json.loads(text)["data"]["n"] async for kind, text in sink.frames() if text]

    async with shared.attach(key, make_source, lambda: None) as first:
        first_reads = asyncio.create_task(read(first))
        for position in (1, 2):
            await announcements.put(position)
        while first.log.end < 2:
            await asyncio.sleep(0)
        async with shared.attach(key, make_source, lambda: None) as joiner:
            joiner_reads = asyncio.create_task(read(joiner))
            for position in (3, 4, 5, 6, 7, None):
                await announcements.put(position)
            assert await joiner_reads == [6, 7]
        assert await first_reads == [1, 2, 3, 4, 5, 6, 7]


async def test_a_nudge_that_changes_nothing_sends_no_frame():
    """A viewer-count nudge re-executes the run; the subscribers get a frame only when the
    result differs from the last one (a selection without viewerCount never changes)."""
    results: asyncio.Queue[tuple[str, tuple[str, int] | None] | None] = asyncio.Queue()

    async def make_source(marks: RunMarks):
        async def run():
            while (item := await results.get()) is not None:
                marks.current = item[1]
                yield ExecutionResult(data={"s": item[0]}, errors=None)

        return run()

    shared = SharedSubscriptions()
    key = operation_key("subscription { liveStream(id: 1) { status } }", {}, None)
    async with shared.attach(key, make_source, lambda: None) as sink:
        reads = asyncio.create_task(_texts(sink))
        for item in (
            ("OFFLINE", None),  # a nudge: the first frame goes out
            ("OFFLINE", None),  # the same again: dropped
            ("LIVE", ("live", 3)),  # a read-model change
            ("LIVE", ("live", 4)),  # another one with the same text: sent (it answers one)
            ("LIVE", None),  # a nudge with nothing new: dropped
            ("LIVE 2", None),  # a nudge with something new: sent
            None,
        ):
            await results.put(item)
        assert await reads == ["OFFLINE", "LIVE", "LIVE", "LIVE 2"]
    assert shared.executions == 4  # frames made: the two dropped nudges made none


async def test_a_joiner_gets_the_next_nudge_even_when_it_repeats_the_last_frame():
    """The joiner's page read the stream before it subscribed, perhaps before the run's last
    frame: the first nudge after it joined goes out, to everyone, whatever it repeats."""
    results: asyncio.Queue[str | None] = asyncio.Queue()

    async def make_source(marks: RunMarks):
        async def run():
            while (text := await results.get()) is not None:
                marks.current = None
                yield ExecutionResult(data={"s": text}, errors=None)

        return run()

    shared = SharedSubscriptions()
    key = operation_key("subscription { liveStream(id: 1) { viewerCount } }", {}, None)
    async with shared.attach(key, make_source, lambda: None) as first:
        first_reads = asyncio.create_task(_texts(first))
        await results.put("2 watching")
        while first.log.end < 1:
            await asyncio.sleep(0)
        async with shared.attach(key, make_source, lambda: None) as joiner:
            joiner_reads = asyncio.create_task(_texts(joiner))
            for text in ("2 watching", "2 watching", None):
                await results.put(text)
            assert await joiner_reads == ["2 watching"]
        assert await first_reads == ["2 watching", "2 watching"]


async def _texts(sink) -> list[str]:
    return [json.loads(text)["data"]["s"] async for kind, text in sink.frames() if kind == "next"]
