"""The deploy smoke's person (bench/deploy_smoke.py): what someone does with a running Kino,
through its GraphQL api, its media URLs and RTMP, with each step printed and timed: register,
upload a clip until READY, play it, fetch its segments hard, go live with ffmpeg, play the live
stream, and chat from one api replica to another."""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import httpx
from websockets.sync.client import connect as ws_connect

from bench.common import percentile

STARTED = time.monotonic()

REGISTER = """mutation($e: String!, $h: String!) {
  register(email: $e, handle: $h, password: "smoke-password-1234") { accessToken user { id } } }"""
UPLOAD = """mutation($size: Int!) { createVideoUpload(title: "Smoke clip", filename: "clip.mp4",
  sizeBytes: $size, contentType: "video/mp4") {
  video { id } uploadUrl uploadMethod uploadHeaders { name value } } }"""
COMPLETE = "mutation($id: ID!) { completeVideoUpload(videoId: $id) { id status } }"
VIDEO = (
    "query($id: ID!) { video(id: $id) { status playbackUrl failureReason renditions { name } } }"
)
CREATE_STREAM = """mutation { createLiveStream(title: "Smoke live") {
  stream { id } ingestUrl streamKey } }"""
STREAM = "query($id: ID!) { liveStream(id: $id) { status playbackUrl } }"
SEND = "mutation($s: ID!, $b: String!) { sendChatMessage(streamId: $s, body: $b) { id } }"
CHAT = """subscription($s: ID!) { chat(streamId: $s) {
  __typename ... on ChatMessagePosted { message { id body } } } }"""


def say(step: str, took: float | None = None) -> None:
    took_text = f"  ({took:.1f} s)" if took is not None else ""
    print(f"[{time.monotonic() - STARTED:7.1f} s] {step}{took_text}", flush=True)


@contextlib.contextmanager
def step(name: str) -> Iterator[None]:
    began = time.monotonic()
    yield
    say(name, time.monotonic() - began)


def wait(what: str, check: Any, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = check()
        except (httpx.HTTPError, OSError) as error:
            last = error
        else:
            if last:
                return last
        time.sleep(0.2)
    raise RuntimeError(f"{what}: not after {timeout:.0f} s (last: {last!r})")


class Api:
    def __init__(self, url: str) -> None:
        self.url = url
        self.http = httpx.Client(base_url=url, timeout=30)

    def gql(self, query: str, variables: dict[str, Any] | None = None, token: str = "") -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        answer = self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        ).json()
        if answer.get("errors"):
            raise RuntimeError(f"GraphQL at {self.url}: {answer['errors']}")
        return answer["data"]


def register(api: Api) -> str:
    handle = f"smoke{secrets.token_hex(3)}"
    data = api.gql(REGISTER, {"e": f"{handle}@example.com", "h": handle})
    return str(data["register"]["accessToken"])


def upload_until_ready(api: Api, other: Api, token: str, clip: Path) -> dict[str, Any]:
    body = clip.read_bytes()
    created = api.gql(UPLOAD, {"size": len(body)}, token)["createVideoUpload"]
    video_id = created["video"]["id"]
    headers = {h["name"]: h["value"] for h in created["uploadHeaders"]}
    response = httpx.request(
        created["uploadMethod"], created["uploadUrl"], content=body, headers=headers, timeout=60
    )
    response.raise_for_status()
    api.gql(COMPLETE, {"id": video_id}, token)

    def ready() -> Any:
        video = other.gql(VIDEO, {"id": video_id}, token)["video"]
        if video["status"] == "FAILED":
            raise RuntimeError(f"the upload failed: {video['failureReason']}")
        return video if video["status"] == "READY" else None

    video: dict[str, Any] = wait("video READY", ready, 300)
    return video


def play(playlist_url: str, seconds: float = 30) -> str:
    """The master playlist, then ffmpeg decoding its first video variant (``seconds`` of it:
    a live one never ends)."""
    master = httpx.get(playlist_url, timeout=30)
    master.raise_for_status()
    if not master.text.startswith("#EXTM3U"):
        raise RuntimeError(f"not a playlist: {master.text[:80]!r}")
    decoded = subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-i",
            playlist_url,
            "-map",
            "0:v:0",
            "-t",
            str(seconds),
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if decoded.returncode:
        raise RuntimeError(f"ffmpeg could not play {playlist_url}: {decoded.stderr[-500:]}")
    return f"{master.text.count('#EXT-X-STREAM-INF')} variants; ffmpeg decoded it"


