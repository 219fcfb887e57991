"""Rows a rebuild writes with multi-row statements instead of one statement per event.

A view declares each such statement as a ``RowsInsert`` (the table, its typed columns, what
happens on conflict). Outside a batch a row is written at once; inside
``PostgresView.batch()`` the rows wait in ``PendingRows`` and go out as one
``INSERT ... SELECT ... FROM unnest(<one array per column>)`` per statement, before any other
statement of the batch runs and before the batch's position is recorded. So every statement a
handler runs itself (and may read ``rowcount`` or ``RETURNING`` of) sees the rows of every
earlier event, as it would event by event.

One array per column keeps the statement text the same for any number of rows: psycopg parses
it once and PostgreSQL prepares it (a ``VALUES`` list of thousands of placeholders was parsed
again by psycopg for every page, which cost more than the rows saved). The arrays go in binary
(``%b``): five times faster to send than psycopg's text arrays.

What may wait is therefore only what commutes with the other waiting rows: one declared
statement per table, whose rows give the same table in any grouping (a plain insert, an
insert that ignores conflicts in row order, or an upsert that adds: ``adds_to``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL

MAX_ROWS = 2_000  # rows per statement (a rebuild page holds at most as many events)

Row = Sequence[Any]
StatementFor = Callable[[str, str], SQL]  # (template, table suffix) → statement


@dataclass(frozen=True)
class RowsInsert:
    """An INSERT that a batch may write for many rows in one statement.

    ``select`` says what to insert from the row's columns (the columns by default; it may
    wrap one, as in ``NULLIF(email, '')``). ``adds_to`` > 0 makes it an upsert that adds:
    rows whose first ``adds_to`` values are equal are summed into one before they are written
    (one statement cannot update the same row twice), and ``on_conflict`` adds
    ``EXCLUDED``'s values to the row already there.
    """

    table: str  # the table's suffix in the view's ``tables``
    columns: str  # "name type, name type, ...", as in a table's DDL
    on_conflict: str = ""  # "ON CONFLICT (id) DO NOTHING", with ``{table}`` for the table
    select: str = ""
    adds_to: int = 0

    @cached_property
    def typed_columns(self) -> list[tuple[str, str]]:
        """(name, SQL type) of each column."""
        pairs = (column.split(maxsplit=1) for column in self.columns.split(","))
        return [(name, sql_type) for name, sql_type in pairs]

    @cached_property
    def template(self) -> str:
        """The statement for many rows, ``{table}`` standing for the table: one array
        parameter a column."""
        arrays = ", ".join(f"%b::{sql_type}[]" for _, sql_type in self.typed_columns)
        return self._insert(f"unnest({arrays})")

    @cached_property
    def one_row_template(self) -> str:
        """The same statement for one row (live projection): one parameter a column."""
        values = ", ".join(f"%s::{sql_type}" for _, sql_type in self.typed_columns)
        return self._insert(f"(VALUES ({values}))")

    def _insert(self, source: str) -> str:
        names = ", ".join(name for name, _ in self.typed_columns)
        statement = (
            f"INSERT INTO {{table}} ({names}) SELECT {self.select or names} "  # noqa: S608 - declared names
            f"FROM {source} AS r({names}) {self.on_conflict}"
        )
        return statement.rstrip()

    def parameters(self, rows: Sequence[Row]) -> list[list[Any]]:
        """One list per column."""
        return [list(column) for column in zip(*rows, strict=True)]


class PendingRows:
    """The rows waiting in a batch, per declared statement, in the order they came."""

    def __init__(self) -> None:
        self._rows: dict[RowsInsert, list[Row]] = {}
        self._sums: dict[RowsInsert, dict[tuple[Any, ...], list[Any]]] = {}

    def add(self, insert: RowsInsert, row: Row) -> bool:
        """Keep ``row``; True when its statement has a full statement's worth waiting."""
        if insert.adds_to:
            return self._add_to_sum(insert, row)
        rows = self._rows.setdefault(insert, [])
        rows.append(row)
        return len(rows) >= MAX_ROWS

    def flush(self, curs: Cursor[DictRow], statement: StatementFor) -> None:
        """Write every waiting row, one multi-row statement per declared statement."""
        for insert, rows in self._rows.items():
            for start in range(0, len(rows), MAX_ROWS):
                chunk = rows[start : start + MAX_ROWS]
                curs.execute(statement(insert.template, insert.table), insert.parameters(chunk))
        self._rows.clear()
        self._sums.clear()

    def _add_to_sum(self, insert: RowsInsert, row: Row) -> bool:
        sums = self._sums.setdefault(insert, {})
        key = tuple(row[: insert.adds_to])
        summed = sums.get(key)
        if summed is None:
            summed = sums[key] = list(row)
            self._rows.setdefault(insert, []).append(summed)
        else:
            for index in range(insert.adds_to, len(row)):
                summed[index] += row[index]
        return len(sums) >= MAX_ROWS
