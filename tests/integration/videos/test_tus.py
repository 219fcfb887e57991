"""Resumable uploads over tus 1.0.0 on the filesystem store: the protocol's answers, chunks
that complete the upload by themselves, and every refusal (with nothing stored)."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

import pytest
from litestar.testing import AsyncTestClient

from kino.api import create_app
from kino.bootstrap import Container, Overrides, build_container
from kino.infrastructure.passwords import FastPasswords
from kino.infrastructure.settings import Settings
from kino.infrastructure.uploads import UploadTokens
from tests.integration.accounts_helpers import register
from tests.integration.conftest import GraphQLError, gql
from tests.integration.videos.helpers import COMPLETE, VIDEO, wait_for_video
from tests.integration.videos.tus_helpers import (
    OCTETS,
    TUS,
    create_tus,
    head,
    local,
    metadata,
    patch,
    sha1,
)

ORIGIN = "https://uploader.elsewhere.example"


@pytest.fixture
async def tus_api(settings, endpoints, projector) -> AsyncIterator[tuple[Any, Container]]:
    container = build_container(settings, endpoints, Overrides(passwords=FastPasswords()))
    async with AsyncTestClient(app=create_app(container)) as client:
        yield client, container


def tus_files(container: Container, video_id: str) -> list[str]:
    return [info.key for info in container.videos.store.list(f"videos/{video_id}/")]


def kept(container: Container, video_id: str) -> bytes:
    """The bytes on disk for the upload, read directly (not through HEAD, which truncates a
    part file to the committed offset and so would hide bytes a refusal left behind)."""
    store = container.videos.store
    assert store.stat(f"videos/{video_id}/source") is None
    return b"".join(store.read(f"videos/{video_id}/tus/part"))


async def test_options_names_the_protocol_and_its_extensions(tus_api, settings: Settings):
    client, _ = tus_api
    for path in ("/uploads/tus", f"/uploads/tus/{UUID(int=1)}"):
        answer = await client.options(path)
        assert answer.status_code == 204
        assert answer.headers["tus-version"] == "1.0.0"
        extensions = answer.headers["tus-extension"].split(",")
        assert {"creation", "creation-with-upload", "termination", "expiration", "checksum"} <= set(
            extensions
        )
        assert int(answer.headers["tus-max-size"]) == settings.videos.max_upload_bytes
        assert "sha1" in answer.headers["tus-checksum-algorithm"].split(",")


async def test_chunks_complete_the_upload_and_the_video_becomes_ready(tus_api, transcoder, clips):
    client, container = tus_api
    token = (await register(client))["accessToken"]
    data = clips["odd"].read_bytes()
    upload = await create_tus(client, token, len(data))
    url, video_id = upload["tusUrl"], upload["video"]["id"]
    assert local(url).startswith(f"/uploads/tus/{video_id}?token=")
    first = await head(client, url)
    assert first.status_code == 200
    assert (first.headers["upload-offset"], first.headers["upload-length"]) == ("0", str(len(data)))
    assert "GMT" in first.headers["upload-expires"]
    offset, step = 0, len(data) // 3 + 1
    while offset < len(data):
        chunk = data[offset : offset + step]
        answer = await patch(client, url, offset, chunk, checksum=sha1(chunk))
        assert answer.status_code == 204, answer.text
        offset = int(answer.headers["upload-offset"])
    video = await wait_for_video(client, token, video_id, ("PROCESSING", "READY", "FAILED"))
    assert video["status"] in {"PROCESSING", "READY"}  # completed by the last byte
    again = await gql(client, COMPLETE, {"id": video_id}, token=token)  # idempotent
    assert again["completeVideoUpload"]["status"] in {"PROCESSING", "READY"}
    ready = await wait_for_video(client, token, video_id)
    assert ready["status"] == "READY", ready["failureReason"]
    stored = b"".join(container.videos.store.read(f"videos/{video_id}/source"))
    assert hashlib.sha256(stored).digest() == hashlib.sha256(data).digest()
    assert not [key for key in tus_files(container, video_id) if "/tus/" in key]
    done = await head(client, url)
    assert done.headers["upload-offset"] == str(len(data))
    late = await patch(client, url, len(data), b"x")
    assert late.status_code == 409
    after = b"".join(container.videos.store.read(f"videos/{video_id}/source"))
    assert after == stored
    assert not [key for key in tus_files(container, video_id) if "/tus/" in key]


async def test_refusals_store_nothing(tus_api):
    client, container = tus_api
    token = (await register(client))["accessToken"]
    upload = await create_tus(client, token, 10)
    url, video_id = upload["tusUrl"], upload["video"]["id"]
    assert (await patch(client, url, 0, b"abcd")).status_code == 204

    def offset_is(expected: int) -> Any:
        async def check() -> None:
            answer = await head(client, url)
            assert answer.headers["upload-offset"] == str(expected)

        return check()

    missing = await client.patch(
        local(url), content=b"ef", headers={"Content-Type": OCTETS, "Upload-Offset": "4"}
    )
    assert missing.status_code == 412
    assert missing.headers["tus-version"] == "1.0.0"
    assert kept(container, video_id) == b"abcd"
    assert (await client.head(local(url))).status_code == 412
    wrong_offset = await patch(client, url, 2, b"ef")
    assert wrong_offset.status_code == 409
    assert wrong_offset.headers["upload-offset"] == "4"
    assert kept(container, video_id) == b"abcd"
    bad_sum = await patch(client, url, 4, b"ef", checksum=sha1(b"xx"))
    assert bad_sum.status_code == 460
    assert kept(container, video_id) == b"abcd"
    unknown_sum = await patch(client, url, 4, b"ef", checksum="crc99 AAAA")
    assert unknown_sum.status_code == 400
    too_long = await patch(client, url, 4, b"0123456789")
    assert too_long.status_code == 413
    assert kept(container, video_id) == b"abcd"  # not even the first 6 of the 10
    wrong_type = await client.patch(
        local(url), content=b"ef", headers={**TUS, "Upload-Offset": "4"}
    )
    assert wrong_type.status_code == 415
    assert kept(container, video_id) == b"abcd"
    await offset_is(4)

    other = await create_tus(client, token, 10)
    foreign = url.replace(video_id, other["video"]["id"])  # this token, another video
    assert (await patch(client, foreign, 0, b"ab")).status_code == 403
    assert not tus_files(container, other["video"]["id"])
    stranger = (await register(client))["accessToken"]
    theirs = await create_tus(client, stranger, 10)
    their_token = theirs["tusUrl"].partition("?token=")[2]
    stolen = local(url).partition("?")[0] + f"?token={their_token}"
    assert (await patch(client, stolen, 4, b"ef")).status_code == 403
    assert (
        await patch(client, local(url).partition("?")[0] + "?token=forged", 4, b"e")
    ).status_code == 403
    expired = UploadTokens(container.settings.secret_key, -3 * 3600)
    old, _ = expired.issue(UUID(video_id), _owner(container, video_id), 10)
    late = local(url).partition("?")[0] + f"?token={old}"
    answer = await patch(client, late, 4, b"ef")
    assert answer.status_code == 403
    assert "expired" in answer.json()["message"]
    assert kept(container, video_id) == b"abcd"
    await offset_is(4)

    cancel = await client.delete(local(url), headers=TUS)
    assert cancel.status_code == 204
    assert (await head(client, url)).status_code == 410
    assert (await patch(client, url, 4, b"ef")).status_code == 410
    video = (await gql(client, VIDEO, {"id": video_id}, token=token))["video"]
    assert (video["status"], video["failureReason"]) == ("FAILED", "cancelled")
    assert not tus_files(container, video_id)


def _owner(container: Container, video_id: str) -> UUID:
    return container.videos.app.get_video(UUID(video_id)).owner_id


async def test_creation_and_creation_with_upload(tus_api, settings: Settings):
    client, _ = tus_api
    token = (await register(client))["accessToken"]
    auth = {"Authorization": f"Bearer {token}"}
    meta = metadata(filename="big.mp4", filetype="video/mp4", title="Long recording")
    created = await client.post(
        "/uploads/tus", headers={**TUS, **auth, "Upload-Length": "6", "Upload-Metadata": meta}
    )
    assert created.status_code == 201, created.text
    location = created.headers["location"]
    video_id = local(location).split("/")[3].partition("?")[0]
    video = (await gql(client, VIDEO, {"id": video_id}, token=token))["video"]
    assert (video["title"], video["status"]) == ("Long recording", "AWAITING_UPLOAD")
    assert (await head(client, location)).headers["upload-length"] == "6"

    with_body = await client.post(
        "/uploads/tus",
        content=b"abc",
        headers={**TUS, **auth, "Upload-Length": "6", "Content-Type": OCTETS},
    )
    assert with_body.status_code == 201, with_body.text
    assert with_body.headers["upload-offset"] == "3"
    finish = await patch(client, with_body.headers["location"], 3, b"def")
    assert finish.headers["upload-offset"] == "6"

    anonymous = await client.post("/uploads/tus", headers={**TUS, "Upload-Length": "6"})
    assert anonymous.status_code == 401
    huge = str(settings.videos.max_upload_bytes + 1)
    too_big = await client.post("/uploads/tus", headers={**TUS, **auth, "Upload-Length": huge})
    assert too_big.status_code == 413
    bad_type = metadata(filetype="text/html")
    refused = await client.post(
        "/uploads/tus", headers={**TUS, **auth, "Upload-Length": "6", "Upload-Metadata": bad_type}
    )
    assert refused.status_code == 400
    assert (
        await client.post("/uploads/tus", headers={**auth, "Upload-Length": "6"})
    ).status_code == 412


async def test_a_browser_on_another_origin_may_use_tus(tus_api):
    client, _ = tus_api
    token = (await register(client))["accessToken"]
    upload = await create_tus(client, token, 4)
    preflight = await client.options(
        local(upload["tusUrl"]),
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "tus-resumable,upload-offset,content-type",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "PATCH" in preflight.headers["access-control-allow-methods"]
    allowed = preflight.headers["access-control-allow-headers"].lower()
    assert {"tus-resumable", "upload-offset", "upload-checksum"} <= {
        h.strip() for h in allowed.split(",")
    }
    answer = await patch(client, upload["tusUrl"], 0, b"abcd", Origin=ORIGIN)
    assert answer.headers["access-control-allow-origin"] == "*"
    assert "Upload-Offset" in answer.headers["access-control-expose-headers"]
    graphql = await client.options(
        "/graphql", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"}
    )
    assert graphql.status_code == 400  # other paths keep the api's own origins


RENEW = "mutation($id: ID!) { renewVideoUpload(videoId: $id) { tusUrl expiresAt video { id } } }"


async def test_renewed_urls_continue_the_same_upload(tus_api):
    """renewVideoUpload: fresh URLs for an upload whose URL was lost; the bytes stay."""
    client, container = tus_api
    token = (await register(client))["accessToken"]
    upload = await create_tus(client, token, 10)
    url, video_id = upload["tusUrl"], upload["video"]["id"]
    assert (await patch(client, url, 0, b"abcd")).status_code == 204

    stranger = (await register(client))["accessToken"]
    with pytest.raises(GraphQLError) as refused:
        await gql(client, RENEW, {"id": video_id}, token=stranger)
    assert refused.value.code == "FORBIDDEN"
    renewed = (await gql(client, RENEW, {"id": video_id}, token=token))["renewVideoUpload"]
    assert renewed["video"]["id"] == video_id
    fresh = renewed["tusUrl"]
    assert (await head(client, fresh)).headers["upload-offset"] == "4"
    done = await patch(client, fresh, 4, b"efghij")
    assert done.headers["upload-offset"] == "10"
    assert b"".join(container.videos.store.read(f"videos/{video_id}/source")) == b"abcdefghij"
    with pytest.raises(GraphQLError) as completed:
        await gql(client, RENEW, {"id": video_id}, token=token)
    assert completed.value.code == "CONFLICT"
