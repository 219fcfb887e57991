"""A rebuilt chat history holds exactly what the live one holds.

Found by the chaos campaign (bench/chaos): after 10 minutes of chat, the chat_messages read
model differed from a fresh rebuild. The history is trimmed to the newest 500 messages in
steps; the count deciding a trim was read before the write, so in a rebuild's batch (writes
queued, not yet applied) it was stale and the rebuild trimmed at other points than the live
projector did: the two generations held different messages."""

from __future__ import annotations

from uuid import uuid4

import redis
from eventsourcing.persistence import Tracking

from kino.domain.chat import HISTORY_CAP, ChatMessage
from kino.projections.chat_messages import ChatView


def history(client: redis.Redis, view: ChatView) -> dict[str, object]:
    found: dict[str, object] = {}
    for raw in client.scan_iter(match=view.prefix + ":*"):
        key = raw.decode()
        kind = client.type(key).decode()
        if kind == "zset":
            found[key.removeprefix(view.prefix)] = client.zrange(key, 0, -1, withscores=True)
        elif key.removeprefix(view.prefix).startswith(":messages"):
            found[key.removeprefix(view.prefix)] = client.hgetall(key)
    return found


def test_a_rebuilt_history_equals_the_live_one(
    redis_client: redis.Redis, redis_namespace: str
) -> None:
    stream_id, author_id = uuid4(), uuid4()
    events = []
    for number in range(HISTORY_CAP + 120):
        message = ChatMessage(stream_id=stream_id, author_id=author_id, body=f"m{number}")
        events.append(message.collect_events()[0])
    # Prefixes of their own: the session's projector keeps chat_messages_g1 in this namespace.
    own = f"{redis_namespace}:history_rebuild_{uuid4().hex[:8]}"
    live = ChatView(redis_client, f"{own}:chat_messages_g1")
    rebuilt = ChatView(redis_client, f"{own}:chat_messages_g2")
    try:
        for position, event in enumerate(events, 1):  # the projector: one event at a time
            live.posted(event, Tracking("chat", position))
        with rebuilt.batch():  # a rebuild: many events per round trip
            for position, event in enumerate(events, 1):
                rebuilt.posted(event, Tracking("chat", position))

        live_history, rebuilt_history = history(redis_client, live), history(redis_client, rebuilt)
    finally:
        live.drop()
        rebuilt.drop()

    assert live_history == rebuilt_history
    kept = live_history[f":order:{stream_id}"]
    assert isinstance(kept, list)
    assert HISTORY_CAP <= len(kept) < len(events)
