from __future__ import annotations

from uuid import uuid4

import jwt

from kino.infrastructure.media_tokens import MediaGrant, MediaTokens

KEY = "m" * 40


def test_a_media_token_names_the_video_user_and_session():
    tokens = MediaTokens(KEY)
    video, user, session = uuid4(), uuid4(), uuid4()
    token = tokens.issue(video, user, session)
    assert tokens.grant_for(token, video) == MediaGrant(user, session)
    assert tokens.grant_for(token, uuid4()) is None  # another video
    assert (
        MediaTokens(KEY, -60).grant_for(MediaTokens(KEY, -60).issue(video, user, session), video)
        is None
    )


def test_tokens_without_a_session_are_refused():
    video, user = uuid4(), uuid4()
    old_style = jwt.encode(
        {"aud": "kino-media", "vid": str(video), "sub": str(user), "exp": 2**40},
        KEY + ":media",
        algorithm="HS256",
    )
    assert MediaTokens(KEY).grant_for(old_style, video) is None
    assert MediaTokens(KEY).grant_for("forged", video) is None
