"""A PostgreSQL view's transactions do not wait for the WAL flush (they are replayable from the
event store), and nothing else in the session inherits that."""

from __future__ import annotations

import secrets
from typing import Any

from eventsourcing.persistence import Tracking

from kino.bootstrap.projections import projection_tools, read_model_spec
from kino.infrastructure.settings import Settings


def synchronous_commit(curs: Any) -> str:
    curs.execute("SHOW synchronous_commit")
    return str(curs.fetchone()["synchronous_commit"])


def test_a_view_commits_its_rows_and_position_without_waiting_for_the_disk(
    settings: Settings, endpoints: Any
) -> None:
    tools = projection_tools(settings, endpoints)
    # A scratch users view of its own (no generation suffix: never published, never live).
    view: Any = tools.view(read_model_spec("users"), f"viewcommits{secrets.token_hex(4)}")
    view.create_table()
    insert_tracking, alone = view._insert_tracking, []

    def noting_the_setting(curs: Any, tracking: Tracking) -> None:
        alone.append(synchronous_commit(curs))
        insert_tracking(curs, tracking)

    try:
        with view.tracked(Tracking("commit-test", 1)) as curs:
            inside = synchronous_commit(curs)
        view._insert_tracking = noting_the_setting
        view.insert_tracking(Tracking("commit-test", 2))  # a position without rows
        with view.batch():
            in_a_batch = synchronous_commit(view._batch)
        with view.datastore.transaction(commit=False) as curs:  # the pool's one connection
            afterwards = synchronous_commit(curs)
        position = view.max_tracking_id("commit-test")
    finally:
        view.drop()

    assert (inside, alone, in_a_batch, afterwards) == ("off", ["off"], "off", "on")
    assert position == 2  # committed all the same
