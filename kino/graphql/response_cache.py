"""Anonymous reads of public pages answered from memory while the read models stand still.

Who may be answered from the cache: a request without credentials, for a query whose root
fields all read PostgreSQL read models that show everyone the same thing (``CACHEABLE``).
What it is keyed by: the document, the operation name and the variables. When an answer is
still right: the read models' snapshot (``kino.queries.snapshot``) read *before* the answer
was computed equals the one read now. Read models change only when the projector commits,
and each commit moves the snapshot in the same transaction, so an edit is seen on the next
read once its mutation has returned (read-your-writes), on every api replica.

A request with ``Cache-Control: no-cache`` is computed afresh. Signed-in requests are never
cached: they may see PRIVATE videos and their own media
tokens. Answers with errors are not cached either.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import OperationType
from strawberry.types import ExecutionResult

from kino.bootstrap.container import ApiMetrics
from kino.graphql.operations import root_fields
from kino.queries.snapshot import ReadSnapshot, Snapshot

# Root fields whose answers depend only on PostgreSQL read models and the arguments.
CACHEABLE = frozenset({"video", "videos", "comments", "user", "oauthProviders", "__typename"})
MAX_ENTRIES = 2_000

CacheKey = tuple[str, str | None, str]


@dataclass(frozen=True)
class _Entry:
    snapshot: Snapshot
    result: ExecutionResult


class ResponseCache:
    def __init__(
        self, snapshot: ReadSnapshot, metrics: ApiMetrics, max_entries: int = MAX_ENTRIES
    ) -> None:
        self._snapshot = snapshot
        self._metrics = metrics
        self._max_entries = max_entries
        self._entries: OrderedDict[CacheKey, _Entry] = OrderedDict()

    async def answer(
        self,
        query: str,
        operation_name: str | None,
        variables: Mapping[str, Any] | None,
        execute: Callable[[], Awaitable[ExecutionResult]],
    ) -> ExecutionResult:
        """The cached answer when it is still right, else ``execute()``'s (kept if clean)."""
        key = _key(query, operation_name, variables)
        if key is None or not is_cacheable(query, operation_name):
            self._metrics.response_cache("skip")
            return await execute()
        try:
            snapshot = await self._snapshot.current()
        except Exception:  # noqa: BLE001 - no snapshot, no cache: the read reports its own error
            self._metrics.response_cache("skip")
            return await execute()
        entry = self._entries.get(key)
        if entry is not None and entry.snapshot == snapshot:
            self._entries.move_to_end(key)
            self._metrics.response_cache("hit")
            return entry.result
        self._metrics.response_cache("miss")
        result = await execute()
        if not result.errors:
            self._keep(key, _Entry(snapshot, result))
        return result

    def _keep(self, key: CacheKey, entry: _Entry) -> None:
        self._entries[key] = entry
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)


def _key(
    query: str, operation_name: str | None, variables: Mapping[str, Any] | None
) -> CacheKey | None:
    try:
        encoded = json.dumps(variables or {}, sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError):
        return None
    return (query, operation_name, encoded)


def is_cacheable(query: str, operation_name: str | None) -> bool:
    """A query whose root selections are plain fields from ``CACHEABLE``."""
    fields = root_fields(query, operation_name, OperationType.QUERY)
    return fields is not None and fields <= CACHEABLE
