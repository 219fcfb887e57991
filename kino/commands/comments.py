"""The comments application: post, edit, delete. Each command returns its notification id.

The api checks that the video exists, is READY and visible to the user (from the catalog)
and passes the video's owner; the application checks everything about comments.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from kino.commands.base import KinoApplication, last_position
from kino.domain.comments import BODY, Comment
from kino.domain.errors import NotFoundError


@dataclass(frozen=True)
class CommentPosted:
    comment_id: UUID
    position: int


class Comments(KinoApplication):
    name = "comments"

    def post_comment(
        self,
        video_id: UUID,
        video_owner_id: UUID,
        author_id: UUID,
        body: str,
        parent_id: UUID | None = None,
    ) -> CommentPosted:
        body = BODY.clean(body)
        if parent_id is not None:
            self.get_comment(parent_id).check_can_reply(video_id)
        comment = Comment(
            video_id=video_id,
            video_owner_id=video_owner_id,
            parent_id=parent_id,
            author_id=author_id,
            body=body,
        )
        return CommentPosted(comment.id, last_position(self.save(comment)))

    def edit_comment(self, comment_id: UUID, user_id: UUID, body: str) -> int | None:
        return self._change(comment_id, lambda comment: comment.edit(user_id, body))

    def delete_comment(self, comment_id: UUID, user_id: UUID) -> int:
        return self._change(comment_id, lambda comment: comment.delete(user_id)) or 0

    def _change(self, comment_id: UUID, change: Callable[[Comment], None]) -> int | None:
        """After a concurrent write (say the author and the video's owner deleting at
        once), the comment is reloaded and judged again."""
        return self.change(lambda: self.get_comment(comment_id), change)

    def get_comment(self, comment_id: UUID) -> Comment:
        return self.get_as(comment_id, Comment, NotFoundError("There is no such comment."))
