"""A media token works while the session it was issued to is active: signing out ends it."""

from __future__ import annotations

from uuid import UUID

from tests.integration.accounts_helpers import LOGIN, PASSWORD, register
from tests.integration.conftest import gql
from tests.integration.videos.helpers import create_upload

LOGOUT = "mutation { logout }"


async def test_media_tokens_end_with_their_session(api, http):
    owner = await register(http)
    second = (await gql(http, LOGIN, {"login": owner["user"]["handle"], "password": PASSWORD}))[
        "login"
    ]
    upload = await create_upload(http, owner["accessToken"], 100, visibility="PRIVATE")
    video_id = UUID(upload["video"]["id"])
    services = api.container
    services.videos.store.put_bytes(
        f"videos/{video_id}/thumbnail.jpg", b"\xff\xd8jpeg", "image/jpeg"
    )

    def url(access_token: str) -> str:
        claims = services.accounts.tokens.verify(access_token)
        token = services.videos.media.tokens.issue(video_id, claims.user_id, claims.session_id)
        return f"/media/{video_id}/thumbnail.jpg?token={token}"

    first_url, second_url = url(owner["accessToken"]), url(second["accessToken"])
    assert (await http.get(first_url)).status_code == 200
    assert (await http.get(second_url)).status_code == 200

    await gql(http, LOGOUT, token=owner["accessToken"])
    assert (await http.get(first_url)).status_code == 404  # its session ended
    assert (await http.get(second_url)).status_code == 200  # the other session goes on
