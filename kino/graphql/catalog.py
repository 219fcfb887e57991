"""GraphQL for watching: the catalog (list, search, a channel) and view counting."""

from __future__ import annotations

from uuid import UUID

import strawberry

from kino.domain.errors import BadInputError, NotFoundError
from kino.domain.identity import handle_to_find
from kino.domain.text import opaque
from kino.domain.video_rules import search_text
from kino.graphql.context import Info
from kino.graphql.inputs import bounded
from kino.graphql.pagination import PageInfo, cut
from kino.graphql.video_types import VideoType
from kino.graphql.videos import parse_id
from kino.queries.cursors import check_first, decode_cursor
from kino.queries.videos import PageRequest


@strawberry.type(name="VideoEdge")
class VideoEdge:
    cursor: str
    node: VideoType


@strawberry.type(name="VideoConnection")
class VideoConnection:
    edges: list[VideoEdge]
    page_info: PageInfo


@strawberry.type
class CatalogQuery:
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
    ) -> VideoConnection:
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
    ) -> VideoConnection:
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
) -> VideoConnection:
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
    rows = await info.context.services.videos.catalog.page(request)
    edges, page_info = cut(
        rows,
        request.first,
        lambda cursor, row: VideoEdge(cursor=cursor, node=VideoType.from_record(info.context, row)),
    )
    return VideoConnection(edges=edges, page_info=page_info)


@strawberry.type
class CatalogMutation:
    @strawberry.mutation(
        description="Report that a video has been playing for `secondsWatched` seconds. "
        "Counts once per viewer (the signed-in user, else `viewerId`, an id the client keeps) "
        "per video per hour, from 5 seconds of play. True when this report counted a view."
    )
    async def record_view(
        self,
        info: Info,
        video_id: strawberry.ID,
        seconds_watched: float,
        viewer_id: str | None = None,
    ) -> bool:
        viewer = await info.context.viewer()
        anonymous = opaque(viewer_id or "", field="viewerId", max_length=64).strip()
        if viewer is None and not anonymous:
            raise BadInputError("Send a viewerId (or sign in).", field="viewerId")
        if not 0 <= seconds_watched <= 7 * 24 * 3600:
            raise BadInputError("secondsWatched is out of range.", field="secondsWatched")
        record = await info.context.services.videos.catalog.by_id(parse_id(video_id, "videoId"))
        user_id = viewer.user_id if viewer else None
        if record is None or record.status != "READY" or not record.visible_to(user_id):
            raise NotFoundError("There is no such video.")
        key = f"user:{user_id}" if user_id else f"anon:{anonymous}"
        return await info.context.services.videos.views.record(record.id, key, seconds_watched)
