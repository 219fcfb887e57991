"""An upload that is never completed fails after twice the URL lifetime; its bytes go away,
whether they came by PUT or as the first chunks of a tus upload (part file and offset). A
completed upload is never expired."""

from __future__ import annotations

from dataclasses import replace

from kino.infrastructure.storage.filesystem import FilesystemStore
from tests.integration.accounts_helpers import register
from tests.integration.videos.conftest import transcoder_running
from tests.integration.videos.helpers import (
    create_upload,
    put_bytes,
    upload_file,
    wait_for_video,
    wait_until,
)
from tests.integration.videos.tus_helpers import create_tus, head, patch


async def test_an_abandoned_upload_fails_and_its_bytes_are_removed(
    client, relay, video_settings, settings, endpoints, clips
):
    token = (await register(client))["accessToken"]
    abandoned = await create_upload(client, token, 4)
    assert (await put_bytes(client, abandoned, b"abcd")).status_code == 200
    video_id = abandoned["video"]["id"]
    store = FilesystemStore(settings.data_dir / "objects")
    assert store.stat(f"videos/{video_id}/source") is not None
    resumable = await create_tus(client, token, 10)
    tus_url, tus_id = resumable["tusUrl"], resumable["video"]["id"]
    assert (await patch(client, tus_url, 0, b"abcd")).status_code == 204
    assert b"".join(store.read(f"videos/{tus_id}/tus/part")) == b"abcd"

    short = video_settings.with_overrides(
        videos=replace(video_settings.videos, upload_ttl_seconds=1)
    )
    async with transcoder_running(short, endpoints):
        completed = await upload_file(client, token, clips["odd"])
        failed = await wait_for_video(client, token, video_id)
        failed_tus = await wait_for_video(client, token, tus_id)
        await wait_until(lambda: not store.list(f"videos/{video_id}/"), "abandoned bytes removal")
        await wait_until(lambda: not store.list(f"videos/{tus_id}/"), "abandoned tus removal")
        ready = await wait_for_video(client, token, completed["id"])
    assert failed["status"] == "FAILED"
    assert "not completed in time" in failed["failureReason"]
    assert (failed_tus["status"], failed_tus["failureReason"]) == (
        failed["status"],
        failed["failureReason"],
    )
    assert (await head(client, tus_url)).status_code == 410  # gone: it cannot resume
    assert (await patch(client, tus_url, 4, b"efghij")).status_code == 410
    assert not store.list(f"videos/{tus_id}/")
    assert ready["status"] == "READY"
