"""The invariants, as pure functions of what the campaign recorded and what the event store
holds (``StoredWrites``, read by ``read_store``), so that a test can feed them a loss.

- every acknowledged write is in the event store exactly once (by its id, and no second
  aggregate carries its token);
- the room's history is the event store's order of the room's messages, each once;
- each subscriber got every message from its first on, once, in the event store's order.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from bench.chaos.record import KINDS, LETTERS, Record

# The creation event of the aggregate each kind of write makes.
CREATED = {
    "user": "User.Registered",
    "video": "Video.UploadCreated",
    "comment": "Comment.Posted",
    "chat": "ChatMessage.Posted",
}


@dataclass
class StoredWrites:
    created: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # kind → ids
    tokens: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # token → ids
    chat_order: list[str] = field(default_factory=list)  # message ids, notification order

    def add(self, kind: str, aggregate_id: str, texts: Iterable[str], run: str) -> None:
        self.created[kind].add(aggregate_id)
        for text in texts:
            for token in re.findall(rf"x{run}[a-z]\d+", text):
                self.tokens[token].add(aggregate_id)
        if kind == "chat":
            self.chat_order.append(aggregate_id)


@dataclass(frozen=True)
class WriteCount:
    kind: str
    acknowledged: int
    lost: int
    duplicated: int
    unacknowledged: int  # stored although the client saw an error or no answer
    unknown: int  # stored with a token the load never made: an event no command asked for


def write_counts(record: Record, store: StoredWrites) -> list[WriteCount]:
    counts = []
    for kind in KINDS:
        acks = record.of(kind)
        lost = sum(
            1 for a in acks if a.id not in store.created[kind] or a.id not in store.tokens[a.token]
        )
        letter = f"x{record.run}{LETTERS[kind]}"
        duplicated = sum(
            len(ids) - 1 for token, ids in store.tokens.items() if token.startswith(letter)
        )
        acked = {a.token for a in acks}
        stored = [token for token in store.tokens if token.startswith(letter)]
        made = {f"{letter}{n}" for n in range(1, record.counter + 1)}
        unacknowledged = sum(1 for t in stored if t not in acked and t in made)
        unknown = sum(1 for t in stored if t not in made)
        counts.append(WriteCount(kind, len(acks), lost, duplicated, unacknowledged, unknown))
    return counts


@dataclass(frozen=True)
class OrderCheck:
    lost: int  # expected ids missing
    duplicated: int
    reordered: bool
    extra: int  # ids not in the event store at all


def compare_order(expected: list[str], got: list[str], duplicates: int = 0) -> OrderCheck:
    """``got`` against ``expected`` (both oldest first)."""
    known = set(expected)
    got_known = [i for i in got if i in known]
    missing = len(known - set(got))
    duplicated = duplicates + len(got_known) - len(set(got_known))
    present = [i for i in expected if i in set(got_known)]
    first_seen = list(dict.fromkeys(got_known))
    return OrderCheck(missing, duplicated, first_seen != present, len(set(got) - known))


def history_check(store_order: list[str], history: list[str], cap: int = 500) -> OrderCheck:
    """The room's history (the newest ``cap``) against the event store's order."""
    return compare_order(store_order[-cap:], history)


def subscriber_check(store_order: list[str], received: list[str], duplicates: int) -> OrderCheck:
    """From the subscriber's first message on, every message once and in order."""
    if not received:
        return compare_order(store_order, received, duplicates)
    start = store_order.index(received[0]) if received[0] in store_order else 0
    return compare_order(store_order[start:], received, duplicates)


def event_texts(event: Any) -> list[str]:
    return [v for v in vars(event).values() if isinstance(v, str)]


def read_store(applications: Iterable[Any], run: str, stream_id: str) -> StoredWrites:
    """Every creation event of the kinds the load writes, from the notification logs."""
    kinds = {qualname: kind for kind, qualname in CREATED.items()}
    store = StoredWrites()
    for app in applications:
        start = 1
        while page := app.recorder.select_notifications(start=start, limit=1000):
            for notification in page:
                start = notification.id + 1
                event = app.mapper.to_domain_event(notification)
                kind = kinds.get(type(event).__qualname__)
                if kind is None:
                    continue
                if kind == "chat" and str(getattr(event, "stream_id", "")) != stream_id:
                    continue
                store.add(kind, str(notification.originator_id), event_texts(event), run)
    return store
