"""Rows waiting in a rebuild batch go out as one statement per declared insert."""

from __future__ import annotations

from typing import Any

from kino.projections.row_batch import MAX_ROWS, PendingRows, RowsInsert

USERS = RowsInsert(
    "users",
    "id int, email text",
    select="id, NULLIF(email, '')",
)
COUNTS = RowsInsert(
    "counts",
    "video_id text, comments int",
    on_conflict="ON CONFLICT (video_id) DO UPDATE SET comments = {table}.comments + 1",
    adds_to=1,
)


class RecordingCursor:
    def __init__(self) -> None:
        self.executed: list[tuple[str, Any]] = []

    def execute(self, statement: str, parameters: Any) -> None:
        self.executed.append((statement, parameters))


def statement(template: str, table: str) -> Any:
    return template.replace("{table}", table)


def test_rows_of_one_insert_go_out_as_one_statement_with_an_array_a_column() -> None:
    pending, curs = PendingRows(), RecordingCursor()
    for row in [(1, "a@x"), (2, ""), (3, "c@x")]:
        pending.add(USERS, row)
    pending.flush(curs, statement)  # type: ignore[arg-type]

    [(sql, parameters)] = curs.executed
    assert sql == (
        "INSERT INTO users (id, email) SELECT id, NULLIF(email, '') "
        "FROM unnest(%b::int[], %b::text[]) AS r(id, email)"
    )
    assert parameters == [[1, 2, 3], ["a@x", "", "c@x"]]


def test_an_upsert_that_adds_sums_rows_of_the_same_key_first() -> None:
    pending, curs = PendingRows(), RecordingCursor()
    for row in [("v1", 1), ("v2", 1), ("v1", 1), ("v1", -1)]:
        pending.add(COUNTS, row)
    pending.flush(curs, statement)  # type: ignore[arg-type]

    [(sql, parameters)] = curs.executed
    assert sql.endswith("ON CONFLICT (video_id) DO UPDATE SET comments = counts.comments + 1")
    assert parameters == [["v1", "v2"], [1, 1]]


def test_each_insert_keeps_its_rows_in_order_and_a_flush_empties_the_batch() -> None:
    pending, curs = PendingRows(), RecordingCursor()
    pending.add(USERS, (1, "a@x"))
    pending.add(COUNTS, ("v1", 1))
    pending.add(USERS, (2, "b@x"))
    pending.flush(curs, statement)  # type: ignore[arg-type]
    pending.flush(curs, statement)  # type: ignore[arg-type]

    assert [parameters for _, parameters in curs.executed] == [
        [[1, 2], ["a@x", "b@x"]],
        [["v1"], [1]],
    ]


def test_a_full_statement_is_announced_so_the_view_can_write_it() -> None:
    pending = PendingRows()
    full = [pending.add(USERS, (i, "")) for i in range(MAX_ROWS)]
    assert full[-1] and not any(full[:-1])


def test_one_row_is_the_same_insert_from_one_parameter_a_column() -> None:
    assert USERS.one_row_template == (
        "INSERT INTO {table} (id, email) SELECT id, NULLIF(email, '') "
        "FROM (VALUES (%s::int, %s::text)) AS r(id, email)"
    )
