"""Simulated live viewers spread over client processes, so a playlist's latency measures the
server and not one Python event loop (issue 12).

``spread_viewers(url, count, processes, seconds)`` starts ``processes`` copies of this module
(``python -m bench.live_viewers``), each running an asyncio client for its share of the
``count`` viewers. Each viewer has a keep-alive connection of its own and a minimal HTTP/1.1
client (httpx's pool, at a few hundred connections, added seconds of client-side delay at
low CPU: 500 viewers against a bare nginx gave a p50 of 3-4 s with it, under 1 ms without).
It GETs ``url``, then waits out the rest of its second, for ``seconds``; the viewers' first
requests are staggered over one second across all processes (viewer i starts at i/count s),
and every process starts them at the same moment: each says ``ready`` on stdout, and the
parent answers ``go`` on stdin when all have. Each process prints its latencies (seconds; a
failed GET counts as infinity) and its CPU while polling (in cores: a client near 1.0 is
itself the bottleneck) as one JSON line. Every loop is bounded: a GET times out after
``TIMEOUT`` s, a viewer stops polling after ``seconds``, and the parent kills any process
still running ``seconds + TIMEOUT + GRACE`` s after the start.

    python -m bench.live_viewers URL --first 0 --count 125 --total 500 --seconds 10
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import sys
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

TIMEOUT = 30.0  # one GET
GRACE = 30.0  # start-up, results and exit, on a loaded machine


class Viewer:
    """One viewer's keep-alive HTTP/1.1 connection: a GET is one write and the reads of one
    answer (Content-Length or chunked), nothing more, so that the client's own work is small
    next to the server's. A connection that fails or is closed by the server is opened again
    on the next GET."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        self.request = f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\n\r\n".encode()
        self.stream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def get(self) -> None:
        """One GET; raises on a failure or a status other than 200."""
        if self.stream is None:
            self.stream = await asyncio.open_connection(self.host, self.port)
        reader, writer = self.stream
        writer.write(self.request)
        await writer.drain()
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
        status = int(head.split(" ", 2)[1])
        if "transfer-encoding: chunked" in head:
            while size := int((await reader.readline()).split(b";")[0], 16):
                await reader.readexactly(size + 2)
            await reader.readline()
        else:
            length = head.partition("content-length:")[2].partition("\r\n")[0].strip()
            await reader.readexactly(int(length or 0))
        if "connection: close" in head:
            self.close()
        if status != 200:
            raise OSError(f"status {status}")

    def close(self) -> None:
        if self.stream is not None:
            self.stream[1].close()
            self.stream = None


async def poll(
    url: str, first: int, count: int, total: int, seconds: float
) -> tuple[list[float], float]:
    """Viewers ``first`` … ``first + count - 1`` of ``total``, after ``go`` on stdin: their
    latencies and this process's CPU while they polled, in cores."""
    latencies: list[float] = []
    print("ready", flush=True)
    line = await asyncio.to_thread(sys.stdin.readline)
    if line.strip() != "go":
        return latencies, 0.0
    cpu, wall = time.process_time(), time.monotonic()

    async def one(offset: float) -> None:
        viewer = Viewer(url)
        await asyncio.sleep(offset)
        end = time.monotonic() + seconds
        try:
            while time.monotonic() < end:
                started = time.perf_counter()
                try:
                    await asyncio.wait_for(viewer.get(), TIMEOUT)
                except (OSError, ValueError, IndexError, asyncio.IncompleteReadError,
                        asyncio.LimitOverrunError, TimeoutError):  # fmt: skip
                    viewer.close()
                    latencies.append(math.inf)  # a failed poll counts as the slowest
                    continue
                latencies.append(time.perf_counter() - started)
                await asyncio.sleep(max(0.0, 1.0 - (time.perf_counter() - started)))
        finally:
            viewer.close()

    await asyncio.gather(*(one(i / total) for i in range(first, first + count)))
    return latencies, (time.process_time() - cpu) / (time.monotonic() - wall)


def shares(count: int, processes: int) -> list[tuple[int, int]]:
    """(first viewer, viewers) for each process: ``count`` viewers as evenly as they go."""
    processes = max(1, min(processes, count))
    base, extra = divmod(count, processes)
    result, first = [], 0
    for index in range(processes):
        size = base + (1 if index < extra else 0)
        result.append((first, size))
        first += size
    return result


async def _viewer_process(
    url: str, first: int, size: int, total: int, seconds: float
) -> asyncio.subprocess.Process:
    argv = [
        "-m", "bench.live_viewers", url, "--first", str(first), "--count", str(size),
        "--total", str(total), "--seconds", str(seconds),
    ]  # fmt: skip
    return await asyncio.create_subprocess_exec(
        sys.executable, *argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE
    )


@dataclass
class Polls:
    latencies: list[float]  # every viewer's GETs, seconds (inf: failed)
    processes: int  # client processes that ran the viewers
    client_cpu: float  # the busiest client process's CPU while polling, in cores


async def spread_viewers(url: str, count: int, processes: int, seconds: float = 10) -> Polls:
    """Run ``count`` viewers over ``processes`` client processes against ``url``."""
    parts = shares(count, processes)
    children: list[asyncio.subprocess.Process] = []
    try:
        for first, size in parts:
            children.append(await _viewer_process(url, first, size, count, seconds))
        for child in children:
            assert child.stdout is not None
            ready = await asyncio.wait_for(child.stdout.readline(), GRACE)
            if ready.strip() != b"ready":
                raise RuntimeError(f"a viewer process did not start: {ready!r}")
        for child in children:
            assert child.stdin is not None
            child.stdin.write(b"go\n")
            await child.stdin.drain()
        outputs = await asyncio.wait_for(
            asyncio.gather(*(child.communicate() for child in children)),
            seconds + TIMEOUT + GRACE,
        )
    finally:
        for child in children:
            if child.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    child.kill()
                await child.wait()
    latencies: list[float] = []
    busiest = 0.0
    for child, (stdout, _) in zip(children, outputs, strict=True):
        if child.returncode != 0:
            raise RuntimeError(f"a viewer process exited with {child.returncode}")
        result = json.loads(stdout)
        latencies.extend(float(value) for value in result["latencies"])
        busiest = max(busiest, float(result["cpu"]))
    return Polls(latencies, len(children), busiest)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("url")
    parser.add_argument("--first", type=int, required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--total", type=int, required=True)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    latencies, cpu = asyncio.run(poll(args.url, args.first, args.count, args.total, args.seconds))
    # JSON has no infinity: json.dumps writes Infinity, which json.loads reads back.
    print(json.dumps({"latencies": latencies, "cpu": cpu}), flush=True)


if __name__ == "__main__":
    main()
