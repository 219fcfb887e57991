"""GraphQL types of the comments context (the contract's Comment; its lists are
``Connection[CommentType]``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import strawberry

from kino.graphql.accounts.types import UserType, required_user
from kino.graphql.context import Info, KinoContext
from kino.graphql.ids import bounded
from kino.graphql.pagination import Connection, PageInfo, connection, keyset_cursor
from kino.queries.comments import CommentRecord
from kino.queries.cursors import check_first, decode_cursor
from kino.queries.positions import read_back as written


@strawberry.type(name="Comment")
class CommentType:
    id: strawberry.ID
    video_id: strawberry.ID
    parent_id: strawberry.ID | None
    body: str = strawberry.field(description="Empty when deleted.")
    created_at: datetime
    edited_at: datetime | None
    deleted: bool = strawberry.field(
        description="A deleted comment stays as a placeholder while it has replies."
    )
    reply_count: int
    _author_id: strawberry.Private[UUID]
    _uuid: strawberry.Private[UUID]

    @strawberry.field
    async def author(self, info: Info) -> UserType:
        return await required_user(info.context, self._author_id, "author of this comment")

    @strawberry.field(description="Replies, oldest first.")
    async def replies(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> Connection[CommentType]:
        size = check_first(first)
        keyset = decode_cursor(bounded(after, "after", 200))
        if self.parent_id is not None or (self.reply_count == 0 and keyset is None):
            return Connection(edges=[], page_info=PageInfo(has_next_page=False, end_cursor=None))
        rows = await info.context.loaders().replies.load((self._uuid, size, keyset))
        return comment_page(rows, size)

    @classmethod
    def from_record(cls, record: CommentRecord) -> CommentType:
        return cls(
            id=strawberry.ID(str(record.id)),
            video_id=strawberry.ID(str(record.video_id)),
            parent_id=strawberry.ID(str(record.parent_id)) if record.parent_id else None,
            body=record.body,
            created_at=record.created_at,
            edited_at=record.edited_at,
            deleted=record.deleted,
            reply_count=record.reply_count,
            _author_id=record.author_id,
            _uuid=record.id,
        )


def comment_page(rows: Sequence[CommentRecord], first: int) -> Connection[CommentType]:
    return connection(rows, first, keyset_cursor, CommentType.from_record)


async def read_back(context: KinoContext, comment_id: UUID, position: int | None) -> CommentType:
    """The comment as the read model shows it once it has caught up with ``position``."""
    comments = context.container.comments
    record = await written(comments.queries, comments.app.name, comment_id, position, "comment")
    return CommentType.from_record(record)
