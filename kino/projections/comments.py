"""The comments read model (PostgreSQL): comments with reply counts, and counts per video.

``comments``: one row per visible comment; a deleted top-level comment that still has
replies stays as a placeholder (``deleted``, empty body) and goes when its last reply goes.
``counts``: live comments (replies included) per video, for ``Video.commentCount``.
A reply whose parent was already gone when it was posted is not shown nor counted.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresDatastore
from eventsourcing.projection import Projection
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL

from kino.domain.comments import Comment
from kino.projections.postgres_view import PostgresView
from kino.projections.row_batch import RowsInsert

_INSERT_COMMENT = RowsInsert(
    "comments",
    "id uuid, video_id uuid, parent_id uuid, author_id uuid, body text, created_at timestamptz",
    on_conflict="ON CONFLICT (id) DO NOTHING",
)
_ADD_TO_COUNT = RowsInsert(
    "counts",
    "video_id uuid, comments int",
    on_conflict=(
        "ON CONFLICT (video_id) DO UPDATE SET comments = {table}.comments + EXCLUDED.comments"
    ),
    adds_to=1,
)


class CommentView(PostgresView):
    tables = {
        "comments": (
            "id uuid PRIMARY KEY, video_id uuid NOT NULL, parent_id uuid, author_id uuid NOT NULL, "
            "body text NOT NULL, created_at timestamptz NOT NULL, edited_at timestamptz, "
            "deleted boolean NOT NULL DEFAULT false, reply_count int NOT NULL DEFAULT 0"
        ),
        "counts": "video_id uuid PRIMARY KEY, comments int NOT NULL",
    }

    def __init__(self, datastore: PostgresDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        for suffix, definition in (
            ("top_idx", "(video_id, created_at DESC, id DESC) WHERE parent_id IS NULL"),
            ("replies_idx", "(parent_id, created_at, id) WHERE parent_id IS NOT NULL"),
        ):
            self.sql_create_statements.append(
                SQL("CREATE INDEX IF NOT EXISTS {0} ON {1} " + definition).format(
                    self.table(suffix), self.table("comments")
                )
            )

    def post(self, event: Comment.Posted, tracking: Tracking) -> None:
        row = (
            event.originator_id,
            event.video_id,
            event.parent_id,
            event.author_id,
            event.body,
            event.timestamp,
        )
        if event.parent_id is None:  # in a rebuild, top-level comments wait for one statement
            self.insert_rows(tracking, (_INSERT_COMMENT, row), (_ADD_TO_COUNT, (event.video_id, 1)))
            return
        with self.tracked(tracking) as curs:
            if not self._bump_replies(curs, event.parent_id, 1):
                return
            self.write_row(curs, _INSERT_COMMENT, row)
            self._count(curs, event.video_id, 1)

    def edit(self, event: Comment.Edited, tracking: Tracking) -> None:
        with self.tracked(tracking) as curs:
            curs.execute(
                self.sql(
                    "UPDATE {comments} SET body = %s, edited_at = %s WHERE id = %s",
                    comments="comments",
                ),
                (event.body, event.timestamp, event.originator_id),
            )

    def delete(self, event: Comment.Deleted, tracking: Tracking) -> None:
        with self.tracked(tracking) as curs:
            curs.execute(
                self.sql(
                    "UPDATE {comments} SET deleted = true, body = '' "
                    "WHERE id = %s AND reply_count > 0 RETURNING video_id",
                    comments="comments",
                ),
                (event.originator_id,),
            )
            row = curs.fetchone()
            if row is None:
                curs.execute(
                    self.sql(
                        "DELETE FROM {comments} WHERE id = %s RETURNING video_id, parent_id",
                        comments="comments",
                    ),
                    (event.originator_id,),
                )
                row = curs.fetchone()
                if row is None:
                    return
                if row["parent_id"] is not None:
                    self._bump_replies(curs, row["parent_id"], -1)
                    curs.execute(
                        self.sql(
                            "DELETE FROM {comments} WHERE id = %s AND deleted AND reply_count = 0",
                            comments="comments",
                        ),
                        (row["parent_id"],),
                    )
            self._count(curs, row["video_id"], -1)

    def _bump_replies(self, curs: Cursor[DictRow], parent_id: Any, delta: int) -> bool:
        curs.execute(
            self.sql(
                "UPDATE {comments} SET reply_count = reply_count + %s WHERE id = %s",
                comments="comments",
            ),
            (delta, parent_id),
        )
        return curs.rowcount == 1

    def _count(self, curs: Cursor[DictRow], video_id: Any, delta: int) -> None:
        curs.execute(
            self.sql(
                "INSERT INTO {counts} (video_id, comments) VALUES (%s, %s) ON CONFLICT (video_id) "
                "DO UPDATE SET comments = {counts}.comments + EXCLUDED.comments",
                counts="counts",
            ),
            (video_id, delta),
        )


class CommentProjection(Projection[CommentView]):
    name = "comments"

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.insert_tracking(tracking)

    @process_event.register
    def _(self, domain_event: Comment.Posted, tracking: Tracking) -> None:
        self.view.post(domain_event, tracking)

    @process_event.register
    def _(self, domain_event: Comment.Edited, tracking: Tracking) -> None:
        self.view.edit(domain_event, tracking)

    @process_event.register
    def _(self, domain_event: Comment.Deleted, tracking: Tracking) -> None:
        self.view.delete(domain_event, tracking)
