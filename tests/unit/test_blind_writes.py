"""Views whose rebuilds run in psycopg's pipeline mode read no statement's result there.

In pipeline mode ``rowcount`` is known only after the batch ends: a handler that reads it
(or a ``RETURNING`` row) would decide on a wrong value (rebuilt comments lost their replies
that way). A view may declare ``blind_writes`` only while none of its code reads results.
"""

from __future__ import annotations

import inspect

from kino.projections.comments import CommentView
from kino.projections.postgres_view import PostgresView
from kino.projections.users import UserView
from kino.projections.videos import VideoView

READS = ("rowcount", "fetchone", "fetchall", "fetchmany", "RETURNING")


def test_pipelined_views_read_no_statement_results() -> None:
    blind = [view for view in (UserView, VideoView, CommentView) if view.blind_writes]
    assert blind == [UserView, VideoView]
    for view in blind:
        source = inspect.getsource(view)
        assert [word for word in READS if word in source] == [], view.__name__


def test_a_view_that_reads_results_keeps_its_statements_one_by_one() -> None:
    assert PostgresView.blind_writes is False
    assert "rowcount" in inspect.getsource(CommentView)
