"""The video catalog read model (PostgreSQL): one row per video, behind ``video(id)``.

Its columns are what listing and search need as well (owner, title, description,
visibility, status, created_at, a ``search`` tsvector with a GIN index); renditions are
kept as JSON, lowest first.
A deleted video's row is removed.

Upgrading: the ``storyboard_key`` column (hover previews) exists only in generations made
since; a deployment that ran before it runs ``kino projections rebuild videos``. Indexes are
created if missing whenever the view starts (``CREATE INDEX IF NOT EXISTS``): the ``channel``
index arrives on the live generation with the next projector start (it blocks the catalog's
writes while it is built: seconds per million videos), or with a rebuild.
"""

from __future__ import annotations

import json
from typing import Any

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresDatastore
from eventsourcing.projection import Projection
from psycopg.sql import SQL, Identifier
from psycopg.types.json import Jsonb

from kino.domain.video_values import VideoStatus, Visibility
from kino.domain.videos import Video
from kino.projections.postgres_view import PostgresView
from kino.projections.row_batch import RowsInsert
from kino.projections.view_counts import VIEW_TOTALS_DDL

_LISTED = f"visibility = '{Visibility.PUBLIC}' AND status = '{VideoStatus.READY}'"
_INSERT_VIDEO = RowsInsert(
    "videos",
    "id uuid, owner_id uuid, title text, description text, visibility text, status text, "
    "filename text, size_bytes bigint, created_at timestamptz, updated_at timestamptz",
    on_conflict="ON CONFLICT (id) DO NOTHING",
)


