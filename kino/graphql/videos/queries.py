"""Queries of the videos context: a video by id, the catalog (list, search, a channel) and
the signed-in user's own videos."""

from __future__ import annotations

from uuid import UUID

import strawberry

from kino.domain.identity import handle_to_find
from kino.domain.video_rules import search_text
from kino.domain.video_values import Visibility
from kino.graphql.context import Info
from kino.graphql.ids import bounded, parse_id
from kino.graphql.pagination import Connection, connection, keyset_cursor
from kino.graphql.videos.types import VideoType
from kino.queries.cursors import check_first, decode_cursor
from kino.queries.videos import PageRequest


@strawberry.type
class VideosQuery:
    @strawberry.field
    async def video(self, info: Info, id: strawberry.ID) -> VideoType | None:
        record = await info.context.container.videos.catalog.by_id(parse_id(id))
        if record is None:
            return None
        viewer = await info.context.viewer() if record.visibility is Visibility.PRIVATE else None
        if not record.visible_to(viewer.user_id if viewer else None):
            return None
        return VideoType.from_record(info.context, record)

    @strawberry.field(
        description="READY PUBLIC videos, newest first; `query` searches titles and "
        "descriptions, `ownerHandle` keeps one channel's."
    )
    async def videos(
        self,
        info: Info,
        first: int | None = 20,
        after: str | None = None,
        query: str | None = None,
        owner_handle: str | None = None,
    ) -> Connection[VideoType]:
        return await _page(info, first, after, query, owner_handle=owner_handle)

    @strawberry.field(
        description="The signed-in user's own videos, any visibility and status, newest first."
    )
    async def my_videos(
        self,
        info: Info,
        first: int | None = 20,
        after: str | None = None,
        query: str | None = None,
    ) -> Connection[VideoType]:
        viewer = await info.context.require_viewer()
        return await _page(info, first, after, query, mine=viewer.user_id)


async def _page(
    info: Info,
    first: int | None,
    after: str | None,
    query: str | None,
    *,
    owner_handle: str | None = None,
    mine: UUID | None = None,
) -> Connection[VideoType]:
    request = PageRequest(
        first=check_first(first),
        after=decode_cursor(bounded(after, "after", 200)),
        search=search_text(bounded(query, "query", 1000)),
        owner_handle=(
            None
            if owner_handle is None
            else handle_to_find(bounded(owner_handle, "ownerHandle", 64), field="ownerHandle")
        ),
        mine=mine,
    )
    rows = await info.context.container.videos.catalog.page(request)
    return connection(
        rows, request.first, keyset_cursor, lambda row: VideoType.from_record(info.context, row)
    )
