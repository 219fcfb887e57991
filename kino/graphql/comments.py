"""GraphQL for comments: a video's comments and replies, post, edit, delete.

Comments live on READY videos the user can see; everything else about a comment is
checked by the Comments application. Mutations answer once the read model shows the
change (read-your-writes).
"""

from __future__ import annotations

from uuid import UUID

import strawberry

from kino.domain.comments import BODY
from kino.domain.errors import KinoError, NotFoundError
from kino.graphql.comment_types import CommentConnection, CommentType, comment_page
from kino.graphql.context import Info, KinoContext, run_sync, wait_for_position
from kino.graphql.inputs import bounded
from kino.graphql.videos import parse_id
from kino.queries.cursors import check_first, decode_cursor
from kino.queries.videos import VideoRecord

BODY_LIMIT = 20_000  # raw argument bound; the domain allows 10,000 after trimming


async def visible_video(context: KinoContext, video_id: UUID) -> VideoRecord:
    """The video, when it is READY and the viewer may see it; else NOT_FOUND."""
    record = await context.services.videos.catalog.by_id(video_id)
    if record is not None and record.visibility == "PRIVATE":
        viewer = await context.viewer()
        if not record.visible_to(viewer.user_id if viewer else None):
            record = None
    if record is None or record.status != "READY":
        raise NotFoundError("There is no such video, or it cannot be commented on yet.")
    return record


async def read_back(context: KinoContext, comment_id: UUID, position: int | None) -> CommentType:
    comments = context.services.comments
    if position:
        await wait_for_position(lambda: comments.queries.position(comments.app.name), position)
    record = await comments.queries.by_id(comment_id)
    if record is None:
        raise KinoError("The comment could not be read back; please try again.")
    return CommentType.from_record(record)


@strawberry.type
class CommentsQuery:
    @strawberry.field(description="Top-level comments, newest first.")
    async def comments(
        self,
        info: Info,
        video_id: strawberry.ID,
        first: int | None = 20,
        after: str | None = None,
    ) -> CommentConnection:
        size = check_first(first)
        keyset = decode_cursor(bounded(after, "after", 200))
        video = await visible_video(info.context, parse_id(video_id, "videoId"))
        queries = info.context.services.comments.queries
        rows = await queries.top_level(video.id, size, keyset)
        return comment_page(rows, size)


@strawberry.type
class CommentsMutation:
    @strawberry.mutation
    async def post_comment(
        self, info: Info, video_id: strawberry.ID, body: str, parent_id: strawberry.ID | None = None
    ) -> CommentType:
        viewer = await info.context.require_viewer()
        body = BODY.clean(bounded(body, "body", BODY_LIMIT))
        parent = parse_id(parent_id, "parentId") if parent_id is not None else None
        video = await visible_video(info.context, parse_id(video_id, "videoId"))
        comments = info.context.services.comments
        await comments.rate_limit.hit(viewer.user_id, "comments")
        posted = await run_sync(
            comments.app.post_comment, video.id, video.owner_id, viewer.user_id, body, parent
        )
        return await read_back(info.context, posted.comment_id, posted.position)

    @strawberry.mutation
    async def edit_comment(self, info: Info, id: strawberry.ID, body: str) -> CommentType:
        viewer = await info.context.require_viewer()
        comment_id = parse_id(id)
        body = bounded(body, "body", BODY_LIMIT)
        await _check_video(info.context, comment_id)
        app = info.context.services.comments.app
        position = await run_sync(app.edit_comment, comment_id, viewer.user_id, body)
        return await read_back(info.context, comment_id, position)

    @strawberry.mutation
    async def delete_comment(self, info: Info, id: strawberry.ID) -> bool:
        viewer = await info.context.require_viewer()
        comment_id = parse_id(id)
        await _check_video(info.context, comment_id)
        comments = info.context.services.comments
        position = await run_sync(comments.app.delete_comment, comment_id, viewer.user_id)
        await wait_for_position(lambda: comments.queries.position(comments.app.name), position)
        return True


async def _check_video(context: KinoContext, comment_id: UUID) -> None:
    """A comment is changed only while its video is there and visible to the user."""
    comment = await context.services.comments.queries.by_id(comment_id)
    if comment is None:
        raise NotFoundError("There is no such comment.")
    try:
        await visible_video(context, comment.video_id)
    except NotFoundError:
        raise NotFoundError("There is no such comment.") from None
