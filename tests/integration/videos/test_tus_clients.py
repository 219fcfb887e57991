"""Real tus clients against a real api process: tuspy uploads a clip in 1 MiB chunks, a client
killed halfway is resumed by a new client process, and an api killed (SIGKILL) in the middle of
a PATCH comes back with an offset no larger than what it acknowledged; every upload ends READY
with the source's bytes identical to the file sent."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import secrets
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from kino.bootstrap import Endpoints
from kino.infrastructure.settings import S3Settings, Settings
from kino.infrastructure.storage.s3 import S3Store
from tests.integration.accounts_helpers import register
from tests.integration.live_helpers import api_subprocess, free_port
from tests.integration.videos.conftest import transcoder_running
from tests.integration.videos.helpers import wait_for_video
from tests.integration.videos.tus_helpers import OCTETS, TUS, create_tus, head, local

MIB = 1024 * 1024
CLIENT = Path(__file__).with_name("tus_client.py")


@pytest.fixture(scope="module")
def big_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small, cheap-to-transcode clip of a few MiB (a high bitrate at 240p)."""
    path = tmp_path_factory.mktemp("tus") / "clip.mp4"
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
         "testsrc2=size=426x240:rate=24,noise=alls=40:allf=t", "-t", "3", "-c:v", "libx264",
         "-preset", "ultrafast", "-qp", "20", "-pix_fmt", "yuv420p", str(path)],
        check=True,
    )  # fmt: skip
    assert path.stat().st_size > 5 * MIB  # more than one S3 part
    return path


@contextlib.asynccontextmanager
async def api_process(
    settings: Settings, endpoints: Endpoints, port: int
) -> AsyncIterator[asyncio.subprocess.Process]:
    s3 = settings.s3
    store_env = (
        {
            "KINO_S3_ENDPOINT": s3.endpoint,
            "KINO_S3_ACCESS_KEY": s3.access_key,
            "KINO_S3_SECRET_KEY": s3.secret_key,
            "KINO_S3_BUCKET": s3.bucket,
            "KINO_S3_SECURE": "false",
        }
        if s3
        else {}
    )
    async with api_subprocess(
        settings, endpoints, port, KINO_PUBLIC_URL=f"http://127.0.0.1:{port}", **store_env
    ) as process:
        yield process


