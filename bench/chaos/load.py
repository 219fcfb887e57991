"""The load: registrations, uploads, comments and chat messages through both apis, and one
live stream published over RTMP by ffmpeg (which reconnects, as OBS does, when cut off).

Rates are per second and bounded; every loop ends when ``stop`` is set. A write counts as
acknowledged only when the api answered it without errors; the load never retries a write
whose answer it did not see (so a stored duplicate is the server's doing)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.chaos.client import Refused, gql
from bench.chaos.record import Record

PASSWORD = "correct horse battery staple"
REGISTER = """mutation($e: String!, $h: String!) { register(email: $e, handle: $h,
  password: "correct horse battery staple") { accessToken user { id } } }"""
CREATE_UPLOAD = """mutation($t: String!, $s: Int!) { createVideoUpload(title: $t,
  filename: "clip.mp4", sizeBytes: $s, contentType: "video/mp4") {
  uploadUrl uploadHeaders { name value } tusUrl video { id } } }"""
STATUS = "query($v: ID!) { video(id: $v) { status } }"
COMPLETE = "mutation($v: ID!) { completeVideoUpload(videoId: $v) { id } }"
COMMENT = """mutation($v: ID!, $b: String!, $p: ID) { postComment(videoId: $v, body: $b,
  parentId: $p) { id } }"""
LOGIN = "mutation($l: String!) { login(login: $l, password: PASSWORD) { accessToken } }".replace(
    "PASSWORD", f'"{PASSWORD}"'
)
CHAT = "mutation($s: ID!, $b: String!) { sendChatMessage(streamId: $s, body: $b) { id } }"
LIVE = 'mutation { createLiveStream(title: "chaos") { streamKey ingestUrl stream { id } } }'


@dataclass(frozen=True)
class Rates:
    chat: float = 4.0
    comments: float = 1.0
    users: float = 0.5
    sign_ins: float = 0.5
    uploads: float = 1 / 15


@dataclass
class Load:
    record: Record
    urls: list[str]
    clip: Path
    stop: asyncio.Event
    rates: Rates = field(default_factory=Rates)
    tokens: list[str] = field(default_factory=list)
    stream_id: str = ""
    stream_key: str = ""
    ingest_url: str = ""
    video_id: str = ""
    top_level: list[str] = field(default_factory=list)  # comments a reply may answer
    rotation: itertools.cycle[str] = field(init=False)

    def __post_init__(self) -> None:
        self.rotation = itertools.cycle(self.urls)
        self.http = httpx.AsyncClient(timeout=15)

    def url(self) -> str:
        return next(self.rotation)

    async def register(self) -> str | None:
        token = self.record.token("user")
        self.record.attempts["user"] += 1
        try:
            data = await gql(self.http, self.url(), REGISTER, {"e": f"{token}@x.test", "h": token})
        except Refused as refused:
            self.record.refuse("user", refused.reason)
            return None
        self.record.ack("user", data["register"]["user"]["id"], token)
        access: str = data["register"]["accessToken"]
        return access

    async def setup(self, chatters: int = 4) -> None:
        """Users to write with, the live stream, and one video to comment on (retried:
        nothing runs without them)."""
        for _ in range(60):
            if len(self.tokens) < chatters and (token := await self.register()):
                self.tokens.append(token)
            if len(self.tokens) == chatters:
                break
        made = await gql(self.http, self.url(), LIVE, token=self.tokens[0])
        live = made["createLiveStream"]
        self.stream_id, self.stream_key = live["stream"]["id"], live["streamKey"]
        self.ingest_url = live["ingestUrl"]
        while not self.video_id:
            self.video_id = await self.upload() or ""
        for _ in range(240):  # comments need it READY (at most 2 minutes)
            with contextlib.suppress(Refused):
                found = await gql(self.http, self.url(), STATUS, {"v": self.video_id})
                if found["video"] and found["video"]["status"] == "READY":
                    return
            await asyncio.sleep(0.5)

    async def upload(self) -> str | None:
        title = self.record.token("video")
        self.record.attempts["video"] += 1
        url, size = self.url(), self.clip.stat().st_size
        try:
            data = await gql(
                self.http, url, CREATE_UPLOAD, {"t": title, "s": size}, token=self.tokens[0]
            )
        except Refused as refused:
            self.record.refuse("video", refused.reason)
            return None
        made = data["createVideoUpload"]
        video_id: str = made["video"]["id"]
        self.record.ack("video", video_id, title)
        for attempt in range(5):  # as a client would: the bytes and the completion, retried
            try:
                if len(self.record.of("video")) % 2:
                    await self.put_bytes(made)
                else:
                    await self.tus_bytes(made["tusUrl"])
                await gql(self.http, self.url(), COMPLETE, {"v": video_id}, token=self.tokens[0])
            except (httpx.HTTPError, Refused):
                await asyncio.sleep(1 + attempt)
                continue
            self.record.uploaded.append(video_id)
            return video_id
        return None

    async def put_bytes(self, made: dict[str, Any]) -> None:
        headers = {h["name"]: h["value"] for h in made["uploadHeaders"]}
        answer = await self.http.put(
            made["uploadUrl"], content=self.clip.read_bytes(), headers=headers
        )
        answer.raise_for_status()

    async def tus_bytes(self, url: str) -> None:
        """tus 1.0: ask the offset (HEAD), send the rest (PATCH), as a resuming client does."""
        auth = {"Authorization": f"Bearer {self.tokens[0]}", "Tus-Resumable": "1.0.0"}
        head = await self.http.head(url, headers=auth)
        head.raise_for_status()
        offset, data = int(head.headers["upload-offset"]), self.clip.read_bytes()
        if offset == len(data):
            return
        answer = await self.http.patch(
            url,
            content=data[offset:],
            headers=auth
            | {"Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"},
        )
        answer.raise_for_status()

    async def sign_in(self) -> None:
        users = self.record.of("user")
        handle = users[self.record.counter % len(users)].token
        try:
            await gql(self.http, self.url(), LOGIN, {"l": handle})
        except Refused:
            self.record.sign_ins["refused"] += 1
            return
        self.record.sign_ins["ok"] += 1

    async def write(self, kind: str, query: str, target: str) -> None:
        token = self.record.token(kind)
        self.record.attempts[kind] += 1
        author = self.tokens[self.record.counter % len(self.tokens)]
        variables: dict[str, Any] = {"s" if kind == "chat" else "v": target, "b": f"{token} hi"}
        if kind == "comment" and self.top_level and self.record.counter % 2:  # every other a reply
            variables["p"] = self.top_level[-1]  # (replies cannot be replied to)
        try:
            data = await gql(self.http, self.url(), query, variables, token=author)
        except Refused as refused:
            self.record.refuse(kind, refused.reason)
            return
        written = next(iter(data.values()))["id"]
        self.record.ack(kind, written, token)
        if kind == "comment" and "p" not in variables:
            self.top_level.append(written)

    async def every(self, rate: float, action: str) -> None:
        while not self.stop.is_set():
            if action == "chat":
                await self.write("chat", CHAT, self.stream_id)
            elif action == "comment":
                await self.write("comment", COMMENT, self.video_id)
            elif action == "user":
                await self.register()
            elif action == "sign-in":
                await self.sign_in()
            else:
                await self.upload()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), 1 / rate)

    async def run(self) -> None:
        await asyncio.gather(
            self.every(self.rates.chat, "chat"),
            self.every(self.rates.comments, "comment"),
            self.every(self.rates.users, "user"),
            self.every(self.rates.sign_ins, "sign-in"),
            self.every(self.rates.uploads, "upload"),
        )

    async def close(self) -> None:
        await self.http.aclose()


def make_clip(path: Path, seconds: int = 2) -> None:
    """A small 240p clip with sound (ffmpeg's test sources)."""
    subprocess.run(
        ["ffmpeg", "-nostdin", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", f"testsrc=size=426x240:rate=24:duration={seconds}",
         "-f", "lavfi", "-i", f"sine=duration={seconds}",
         "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
         "-shortest", str(path)],
        check=True,
    )  # fmt: skip


async def publish(url: str, stop: asyncio.Event, log: Path, restarts: int = 200) -> int:
    """Publish 240p over RTMP until ``stop``; when cut off, publish again (an encoder's
    reconnect). Returns how many times it had to reconnect."""
    reconnects = 0
    for _ in range(restarts):
        with log.open("ab") as out:
            encoder = await asyncio.create_subprocess_exec(
                "ffmpeg", "-nostdin", "-loglevel", "error", "-re",
                "-f", "lavfi", "-i", "testsrc=size=426x240:rate=24",
                "-f", "lavfi", "-i", "sine",
                "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "24",
                "-pix_fmt", "yuv420p", "-c:a", "aac", "-f", "flv", url,
                stdout=out, stderr=out, start_new_session=True,
            )  # fmt: skip
        waiter = asyncio.ensure_future(encoder.wait())
        stopper = asyncio.ensure_future(stop.wait())
        await asyncio.wait({waiter, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if stop.is_set():
            encoder.terminate()
            await waiter
            return reconnects
        stopper.cancel()
        reconnects += 1
        await asyncio.sleep(1)
    return reconnects
