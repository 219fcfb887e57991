"""Subscriptions skip announcements the read model already had when they started, and
repeats (a rebuilt projection re-publishes)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from kino.graphql.announcements import fresh_announcements


async def feed(*messages: tuple[str, int]) -> AsyncIterator[bytes]:
    for app, position in messages:
        yield json.dumps({"app": app, "position": position}).encode()


async def test_old_and_repeated_announcements_are_skipped_per_application():
    source = feed(("chat", 3), ("chat", 5), ("live", 2), ("chat", 4), ("chat", 5), ("live", 9))
    seen = [(m["app"], m["position"]) async for m in fresh_announcements(source, {"chat": 3})]
    assert seen == [("chat", 5), ("live", 2), ("live", 9)]
