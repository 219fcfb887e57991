"""Only the owner edits or deletes; upload URLs are bound to one video and expire;
PRIVATE media is served to its owner only; deletion removes the media."""

from __future__ import annotations

from uuid import UUID

import pytest

from kino.infrastructure.storage.filesystem import FilesystemStore
from kino.infrastructure.uploads import UploadTokens
from tests.integration.accounts_helpers import register
from tests.integration.conftest import GraphQLError, gql
from tests.integration.videos.helpers import (
    COMPLETE,
    VIDEO,
    VIDEO_FIELDS,
    create_upload,
    put_bytes,
    upload_file,
    wait_for_video,
    wait_until,
)

UPDATE = f"""mutation($id: ID!, $title: String, $description: String, $visibility: Visibility) {{
  updateVideo(id: $id, title: $title, description: $description, visibility: $visibility) {{
    {VIDEO_FIELDS} }} }}"""
DELETE = "mutation($id: ID!) { deleteVideo(id: $id) }"


async def test_only_the_owner_can_complete_edit_or_delete(client):
    owner = (await register(client))["accessToken"]
    other = (await register(client))["accessToken"]
    upload = await create_upload(client, owner, 10)
    video_id = upload["video"]["id"]
    for query, variables in (
        (UPDATE, {"id": video_id, "title": "Mine now"}),
        (DELETE, {"id": video_id}),
        (COMPLETE, {"id": video_id}),
    ):
        with pytest.raises(GraphQLError) as refused:
            await gql(client, query, variables, token=other)
        assert refused.value.code == "FORBIDDEN"
    with pytest.raises(GraphQLError) as anonymous:
        await gql(client, UPDATE, {"id": video_id, "title": "x"})
    assert anonymous.value.code == "UNAUTHENTICATED"

    edited = await gql(
        client,
        UPDATE,
        {"id": video_id, "title": "  New  title ", "description": "About", "visibility": "PRIVATE"},
        token=owner,
    )
    assert edited["updateVideo"]["title"] == "New title"
    assert edited["updateVideo"]["visibility"] == "PRIVATE"
    assert (await gql(client, VIDEO, {"id": video_id}, token=other))["video"] is None
    assert (await gql(client, VIDEO, {"id": video_id}))["video"] is None
    await gql(client, UPDATE, {"id": video_id, "visibility": "UNLISTED"}, token=owner)
    assert (await gql(client, VIDEO, {"id": video_id}))["video"]["description"] == "About"

    assert (await gql(client, DELETE, {"id": video_id}, token=owner))["deleteVideo"] is True
    assert (await gql(client, VIDEO, {"id": video_id}, token=owner))["video"] is None


async def test_an_upload_url_serves_one_video_once_and_expires(client, settings):
    token = (await register(client))["accessToken"]
    first = await create_upload(client, token, 4)
    second = await create_upload(client, token, 4)
    assert first["uploadMethod"] == "PUT"

    swapped = dict(
        first, uploadUrl=first["uploadUrl"].replace(first["video"]["id"], second["video"]["id"])
    )
    assert (await put_bytes(client, swapped, b"abcd")).status_code == 403

    expired_token, _ = UploadTokens(settings.secret_key, -5).issue(
        UUID(second["video"]["id"]),
        UUID((await gql(client, "{ me { id } }", token=token))["me"]["id"]),
        4,
    )
    expired = dict(second, uploadUrl=second["uploadUrl"].split("?")[0] + f"?token={expired_token}")
    response = await put_bytes(client, expired, b"abcd")
    assert response.status_code == 403
    assert "expired" in response.json()["message"]

    forged = dict(second, uploadUrl=second["uploadUrl"][:-3] + "abc")
    assert (await put_bytes(client, forged, b"abcd")).status_code == 403

    assert (await put_bytes(client, first, b"abcd")).status_code == 200
    await gql(client, COMPLETE, {"id": first["video"]["id"]}, token=token)
    assert (await put_bytes(client, first, b"efgh")).status_code == 409


async def test_private_media_is_for_the_owner_and_deletion_removes_it(
    client, transcoder, clips, settings
):
    owner = await register(client)
    token = owner["accessToken"]
    video = await upload_file(client, token, clips["odd"], visibility="PRIVATE")
    ready = await wait_for_video(client, token, video["id"])
    assert ready["status"] == "READY"
    # The owner's URLs carry a media token; without it, media is the owner's alone.
    master = ready["playbackUrl"].split("?")[0]

    assert (await client.get(master)).status_code == 404
    other = (await register(client))["accessToken"]
    assert (
        await client.get(master, headers={"Authorization": f"Bearer {other}"})
    ).status_code == 404
    mine = await client.get(master, headers={"Authorization": f"Bearer {token}"})
    assert mine.status_code == 200
    assert "access-control-allow-origin" not in mine.headers
    source = master.replace("hls/master.m3u8", "source")
    assert (
        await client.get(source, headers={"Authorization": f"Bearer {token}"})
    ).status_code == 404

    store = FilesystemStore(settings.data_dir / "objects")
    assert store.list(f"videos/{video['id']}/")
    assert (await gql(client, DELETE, {"id": video["id"]}, token=token))["deleteVideo"]
    await wait_until(lambda: not store.list(f"videos/{video['id']}/"), "media removal")
    assert (
        await client.get(master, headers={"Authorization": f"Bearer {token}"})
    ).status_code == 404
