"""Accounts throughput and latency through the api vs bare `Accounts` command calls.

Prints registrations/s and logins/s with p50/p99 through GraphQL over HTTP (a real
`kino api` and `kino projector`, each registration/login waiting for read-your-writes),
beside the same commands called directly on the `Accounts` application in this process
with the same concurrency; the ratio is the api's overhead. Then projection lag p50/p99
(command saved → users read model shows it) under a steady write load.

    python -m bench.accounts [--users 60] [--concurrency 4] [--rate 20] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psycopg

from bench.common import kino_processes, scratch_database, summary
from kino.commands.accounts import Accounts
from kino.infrastructure.eventstore import eventstore_env

PASSWORD = "correct horse battery staple"
REGISTER = """mutation($e: String!, $h: String!, $p: String!) {
  register(email: $e, handle: $h, password: $p) { accessToken user { id } } }"""
LOGIN = """mutation($l: String!, $p: String!) { login(login: $l, password: $p) { accessToken } }"""


def run_direct(
    accounts: Accounts, handles: list[str], concurrency: int, action: str
) -> tuple[float, list[float]]:
    def one(handle: str) -> float:
        started = time.perf_counter()
        if action == "register":
            accounts.register(f"{handle}@example.com", handle, PASSWORD)
        else:
            accounts.login(handle, PASSWORD)
        return time.perf_counter() - started

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        latencies = list(pool.map(one, handles))
    return time.perf_counter() - started, latencies


async def run_api(
    url: str, handles: list[str], concurrency: int, action: str
) -> tuple[float, list[float]]:
    latencies: list[float] = []
    queue: asyncio.Queue[str] = asyncio.Queue()
    for handle in handles:
        queue.put_nowait(handle)

    async def worker(http: httpx.AsyncClient) -> None:
        while not queue.empty():
            handle = queue.get_nowait()
            if action == "register":
                body = {
                    "query": REGISTER,
                    "variables": {"e": f"{handle}@example.com", "h": handle, "p": PASSWORD},
                }
            else:
                body = {"query": LOGIN, "variables": {"l": handle, "p": PASSWORD}}
            started = time.perf_counter()
            answer = (await http.post(f"{url}/graphql", json=body)).json()
            latencies.append(time.perf_counter() - started)
            assert "errors" not in answer, answer

    started = time.perf_counter()
    async with httpx.AsyncClient(timeout=60) as http:
        await asyncio.gather(*(worker(http) for _ in range(concurrency)))
    return time.perf_counter() - started, latencies


def projection_lag(
    database_url: str, accounts: Accounts, rate: float, seconds: float
) -> list[float]:
    """Register at a steady rate; measure save → visible in the users read model."""
    lags: list[float] = []
    stop = time.monotonic() + seconds
    pending: list[tuple[int, float]] = []
    lock = threading.Lock()
    done = threading.Event()

    def watcher() -> None:
        with psycopg.connect(database_url, autocommit=True) as conn:
            while not done.is_set() or pending:
                row = conn.execute(
                    "SELECT notification_id FROM users_tracking WHERE application_name = 'accounts'"
                ).fetchone()
                position = row[0] if row else 0
                now = time.perf_counter()
                with lock:
                    for item in [p for p in pending if p[0] <= position]:
                        lags.append(now - item[1])
                        pending.remove(item)
                time.sleep(0.002)

    thread = threading.Thread(target=watcher)
    thread.start()
    interval = 1 / rate
    next_at = time.monotonic()
    while time.monotonic() < stop:
        handle = f"lag_{secrets.token_hex(5)}"
        grant = accounts.register(f"{handle}@example.com", handle, PASSWORD)
        saved_at = time.perf_counter()  # after the save returned (argon2 hashing excluded)
        with lock:
            pending.append((grant.position, saved_at))
        next_at += interval
        time.sleep(max(0.0, next_at - time.monotonic()))
    done.set()
    thread.join(60)
    return lags


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=60)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--rate", type=float, default=10.0, help="registrations/s for the lag test")
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()

    with scratch_database() as database_url, tempfile.TemporaryDirectory() as tmp:
        accounts = Accounts(env=eventstore_env(database_url, pool_size=args.concurrency))
        direct_handles = [f"d_{secrets.token_hex(5)}" for _ in range(args.users)]
        api_handles = [f"a_{secrets.token_hex(5)}" for _ in range(args.users)]
        with kino_processes(database_url, Path(tmp), "api", "projector") as url:
            results = {}
            for action in ("register", "login"):
                results[("direct", action)] = run_direct(
                    accounts, direct_handles, args.concurrency, action
                )
                results[("api", action)] = asyncio.run(
                    run_api(url, api_handles, args.concurrency, action)
                )
            lags = projection_lag(database_url, accounts, args.rate, args.seconds)
        accounts.close()

    n = args.users
    print(
        f"accounts benchmark: {n} users, concurrency {args.concurrency}, argon2id (m=64 MiB, t=3, p=4)"
    )
    for action in ("register", "login"):
        d_wall, d_lat = results[("direct", action)]
        a_wall, a_lat = results[("api", action)]
        print(f"  {action:8} bare Accounts: {n / d_wall:7.1f}/s  {summary(d_lat)}")
        print(f"  {action:8} GraphQL api:   {n / a_wall:7.1f}/s  {summary(a_lat)}")
        print(
            f"  {action:8} api/bare throughput ratio: {(n / a_wall) / (n / d_wall):.2f}"
            f"  (p50 latency ratio {sorted(a_lat)[len(a_lat) // 2] / sorted(d_lat)[len(d_lat) // 2]:.2f})"
        )
    print(
        f"  projection lag at {args.rate:.0f} registrations/s for {args.seconds:.0f} s "
        f"({len(lags)} samples): {summary(lags)}"
    )


if __name__ == "__main__":
    main()