def media_throughput(master_url: str, seconds: float = 3, clients: int = 8) -> str:
    """GETs of one segment of the top rendition through the api that served the playlist, by
    ``clients`` threads for ``seconds``: what an api replica serves before a CDN is needed."""
    master = httpx.get(master_url, timeout=30).text
    variants = re.findall(r"#EXT-X-STREAM-INF:.*?BANDWIDTH=(\d+).*\n(\S+)", master)
    top = urljoin(master_url, max(variants, key=lambda v: int(v[0]))[1])
    playlist = httpx.get(top, timeout=30).text
    segment = urljoin(top, next(line for line in playlist.splitlines() if line and line[0] != "#"))
    size = len(httpx.get(segment, timeout=30).content)
    latencies: list[float] = []
    deadline = time.monotonic() + seconds

    def client() -> None:
        with httpx.Client(timeout=30) as http:
            while time.monotonic() < deadline:
                began = time.monotonic()
                http.get(segment).raise_for_status()
                latencies.append(time.monotonic() - began)

    with ThreadPoolExecutor(clients) as pool:
        for future in [pool.submit(client) for _ in range(clients)]:
            future.result()
    rate = len(latencies) / seconds
    return (
        f"{rate:.0f} req/s, {rate * size / 1e6:.1f} MB/s of {size // 1000} KB segments, "
        f"p99 {percentile(latencies, 99) * 1000:.0f} ms ({clients} clients on this machine)"
    )


def make_clip(path: Path) -> None:
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=640x360:rate=30:duration=4",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:duration=4",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-shortest",
            str(path),
        ],
        check=True,
    )


def publish(ingest_url: str, key: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            "ffmpeg",
            "-v",
            "error",
            "-re",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=640x360:rate=30",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-tune",
            "zerolatency",
            "-g",
            "30",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-f",
            "flv",
            f"{ingest_url}/{key}",
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def chat_across(sender: Api, receiver: Api, token: str, stream_id: str) -> float:
    """Subscribe on ``receiver``; send through ``sender`` until one message arrives (the first
    ones may leave before the subscription is attached); the latency of the one received."""
    ws_url = receiver.url.replace("http", "ws", 1) + "/graphql"
    with ws_connect(ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        if json.loads(ws.recv(10))["type"] != "connection_ack":
            raise RuntimeError("no connection_ack")
        ws.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": CHAT, "variables": {"s": stream_id}},
                }
            )
        )
        sent: dict[str, float] = {}
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            body = f"hello from {sender.url} #{len(sent)}"
            sent[body] = time.monotonic()
            sender.gql(SEND, {"s": stream_id, "b": body}, token)
            with contextlib.suppress(TimeoutError):
                while True:
                    message = json.loads(ws.recv(0.5))
                    if message["type"] == "ping":
                        ws.send(json.dumps({"type": "pong"}))
                        continue
                    if message["type"] != "next":
                        raise RuntimeError(f"subscription: {message}")
                    posted = message["payload"]["data"]["chat"]
                    received = posted.get("message", {}).get("body")
                    if received in sent:
                        return time.monotonic() - sent[received]
        raise RuntimeError("no chat message reached the other api replica in 60 s")


def drive(apis: list[Api], work: Path, publishers: list[subprocess.Popen[bytes]]) -> None:
    """Every step, through the first api replica, checked through the second."""
    first, second = apis[0], apis[1]
    with step(f"register (through {first.url})"):
        token = register(first)
    clip = work / "clip.mp4"
    make_clip(clip)
    with step(
        f"upload a {clip.stat().st_size // 1000} KB clip until READY (status read through "
        f"{second.url})"
    ):
        video = upload_until_ready(first, second, token, clip)
    with step(f"play its master playlist ({len(video['renditions'])} renditions)"):
        say(f"  {video['playbackUrl']}: {play(video['playbackUrl'])}")
    with step("media: one segment fetched over and over through one api replica"):
        say(f"  {media_throughput(video['playbackUrl'])}")
    created = first.gql(CREATE_STREAM, token=token)["createLiveStream"]
    stream_id = created["stream"]["id"]
    with step(f"publish a live stream with ffmpeg to {created['ingestUrl']} until LIVE"):
        publisher = publish(created["ingestUrl"], created["streamKey"])
        publishers.append(publisher)

        def live() -> Any:
            if publisher.poll() is not None:
                raise RuntimeError(f"the publisher exited ({publisher.returncode})")
            stream = second.gql(STREAM, {"id": stream_id}, token)["liveStream"]
            return stream if stream["status"] == "LIVE" else None

        stream = wait("stream LIVE", live, 120)
    with step("play the live master playlist (3 s of it)"):
        say(f"  {stream['playbackUrl']}: {play(stream['playbackUrl'], 3)}")
    with step(f"chat: send through {first.url}, receive on {second.url}"):
        latency = chat_across(first, second, token, stream_id)
        say(f"  received on the other replica {latency * 1000:.0f} ms after the send began")
