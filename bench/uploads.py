"""Uploads: one large file through tus (8 MiB chunks) against the single PUT, same run.

Starts `kino api` and `kino projector` on a scratch database with the filesystem store,
writes a file of SIZE MiB (default 2,000: ``sizeBytes`` is a 32-bit GraphQL Int, so a
single PUT cannot declare more than 2 GiB - 1), then uploads it twice through the api: once
with the single PUT (``uploadUrl``), once with tus PATCHes of CHUNK MiB at ``tusUrl``. For
each it prints the throughput and the api process's peak RSS growth over its RSS just
before (sampled every 20 ms from /proc); the page cache is written back (``sync``) before
each, so neither pays for the other's or the source file's writeback. Targets: tus/PUT throughput >= 0.8, tus RSS
growth <= 64 MiB.

    python -m bench.uploads [--size-mib 2000] [--chunk-mib 8]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from bench.common import kino_process_group, scratch_database

REGISTER = """mutation { register(email: "up@example.com", handle: "uploader",
  password: "password 1234") { accessToken } }"""
CREATE = """mutation($size: Int!) { createVideoUpload(title: "Big", filename: "big.mp4",
  sizeBytes: $size, contentType: "video/mp4") { uploadUrl tusUrl video { id } } }"""
READ = 8 * 1024 * 1024


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


class PeakRss:
    """The highest RSS of ``pid`` while the block runs, sampled in a thread."""

    def __init__(self, pid: int) -> None:
        self.pid, self.before, self.peak = pid, rss_bytes(pid), 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, rss_bytes(self.pid))

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def growth_mib(self) -> float:
        return max(0, self.peak - self.before) / 2**20


def write_file(path: Path, size: int) -> None:
    block = os.urandom(READ)
    with path.open("wb") as out:
        for start in range(0, size, READ):
            out.write(block[: min(READ, size - start)])


def chunks(path: Path, start: int = 0, length: int | None = None) -> Iterator[bytes]:
    with path.open("rb") as source:
        source.seek(start)
        left = length if length is not None else os.path.getsize(path) - start
        while left > 0:
            data = source.read(min(READ, left))
            if not data:
                return
            left -= len(data)
            yield data


def gql(http: httpx.Client, query: str, variables: dict[str, Any] | None = None) -> Any:
    body = http.post("/graphql", json={"query": query, "variables": variables or {}}).json()
    if body.get("errors"):
        raise RuntimeError(body["errors"])
    return body["data"]


def put_upload(http: httpx.Client, path: Path, size: int) -> None:
    upload = gql(http, CREATE, {"size": size})["createVideoUpload"]
    answer = http.put(
        upload["uploadUrl"], content=chunks(path), headers={"Content-Type": "video/mp4"}
    )
    answer.raise_for_status()


def tus_upload(http: httpx.Client, path: Path, size: int, chunk: int) -> None:
    url = gql(http, CREATE, {"size": size})["createVideoUpload"]["tusUrl"]
    offset = 0
    while offset < size:
        length = min(chunk, size - offset)
        answer = http.patch(
            url,
            content=chunks(path, offset, length),
            headers={
                "Tus-Resumable": "1.0.0",
                "Upload-Offset": str(offset),
                "Content-Type": "application/offset+octet-stream",
                "Content-Length": str(length),
            },
        )
        if answer.status_code != 204:
            raise RuntimeError(f"PATCH at {offset}: {answer.status_code} {answer.text}")
        offset = int(answer.headers["upload-offset"])


def measure(name: str, api_pid: int, size: int, upload: Any) -> tuple[float, float]:
    # Each upload starts with nothing dirty in the page cache: else the one measured second
    # pays for writing back the source file and the first upload's bytes, which the single
    # PUT (never fsync'ed) leaves to the kernel.
    os.sync()
    with PeakRss(api_pid) as rss:
        started = time.perf_counter()
        upload()
        seconds = time.perf_counter() - started
    rate = size / seconds / 2**20
    print(f"{name:28} {seconds:6.1f} s  {rate:7.1f} MiB/s  api RSS +{rss.growth_mib:6.1f} MiB")
    return rate, rss.growth_mib


def main(args: argparse.Namespace) -> None:
    size, chunk = args.size_mib * 2**20, args.chunk_mib * 2**20
    with scratch_database() as database, tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "source.bin"
        write_file(source, size)
        long_tokens = {"KINO_UPLOAD_TTL": "7200"}
        with (
            kino_process_group(
                database, Path(folder), "api", "projector", settings=long_tokens
            ) as (base, processes),
            httpx.Client(base_url=base, timeout=600) as http,
        ):
            token = gql(http, REGISTER)["register"]["accessToken"]
            http.headers["Authorization"] = f"Bearer {token}"
            print(f"{args.size_mib:,} MiB, filesystem store, one api process")
            api = processes[0].pid
            put_rate, _ = measure("single PUT", api, size, lambda: put_upload(http, source, size))
            tus_rate, tus_rss = measure(
                f"tus, {args.chunk_mib} MiB PATCHes",
                api,
                size,
                lambda: tus_upload(http, source, size, chunk),
            )
        print(f"throughput tus/PUT {tus_rate / put_rate:.2f}x (target >= 0.8); ", end="")
        print(f"tus api RSS growth {tus_rss:.1f} MiB (target <= 64)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size-mib", type=int, default=2000)
    parser.add_argument("--chunk-mib", type=int, default=8)
    main(parser.parse_args())
