"""Subscriptions skip announcements the read model already had when they started, and
repeats (a rebuilt projection re-publishes)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from kino.graphql.announcements import fresh_announcements
from kino.graphql.fanout import RunMarks


async def feed(*messages: tuple[str, int]) -> AsyncIterator[bytes]:
    for app, position in messages:
        yield json.dumps({"app": app, "position": position}).encode()


async def test_old_and_repeated_announcements_are_skipped_per_application():
    source = feed(("chat", 3), ("chat", 5), ("live", 2), ("chat", 4), ("chat", 5), ("live", 9))
    seen = [(m["app"], m["position"]) async for m in fresh_announcements(source, {"chat": 3})]
    assert seen == [("chat", 5), ("live", 2), ("live", 9)]


async def test_a_nudge_without_a_position_is_never_skipped_and_marks_no_frame():
    async def source() -> AsyncIterator[bytes]:
        for body in ({"app": "live", "position": 4}, {"app": "viewers"}, {"app": "viewers"}):
            yield json.dumps(body).encode()

    marks = RunMarks()
    seen: list[tuple[object, object]] = []
    async for message in fresh_announcements(source(), {"live": 2}, marks):
        seen.append((message["app"], marks.take()))
    assert seen == [("live", ("live", 4)), ("viewers", None), ("viewers", None)]
