"""The read path: GraphQL vs a plain Litestar JSON endpoint over the same read model.

Seeds users, 120 READY PUBLIC videos and 1,000 comments on one video (through the
applications), runs `kino projector` and one `kino api` worker, and beside it the plain
baseline (bench/read_path_plain.py, one uvicorn worker, the same readers). For `video(id)`,
a 50-video page with owners and a 100-comment page with authors it prints requests/s and
p50/p99 at the same concurrency, twice for GraphQL: "cold" asks for a fresh answer
(``Cache-Control: no-cache``: parse-and-validate cache only), "repeated" is the same
anonymous read again (answered from the response cache while the read models stand still).
The ratio plain/GraphQL is GraphQL's overhead (targets: cold <= 2x, repeated <= 1x). Then
the time to read all 1,000 comments of a video page by page (10 x 100).

    python bench/read_path.py [--seconds 5] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx

from bench.common import kino_env, kino_processes, scratch_database, summary
from kino.commands.accounts import Accounts
from kino.commands.comments import Comments
from kino.commands.videos import Videos
from kino.domain.comments import Comment
from kino.domain.video_values import ProbeResult, Rendition
from kino.infrastructure.embedded import free_port
from kino.infrastructure.eventstore import eventstore_env
from kino.infrastructure.passwords import FastPasswords

VIDEO = """query($id: ID!) { video(id: $id) { id title description visibility status createdAt
  durationSeconds width height playbackUrl viewCount commentCount owner { id handle displayName } } }"""
VIDEOS = """query { videos(first: 50) { edges { cursor node { id title description visibility
  status createdAt durationSeconds width height playbackUrl viewCount commentCount
  owner { id handle displayName } } } pageInfo { hasNextPage endCursor } } }"""
COMMENTS = """query($v: ID!, $after: String) { comments(videoId: $v, first: 100, after: $after) {
  edges { cursor node { id body createdAt editedAt deleted replyCount author { id handle displayName } } }
  pageInfo { hasNextPage endCursor } } }"""


def seed(database_url: str) -> tuple[list[UUID], UUID]:
    env = eventstore_env(database_url)
    accounts = Accounts(env=env, passwords=FastPasswords())
    users = [
        accounts.register(f"b{i}@example.com", f"bench_{i}", "password 1234").user_id
        for i in range(50)
    ]
    videos = Videos(env=env)
    ids = []
    for i in range(120):
        owner = users[i % len(users)]
        created = videos.create_upload(
            owner,
            title=f"Video {i}",
            filename="v.mp4",
            size_bytes=10,
            content_type="video/mp4",
            description="A benchmark video " * 5,
        )
        vid = created.video_id
        videos.complete_upload(vid, owner, 10)
        videos.record_probe(vid, ProbeResult(60.0, 1280, 720, True, True, ("144p",)))
        videos.add_rendition(
            vid, Rendition("144p", 256, 144, 1, "avc1", f"videos/{vid}/hls/144p/index.m3u8")
        )
        videos.mark_ready(vid)
        ids.append(vid)
    comments = Comments(env=env)
    target = ids[-1]
    batch = [
        Comment(
            video_id=target,
            video_owner_id=users[-1],
            parent_id=None,
            author_id=users[i % len(users)],
            body=f"Comment number {i} " * 4,
        )
        for i in range(1000)
    ]
    for start in range(0, len(batch), 250):
        comments.save(*batch[start : start + 250])
    for app in (accounts, videos, comments):
        app.close()
    return ids, target


async def load(
    call: Callable[[httpx.AsyncClient], Any], seconds: float, concurrency: int
) -> tuple[float, list[float]]:
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    async with httpx.AsyncClient(timeout=30) as client:

        async def worker() -> None:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                response = await call(client)
                assert response.status_code == 200, response.text
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return len(latencies) / (time.perf_counter() - started), latencies


async def wait_until_projected(url: str, target: UUID) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(1200):
            body = (
                await client.post(
                    f"{url}/graphql", json={"query": VIDEO, "variables": {"id": str(target)}}
                )
            ).json()
            video = (body.get("data") or {}).get("video")
            if video and video["commentCount"] == 1000:
                return
            await asyncio.sleep(0.1)
    raise RuntimeError("the projector did not catch up")


async def main(seconds: float, concurrency: int) -> None:
    with scratch_database() as database, tempfile.TemporaryDirectory() as folder:
        ids, target = seed(database)
        with kino_processes(database, Path(folder), "api", "projector") as api:
            await wait_until_projected(api, target)
            port = free_port()
            plain = subprocess.Popen(
                [sys.executable, "bench/read_path_plain.py"],
                env=kino_env(database, Path(folder), port),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            base = f"http://127.0.0.1:{port}"
            try:
                for _ in range(300):
                    try:
                        httpx.get(f"{base}/plain/videos", timeout=1)
                        break
                    except httpx.HTTPError:
                        time.sleep(0.1)
                await report(api, base, ids, target, seconds, concurrency)
            finally:
                plain.terminate()
                plain.wait(30)


async def report(
    api: str, base: str, ids: list[UUID], target: UUID, seconds: float, concurrency: int
) -> None:
    def gql(
        query: str, variables: Callable[[], dict[str, Any]]
    ) -> tuple[Callable[[httpx.AsyncClient], Any], Callable[[httpx.AsyncClient], Any]]:
        """The cold call (a fresh answer asked for) and the repeated one (cacheable)."""
        url, fresh = f"{api}/graphql", {"Cache-Control": "no-cache"}
        return (
            lambda c: c.post(url, json={"query": query, "variables": variables()}, headers=fresh),
            lambda c: c.post(url, json={"query": query, "variables": variables()}),
        )

    counter = iter(range(10**9))

    def some_id() -> str:
        return str(ids[next(counter) % len(ids)])

    scenarios = [
        (
            "video(id)",
            gql(VIDEO, lambda: {"id": some_id()}),
            lambda c: c.get(f"{base}/plain/video/{some_id()}"),
        ),
        ("videos(first: 50)", gql(VIDEOS, dict), lambda c: c.get(f"{base}/plain/videos?first=50")),
        (
            "comments(first: 100)",
            gql(COMMENTS, lambda: {"v": str(target)}),
            lambda c: c.get(f"{base}/plain/comments/{target}?first=100"),
        ),
    ]
    print(f"one api worker, concurrency {concurrency}, {seconds:.0f} s per run")
    for name, (cold_call, repeated_call), plain_call in scenarios:
        for call in (cold_call, repeated_call, plain_call):
            await load(call, 1, concurrency)  # warm up
        c_rps, c_lat = await load(cold_call, seconds, concurrency)
        r_rps, r_lat = await load(repeated_call, seconds, concurrency)
        p_rps, p_lat = await load(plain_call, seconds, concurrency)
        print(f"{name:22} GraphQL cold     {c_rps:7.0f} req/s  {summary(c_lat)}")
        print(f"{'':22} GraphQL repeated {r_rps:7.0f} req/s  {summary(r_lat)}")
        print(f"{'':22} plain            {p_rps:7.0f} req/s  {summary(p_lat)}")
        print(
            f"{'':22} ratio plain/GraphQL throughput: cold {p_rps / c_rps:.2f}x, "
            f"repeated {p_rps / r_rps:.2f}x"
        )
    walks = [await walk_comments(api, target)]
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        count = await walk_comments(api, target)
        timings.append(time.perf_counter() - started)
    assert walks[0] == count == 1000, count
    print(f"all 1,000 comments (10 pages of 100) via GraphQL: {summary(timings)}")


async def walk_comments(api: str, target: UUID) -> int:
    seen, after = 0, None
    async with httpx.AsyncClient(timeout=30) as client:
        while True:
            body = (
                await client.post(
                    f"{api}/graphql",
                    json={"query": COMMENTS, "variables": {"v": str(target), "after": after}},
                )
            ).json()
            page = body["data"]["comments"]
            seen += len(page["edges"])
            if not page["pageInfo"]["hasNextPage"]:
                return seen
            after = page["pageInfo"]["endCursor"]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    asyncio.run(main(args.seconds, args.concurrency))
