"""Read-model views that record their tracking position atomically with their rows.

``PostgresView``: subclasses declare ``tables`` (suffix → column DDL) and write
rows inside ``self.tracked(tracking)``, one transaction with the tracking record.

``RedisView``: an event becomes a list of Redis commands applied by one Lua
script that first checks and then sets the tracking position, so a crash can
never apply an event twice or skip one. ``publish`` commands in that list go out
only after the read model is updated, in the same atomic call.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar

import redis
from eventsourcing.persistence import IntegrityError, Tracking, TrackingRecorder
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composed, Identifier

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
        """One transaction: the caller's writes and the tracking record, or neither."""
        with self.datastore.transaction(commit=True) as curs:
            self._insert_tracking(curs, tracking)
            yield curs

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
local position = tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if current >= position then
  return 0
end
for _, op in ipairs(cjson.decode(ARGV[2])) do
  redis.call(unpack(op))
end
redis.call('SET', KEYS[1], position)
return 1
"""


class RedisView(TrackingRecorder):
    """A Redis read model; every key it writes starts with ``self.prefix``."""

    def __init__(self, client: redis.Redis, prefix: str) -> None:
        self.redis = client
        self.prefix = prefix
        self._apply = client.register_script(_APPLY_SCRIPT)
        self._has_recorded = False

    def key(self, *parts: object) -> str:
        return ":".join([self.prefix, *(str(part) for part in parts)])

    def tracking_key(self, application_name: str) -> str:
        return self.key("tracking", application_name)

    def apply(self, tracking: Tracking, ops: Sequence[RedisOp]) -> None:
        applied = self._apply(
            keys=[self.tracking_key(tracking.application_name)],
            args=[tracking.notification_id, json.dumps([[str(x) for x in op] for op in ops])],
        )
        if not applied:
            msg = f"{tracking.application_name} {tracking.notification_id} was already applied"
            raise IntegrityError(msg)
        self._has_recorded = True

    def insert_tracking(self, tracking: Tracking) -> None:
        self.apply(tracking, [])

    def max_tracking_id(self, application_name: str) -> int | None:
        value = self.redis.get(self.tracking_key(application_name))
        return int(value) if value is not None else None

    def needs_replay(self, application_name: str) -> bool:
        """True when Redis lost this view (restarted empty) after it had recorded."""
        return self._has_recorded and self.max_tracking_id(application_name) is None

    def drop(self) -> None:
        cursor = 0
        while True:
            cursor, keys = self.redis.scan(cursor, match=self.prefix + ":*", count=1000)
            if keys:
                self.redis.unlink(*keys)
            if cursor == 0:
                break
