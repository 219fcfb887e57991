"""Subscriptions fed by a Redis channel's announcements (application, position, payload).

A subscriber starts from what it has seen already (its baseline) and skips announcements at or
before it: a projection replay publishes again, and a shared run can be behind its channel
(``kino.graphql.fanout``). When the subscription runs shared, the resolver tells the run how a
later subscriber finds its own baseline and which announcement each frame answers.

An announcement without a position (the viewer count changed, ``kino.infrastructure.viewers``)
is a nudge: it is never skipped and marks no frame, so a shared run may drop its frame when it
says nothing new.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from kino.graphql.fanout import RunMarks, Start


def baseline(read_model: dict[str, int], delivered: dict[str, int]) -> dict[str, int]:
    """What a new subscriber has seen already: the read model's positions, or what this
    process already delivered on the channel when that is further (a replay after Redis lost
    the read model publishes old messages again)."""
    return {app: max(position, delivered.get(app, 0)) for app, position in read_model.items()}


async def starting_point(start: Start, marks: RunMarks | None) -> dict[str, int]:
    """This subscriber's baseline; a shared run keeps ``start`` for the subscribers that join it."""
    if marks is not None:
        marks.start = start
    return await start()


async def fresh_announcements(
    messages: AsyncIterator[bytes], seen: dict[str, int], marks: RunMarks | None = None
) -> AsyncIterator[dict[str, object]]:
    """Decode channel messages, skipping those at or before ``seen`` (application → the
    read model's position when the subscriber started): a projection replay re-publishes.
    ``marks`` learns which announcement the subscription answers next."""
    async for raw in messages:
        message = json.loads(raw)
        if "position" not in message:
            if marks is not None:
                marks.current = None
            yield message
            continue
        app, position = str(message.get("app")), int(message["position"])
        if position <= seen.get(app, 0):
            continue
        seen[app] = position
        if marks is not None:
            marks.current = (app, position)
        yield message
