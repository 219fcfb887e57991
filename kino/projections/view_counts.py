"""Folds the pending view counts from Redis into PostgreSQL (``video_view_totals``).

Views are not events, so their totals live outside the catalog's generations: a rebuild
keeps them. A flush moves the pending hash aside under a batch id (one Lua call), adds
it to the totals in one transaction that also records the batch id, then drops it; a
crash anywhere in between repeats the same batch, which the recorded id makes a no-op.
"""

from __future__ import annotations

import secrets
from typing import Any

import psycopg
import redis
from psycopg.sql import SQL, Identifier

from kino.infrastructure.view_counter import pending_key

VIEW_TOTALS = "video_view_totals"  # views per video, the catalog reader joins it

# Created with the catalog's tables (VideoView), which the projector creates before folding.
VIEW_TOTALS_DDL = (
    f"CREATE TABLE IF NOT EXISTS {VIEW_TOTALS} (video_id uuid PRIMARY KEY, views bigint NOT NULL)",
    "CREATE TABLE IF NOT EXISTS video_view_batches "
    "(id text PRIMARY KEY, flushed_at timestamptz NOT NULL DEFAULT now())",
)

_ADD_VIEWS = SQL(
    "INSERT INTO {0} (video_id, views) VALUES (%s, %s) "
    "ON CONFLICT (video_id) DO UPDATE SET views = {0}.views + EXCLUDED.views"
).format(Identifier(VIEW_TOTALS))

_TAKE = """
if redis.call('EXISTS', KEYS[2]) == 0 then
  if redis.call('EXISTS', KEYS[1]) == 0 then return {} end
  redis.call('RENAME', KEYS[1], KEYS[2])
  redis.call('SET', KEYS[3], ARGV[1])
end
local batch = redis.call('GET', KEYS[3]) or ARGV[1]
return {batch, redis.call('HGETALL', KEYS[2])}
"""
# Drop the batch only if it is still the one folded (another replica may have moved on).
_DONE = """
if redis.call('GET', KEYS[3]) == ARGV[1] then redis.call('DEL', KEYS[2], KEYS[3]) end
"""


class ViewTotals:
    def __init__(self, client: redis.Redis, namespace: str, conninfo: str) -> None:
        self._conninfo = conninfo
        pending = pending_key(namespace)
        self._keys = [pending, f"{pending}:flushing", f"{pending}:flushing:id"]
        self._take = client.register_script(_TAKE)
        self._done = client.register_script(_DONE)

    def flush(self) -> int:
        """Fold one batch of pending counts into the totals; returns the views folded."""
        taken: Any = self._take(keys=self._keys, args=[secrets.token_hex(8)])
        if not taken:
            return 0
        batch, flat = taken[0].decode(), taken[1]
        counts = {flat[i].decode(): int(flat[i + 1]) for i in range(0, len(flat), 2)}
        with psycopg.connect(self._conninfo) as conn, conn.transaction():
            fresh = conn.execute(
                "INSERT INTO video_view_batches (id) VALUES (%s) ON CONFLICT DO NOTHING", (batch,)
            ).rowcount
            if fresh:
                with conn.cursor() as curs:
                    curs.executemany(_ADD_VIEWS, list(counts.items()))
            conn.execute(
                "DELETE FROM video_view_batches WHERE flushed_at < now() - interval '7 days'"
            )
        self._done(keys=self._keys, args=[batch])
        return sum(counts.values())
