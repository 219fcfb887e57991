"""Queries of the comments context: a video's top-level comments (replies hang from each),
and one comment by id (a page loads the replies of a comment it rendered)."""

from __future__ import annotations

import strawberry

from kino.domain.errors import NotFoundError
from kino.graphql.comments.types import CommentType, comment_page
from kino.graphql.context import Info
from kino.graphql.ids import bounded, parse_id
from kino.graphql.pagination import Connection
from kino.queries.cursors import check_first, decode_cursor


@strawberry.type
class CommentsQuery:
    @strawberry.field(description="Top-level comments, newest first.")
    async def comments(
        self,
        info: Info,
        video_id: strawberry.ID,
        first: int | None = 20,
        after: str | None = None,
    ) -> Connection[CommentType]:
        size = check_first(first)
        keyset = decode_cursor(bounded(after, "after", 200))
        comments = info.context.container.comments
        video = await comments.commenting.video(parse_id(video_id, "videoId"), info.context.user_id)
        return comment_page(await comments.queries.top_level(video.id, size, keyset), size)

    @strawberry.field(
        description="A comment or a reply, while its video is visible to you; null once it "
        "is gone (a deleted comment stays as a placeholder while it has replies)."
    )
    async def comment(self, info: Info, id: strawberry.ID) -> CommentType | None:
        comments = info.context.container.comments
        record = await comments.queries.by_id(parse_id(id))
        if record is None:
            return None
        try:
            await comments.commenting.video(record.video_id, info.context.user_id)
        except NotFoundError:
            return None
        return CommentType.from_record(record)
