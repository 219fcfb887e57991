"""The Comment aggregate and the Comments application on the in-memory event store."""

from __future__ import annotations

from uuid import uuid4

import pytest

from kino.commands.comments import Comments
from kino.domain.errors import BadInputError, ForbiddenError, NotFoundError


def test_threads_edits_and_deletion_rules():
    app = Comments(env={})
    video, owner, author, other = uuid4(), uuid4(), uuid4(), uuid4()
    top = app.post_comment(video, owner, author, "  hello  ")
    comment = app.get_comment(top.comment_id)
    assert comment.body == "hello" and comment.parent_id is None  # trimmed, like all text
    reply = app.post_comment(video, owner, other, "hi", top.comment_id)
    with pytest.raises(BadInputError):
        app.post_comment(video, owner, author, "deeper", reply.comment_id)
    with pytest.raises(NotFoundError):
        app.post_comment(uuid4(), owner, author, "elsewhere", top.comment_id)
    with pytest.raises(ForbiddenError):
        app.edit_comment(top.comment_id, other, "mine")
    assert app.edit_comment(top.comment_id, author, " hello\n") is None  # unchanged: no event
    assert app.edit_comment(top.comment_id, author, "edited") is not None
    with pytest.raises(ForbiddenError):
        app.delete_comment(reply.comment_id, author)  # neither its author nor the video's owner
    app.delete_comment(reply.comment_id, owner)
    app.delete_comment(top.comment_id, author)
    with pytest.raises(NotFoundError):
        app.delete_comment(top.comment_id, author)
    with pytest.raises(NotFoundError):
        app.post_comment(video, owner, other, "to a deleted one", top.comment_id)


@pytest.mark.parametrize("body", ["", " \n\t", "x" * 10_001])
def test_bodies_are_one_to_ten_thousand_characters_after_trimming(body):
    with pytest.raises(BadInputError):
        Comments(env={}).post_comment(uuid4(), uuid4(), uuid4(), body)


def test_a_concurrent_deletion_is_judged_again_not_an_internal_error():
    class Racing(Comments):
        raced = True  # armed below, after posting

        def save(self, *objs, **kwargs):
            if not self.raced:  # the video's owner deletes between our load and our save
                self.raced = True
                other = self.get_comment(objs[0].id)
                other.delete(owner)
                super().save(other)
            return super().save(*objs, **kwargs)

    app = Racing(env={})
    owner, author = uuid4(), uuid4()
    posted = app.post_comment(uuid4(), owner, author, "hello")
    app.raced = False
    with pytest.raises(NotFoundError):
        app.delete_comment(posted.comment_id, author)
