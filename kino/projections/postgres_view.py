"""A PostgreSQL read model whose rows commit in one transaction with its tracking position.

Subclasses declare ``tables`` (suffix → column DDL) and write rows inside
``self.tracked(tracking)``. Each generation has its own tables, ``<projection>_g<N>_<suffix>``;
readers query the stable public SQL views ``<projection>_<suffix>`` (``public_names``), which
a rebuild re-points atomically (ADR 1). Every string parameter goes through
``kino.projections.readable`` (a dumper on the view's cursors), so an event stored with a NUL
before the text rule existed is projected the same way every time instead of failing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager, nullcontext
from typing import Any, ClassVar

import psycopg
from eventsourcing.persistence import InfrastructureFactory, Tracking
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from eventsourcing.utils import Environment
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from kino.projections.generations import Generations
from kino.projections.readable import readable_cursor
from kino.projections.row_batch import PendingRows, Row, RowsInsert

# A view's transaction (its rows and its tracking record) does not wait for the WAL flush.
# PostgreSQL keeps it atomic and in order: a crash can only lose the last few hundred
# milliseconds of commits, rows and positions together, and the projection processes those
# events again from the event store, which keeps waiting for its own commits. What it saves
# is a disk flush per event on the live path, where the lag a reader waits for is made.
NO_COMMIT_WAIT = "SET LOCAL synchronous_commit = off"


def public_view_name(projection: str, suffix: str) -> str:
    """The stable SQL view readers query for one table of a projection."""
    return f"{projection}_{suffix}"


class PostgresView(PostgresTrackingRecorder):
    """A PostgreSQL read model whose tables are named after its projection."""

    tables: ClassVar[dict[str, str]] = {}
    indexes: ClassVar[tuple[str, ...]] = ()  # "CREATE INDEX ... ON {name}(...)" templates
    # True only for a view whose handlers never read what a statement returns (``rowcount``,
    # ``RETURNING``): its rebuild batches run in psycopg's pipeline mode, where results arrive
    # only when the batch ends (rebuilt comments, which read ``rowcount``, lost their replies
    # that way: the comments view keeps False).
    blind_writes: ClassVar[bool] = False

    @classmethod
    def public_names(cls, projection: str) -> dict[str, str]:
        """Table suffix (and ``tracking``) → the public SQL view readers query."""
        suffixes = (*cls.tables, "tracking")
        return {suffix: public_view_name(projection, suffix) for suffix in suffixes}

    def __init__(
        self, datastore: PostgresDatastore, *, tracking_table_name: str, **kwargs: Any
    ) -> None:
        super().__init__(datastore, tracking_table_name=tracking_table_name, **kwargs)
        self.prefix = tracking_table_name.removesuffix("_tracking")
        self._batch: Cursor[DictRow] | None = None
        self._batch_tracking: Tracking | None = None
        self._pending = PendingRows()
        self._statements: dict[tuple[str, tuple[tuple[str, str], ...]], SQL] = {}
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

    # Naming: this generation's tables, and the public views readers query.

    @property
    def base_name(self) -> str:
        """The projection's name without its generation: ``users`` for ``users_g2``."""
        base, _, generation = self.prefix.rpartition("_g")
        return base if base and generation.isdigit() else self.prefix

    def table_name(self, suffix: str) -> str:
        name = f"{self.prefix}_{suffix}"
        self.check_identifier_length(name)
        return name

    def table(self, suffix: str) -> Identifier:
        return Identifier(self.table_name(suffix))

    def sql(self, template: str, **tables: str) -> SQL:
        """Format ``template`` with ``{name}`` placeholders bound to this view's tables.

        Made once per statement and view: psycopg then recognises the same statement text
        on every execution instead of composing and quoting it again per event."""
        key = (template, tuple(sorted(tables.items())))
        statement = self._statements.get(key)
        if statement is None:
            composed = SQL(template).format(
                **{name: self.table(suffix) for name, suffix in tables.items()}
            )
            statement = SQL(composed.as_string())
            self._statements[key] = statement
        return statement

    def public_views(self) -> dict[str, str]:
        """Public SQL view name → this generation's table, tracking included."""
        public = self.public_names(self.base_name)
        views = {public[suffix]: self.table_name(suffix) for suffix in self.tables}
        views[public["tracking"]] = self.tracking_table_name
        return views

    def location(self) -> str:
        return "tables " + ", ".join(self.table_name(suffix) for suffix in self.tables)

    # Writing: rows and their position in one transaction.

    @contextmanager
    def tracked(self, tracking: Tracking) -> Iterator[Cursor[DictRow]]:
        """One transaction: the caller's writes and the tracking record, or neither.

        Inside ``batch()`` the writes join the batch's transaction instead (after the rows
        waiting to be inserted, so they see them), and only the batch's last tracking record
        is written, when the batch commits.
        """
        if self._batch is not None:
            self._flush_pending(self._batch)
            self._batch_tracking = tracking
            yield self._batch
            return
        with self.datastore.transaction(commit=True) as curs:
            readable_cursor(curs)
            curs.execute(NO_COMMIT_WAIT)
            self._insert_tracking(curs, tracking)
            yield curs

    def insert_rows(self, tracking: Tracking, *rows: tuple[RowsInsert, Row]) -> None:
        """Insert rows, each by its declared statement, with ``tracking``.

        Inside ``batch()`` they wait and go out as multi-row statements
        (``kino.projections.row_batch``); outside, one transaction writes them at once.
        """
        if self._batch is None:
            with self.tracked(tracking) as curs:
                for insert, row in rows:
                    self.write_row(curs, insert, row)
            return
        self._batch_tracking = tracking
        full = [insert for insert, row in rows if self._pending.add(insert, row)]
        if full:
            self._flush_pending(self._batch)

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Many events in one transaction (rebuilds): rows and last position commit together.

        Declared inserts go out as multi-row statements; the other statements one by one,
        or queued in psycopg's pipeline mode for a view that declares ``blind_writes``."""
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(NO_COMMIT_WAIT)
            self._batch, self._batch_tracking = readable_cursor(curs), None
            try:
                with curs.connection.pipeline() if self.blind_writes else nullcontext():
                    yield
                    self._flush_pending(curs)
                    if self._batch_tracking is not None:
                        self._insert_tracking(curs, self._batch_tracking)
            finally:
                self._batch, self._batch_tracking = None, None
                self._pending = PendingRows()

    def write_row(self, curs: Cursor[DictRow], insert: RowsInsert, row: Row) -> None:
        """Insert one row by its declared statement, now, in ``curs``'s transaction."""
        curs.execute(self._statement(insert.one_row_template, insert.table), row)

    def _flush_pending(self, curs: Cursor[DictRow]) -> None:
        self._pending.flush(curs, self._statement)

    def _statement(self, template: str, table: str) -> SQL:
        return self.sql(template, table=table)

    def insert_tracking(self, tracking: Tracking) -> None:
        """A position alone (an event that changes nothing here), committed like rows are."""
        if self._batch is not None:
            self._batch_tracking = tracking
            return
        with self.tracked(tracking):
            pass

    def needs_replay(self, application_name: str) -> bool:
        # PostgreSQL keeps what it committed, rows and position together: a crash that loses
        # the last commits (see NO_COMMIT_WAIT) takes their positions with them.
        return False

    # Generations: publish, switch, drop.

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

    def drop(self) -> None:
        """Drop this generation's tables and tracking (used by rebuilds and tests)."""
        with self.datastore.transaction(commit=True) as curs:
            for suffix in self.tables:
                curs.execute(SQL("DROP TABLE IF EXISTS {0} CASCADE").format(self.table(suffix)))
            curs.execute(
                SQL("DROP TABLE IF EXISTS {0}").format(Identifier(self.tracking_table_name))
            )

    def _point_view(self, curs: Cursor[DictRow], public: str, table: str) -> None:
        curs.execute(
            SQL("CREATE VIEW {0} AS SELECT * FROM {1}").format(
                Identifier(public), Identifier(table)
            )
        )


def construct_postgres_view(
    view_class: type[PostgresView], name: str, env: Mapping[str, str]
) -> PostgresView:
    """Build a PostgreSQL view whose tables are prefixed ``name``."""
    factory = InfrastructureFactory[PostgresView].construct(env=Environment(name, dict(env)))
    return factory.tracking_recorder(view_class)
