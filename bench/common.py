"""Shared helpers for benchmarks: a scratch database, Kino processes, percentiles."""

from __future__ import annotations

import os
import secrets
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg

from kino.infrastructure.embedded import free_port

ADMIN_URL = os.environ.get(
    "KINO_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("KINO_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
NATS_URL = os.environ.get("KINO_BENCH_NATS_URL", "nats://127.0.0.1:4222")


def percentile(samples: list[float], q: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def summary(samples: list[float]) -> str:
    if not samples:
        return "no samples"
    return (
        f"p50 {percentile(samples, 50) * 1000:7.1f} ms  p99 {percentile(samples, 99) * 1000:7.1f} ms"
        f"  mean {statistics.fmean(samples) * 1000:7.1f} ms"
    )


@contextmanager
def scratch_database() -> Iterator[str]:
    name = f"kino_bench_{secrets.token_hex(4)}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield ADMIN_URL.rpartition("/")[0] + "/" + name
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def kino_env(database_url: str, data_dir: Path, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "KINO_DATABASE_URL": database_url,
        "KINO_REDIS_URL": REDIS_URL,
        "KINO_NATS_URL": NATS_URL,
        "KINO_REDIS_NAMESPACE": f"kinobench{secrets.token_hex(3)}",
        "KINO_DATA_DIR": str(data_dir),
        "KINO_HTTP_PORT": str(port),
        "KINO_SECRET_KEY": "b" * 40,
        "KINO_LOG_LEVEL": "WARNING",
        "KINO_LOGIN_FAILURES_PER_MINUTE": "10000",
    }


def _start(name: str, env: dict[str, str], logs: Path | None) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "kino", name]
    if logs is None:
        return subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
    with (logs / f"{name}.log").open("ab") as log:
        return subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)


@contextmanager
def kino_processes(
    database_url: str,
    data_dir: Path,
    *names: str,
    logs: Path | None = None,
    settings: dict[str, str] | None = None,
) -> Iterator[str]:
    """Run `kino <name>` for each name; yield the api's base URL once it is ready.

    With ``logs``, each process's output goes to ``logs/<name>.log`` (else it is dropped);
    ``settings`` are extra ``KINO_*`` variables."""
    with kino_process_group(database_url, data_dir, *names, logs=logs, settings=settings) as (
        url,
        _,
    ):
        yield url


@contextmanager
def kino_process_group(
    database_url: str,
    data_dir: Path,
    *names: str,
    logs: Path | None = None,
    settings: dict[str, str] | None = None,
) -> Iterator[tuple[str, list[subprocess.Popen[bytes]]]]:
    """``kino_processes``, also yielding the processes (in the order of ``names``)."""
    port = free_port()
    env = {**kino_env(database_url, data_dir, port), **(settings or {})}
    processes = [_start(name, env, logs) for name in names]
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("kino did not become ready")
            time.sleep(0.1)
        yield url, processes
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:  # a loaded machine: leave no process behind
                process.kill()
                process.wait()
