"""Read-model views that record their tracking position atomically with their rows.

``PostgresView``: subclasses declare ``tables`` (suffix → column DDL) and write
rows inside ``self.tracked(tracking)``, one transaction with the tracking record.

``RedisView``: an event becomes a list of Redis commands applied by one Lua
script that first checks and then sets the tracking position, so a crash can
never apply an event twice or skip one. ``publish`` commands in that list go out
only after the read model is updated, in the same atomic call.

Both clean every text they write with ``kino.domain.text.readable`` (the PostgreSQL
view through a string dumper on its cursors, the Redis view on every command argument,
``view_json`` for JSON inside one), so an event stored with a NUL or a lone surrogate
before the text rule existed is projected the same way every time instead of failing.

Redis may lose everything (a restart without persistence) or go back in time (a restart from an
older snapshot) under a running projector. The view marks its keys with an epoch (a random
token under ``<prefix>:epoch``, claimed when the view starts writing), and the same script
refuses to write when the epoch is gone or changed, or when the position went backwards: no
event lands in a Redis that lost the ones before it. ``needs_replay`` tells the projector, which
then starts the view again from what Redis still has (from the first event when it is empty).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar

import psycopg
import redis
from eventsourcing.persistence import IntegrityError, Tracking, TrackingRecorder
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composed, Identifier

from kino.projections.generations import Generations
from kino.projections.readable import readable, readable_cursor

RedisOp = Sequence[object]


class PostgresView(PostgresTrackingRecorder):
    """A PostgreSQL read model whose tables are named after its projection."""

    tables: ClassVar[dict[str, str]] = {}
    indexes: ClassVar[tuple[str, ...]] = ()  # "CREATE INDEX ... ON {name}(...)" templates

    def __init__(
        self, datastore: PostgresDatastore, *, tracking_table_name: str, **kwargs: Any
    ) -> None:
        super().__init__(datastore, tracking_table_name=tracking_table_name, **kwargs)
        self.prefix = tracking_table_name.removesuffix("_tracking")
        self._batch: Cursor[DictRow] | None = None
        self._batch_tracking: Tracking | None = None
        for suffix, columns in self.tables.items():
            self.sql_create_statements.append(
                SQL("CREATE TABLE IF NOT EXISTS {0} (" + columns + ")").format(self.table(suffix))
            )
        for index in self.indexes:
            names = {key: Identifier(self.table_name(key)) for key in self.tables}
            names["prefix"] = Identifier(self.prefix)
            self.sql_create_statements.append(SQL(index).format(**names))

    def create_table(self) -> None:
        super().create_table()
        self.publish_if_first()

    @property
    def base_name(self) -> str:
        """The projection's name without its generation: ``users`` for ``users_g2``."""
        base, _, generation = self.prefix.rpartition("_g")
        return base if base and generation.isdigit() else self.prefix

    def public_name(self, suffix: str) -> str:
        """The stable SQL view readers query; a rebuild re-points it atomically."""
        return f"{self.base_name}_{suffix}"

    def public_views(self) -> dict[str, str]:
        """Public SQL view name → this generation's table, tracking included."""
        views = {self.public_name(suffix): self.table_name(suffix) for suffix in self.tables}
        views[self.public_name("tracking")] = self.tracking_table_name
        return views

    def publish_if_first(self) -> None:
        """Point the public SQL views at this generation when none exist yet."""
        if self.base_name == self.prefix:
            return
        with self.datastore.transaction(commit=True) as curs:
            curs.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (self.base_name,))
            for public, table in self.public_views().items():
                curs.execute("SELECT to_regclass(%s) IS NULL AS missing", (public,))
                row = curs.fetchone()
                if row is not None and row["missing"]:
                    self._point_view(curs, public, table)

    def publish(self) -> None:
        """Re-point every public SQL view at this generation, in one transaction."""
        with self.datastore.transaction(commit=True) as curs:
            curs.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (self.base_name,))
            for public, table in self.public_views().items():
                curs.execute(SQL("DROP VIEW IF EXISTS {0}").format(Identifier(public)))
                self._point_view(curs, public, table)

    def switch_from(
        self, old: PostgresView, generations: Generations, name: str, generation: int
    ) -> bool:
        """Make this generation live unless it is behind ``old``, atomically.

        Locking the old tracking table stops the live projector from committing more rows to
        the old generation while the positions are compared and the views re-pointed.
        """

        def not_behind(conn: psycopg.Connection[Any]) -> bool:
            conn.execute(
                SQL("LOCK TABLE {0} IN SHARE ROW EXCLUSIVE MODE").format(
                    Identifier(old.tracking_table_name)
                )
            )
            positions = []
            for table in (self.tracking_table_name, old.tracking_table_name):
                row = conn.execute(
                    SQL(
                        "SELECT coalesce(max(notification_id), 0) FROM {0} "
                        "WHERE application_name <> '__migration__'"
                    ).format(Identifier(table))
                ).fetchone()
                positions.append(int(row[0]) if row else 0)
            return positions[0] >= positions[1]

        return generations.switch(name, generation, self.public_views(), guard=not_behind)

    def _point_view(self, curs: Cursor[DictRow], public: str, table: str) -> None:
        curs.execute(
            SQL("CREATE VIEW {0} AS SELECT * FROM {1}").format(
                Identifier(public), Identifier(table)
            )
        )

    def table_name(self, suffix: str) -> str:
        name = f"{self.prefix}_{suffix}"
        self.check_identifier_length(name)
        return name

    def table(self, suffix: str) -> Identifier:
        return Identifier(self.table_name(suffix))

    def sql(self, template: str, **tables: str) -> Composed:
        """Format ``template`` with ``{name}`` placeholders bound to this view's tables."""
        return SQL(template).format(**{key: self.table(value) for key, value in tables.items()})

    @contextmanager
    def tracked(self, tracking: Tracking) -> Iterator[Cursor[DictRow]]:
        """One transaction: the caller's writes and the tracking record, or neither.

        Inside ``batch()`` the writes join the batch's transaction instead, and only the
        batch's last tracking record is written, when the batch commits.
        """
        if self._batch is not None:
            self._batch_tracking = tracking
            yield self._batch
            return
        with self.datastore.transaction(commit=True) as curs:
            readable_cursor(curs)
            self._insert_tracking(curs, tracking)
            yield curs

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Many events in one transaction (rebuilds): rows and last position commit together."""
        with self.datastore.transaction(commit=True) as curs:
            self._batch, self._batch_tracking = readable_cursor(curs), None
            try:
                yield
                if self._batch_tracking is not None:
                    self._insert_tracking(curs, self._batch_tracking)
            finally:
                self._batch, self._batch_tracking = None, None

    def insert_tracking(self, tracking: Tracking) -> None:
        if self._batch is not None:
            self._batch_tracking = tracking
        else:
            super().insert_tracking(tracking)

    def drop(self) -> None:
        """Drop this generation's tables and tracking (used by rebuilds and tests)."""
        with self.datastore.transaction(commit=True) as curs:
            for suffix in self.tables:
                curs.execute(SQL("DROP TABLE IF EXISTS {0} CASCADE").format(self.table(suffix)))
            curs.execute(
                SQL("DROP TABLE IF EXISTS {0}").format(Identifier(self.tracking_table_name))
            )

    def needs_replay(self, application_name: str) -> bool:
        return False


