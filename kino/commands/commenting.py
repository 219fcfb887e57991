"""The comment use cases: comments live on READY videos the person can see, and posting is
rate-limited per author. The Comments application checks everything about the comment."""

from __future__ import annotations

from uuid import UUID

from kino.commands.base import run_sync
from kino.commands.comments import CommentPosted, Comments
from kino.commands.ports import (
    Catalog,
    CatalogEntry,
    CommentLookup,
    RateLimiter,
    WhoIsAsking,
    watchable,
)
from kino.domain.comments import BODY
from kino.domain.errors import NotFoundError

NO_VIDEO = "There is no such video, or it cannot be commented on yet."
NO_COMMENT = "There is no such comment."


class Commenting:
    def __init__(
        self, comments: Comments, catalog: Catalog, lookup: CommentLookup, limit: RateLimiter
    ) -> None:
        self.comments, self.catalog, self.lookup, self.limit = comments, catalog, lookup, limit

    async def video(self, video_id: UUID, who: WhoIsAsking) -> CatalogEntry:
        """The video whose comments the person may read or write; else NOT_FOUND."""
        entry = await watchable(self.catalog, video_id, who)
        if entry is None:
            raise NotFoundError(NO_VIDEO)
        return entry

    async def post(
        self, author_id: UUID, video_id: UUID, body: str, parent_id: UUID | None
    ) -> CommentPosted:
        text = BODY.clean(body)  # a refused body does not count against the rate limit
        video = await self.video(video_id, _known(author_id))
        await self.limit.hit(author_id, "comments")
        return await run_sync(
            self.comments.post_comment, video.id, video.owner_id, author_id, text, parent_id
        )

    async def edit(self, user_id: UUID, comment_id: UUID, body: str) -> int | None:
        await self._check_video(user_id, comment_id)
        return await run_sync(self.comments.edit_comment, comment_id, user_id, body)

    async def delete(self, user_id: UUID, comment_id: UUID) -> int:
        await self._check_video(user_id, comment_id)
        return await run_sync(self.comments.delete_comment, comment_id, user_id)

    async def _check_video(self, user_id: UUID, comment_id: UUID) -> None:
        """A comment is changed only while its video is there and visible to the user."""
        comment = await self.lookup.by_id(comment_id)
        if (
            comment is None
            or await watchable(self.catalog, comment.video_id, _known(user_id)) is None
        ):
            raise NotFoundError(NO_COMMENT)


def _known(user_id: UUID) -> WhoIsAsking:
    async def who() -> UUID:
        return user_id

    return who