async def tuspy(url: str, path: Path, *extra: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, str(CLIENT), url, str(path), str(MIB), *extra,
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def next_line(process: asyncio.subprocess.Process) -> list[str]:
    assert process.stdout is not None
    line = (await asyncio.wait_for(process.stdout.readline(), 120)).decode().split()
    assert line, "the tus client ended early"
    return line


def source_digest(settings: Settings, video_id: str) -> bytes:
    path = settings.data_dir / "objects" / "videos" / video_id / "source"
    return hashlib.sha256(path.read_bytes()).digest()


async def test_tuspy_resumes_after_its_process_is_killed(
    video_settings, endpoints, projector, transcoder, big_clip
):
    port = free_port()
    data = big_clip.read_bytes()
    async with (
        api_process(video_settings, endpoints, port),
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as http,
    ):
        token = (await register(http))["accessToken"]
        upload = await create_tus(http, token, len(data))
        url, video_id = upload["tusUrl"], upload["video"]["id"]
        first = await tuspy(url, big_clip, "1")
        assert await next_line(first) == ["start", "0"]
        assert await next_line(first) == ["offset", str(MIB)]
        first.kill()  # halfway: the client dies
        await first.wait()
        second = await tuspy(url, big_clip)
        assert await next_line(second) == ["start", str(MIB)]  # the server's offset
        assert (await second.communicate())[0].decode().split()[-1] == "done"
        assert second.returncode == 0
        ready = await wait_for_video(http, token, video_id)
    assert ready["status"] == "READY", ready["failureReason"]
    assert source_digest(video_settings, video_id) == hashlib.sha256(data).digest()


async def test_an_api_killed_mid_patch_resumes_from_what_it_acknowledged(
    video_settings, endpoints, projector, transcoder, big_clip
):
    port = free_port()
    data = big_clip.read_bytes()
    base = f"http://127.0.0.1:{port}"
    async with (
        api_process(video_settings, endpoints, port) as api,
        httpx.AsyncClient(base_url=base, timeout=60) as http,
    ):
        token = (await register(http))["accessToken"]
        upload = await create_tus(http, token, len(data))
        url, video_id = upload["tusUrl"], upload["video"]["id"]
        acked = MIB
        sent = {**TUS, "Content-Type": OCTETS, "Upload-Offset": "0"}
        answer = await http.patch(local(url), content=data[:acked], headers=sent)
        assert answer.status_code == 204
        part = video_settings.data_dir / "objects" / "videos" / video_id / "tus" / "part"
        hang = asyncio.Event()

        async def body() -> AsyncIterator[bytes]:
            yield data[acked : acked + 2 * MIB]  # more than one batch reaches the part file
            await hang.wait()

        headers = {
            **sent,
            "Upload-Offset": str(acked),
            "Content-Length": str(len(data) - acked),
        }
        in_flight = asyncio.create_task(http.patch(local(url), content=body(), headers=headers))
        while not (part.exists() and part.stat().st_size > acked):
            await asyncio.sleep(0.02)
        api.send_signal(signal.SIGKILL)
        await api.wait()
        in_flight.cancel()  # its body never ends: the api died under it
        with contextlib.suppress(httpx.HTTPError, asyncio.CancelledError):
            await in_flight
    async with (
        api_process(video_settings, endpoints, port),
        httpx.AsyncClient(base_url=base, timeout=60) as http,
    ):
        offset = int((await head(http, url)).headers["upload-offset"])
        assert offset <= acked
        resumed = await tuspy(url, big_clip)
        assert await next_line(resumed) == ["start", str(offset)]
        assert (await resumed.communicate())[0].decode().split()[-1] == "done"
        ready = await wait_for_video(http, token, video_id)
    assert ready["status"] == "READY", ready["failureReason"]
    assert source_digest(video_settings, video_id) == hashlib.sha256(data).digest()


async def test_overlapping_patches_one_is_refused(video_settings, endpoints, projector, big_clip):
    port = free_port()
    data = big_clip.read_bytes()[: 3 * MIB]
    base = f"http://127.0.0.1:{port}"
    async with (
        api_process(video_settings, endpoints, port),
        httpx.AsyncClient(base_url=base, timeout=60) as http,
        httpx.AsyncClient(base_url=base, timeout=60) as other,
    ):
        token = (await register(http))["accessToken"]
        upload = await create_tus(http, token, len(data))
        url = upload["tusUrl"]
        release = asyncio.Event()

        async def slow() -> AsyncIterator[bytes]:
            yield data[:MIB]
            await release.wait()
            yield data[MIB:]

        sent = {**TUS, "Content-Type": OCTETS, "Upload-Offset": "0"}
        first = asyncio.create_task(
            http.patch(
                local(url), content=slow(), headers={**sent, "Content-Length": str(len(data))}
            )
        )
        video_id = upload["video"]["id"]
        part = video_settings.data_dir / "objects" / "videos" / video_id / "tus" / "part"
        while not (part.exists() and part.stat().st_size >= MIB):  # the first holds the lock
            await asyncio.sleep(0.02)
        second = await other.patch(local(url), content=data, headers=sent)
        assert second.status_code == 423, second.text
        release.set()
        assert (await first).status_code == 204
        state = await head(other, url)
        assert state.headers["upload-offset"] == str(len(data))


@pytest.fixture(scope="module")
def s3_video_settings(video_settings: Settings) -> Iterator[Settings]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    bucket = f"kino-{secrets.token_hex(4)}"
    s3 = S3Settings(f"http://{host}:{port}", "test", "secret", bucket, False)
    yield video_settings.with_overrides(s3=s3)
    server.stop()


async def test_tuspy_on_s3_multipart_resumes_and_ends_ready(
    s3_video_settings, endpoints, projector, relay, big_clip
):
    """The same on S3: parts of 5 MiB through multipart, a tail object between appends."""
    settings, port = s3_video_settings, free_port()
    data = big_clip.read_bytes()
    async with (
        transcoder_running(settings, endpoints),
        api_process(settings, endpoints, port),
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as http,
    ):
        token = (await register(http))["accessToken"]
        upload = await create_tus(http, token, len(data))
        url, video_id = upload["tusUrl"], upload["video"]["id"]
        first = await tuspy(url, big_clip, "1")
        assert await next_line(first) == ["start", "0"]
        assert await next_line(first) == ["offset", str(MIB)]
        first.kill()
        await first.wait()
        second = await tuspy(url, big_clip)
        assert await next_line(second) == ["start", str(MIB)]
        assert (await second.communicate())[0].decode().split()[-1] == "done"
        ready = await wait_for_video(http, token, video_id)
    assert ready["status"] == "READY", ready["failureReason"]
    s3 = settings.s3
    store = S3Store(s3.endpoint, s3.access_key, s3.secret_key, s3.bucket, secure=False)
    stored = b"".join(store.read(f"videos/{video_id}/source"))
    assert hashlib.sha256(stored).digest() == hashlib.sha256(data).digest()
    assert not store.list(f"videos/{video_id}/tus/")
