"""Mutations of the comments context: post, edit, delete; each answers once the read model
shows the change (read-your-writes)."""

from __future__ import annotations

import strawberry

from kino.graphql.comments.types import CommentType, read_back
from kino.graphql.context import Info
from kino.graphql.ids import bounded, parse_id
from kino.queries.positions import caught_up

BODY_LIMIT = 20_000  # raw argument bound; the domain allows 10,000 after trimming


@strawberry.type
class CommentsMutation:
    @strawberry.mutation
    async def post_comment(
        self, info: Info, video_id: strawberry.ID, body: str, parent_id: strawberry.ID | None = None
    ) -> CommentType:
        viewer = await info.context.require_viewer()
        posted = await info.context.container.comments.commenting.post(
            viewer.user_id,
            parse_id(video_id, "videoId"),
            bounded(body, "body", BODY_LIMIT),
            parse_id(parent_id, "parentId") if parent_id is not None else None,
        )
        return await read_back(info.context, posted.comment_id, posted.position)

    @strawberry.mutation
    async def edit_comment(self, info: Info, id: strawberry.ID, body: str) -> CommentType:
        viewer = await info.context.require_viewer()
        comment_id = parse_id(id)
        commenting = info.context.container.comments.commenting
        position = await commenting.edit(
            viewer.user_id, comment_id, bounded(body, "body", BODY_LIMIT)
        )
        return await read_back(info.context, comment_id, position)

    @strawberry.mutation
    async def delete_comment(self, info: Info, id: strawberry.ID) -> bool:
        viewer = await info.context.require_viewer()
        comments = info.context.container.comments
        position = await comments.commenting.delete(viewer.user_id, parse_id(id))
        await caught_up(comments.queries, comments.app.name, position)
        return True
