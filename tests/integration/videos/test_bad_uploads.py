"""Bad uploads end FAILED with a readable reason and leave no objects or temp files behind."""

from __future__ import annotations

import os

import pytest

from kino.infrastructure.storage.filesystem import FilesystemStore
from tests.integration.accounts_helpers import register
from tests.integration.conftest import GraphQLError, gql
from tests.integration.videos.helpers import (
    COMPLETE,
    create_upload,
    put_bytes,
    wait_for_video,
    wait_until,
)

PLAYLIST = (
    b"#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nfile:///etc/passwd\n"
    b"#EXTINF:2,\nhttp://127.0.0.1:9/evil.ts\n#EXT-X-ENDLIST\n"
)
CONCAT = b"ffconcat version 1.0\nfile '/etc/passwd'\nfile 'http://127.0.0.1:9/evil.mp4'\n"


def bad_files(clips) -> dict[str, tuple[str, bytes]]:
    mp4 = clips["480p"].read_bytes()
    return {
        "random bytes": ("random.mp4", os.urandom(64 * 1024)),
        "truncated mp4": ("truncated.mp4", mp4[: len(mp4) // 2]),
        "zero bytes": ("empty.mp4", b""),
        "hls playlist": ("list.m3u8", PLAYLIST),
        "concat list": ("list.txt", CONCAT),
        "text renamed .mp4": ("notes.mp4", b"This is not a video, just some text.\n" * 200),
    }


async def test_bad_uploads_fail_readably_and_leave_nothing_behind(
    client, transcoder, clips, settings
):
    token = (await register(client))["accessToken"]
    videos = {}
    for case, (filename, data) in bad_files(clips).items():
        upload = await create_upload(client, token, len(data), filename=filename)
        assert (await put_bytes(client, upload, data)).status_code == 200, case
        await gql(client, COMPLETE, {"id": upload["video"]["id"]}, token=token)
        videos[case] = upload["video"]["id"]

    declared = await create_upload(client, token, 1000, filename="big.mp4")
    too_big = await put_bytes(client, declared, b"\0" * 5000)
    assert too_big.status_code == 413
    videos["larger than declared"] = declared["video"]["id"]

    store = FilesystemStore(settings.data_dir / "objects")
    for case, video_id in videos.items():
        failed = await wait_for_video(client, token, video_id)
        assert failed["status"] == "FAILED", case
        reason = failed["failureReason"]
        assert reason, case
        assert len(reason) < 300, (case, reason)
        assert "Traceback" not in reason, (case, reason)
        assert "/" not in reason.replace("MP4/", ""), (case, reason)  # no paths leak
        assert failed["playbackUrl"] is None, case
        assert failed["renditions"] == [], case
        await wait_until(lambda v=video_id: not store.list(f"videos/{v}/"), f"{case} cleanup")
    leftovers = [
        path.name
        for folder in ("transcode", "uploads")
        if (settings.data_dir / folder).exists()
        for path in (settings.data_dir / folder).iterdir()
        if any(path.name.startswith(video_id) for video_id in videos.values())
    ]
    assert leftovers == []


async def test_upload_needs_the_declared_size_before_completion(client, clips):
    token = (await register(client))["accessToken"]
    upload = await create_upload(client, token, 1234)
    with pytest.raises(GraphQLError) as refused:
        await gql(client, COMPLETE, {"id": upload["video"]["id"]}, token=token)
    assert refused.value.code == "BAD_USER_INPUT"
