"""How long one GraphQL request can hold up an api's other requests.

Runs `kino api` and `kino projector` on a scratch database seeded like bench/read_path.py
(120 READY videos, 1,000 comments on one), then for each scenario sends the scenario's
request from several connections for a few seconds while a probe asks `/healthz` every few
milliseconds on its own connection. A blocked event loop shows as `/healthz` latency; the
baseline is the probe on an idle api, measured in the same run.

    python -m bench.query_limits [--seconds 5] [--concurrency 4]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from bench.common import kino_processes, percentile, scratch_database
from bench.read_path import COMMENTS, VIDEOS, seed, wait_until_projected
from tests.query_documents import fan_out_documents

EVERY_VIDEO_FIELD = """query { videos(first: 100) { edges { cursor node { id title description
  visibility status createdAt durationSeconds width height playbackUrl thumbnailUrl viewCount
  commentCount failureReason renditions { name width height bandwidth codecs playlistUrl }
  owner { id handle displayName createdAt } } } pageInfo { hasNextPage endCursor } } }"""
NEAR_TOKEN_LIMIT = "{ me { " + " ".join(["id"] * 1990) + " } }"  # ~2,000 tokens


def scenarios(target: str) -> dict[str, Callable[[], dict[str, Any]] | None]:
    fan_out = itertools.cycle(document for _, document in fan_out_documents((60,)))
    return {
        "idle (baseline)": None,
        "video(id) (small, allowed)": lambda: {
            "query": "query($id: ID!) { video(id: $id) { id title owner { handle } } }",
            "variables": {"id": target},
        },
        "fan-out, 60 fragments (refused)": lambda: {"query": next(fan_out)},
        "~2,000 tokens (refused: too complex)": lambda: {"query": NEAR_TOKEN_LIMIT},
        "videos(first: 100), every field": lambda: {"query": EVERY_VIDEO_FIELD},
        "videos(first: 50) (read_path)": lambda: {"query": VIDEOS},
        "comments(first: 100) (read_path)": lambda: {
            "query": COMMENTS,
            "variables": {"v": target},
        },
    }


async def run(
    api: str, body: Callable[[], dict[str, Any]] | None, seconds: float, concurrency: int
) -> tuple[list[float], list[float]]:
    """(healthz latencies, request latencies) while ``concurrency`` clients send ``body``."""
    deadline = time.perf_counter() + seconds
    probes: list[float] = []
    requests: list[float] = []

    async def attacker() -> None:
        async with httpx.AsyncClient(base_url=api, timeout=60) as client:
            while body is not None and time.perf_counter() < deadline:
                started = time.perf_counter()
                response = await client.post("/graphql", json=body())
                assert response.status_code < 500, response.text
                requests.append(time.perf_counter() - started)

    async def probe() -> None:
        async with httpx.AsyncClient(base_url=api, timeout=60) as client:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                assert (await client.get("/healthz")).status_code == 200
                probes.append(time.perf_counter() - started)
                await asyncio.sleep(0.005)

    await asyncio.gather(probe(), *(attacker() for _ in range(concurrency)))
    return probes, requests


def ms(value: float) -> str:
    return f"{value * 1000:7.1f}"


async def main(seconds: float, concurrency: int) -> None:
    with scratch_database() as database, tempfile.TemporaryDirectory() as folder:
        _, target = seed(database)
        with kino_processes(database, Path(folder), "api", "projector") as api:
            await wait_until_projected(api, target)
            print(f"{seconds:.0f} s per scenario, {concurrency} connections + 1 /healthz probe")
            print(
                f"{'scenario':38} {'req/s':>7} {'req p50':>8} | /healthz ms: "
                f"{'p50':>7} {'p99':>7} {'max':>7}  p99/baseline"
            )
            baseline = None
            for name, body in scenarios(str(target)).items():
                await run(api, body, 0.5, concurrency)  # warm up
                probes, requests = await run(api, body, seconds, concurrency)
                p99 = percentile(probes, 99)
                baseline = baseline or p99
                rate = f"{len(requests) / seconds:7.0f}" if requests else f"{'-':>7}"
                typical = ms(percentile(requests, 50)) if requests else f"{'-':>7}"
                print(
                    f"{name:38} {rate} {typical} | {'':12} {ms(percentile(probes, 50))} "
                    f"{ms(p99)} {ms(max(probes))}  {p99 / baseline:5.1f}x"
                )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--concurrency", type=int, default=4)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.seconds, arguments.concurrency))
