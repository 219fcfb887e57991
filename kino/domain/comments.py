"""The comments context: one ``Comment`` aggregate per comment (no hot aggregate per video).

A comment is top level or a reply to a top-level comment (one level of threading). Its
author edits it; its author or the owner of the video deletes it. The video's owner is
recorded when the comment is posted (a video's owner never changes), so deletion rights
are decided by the aggregate alone.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from kino.domain.errors import BadInputError, ForbiddenError, NotFoundError
from kino.domain.text import TextRule

BODY_MAX = 10_000

# 1 to 10,000 characters after trimming; several lines and tabs allowed.
BODY = TextRule(
    field="body",
    name="The comment",
    max_length=BODY_MAX,
    required="A comment cannot be empty.",
    too_long=f"A comment is at most {BODY_MAX} characters.",
    multiline=True,
)


class Comment(Aggregate):
    class Posted(Aggregate.Created):
        video_id: UUID
        video_owner_id: UUID
        parent_id: UUID | None
        author_id: UUID
        body: str

    class Edited(Aggregate.Event):
        body: str

    class Deleted(Aggregate.Event):
        by_id: UUID

    @event(Posted)
    def __init__(
        self,
        video_id: UUID,
        video_owner_id: UUID,
        parent_id: UUID | None,
        author_id: UUID,
        body: str,
    ) -> None:
        self.video_id = video_id
        self.video_owner_id = video_owner_id
        self.parent_id = parent_id
        self.author_id = author_id
        self.body = body
        self.deleted = False

    def check_can_reply(self, video_id: UUID) -> None:
        """Replies go to a live top-level comment of the same video."""
        if self.deleted or self.video_id != video_id:
            raise NotFoundError("There is no such comment to reply to.")
        if self.parent_id is not None:
            raise BadInputError(
                "Replies cannot be replied to; reply to the comment.", field="parentId"
            )

    def edit(self, user_id: UUID, body: str) -> None:
        if self.deleted:
            raise NotFoundError("There is no such comment.")
        if user_id != self.author_id:
            raise ForbiddenError("Only the author can edit a comment.")
        body = BODY.clean(body)
        if body != self.body:
            self._edited(body=body)

    def delete(self, user_id: UUID) -> None:
        if self.deleted:
            raise NotFoundError("There is no such comment.")
        if user_id not in (self.author_id, self.video_owner_id):
            raise ForbiddenError("Only the author or the video's owner can delete a comment.")
        self._deleted(by_id=user_id)

    @event(Edited)
    def _edited(self, body: str) -> None:
        self.body = body

    @event(Deleted)
    def _deleted(self, by_id: UUID) -> None:
        self.deleted = True
        self.body = ""
