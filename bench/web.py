"""Web client benchmark (issue 14): Lighthouse on ``/`` and ``/watch/{id}`` of a running Kino
with a READY video, and the time from navigation to the first decoded video frame on the
watch page, against a bare page with hls.js playing the same playlist (``bench/web_frames.py``).

Runs ``kino api``, ``projector``, ``relay`` and ``transcoder`` on the machine's PostgreSQL,
Redis and NATS (a throwaway database and namespace), uploads a generated 720p clip with
audio and waits until it is READY. Lighthouse 12.2.3 comes from ``bench/web`` (``npm ci``
there; run here when missing) and drives Debian's Chromium (``CHROME_PATH``); nothing is
downloaded.

    python -m bench.web [--runs 7] [--lighthouse-runs 3] [--seconds 10]

Targets: performance >= 90, accessibility >= 95, best practices >= 95; first frame <= 1 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import kino_process_group, scratch_database
from bench.web_frames import CHROMIUM, compare, median

HERE = Path(__file__).resolve().parent / "web"
LIGHTHOUSE = HERE / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices")
TARGETS = {"performance": 90, "accessibility": 95, "best-practices": 95}
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --no-first-run --disable-sync"
REGISTER = """mutation { register(email: "bench@example.com", handle: "bench", password:
  "correct horse battery staple", displayName: "Bench Mark") { accessToken } }"""
CREATE = """mutation($size: Int!) { createVideoUpload(title: "Harbour at dawn", filename: "clip.mp4",
  sizeBytes: $size, contentType: "video/mp4", description: "Boats leave; gulls follow.") {
  uploadUrl uploadHeaders { name value } video { id } } }"""
COMPLETE = "mutation($id: ID!) { completeVideoUpload(videoId: $id) { id } }"
STATUS = "query($id: ID!) { video(id: $id) { status playbackUrl } }"


def gql(http: httpx.Client, query: str, variables: dict[str, Any] | None = None) -> Any:
    body = http.post("/graphql", json={"query": query, "variables": variables or {}}).json()
    if body.get("errors"):
        raise RuntimeError(body["errors"])
    return body["data"]


def make_clip(path: Path, seconds: int) -> None:
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y",
         "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30",
         "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
         "-t", str(seconds), "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
         "-c:a", "aac", str(path)],
        check=True,
    )  # fmt: skip


def ready_video(http: httpx.Client, clip: Path) -> tuple[str, str]:
    """Upload the clip and wait until it is READY: (video id, master playlist URL)."""
    http.headers["Authorization"] = f"Bearer {gql(http, REGISTER)['register']['accessToken']}"
    data = clip.read_bytes()
    made = gql(http, CREATE, {"size": len(data)})["createVideoUpload"]
    headers = {header["name"]: header["value"] for header in made["uploadHeaders"]}
    httpx.put(made["uploadUrl"], content=data, headers=headers, timeout=120).raise_for_status()
    video_id = made["video"]["id"]
    gql(http, COMPLETE, {"id": video_id})
    deadline = time.monotonic() + 600
    while (video := gql(http, STATUS, {"id": video_id})["video"])["status"] != "READY":
        if video["status"] == "FAILED" or time.monotonic() > deadline:
            raise RuntimeError(f"the clip did not become READY: {video}")
        time.sleep(0.5)
    del http.headers["Authorization"]
    return video_id, video["playbackUrl"]


def lighthouse(url: str, preset: str) -> tuple[dict[str, int], list[str]]:
    """One Lighthouse run: the category scores, and the audits that cost points."""
    command = [
        str(LIGHTHOUSE),
        url,
        "--output=json",
        "--output-path=stdout",
        "--quiet",
        f"--only-categories={','.join(CATEGORIES)}",
        f"--chrome-flags={CHROME_FLAGS}",
    ]
    if preset == "desktop":
        command.append("--preset=desktop")
    env = {**os.environ, "CHROME_PATH": CHROMIUM}
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True, timeout=300)
    report = json.loads(done.stdout)
    scores = {name: round(100 * (report["categories"][name]["score"] or 0)) for name in CATEGORIES}
    costly = sorted(
        f"{category}: {audit['id']} ({audit['score']:.2f})"
        + (f" {audit['displayValue']}" if audit.get("displayValue") else "")
        for category in CATEGORIES
        for ref in report["categories"][category]["auditRefs"]
        if ref["weight"] > 0
        and (audit := report["audits"][ref["id"]])["score"] is not None
        and audit["score"] < 0.9
    )
    return scores, costly


def lighthouse_table(pages: dict[str, str], runs: int) -> None:
    print(
        f"Lighthouse 12.2.3, median of {runs} runs (targets: performance >= 90, "
        "accessibility >= 95, best practices >= 95)"
    )
    print(f"{'page':<8} {'preset':<8} " + " ".join(f"{name:>15}" for name in CATEGORIES))
    for page, url in pages.items():
        for preset in ("mobile", "desktop"):
            results = [lighthouse(url, preset) for _ in range(runs)]
            scores = {name: statistics.median(r[0][name] for r in results) for name in CATEGORIES}
            marks = {name: "" if scores[name] >= TARGETS[name] else " !" for name in CATEGORIES}
            row = " ".join(f"{scores[name]:>13g}{marks[name]:2}" for name in CATEGORIES)
            print(f"{page:<8} {preset:<8} {row}")
            for audit in results[-1][1]:
                print(f"{'':17}- {audit}")


def main(args: argparse.Namespace) -> None:
    if not LIGHTHOUSE.exists():
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=HERE, check=True
        )
    with scratch_database() as database, tempfile.TemporaryDirectory() as folder:
        clip = Path(folder) / "clip.mp4"
        make_clip(clip, args.seconds)
        names = ("api", "projector", "relay", "transcoder")
        with (
            kino_process_group(database, Path(folder), *names) as (base, _),
            httpx.Client(base_url=base, timeout=60) as http,
        ):
            video_id, playlist = ready_video(http, clip)
            watch = f"{base}/watch/{video_id}"
            print(f"{args.seconds} s 720p30 clip, READY; {watch}")
            lighthouse_table({"/": f"{base}/", "/watch": watch}, args.lighthouse_runs)
            frames = Path(folder) / "bare"
            frames.mkdir()
            times = compare(watch, playlist, args.runs, frames)
    kino, bare = median(times["kino"]), median(times["bare"])
    print(
        f"\nnavigation -> first decoded frame, muted autoplay, cold cache, median of {args.runs}:"
    )
    print(
        f"  Kino /watch  {kino:7.0f} ms (loadeddata {median(times['kino loadeddata']):.0f} ms)"
        f"  samples {', '.join(f'{t:.0f}' for t in times['kino'])}"
    )
    print(
        f"  bare hls.js  {bare:7.0f} ms (loadeddata {median(times['bare loadeddata']):.0f} ms)"
        f"  samples {', '.join(f'{t:.0f}' for t in times['bare'])}"
    )
    print(
        f"  Kino / bare  {kino / bare:.2f}x; target <= 1000 ms: {'met' if kino <= 1000 else 'NOT met'}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7, help="first-frame runs per page")
    parser.add_argument("--lighthouse-runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10, help="clip length")
    main(parser.parse_args())
