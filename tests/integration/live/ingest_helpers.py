"""Helpers for the ingest tests: a real ``Ingest`` (nginx-rtmp + ffmpeg) in the test's loop,
ffmpeg publishing H.264 + AAC over RTMP as OBS does, and waiting for stream states."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx

from kino.bootstrap import Endpoints, build_ingest_parts
from kino.infrastructure.settings import LiveSettings, Settings
from kino.workers.ingest import Ingest
from tests.integration.conftest import gql
from tests.integration.live_helpers import free_port, kino_environment

TEST_LADDER = (360, 240)
STREAM = """query($id: ID!) { liveStream(id: $id) { id status startedAt endedAt playbackUrl
  recording { id status durationSeconds owner { id } visibility title } } }"""


def ingest_settings(settings: Settings, **live: Any) -> Settings:
    options = {"reconnect_seconds": 3, "ladder": TEST_LADDER, **live}
    options.setdefault("ingest_id", "test-" + secrets.token_hex(3))
    return replace(settings, rtmp_port=free_port(), live=replace(LiveSettings(), **options))


@contextlib.asynccontextmanager
async def ingest_running(settings: Settings, endpoints: Endpoints) -> AsyncIterator[Ingest]:
    ingest = Ingest(build_ingest_parts(settings, endpoints))
    await ingest.start()
    try:
        yield ingest
    finally:
        await ingest.stop()


def rtmp_url(settings: Settings, key: str) -> str:
    return f"rtmp://127.0.0.1:{settings.rtmp_port}/live/{key}"


async def publish(
    url: str,
    seconds: float,
    *,
    size: str = "640x360",
    rate: int = 30,
    audio: bool = True,
    video: bool = True,
    gop_seconds: int = 1,
) -> asyncio.subprocess.Process:
    """ffmpeg publishing a test pattern (and a tone) in real time, keyframes every second."""
    args = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-re"]
    if video:
        args += ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}:duration={seconds}"]
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}"]
    if video:
        args += [
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-g",
            str(rate * gop_seconds),
            "-pix_fmt",
            "yuv420p",
        ]
    if audio:
        args += ["-c:a", "aac", "-b:a", "64k"]
    args += ["-f", "flv", url]
    return await asyncio.create_subprocess_exec(
        *args, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )


async def publish_file(url: str, path: Path, seconds: float) -> asyncio.subprocess.Process:
    """ffmpeg publishing an encoded file in real time, looped, without re-encoding it (a
    publisher that costs nothing but copying, whatever the file's size and frame rate)."""
    args = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-re"]
    args += ["-stream_loop", "-1", "-i", str(path), "-t", str(seconds), "-c", "copy"]
    args += ["-f", "flv", url]
    return await asyncio.create_subprocess_exec(
        *args, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )


async def wait_status(
    http: httpx.AsyncClient, stream_id: str, status: str, timeout: float = 30
) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        while True:
            stream = (await gql(http, STREAM, {"id": stream_id}))["liveStream"]
            if stream["status"] == status:
                return stream  # type: ignore[no-any-return]
            await asyncio.sleep(0.2)


async def stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.terminate()
    await process.communicate()  # reads what is left in its pipes, then reaps it


async def refused(process: asyncio.subprocess.Process, timeout: float = 15) -> bytes:
    """The publisher exits with an error (nginx dropped it); its error output."""
    async with asyncio.timeout(timeout):
        _, errors = await process.communicate()
    assert process.returncode != 0, errors
    return errors


async def live_events(ingest: Ingest, stream_id: str) -> list[str]:
    """The names of the events the stream's aggregate has (its history)."""
    from uuid import UUID

    app = ingest.parts.live
    events = await asyncio.to_thread(lambda: list(app.repository.event_store.get(UUID(stream_id))))
    return [type(e).__qualname__ for e in events]


def ingest_environment(settings: Settings, endpoints: Endpoints) -> dict[str, str]:
    """The environment of a ``python -m kino ingest`` configured like ``settings``."""
    return {
        **kino_environment(settings, endpoints),
        "KINO_RTMP_PORT": str(settings.rtmp_port),
        "KINO_INGEST_ID": settings.live.ingest_id,
        "KINO_LIVE_RECONNECT_SECONDS": str(settings.live.reconnect_seconds),
        "KINO_LIVE_LADDER": ",".join(str(h) for h in settings.live.ladder),
        "KINO_LOG_LEVEL": "INFO",
    }


def children_of(pid: int) -> set[int]:
    """Every descendant of ``pid`` (from /proc)."""
    found: set[int] = set()
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(
                line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line
            )
        except OSError:
            continue
        if int(fields.get("PPid", "0").strip()) == pid:
            child = int(status.parent.name)
            found |= {child} | children_of(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"
