"""Queries of the live context: a stream by id, and the streams (live now, or all)."""

from __future__ import annotations

import strawberry

from kino.graphql.context import Info
from kino.graphql.ids import check_page_size, offset_cursor, parse_id, parse_offset_cursor
from kino.graphql.live.types import LiveStreamType
from kino.graphql.pagination import Connection, connection
from kino.queries.live import LiveStreamRecord


@strawberry.type
class LiveQuery:
    @strawberry.field
    async def live_stream(self, info: Info, id: strawberry.ID) -> LiveStreamType | None:
        record = await info.context.container.live.streams.stream(parse_id(id))
        return LiveStreamType.from_record(record) if record else None

    @strawberry.field
    async def live_streams(
        self,
        info: Info,
        first: int | None = 20,
        after: str | None = None,
        live_only: bool | None = True,
    ) -> Connection[LiveStreamType]:
        offset = parse_offset_cursor(after)
        size = check_page_size(20 if first is None else first)
        records, more = await info.context.container.live.streams.page(
            size, offset, live_only is not False
        )
        return stream_page(records, more, offset, size)

    @strawberry.field(description="The signed-in user's own streams, newest first.")
    async def my_live_streams(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> Connection[LiveStreamType]:
        viewer = await info.context.require_viewer()
        offset = parse_offset_cursor(after)
        size = check_page_size(20 if first is None else first)
        records, more = await info.context.container.live.streams.owned(
            viewer.user_id, size, offset
        )
        return stream_page(records, more, offset, size)


def stream_page(
    records: list[LiveStreamRecord], more: bool, offset: int, size: int
) -> Connection[LiveStreamType]:
    """A page of streams, with cursors counting from the start of the list."""
    numbered = list(enumerate(records, start=offset + 1))
    return connection(
        numbered,
        size,
        lambda row: offset_cursor(row[0]),
        lambda row: LiveStreamType.from_record(row[1]),
        more=more,
    )
