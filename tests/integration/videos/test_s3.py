"""The same pipeline on S3 (moto's server): presigned PUT, size check, transcode, delivery."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from litestar.testing import AsyncTestClient

from kino.api import create_app
from kino.bootstrap import Overrides, build_container
from kino.infrastructure.passwords import FastPasswords
from kino.infrastructure.settings import S3Settings
from kino.infrastructure.storage.s3 import S3Store
from tests.integration.accounts_helpers import register
from tests.integration.conftest import gql
from tests.integration.videos.conftest import transcoder_running
from tests.integration.videos.helpers import COMPLETE, create_upload, wait_for_video, wait_until


@pytest.fixture(scope="module")
def s3_settings(video_settings) -> Iterator[Any]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    s3 = S3Settings(
        f"http://{host}:{port}", "test", "secret", f"kino-{secrets.token_hex(4)}", False
    )
    yield video_settings.with_overrides(s3=s3)
    server.stop()


@pytest.fixture
async def s3_client(s3_settings, endpoints, projector) -> AsyncIterator[AsyncTestClient[Any]]:
    services = build_container(s3_settings, endpoints, Overrides(passwords=FastPasswords()))
    async with AsyncTestClient(app=create_app(services)) as test_client:
        yield test_client


async def s3_upload(client, token: str, data: bytes, declared: int) -> str:
    upload = await create_upload(client, token, declared)
    assert "X-Amz-Signature=" in upload["uploadUrl"]
    headers = {h["name"]: h["value"] for h in upload["uploadHeaders"]}
    async with httpx.AsyncClient() as direct:
        response = await direct.put(upload["uploadUrl"], content=data, headers=headers)
    assert response.status_code == 200
    await gql(client, COMPLETE, {"id": upload["video"]["id"]}, token=token)
    return upload["video"]["id"]


async def test_s3_upload_is_transcoded_and_served(s3_client, s3_settings, endpoints, relay, clips):
    token = (await register(s3_client))["accessToken"]
    data = clips["odd"].read_bytes()
    good = await s3_upload(s3_client, token, data, len(data))
    too_big = await s3_upload(s3_client, token, data, len(data) - 1)
    store = S3Store(**vars(s3_settings.s3))
    async with transcoder_running(s3_settings, endpoints):
        ready = await wait_for_video(s3_client, token, good)
        failed = await wait_for_video(s3_client, token, too_big)
        await wait_until(lambda: not store.list(f"videos/{too_big}/"), "failed upload removal")
    assert ready["status"] == "READY"
    assert [r["name"] for r in ready["renditions"]] == ["144p", "240p", "280p"]
    master = await s3_client.get(ready["playbackUrl"])
    assert master.status_code == 200
    assert "280p/index.m3u8" in master.text
    segment = ready["playbackUrl"].replace("master.m3u8", "144p/seg_00000.m4s")
    whole = (await s3_client.get(segment)).content
    ranged = await s3_client.get(segment, headers={"Range": "bytes=100-199"})
    assert ranged.status_code == 206
    assert ranged.headers["content-range"] == f"bytes 100-199/{len(whole)}"
    assert ranged.content == whole[100:200]
    assert failed["status"] == "FAILED"
    assert "declared" in failed["failureReason"]