class VideoView(PostgresView):
    blind_writes = True  # no handler reads a statement's result: pipelined rebuilds
    tables = {
        "videos": (
            "id uuid PRIMARY KEY, owner_id uuid NOT NULL, title text NOT NULL, "
            "description text NOT NULL, visibility text NOT NULL, status text NOT NULL, "
            "filename text NOT NULL, size_bytes bigint NOT NULL, "
            "created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL, "
            "ready_at timestamptz, duration_seconds double precision, width int, height int, "
            "renditions jsonb NOT NULL DEFAULT '[]', playback_key text, thumbnail_key text, "
            "poster_key text, storyboard_key text, failure_reason text, "
            "search tsvector GENERATED ALWAYS AS ("
            "setweight(to_tsvector('simple', title), 'A') || "
            "setweight(to_tsvector('simple', description), 'B')) STORED"
        )
    }

    def __init__(self, datastore: PostgresDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        table = self.table("videos")
        for suffix, definition in (
            ("owner", "(owner_id, created_at DESC, id DESC)"),
            ("public", f"(created_at DESC, id DESC) WHERE {_LISTED}"),
            # A channel's page reads its listed videos in order and stops at the page; with
            # only ``owner`` it read and sorted all of a channel's videos (5x slower at 1,000
            # videos a channel: bench/scale.py).
            ("channel", f"(owner_id, created_at DESC, id DESC) WHERE {_LISTED}"),
            ("search", "USING gin (search)"),
        ):
            name = Identifier(self.table_name(f"{suffix}_idx"))
            self.sql_create_statements.append(
                SQL("CREATE INDEX IF NOT EXISTS {0} ON {1} " + definition).format(name, table)
            )
        # View counts come from Redis, not events: a rebuild must keep them (not a generation).
        self.sql_create_statements.extend(SQL(statement).format() for statement in VIEW_TOTALS_DDL)

    def insert(self, event: Video.UploadCreated, tracking: Tracking) -> None:
        row = (
            event.originator_id,
            event.owner_id,
            event.title,
            event.description,
            event.visibility,
            VideoStatus.AWAITING_UPLOAD,
            event.filename,
            event.size_bytes,
            event.timestamp,
            event.timestamp,
        )
        self.insert_rows(tracking, (_INSERT_VIDEO, row))

    def update(self, event: Any, tracking: Tracking, **columns: Any) -> None:
        assignments = ", ".join(f"{name} = %s" for name in columns)
        with self.tracked(tracking) as curs:
            curs.execute(
                self.sql(
                    f"UPDATE {{videos}} SET {assignments}, updated_at = %s WHERE id = %s",  # noqa: S608
                    videos="videos",
                ),
                (*columns.values(), event.timestamp, event.originator_id),
            )

    def add_rendition(self, event: Video.RenditionAdded, tracking: Tracking) -> None:
        rendition = json.dumps([event.rendition])
        with self.tracked(tracking) as curs:
            curs.execute(
                self.sql(
                    "UPDATE {videos} SET renditions = ("
                    " SELECT jsonb_agg(r ORDER BY (r->>'height')::int, (r->>'bandwidth')::int)"
                    " FROM jsonb_array_elements(renditions || %s::jsonb) AS r), "
                    "playback_key = %s, updated_at = %s WHERE id = %s",
                    videos="videos",
                ),
                (rendition, event.master_key, event.timestamp, event.originator_id),
            )

    def delete(self, event: Video.Deleted, tracking: Tracking) -> None:
        with self.tracked(tracking) as curs:
            curs.execute(
                self.sql("DELETE FROM {videos} WHERE id = %s", videos="videos"),
                (event.originator_id,),
            )


class VideoProjection(Projection[VideoView]):
    name = "videos"

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.insert_tracking(tracking)

    @process_event.register
    def _(self, domain_event: Video.UploadCreated, tracking: Tracking) -> None:
        self.view.insert(domain_event, tracking)

    @process_event.register
    def _(self, domain_event: Video.UploadCompleted, tracking: Tracking) -> None:
        self.view.update(domain_event, tracking, status=VideoStatus.PROCESSING)

    @process_event.register
    def _(self, domain_event: Video.Probed, tracking: Tracking) -> None:
        self.view.update(
            domain_event,
            tracking,
            duration_seconds=domain_event.duration_seconds,
            width=domain_event.width or None,
            height=domain_event.height or None,
        )

    @process_event.register
    def _(self, domain_event: Video.RenditionAdded, tracking: Tracking) -> None:
        self.view.add_rendition(domain_event, tracking)

    @process_event.register
    def _(self, domain_event: Video.ImagesAdded, tracking: Tracking) -> None:
        self.view.update(
            domain_event,
            tracking,
            thumbnail_key=domain_event.thumbnail_key,
            poster_key=domain_event.poster_key,
        )

    @process_event.register
    def _(self, domain_event: Video.StoryboardAdded, tracking: Tracking) -> None:
        self.view.update(domain_event, tracking, storyboard_key=domain_event.index_key)

    @process_event.register
    def _(self, domain_event: Video.BecameReady, tracking: Tracking) -> None:
        self.view.update(
            domain_event, tracking, status=VideoStatus.READY, ready_at=domain_event.timestamp
        )

    @process_event.register
    def _(self, domain_event: Video.Failed, tracking: Tracking) -> None:
        self.view.update(
            domain_event,
            tracking,
            status=VideoStatus.FAILED,
            failure_reason=domain_event.reason,
            renditions=Jsonb([]),  # the janitor removes a failed video's media
            playback_key=None,
            thumbnail_key=None,
            poster_key=None,
            storyboard_key=None,
        )

    @process_event.register
    def _(self, domain_event: Video.DetailsEdited, tracking: Tracking) -> None:
        self.view.update(
            domain_event,
            tracking,
            title=domain_event.title,
            description=domain_event.description,
        )

    @process_event.register
    def _(self, domain_event: Video.VisibilityChanged, tracking: Tracking) -> None:
        self.view.update(domain_event, tracking, visibility=domain_event.visibility)

    @process_event.register
    def _(self, domain_event: Video.Deleted, tracking: Tracking) -> None:
        self.view.delete(domain_event, tracking)