_APPLY_SCRIPT = """
if redis.call('GET', KEYS[2]) ~= ARGV[3] then
  return -1
end
local position = tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if current < tonumber(ARGV[4]) then
  return -1
end
if current >= position then
  return 0
end
for _, op in ipairs(cjson.decode(ARGV[2])) do
  redis.call(unpack(op))
end
redis.call('SET', KEYS[1], position)
return 1
"""


_SWITCH_SCRIPT = """
local function positions(prefix)
  local result = {}
  local cursor = '0'
  repeat
    local page = redis.call('SCAN', cursor, 'MATCH', prefix .. ':*', 'COUNT', 100)
    cursor = page[1]
    for _, key in ipairs(page[2]) do
      result[string.sub(key, #prefix + 2)] = tonumber(redis.call('GET', key) or '0')
    end
  until cursor == '0'
  return result
end
local new, old = positions(KEYS[2]), positions(KEYS[3])
for application, position in pairs(old) do
  if (new[application] or 0) < position then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1])
return 1
"""


class RedisDataLostError(RuntimeError):
    """Redis lost this view's data (or went back in time) since the view started writing."""


class RedisView(TrackingRecorder):
    """A Redis read model; every key it writes starts with ``self.prefix``."""

    def __init__(self, client: redis.Redis, prefix: str) -> None:
        self.redis = client
        self.prefix = prefix
        self._apply = client.register_script(_APPLY_SCRIPT)
        self._pipeline: Any = None
        self._switch = client.register_script(_SWITCH_SCRIPT)
        self._epoch: str | None = None
        self._recorded: dict[str, int] = {}  # application → the last position this view wrote

    def key(self, *parts: object) -> str:
        return ":".join([self.prefix, *(str(part) for part in parts)])

    @property
    def pointer_key(self) -> str:
        """``<namespace>:<name>:live`` holds the live generation number readers follow."""
        base, _, generation = self.prefix.rpartition("_g")
        return f"{base}:live" if generation.isdigit() else f"{self.prefix}:live"

    @property
    def generation(self) -> int:
        _, _, generation = self.prefix.rpartition("_g")
        return int(generation) if generation.isdigit() else 1

    def publish_if_first(self) -> None:
        self.redis.set(self.pointer_key, self.generation, nx=True)
        self.claim_epoch()

    @property
    def epoch_key(self) -> str:
        return self.key("epoch")

    def claim_epoch(self) -> str:
        """Adopt the epoch of the keys Redis holds now, marking them first if unmarked."""
        self.redis.set(self.epoch_key, secrets.token_hex(8), nx=True)
        value = self.redis.get(self.epoch_key)
        self._epoch = value.decode() if isinstance(value, bytes) else str(value)
        return self._epoch

    def publish(self) -> None:
        self.redis.set(self.pointer_key, self.generation)

    def switch_from(
        self, old: RedisView, generations: Generations, name: str, generation: int
    ) -> bool:
        """Move the pointer here unless this generation is behind ``old`` (one Lua call)."""
        switched = self._switch(
            keys=[self.pointer_key, self.tracking_key_pattern(), old.tracking_key_pattern()],
            args=[self.generation],
        )
        if switched:
            generations.switch(name, generation, {})
        return bool(switched)

    def tracking_key_pattern(self) -> str:
        return self.key("tracking")

    def public_views(self) -> dict[str, str]:
        return {}

    def tracking_key(self, application_name: str) -> str:
        return self.key("tracking", application_name)

    def apply(self, tracking: Tracking, ops: Sequence[RedisOp]) -> None:
        application = tracking.application_name
        keys = [self.tracking_key(application), self.epoch_key]
        args: list[str | int] = [
            tracking.notification_id,
            json.dumps([[readable(str(x)) for x in op] for op in ops]),
            self._epoch or self.claim_epoch(),
            self._recorded.get(application, 0),
        ]
        if self._pipeline is not None:
            self._apply(keys=keys, args=args, client=self._pipeline)
            self._recorded[application] = tracking.notification_id
            return
        applied = self._apply(keys=keys, args=args)
        if applied == -1:
            raise RedisDataLostError(f"Redis lost the read model {self.prefix}: replay it")
        if not applied:
            msg = f"{application} {tracking.notification_id} was already applied"
            raise IntegrityError(msg)
        self._recorded[application] = tracking.notification_id

    def insert_tracking(self, tracking: Tracking) -> None:
        self.apply(tracking, [])

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Many events in one round trip (rebuilds); each stays atomic with its position."""
        self._pipeline = self.redis.pipeline(transaction=False)
        try:
            yield
            results = self._pipeline.execute()
        finally:
            self._pipeline = None
        if -1 in results:
            raise RedisDataLostError(f"Redis lost the read model {self.prefix}: replay it")
        if not all(results):
            raise IntegrityError("some events of the batch were already applied")

    def max_tracking_id(self, application_name: str) -> int | None:
        value = self.redis.get(self.tracking_key(application_name))
        return int(value) if value is not None else None

    def needs_replay(self, application_name: str) -> bool:
        """True when Redis lost this view's keys (restarted empty, flushed) or went back in
        time (restored an older snapshot) since this view claimed them."""
        if self._epoch is None:
            return False
        current = self.redis.get(self.epoch_key)
        if (current.decode() if isinstance(current, bytes) else current) != self._epoch:
            return True
        position = self.max_tracking_id(application_name) or 0
        return position < self._recorded.get(application_name, 0)

    def drop(self) -> None:
        cursor = 0
        while True:
            cursor, keys = self.redis.scan(cursor, match=self.prefix + ":*", count=1000)
            if keys:
                self.redis.unlink(*keys)
            if cursor == 0:
                break
