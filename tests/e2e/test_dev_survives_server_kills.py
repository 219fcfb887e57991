"""Under `kino dev`, kill -9 of the embedded Redis, then of the embedded NATS: each comes back,
and so does Kino: ready again, sessions and chat history rebuilt (Redis came back empty), chat
still delivered to a subscriber connected before the kills, uploads still transcoded."""

from __future__ import annotations

import asyncio
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from kino.infrastructure.pubsub import channel_name
from tests.e2e.dev_helpers import Dev, kino_dev, wait_until
from tests.integration.accounts_helpers import ME, register
from tests.integration.conftest import GraphQLError, gql
from tests.integration.live_helpers import (
    CHAT,
    HISTORY,
    SEND,
    Subscriber,
    owner_and_stream,
    wait_for_chat,
    wait_subscribed,
)

READY_SECONDS = 60  # the acceptance item's bound, for /readyz after each kill
VIDEO = "query($id: ID!) { video(id: $id) { status failureReason } }"


async def until(check: Any, what: str, timeout: float = 60) -> float:
    """Seconds until ``await check()`` is true; GraphQL errors count as not yet."""
    started = time.monotonic()
    while True:
        try:
            if await check():
                return time.monotonic() - started
        except (GraphQLError, httpx.HTTPError):
            pass
        assert time.monotonic() - started < timeout, f"{what}: not within {timeout:.0f} s"
        await asyncio.sleep(0.2)


async def kill_and_wait_ready(dev: Dev, http: httpx.AsyncClient, needle: str) -> float:
    server = dev.child(needle)
    server.kill()
    server.wait(10)
    killed_at = time.monotonic()

    async def ready() -> bool:
        return (await http.get("/readyz", timeout=3)).status_code == 200

    await until(ready, f"/readyz after killing {needle}", READY_SECONDS)
    seconds = time.monotonic() - killed_at
    assert dev.child(needle).pid != server.pid
    print(f"kill -9 {needle}: /readyz 200 again after {seconds:.1f} s")
    return seconds


async def upload_and_wait_ready(http: httpx.AsyncClient, token: str, clip: Path) -> str:
    data = clip.read_bytes()
    upload = (
        await gql(
            http,
            """mutation($size: Int!) { createVideoUpload(title: "After", filename: "c.mp4",
            sizeBytes: $size, contentType: "video/mp4") {
            uploadUrl uploadMethod uploadHeaders { name value } video { id } } }""",
            {"size": len(data)},
            token=token,
        )
    )["createVideoUpload"]
    headers = {h["name"]: h["value"] for h in upload["uploadHeaders"]}
    put = await http.request(
        upload["uploadMethod"], upload["uploadUrl"], content=data, headers=headers
    )
    assert put.status_code == 200
    video_id = upload["video"]["id"]
    complete = "mutation($id: ID!) { completeVideoUpload(videoId: $id) { status } }"
    await gql(http, complete, {"id": video_id}, token=token)

    async def processed() -> bool:
        video = (await gql(http, VIDEO, {"id": video_id}))["video"]
        return bool(video["status"] in ("READY", "FAILED"))

    await until(processed, "the video being processed", 180)
    return str((await gql(http, VIDEO, {"id": video_id}))["video"]["status"])


def make_clip(path: Path) -> Path:
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
         "testsrc2=size=320x240:rate=24", "-f", "lavfi", "-i", "sine=frequency=440",
         "-t", "2", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
         "-c:a", "aac", str(path)],
        check=True,
    )  # fmt: skip
    return path


@pytest.mark.slow
async def test_kino_dev_recovers_from_killed_redis_and_nats(tmp_path: Path):
    clip = make_clip(tmp_path / "clip.mp4")
    with kino_dev(tmp_path) as dev:
        async with httpx.AsyncClient(base_url=dev.url, timeout=30) as http:
            owner, created = await owner_and_stream(http)
            stream_id = created["stream"]["id"]
            fan = await register(http)
            for body in ("one", "two"):
                await gql(http, SEND, {"s": stream_id, "b": body}, token=fan["accessToken"])
            viewer = await Subscriber.connect(dev.url)
            await viewer.subscribe(CHAT, {"s": stream_id})

            async def delivered(body: str) -> None:
                """Once the api subscribed the room's channel (again), a message reaches it."""
                redis_url, channel = (
                    dev.state()["redis_url"],
                    channel_name("kino", "chat", stream_id),
                )
                await asyncio.wait_for(wait_subscribed(redis_url, channel), 60)
                await gql(http, SEND, {"s": stream_id, "b": body}, token=fan["accessToken"])
                await asyncio.wait_for(wait_for_chat(viewer, body), 30)

            await delivered("three")
            history = [
                m["body"] for m in (await gql(http, HISTORY, {"s": stream_id}))["chatMessages"]
            ]
            assert history[:3] == ["one", "two", "three"]

            async def signed_in() -> bool:
                me = (await gql(http, ME, token=fan["accessToken"]))["me"]
                return me is not None and me["handle"] == fan["user"]["handle"]

            async def history_back() -> bool:
                messages = (await gql(http, HISTORY, {"s": stream_id}))["chatMessages"]
                return [m["body"] for m in messages][:3] == ["one", "two", "three"]

            await kill_and_wait_ready(dev, http, "redis-server")
            print(f"  sessions back after {await until(signed_in, 'the session'):.1f} s more")
            print(
                f"  chat history back after {await until(history_back, 'chat history'):.1f} s more"
            )
            await delivered("after redis")

            await kill_and_wait_ready(dev, http, "nats-server")
            assert await signed_in() and await history_back()
            await delivered("after nats")
            # The relay and the transcoder (NATS JetStream consumers) work again.
            assert await upload_and_wait_ready(http, owner["accessToken"], clip) == "READY"
            await viewer.close()

    def nothing_left() -> bool:
        return not [
            process
            for process in psutil.process_iter(["cmdline"])
            if str(dev.data_dir) in " ".join(process.info["cmdline"] or [])
        ]

    wait_until(nothing_left, "every process stopping", 30)
