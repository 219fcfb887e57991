"""The checks that need the running system: uploads settled, the live stream, leftovers
(objects, temporary files, processes), memory. Each returns report rows."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any

import httpx
import psutil

from bench.chaos.client import Refused, gql
from bench.chaos.record import Record
from bench.chaos.report import Row

STATUS = "query($v: ID!) { video(id: $v) { status } }"
LIVE = "query($s: ID!) { liveStream(id: $s) { status playbackUrl recording { id status } } }"
SETTLED = ("READY", "FAILED")
ACCESS_TOKEN_SECONDS = 900  # Kino's default KINO_ACCESS_TOKEN_TTL, which the campaign keeps
SETUP_SECONDS = 180  # the writers' tokens are issued at most this long before the faults start


def refusals(record: Record, campaign_seconds: float) -> Row:
    """Why writes were refused. The writers' tokens outlive a campaign shorter than their
    lifetime, so none of their writes may be refused as UNAUTHENTICATED: a fault (a Redis
    restart emptying the sessions view) must not sign anyone out."""
    shown = ", ".join(f"{reason} {n}" for reason, n in record.reasons.most_common()) or "none"
    tokens_outlive = campaign_seconds + SETUP_SECONDS < ACCESS_TOKEN_SECONDS
    signed_out = record.reasons["UNAUTHENTICATED"] if tokens_outlive else 0
    return Row("writes refused, by reason (no one signed out)", shown, signed_out == 0)


async def video_statuses(
    http: httpx.AsyncClient, url: str, ids: list[str], token: str
) -> dict[str, str]:
    statuses = {}
    for video_id in ids:
        try:
            video = (await gql(http, url, STATUS, {"v": video_id}, token=token))["video"]
        except Refused:
            video = None
        statuses[video_id] = video["status"] if video else "MISSING"
    return statuses


async def uploads_settle(url: str, ids: list[str], token: str, until: float) -> Row:
    """Every completed upload READY or FAILED by ``until`` (monotonic)."""
    async with httpx.AsyncClient(timeout=15) as http:
        while True:
            statuses = await video_statuses(http, url, ids, token)
            stuck = [v for v, s in statuses.items() if s not in SETTLED]
            if not stuck or time.monotonic() > until:
                break
            await asyncio.sleep(2)
    ready = sum(1 for s in statuses.values() if s == "READY")
    failed = sum(1 for s in statuses.values() if s == "FAILED")
    result = f"{len(ids)} completed: {ready} READY, {failed} FAILED, {len(stuck)} stuck"
    if stuck:
        result += " (" + ", ".join(sorted({statuses[v] for v in stuck})) + ")"
    return Row("uploads settled ≤ 5 min after the last fault", result, not stuck)


async def live_stream(url: str, stream_id: str, token: str) -> Row:
    async with httpx.AsyncClient(timeout=15) as http:
        stream = (await gql(http, url, LIVE, {"s": stream_id}, token=token))["liveStream"]
        if stream["status"] == "LIVE" and stream["playbackUrl"]:
            playlist = await http.get(stream["playbackUrl"])
            ok = playlist.status_code == 200 and "#EXTM3U" in playlist.text
            return Row(
                "live stream after ingest faults", f"LIVE, playlist {playlist.status_code}", ok
            )
        recording = stream.get("recording")
        ok = stream["status"] == "ENDED" and recording is not None
        return Row(
            "live stream after ingest faults", f"{stream['status']}, recording {recording}", ok
        )


def leftover_files(data_dir: Path, videos: set[str]) -> Row:
    objects = data_dir / "objects" / "videos"
    orphans = (
        [p.name for p in objects.iterdir() if p.name not in videos] if objects.is_dir() else []
    )
    temporary = []
    for folder in (data_dir / "objects" / ".staging", data_dir / "uploads", data_dir / "transcode"):
        temporary += [p.name for p in folder.iterdir()] if folder.is_dir() else []
    result = f"{len(orphans)} orphan object folders, {len(temporary)} temporary files/dirs"
    return Row("no orphan objects or temporary files", result, not orphans and not temporary)


def stray_processes(markers: list[str]) -> list[psutil.Process]:
    """Processes (other than this one) whose command line names the campaign's folder or
    ports: what Kino left running after its processes stopped."""
    found = []
    for process in psutil.process_iter(["pid", "cmdline"]):
        if process.pid == os.getpid():
            continue
        command = " ".join(process.info["cmdline"] or [])
        if any(marker in command for marker in markers):
            found.append(process)
    return found


def orphans_row(strays: list[psutil.Process]) -> Row:
    names = sorted(
        f"{p.info['cmdline'][0].rsplit('/', 1)[-1]}" for p in strays if p.info["cmdline"]
    )
    result = f"{len(strays)} left running" + (f": {', '.join(names)}" if names else "")
    return Row("no orphaned processes after stop", result, not strays)


def rss_mib(pid: int) -> float:
    try:
        return float(psutil.Process(pid).memory_info().rss) / 2**20
    except psutil.Error:
        return float("nan")


def rss_rows(
    before: dict[str, tuple[int, float]], after: dict[str, tuple[int, float]]
) -> list[Any]:
    rows = []
    for name, (pid, mib) in after.items():
        first_pid, first = before.get(name, (0, float("nan")))
        again = "" if pid == first_pid else " (restarted since)"
        rows.append(Row(f"RSS {name}", f"{first:.0f} → {mib:.0f} MiB{again}", True))
    return rows


async def stream_settled(url: str, stream_id: str, token: str, until: float) -> str:
    """Wait (until ``until``, monotonic) for the live stream to end and its recording to be a
    settled video: the ingest ends it only after the encoder's reconnect grace, and the checks
    that follow (read models against a rebuild, orphan objects, temporary files) must not run
    while that recording is being saved and transcoded. What it came to, said."""
    async with httpx.AsyncClient(timeout=15) as http:
        while True:
            try:
                stream = (await gql(http, url, LIVE, {"s": stream_id}, token=token))["liveStream"]
            except Refused:
                stream = {"status": "UNANSWERED", "recording": None}
            recording = stream.get("recording") or {}
            if stream["status"] == "ENDED" and recording.get("status") in SETTLED:
                return f"ENDED, recording {recording['status']}"
            if time.monotonic() > until:
                return f"{stream['status']}, recording {recording.get('status')} (gave up waiting)"
            await asyncio.sleep(2)
