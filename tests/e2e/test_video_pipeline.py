"""End to end over HTTP: `kino api`, `projector`, `relay` and `transcoder` as processes on the
machine's PostgreSQL, Redis and NATS; a player (ffprobe) plays every variant over HTTP."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest

from kino.infrastructure.broker import VideoStream, VideoSubjects
from tests.conftest import ADMIN_DATABASE_URL, NATS_URL, REDIS_URL

PROCESSES = ("api", "projector", "relay", "transcoder")
PASSWORD = "correct horse battery staple"
VIDEO = """query($id: ID!) { video(id: $id) { status failureReason playbackUrl
  renditions { name height playlistUrl } } }"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def metrics_ports() -> dict[str, int]:
    """Each worker process serves its Prometheus metrics on its own port."""
    return {process: free_port() for process in PROCESSES if process != "api"}


@pytest.fixture
def kino(run_id: str, tmp_path: Path, metrics_ports: dict[str, int]) -> Iterator[str]:
    name = f"kino_test_{run_id}_e2e"
    with psycopg.connect(ADMIN_DATABASE_URL, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    port = free_port()
    namespace = f"kinotest{run_id}e2e"
    env = dict(
        os.environ,
        KINO_DATABASE_URL=ADMIN_DATABASE_URL.rpartition("/")[0] + "/" + name,
        KINO_REDIS_URL=REDIS_URL,
        KINO_NATS_URL=NATS_URL,
        KINO_REDIS_NAMESPACE=namespace,
        KINO_DATA_DIR=str(tmp_path),
        KINO_SECRET_KEY="e2e-secret-" + "x" * 40,
        KINO_HTTP_PORT=str(port),
        KINO_TRANSCODE_PRESET="ultrafast",
        KINO_LOG_FORMAT="json",
    )
    logs = tmp_path / "logs"
    logs.mkdir()
    children = [
        subprocess.Popen(
            [sys.executable, "-m", "kino", process],
            env={**env, "KINO_METRICS_PORT": str(metrics_ports.get(process, ""))},
            stdout=(logs / f"{process}.log").open("wb"),
            stderr=subprocess.STDOUT,
        )
        for process in PROCESSES
    ]
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/readyz").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the api did not become ready"
            time.sleep(0.2)
        yield base
    finally:
        for child in children:
            child.terminate()
        for child in children:
            try:
                child.wait(15)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        asyncio.run(VideoStream(NATS_URL, VideoSubjects(namespace)).delete())
        with psycopg.connect(ADMIN_DATABASE_URL, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def gql(base: str, query: str, variables: dict, token: str | None = None) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = httpx.post(f"{base}/graphql", json={"query": query, "variables": variables},
                      headers=headers, timeout=30).json()  # fmt: skip
    assert not body.get("errors"), body
    return body["data"]


def scrape(port: int) -> str:
    return httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text


def test_upload_over_http_becomes_a_playable_ladder(
    kino: str, tmp_path: Path, metrics_ports: dict[str, int]
):
    clip = tmp_path / "clip.mp4"
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
         "testsrc2=size=640x480:rate=24", "-f", "lavfi", "-i", "sine=frequency=440",
         "-t", "4", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
         "-c:a", "aac", str(clip)],
        check=True,
    )  # fmt: skip
    token = gql(kino, "mutation($p: String!) { register(email: \"e2e@example.com\", "
                "handle: \"e2e_user\", password: $p) { accessToken } }",
                {"p": PASSWORD})["register"]["accessToken"]  # fmt: skip
    data = clip.read_bytes()
    upload = gql(kino, """mutation($size: Int!) { createVideoUpload(title: "E2E",
        filename: "clip.mp4", sizeBytes: $size, contentType: "video/mp4") {
        uploadUrl uploadMethod uploadHeaders { name value } video { id } } }""",
                 {"size": len(data)}, token)["createVideoUpload"]  # fmt: skip
    headers = {h["name"]: h["value"] for h in upload["uploadHeaders"]}
    put = httpx.request(upload["uploadMethod"], upload["uploadUrl"], content=data, headers=headers)
    assert put.status_code == 200
    video_id = upload["video"]["id"]
    gql(kino, "mutation($id: ID!) { completeVideoUpload(videoId: $id) { status } }",
        {"id": video_id}, token)  # fmt: skip

    deadline = time.monotonic() + 240
    while True:
        video = gql(kino, VIDEO, {"id": video_id})["video"]
        if video["status"] in ("READY", "FAILED"):
            break
        assert time.monotonic() < deadline, "the video did not finish processing"
        time.sleep(0.3)
    assert video["status"] == "READY", video["failureReason"]
    assert [r["name"] for r in video["renditions"]] == ["144p", "240p", "360p", "480p"]

    for url in [video["playbackUrl"], *(r["playlistUrl"] for r in video["renditions"])]:
        played = subprocess.run(
            ["ffprobe", "-v", "error", "-protocol_whitelist", "http,tcp,file,crypto",
             "-count_packets", "-show_entries", "stream=codec_type,nb_read_packets",
             "-of", "csv=p=0", url],
            capture_output=True, check=True, text=True,
        )  # fmt: skip
        lines = [line.split(",") for line in played.stdout.split()]
        assert {"video", "audio"} <= {kind for kind, _ in lines}, (url, played.stdout)
        assert all(int(count) > 0 for _, count in lines), (url, played.stdout)

    # Every worker reports on /metrics after this real traffic.
    transcoder = scrape(metrics_ports["transcoder"])
    assert 'kino_transcoder_jobs_total{outcome="ok"} 1.0' in transcoder
    assert "kino_transcoder_job_duration_seconds_count 1.0" in transcoder
    deadline = time.monotonic() + 30
    while "kino_transcoder_queue_depth 0.0" not in transcoder:
        assert time.monotonic() < deadline, "no queue depth reported"
        time.sleep(0.5)
        transcoder = scrape(metrics_ports["transcoder"])
    assert 'kino_relay_lag_events{application="videos"} 0.0' in scrape(metrics_ports["relay"])
    projector = scrape(metrics_ports["projector"])
    assert 'kino_projection_lag_events{application="videos",projection="videos"}' in projector
