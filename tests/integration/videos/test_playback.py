"""Playback of real transcoded media: every URL in the playlists is fetchable cross-origin
for PUBLIC and UNLISTED videos; PRIVATE media only with the owner's media token, which the
playlists carry on every URL; byte ranges; content types and cache headers."""

from __future__ import annotations

import asyncio
import re
from urllib.parse import urljoin
from uuid import UUID, uuid4

from kino.infrastructure.media_tokens import MediaTokens
from kino.infrastructure.tokens import AccessTokens
from tests.integration.accounts_helpers import register
from tests.integration.videos.helpers import upload_file, wait_for_video

ORIGIN = {"Origin": "https://player.elsewhere.example"}


def uris(playlist: str) -> list[str]:
    found = re.findall(r'URI="([^"]+)"', playlist)
    return found + [line for line in playlist.splitlines() if line and not line.startswith("#")]


async def every_url(client, master_url: str) -> dict[str, object]:
    """Fetch the master, its first variant, and every init segment and segment within."""
    master = await client.get(master_url, headers=ORIGIN)
    assert master.status_code == 200, master.text
    variant_url = urljoin(master_url, uris(master.text)[0])
    variant = await client.get(variant_url, headers=ORIGIN)
    assert variant.status_code == 200
    media = [urljoin(variant_url, uri) for uri in uris(variant.text)]
    responses = {"master": master, "variant": variant}
    for url in media:
        responses[url] = await client.get(url, headers=ORIGIN)
    return responses


async def test_playback_visibility_ranges_and_headers(client, transcoder, clips, settings):
    owner, other = await register(client), await register(client)
    token = owner["accessToken"]
    uploaded = await asyncio.gather(
        *(
            upload_file(client, token, clips["odd"], visibility=visibility)
            for visibility in ("PUBLIC", "UNLISTED", "PRIVATE")
        )
    )
    ready = {
        video["visibility"]: await wait_for_video(client, token, video["id"]) for video in uploaded
    }
    assert {v["status"] for v in ready.values()} == {"READY"}

    for visibility in ("PUBLIC", "UNLISTED"):
        url = ready[visibility]["playbackUrl"]
        assert "token=" not in url
        responses = await every_url(client, url)
        assert len(responses) >= 4  # master, variant, init segment, segments
        for name, response in responses.items():
            assert response.status_code == 200, name
            assert response.headers["access-control-allow-origin"] == "*", name
        assert (
            responses["master"].headers["content-type"].startswith("application/vnd.apple.mpegurl")
        )
        assert "no-cache" in responses["master"].headers["cache-control"]
        assert "no-cache" in responses["variant"].headers["cache-control"]
        segment = next(r for name, r in responses.items() if str(name).endswith(".m4s"))
        assert segment.headers["content-type"] == "video/iso.segment"
        assert "immutable" in segment.headers["cache-control"]
        assert "public" in segment.headers["cache-control"]

    # PRIVATE: the owner's URLs carry a media token, and so does every URL inside.
    private = ready["PRIVATE"]
    url = private["playbackUrl"]
    assert "token=" in url
    responses = await every_url(client, url)
    for name, response in responses.items():
        assert response.status_code == 200, name
        assert "access-control-allow-origin" not in response.headers
        assert "private" in response.headers["cache-control"]
    assert all("token=" in uri for uri in uris(responses["variant"].text))
    assert private["thumbnailUrl"] and "token=" in private["thumbnailUrl"]
    assert (await client.get(private["thumbnailUrl"])).status_code == 200

    bare = url.split("?")[0]
    video_id = UUID(private["id"])
    tokens = MediaTokens(settings.secret_key)
    access = AccessTokens(settings.secret_key, settings.access_token_ttl_seconds)
    others, owners = access.verify(other["accessToken"]), access.verify(token)
    other_id, other_session = others.user_id, others.session_id
    owner_id, owner_session = owners.user_id, owners.session_id
    public_id = UUID(ready["PUBLIC"]["id"])
    for refused in (
        bare,
        f"{bare}?token=forged",
        f"{bare}?token={tokens.issue(video_id, other_id, other_session)}",  # someone else's
        f"{bare}?token={tokens.issue(public_id, owner_id, owner_session)}",  # another video
        f"{bare}?token={MediaTokens(settings.secret_key, -60).issue(video_id, owner_id, owner_session)}",
        f"{bare}?token={tokens.issue(video_id, owner_id, uuid4())}",  # a session that is not
    ):
        assert (await client.get(refused)).status_code == 404, refused
    segment_url = next(str(n) for n in responses if ".m4s?" in str(n))
    assert (await client.get(segment_url.split("?")[0])).status_code == 404
    signed_in = {"Authorization": f"Bearer {other['accessToken']}"}
    assert (await client.get(segment_url.split("?")[0], headers=signed_in)).status_code == 404

    # Byte ranges on a segment (both object stores: see test_s3 and the store contract).
    public = await every_url(client, ready["PUBLIC"]["playbackUrl"])
    seg_url, whole = next((str(n), r) for n, r in public.items() if str(n).endswith(".m4s"))
    size = len(whole.content)
    assert whole.headers["accept-ranges"] == "bytes"
    head = await client.get(seg_url, headers={**ORIGIN, "Range": "bytes=0-99"})
    assert head.status_code == 206
    assert head.headers["content-range"] == f"bytes 0-99/{size}"
    assert head.headers["access-control-allow-origin"] == "*"
    rest = await client.get(seg_url, headers={"Range": "bytes=100-"})
    assert rest.status_code == 206
    assert head.content + rest.content == whole.content
    tail = await client.get(seg_url, headers={"Range": "bytes=-10"})
    assert tail.content == whole.content[-10:]
    assert tail.headers["content-range"] == f"bytes {size - 10}-{size - 1}/{size}"
    beyond = await client.get(seg_url, headers={"Range": f"bytes={size}-"})
    assert beyond.status_code == 416
    assert beyond.headers["content-range"] == f"bytes */{size}"
