"""Transcoding benchmark: Kino's pipeline against the bare ffmpeg ladder, on one source.

Measures, for the same generated 1080p clip with audio:
  1. Kino's pipeline (upload completed → READY: relay, NATS, transcoder with its fast
     first pass, images, storage, event store), wall and CPU, and its time to the first
     playable rendition;
  2. the bare single ffmpeg ladder command (one process, every rung);
  3. one ffmpeg process per rung, all started at once.
and prints the ratios. Uses the machine's PostgreSQL, Redis and NATS (as the tests do),
in a throwaway database and namespace.

    python -m bench.transcode [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from uuid import UUID

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kino.bootstrap import Endpoints, build_relay_parts, build_transcoder_parts
from kino.domain.video_values import VideoStatus
from kino.infrastructure.logs import configure_logging
from kino.infrastructure.media.ladder import ladder_command, plan_ladder
from kino.infrastructure.media.probe import probe_upload
from kino.infrastructure.settings import Settings
from kino.workers.relay import Relay
from kino.workers.transcoder import Transcoder

ADMIN_URL = os.environ.get(
    "KINO_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("KINO_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
NATS_URL = os.environ.get("KINO_BENCH_NATS_URL", "nats://127.0.0.1:4222")


def cpu() -> float:
    """CPU seconds of this process and its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def make_clip(path: Path, seconds: int) -> None:
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y",
         "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30",
         "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
         "-t", str(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
         "-c:a", "aac", str(path)],
        check=True,
    )  # fmt: skip


def bare_ladder(source: Path, work: Path, preset: str) -> tuple[float, float]:
    probe = probe_upload(source, timeout=30, max_duration=3600)
    rungs = plan_ladder(probe)
    out = work / "bare"
    for rung in rungs:
        (out / rung.name).mkdir(parents=True)
    started, cpu0 = time.monotonic(), cpu()
    subprocess.run(ladder_command(source, out, rungs, probe, preset), check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    return time.monotonic() - started, cpu() - cpu0


def per_rung(source: Path, work: Path, preset: str) -> tuple[float, float]:
    probe = probe_upload(source, timeout=30, max_duration=3600)
    started, cpu0 = time.monotonic(), cpu()
    processes = []
    for rung in plan_ladder(probe):
        out = work / f"rung-{rung.name}"
        (out / rung.name).mkdir(parents=True)
        argv = ladder_command(source, out, [rung], probe, preset)
        processes.append(subprocess.Popen(argv, stdout=subprocess.DEVNULL))
    for process in processes:
        assert process.wait() == 0
    return time.monotonic() - started, cpu() - cpu0


async def kino_pipeline(source: Path, work: Path) -> tuple[float, float, float, Settings]:
    name = f"kino_bench_{secrets.token_hex(4)}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    database_url = ADMIN_URL.rpartition("/")[0] + "/" + name
    settings = Settings(data_dir=work / "data", database_url=database_url, redis_url=REDIS_URL,
                        nats_url=NATS_URL, redis_namespace=name.replace("_", ""),
                        secret_key="bench-" + "x" * 40)  # fmt: skip
    endpoints = Endpoints(database_url, REDIS_URL, NATS_URL)
    relay = Relay(build_relay_parts(settings, endpoints))
    transcoder = Transcoder(build_transcoder_parts(settings, endpoints))
    videos, store, stream = transcoder.videos, transcoder.parts.store, transcoder.stream
    await relay.start()
    await transcoder.start()
    stopping = asyncio.Event()
    relay_task = asyncio.create_task(relay.run(stopping, poll_interval=0.05))
    try:
        owner = UUID(int=1)
        size = source.stat().st_size
        created = videos.create_upload(
            owner, title="bench", filename="bench.mp4", size_bytes=size, content_type="video/mp4"
        )
        store.put_file(created.source_key, source, "video/mp4")
        started, cpu0 = time.monotonic(), cpu()
        videos.complete_upload(created.video_id, owner, source.stat().st_size)
        first_playable = None
        while True:
            video = await asyncio.to_thread(videos.get_video, created.video_id)
            if first_playable is None and video.renditions:
                first_playable = time.monotonic() - started
            if video.status == VideoStatus.READY:
                break
            assert video.status != VideoStatus.FAILED, video.failure_reason
            await asyncio.sleep(0.05)
        wall, used = time.monotonic() - started, cpu() - cpu0
    finally:
        stopping.set()
        await relay_task
        await relay.stop()
        await transcoder.stop()
        await stream.delete()
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    assert first_playable is not None
    return wall, used, first_playable, settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=10, help="length of the 1080p clip")
    args = parser.parse_args()
    configure_logging("bench", "console", "WARNING")
    with tempfile.TemporaryDirectory(prefix="kino-bench-") as tmp:
        work = Path(tmp)
        source = work / "source.mp4"
        make_clip(source, args.seconds)
        kino_wall, kino_cpu, first, settings = asyncio.run(kino_pipeline(source, work))
        preset = settings.videos.preset
        bare_wall, bare_cpu = bare_ladder(source, work, preset)
        rung_wall, rung_cpu = per_rung(source, work, preset)
    print(f"source: 1920x1080 30 fps with audio, {args.seconds} s; preset {preset}; "
          f"{os.cpu_count()} CPUs")  # fmt: skip
    print(f"{'':38}{'wall s':>8}{'cpu s':>8}")
    for label, wall, used in (
        ("kino pipeline (complete -> READY)", kino_wall, kino_cpu),
        ("bare single-process ffmpeg ladder", bare_wall, bare_cpu),
        ("one ffmpeg process per rung", rung_wall, rung_cpu),
    ):
        print(f"{label:38}{wall:8.2f}{used:8.2f}")
    print(f"kino first playable rendition at {first:.2f} s, READY at {kino_wall:.2f} s")
    print("ratios:")
    print(f"  kino / bare ladder:            wall {kino_wall / bare_wall:.2f}x"
          f"  cpu {kino_cpu / bare_cpu:.2f}x")  # fmt: skip
    print(f"  first playable / READY:      {first / kino_wall:.2f}")
    print(f"  first playable / bare ladder:  {first / bare_wall:.2f}"
          "  (a single pass makes every rung playable only at its end)")  # fmt: skip
    print(f"  per-rung / single process:     wall {rung_wall / bare_wall:.2f}x"
          f"  cpu {rung_cpu / bare_cpu:.2f}x")  # fmt: skip


if __name__ == "__main__":
    main()
