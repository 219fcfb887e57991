"""Part (b) of bench/chat.py: Kino's chat fan-out against a bare broadcast server."""

from __future__ import annotations

import json
import multiprocessing
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import redis

from bench.chat_clients import baseline_process, client_process

REDIS_URL = os.environ.get("KINO_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
NATS_URL = os.environ.get("KINO_BENCH_NATS_URL", "nats://127.0.0.1:4222")
REGISTER = """mutation { register(email: "bench@example.com", handle: "bench_owner",
  password: "correct horse battery staple") { accessToken } }"""
CREATE = 'mutation { createLiveStream(title: "Bench") { stream { id } } }'
SEND = "mutation($s: ID!, $b: String!) { sendChatMessage(streamId: $s, body: $b) { id } }"


@dataclass
class FanoutResult:
    name: str
    latencies: list[float]
    expected: int
    seconds: float
    rss_per_connection: float
    closed: int
    cpu: float = 0.0

    @property
    def cpu_per_delivery(self) -> float:
        return self.cpu / max(len(self.latencies), 1)

    def line(self) -> str:
        ordered = sorted(self.latencies) or [float("nan")]
        p50 = ordered[len(ordered) // 2] * 1000
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
        rate = len(self.latencies) / self.seconds
        lost = self.expected - len(self.latencies)
        cpu_us = self.cpu_per_delivery * 1e6
        return (
            f"    {self.name:<10} p50 {p50:8.1f} ms  p99 {p99:8.1f} ms  {rate:9.0f} deliveries/s"
            f"  {self.rss_per_connection / 1024:6.1f} KiB/conn"
            f"  server CPU {cpu_us:5.1f} us/delivery"
            f"  lost {lost}  dropped {self.closed}"
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (load on a shared machine does not inflate it)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def measure(
    name: str,
    url: str,
    mode: str,
    stream_id: str,
    server_pid: int,
    send: Callable[[str, int, float], None],
    subscribers: int,
    rate: float,
    seconds: float,
    processes: int,
) -> FanoutResult:
    context = multiprocessing.get_context("spawn")
    rss_before = rss(server_pid)
    pipes, children = [], []
    first = 0
    for index in range(processes):
        count = subscribers // processes + (index < subscribers % processes)
        parent, child = context.Pipe()
        args = (url, mode, stream_id, first, count, child)
        first += count
        proc = context.Process(target=client_process, args=args)
        proc.start()
        pipes.append(parent)
        children.append(proc)
    for pipe in pipes:
        assert pipe.recv()[0] == "connected"
    ready, number = 0, 0
    while ready < len(pipes):  # warm up until every connection has received a message
        send("w", number, time.time())
        number += 1
        deadline = time.monotonic() + 0.2
        while time.monotonic() < deadline:
            for pipe in pipes:
                if pipe.poll(0.01):
                    ready += pipe.recv()[0] == "ready"
    rss_after = rss(server_pid)
    total = int(rate * seconds)
    cpu_before = cpu_seconds(server_pid)
    started = time.monotonic()
    for n in range(total):
        time.sleep(max(0.0, started + n / rate - time.monotonic()))
        send("m", n, time.time())
    time.sleep(5)  # let the last messages arrive
    cpu = cpu_seconds(server_pid) - cpu_before
    latencies: list[float] = []
    closed = 0
    for pipe in pipes:
        pipe.send("stop")
    for pipe in pipes:
        _, samples, ended = pipe.recv()
        latencies += samples
        closed += ended
    for proc in children:
        proc.join()
    return FanoutResult(
        name,
        latencies,
        total * subscribers,
        seconds,
        (rss_after - rss_before) / subscribers,
        closed,
        cpu,
    )


@contextmanager
def kino_stack(database_url: str) -> Iterator[tuple[str, int, str]]:
    port, namespace = free_port(), f"kinobench{secrets.token_hex(3)}"
    env = {
        **os.environ,
        "KINO_DATABASE_URL": database_url,
        "KINO_REDIS_URL": REDIS_URL,
        "KINO_NATS_URL": NATS_URL,
        "KINO_REDIS_NAMESPACE": namespace,
        "KINO_DATA_DIR": tempfile.mkdtemp(prefix="kino-bench-"),
        "KINO_HTTP_PORT": str(port),
        "KINO_SECRET_KEY": "b" * 40,
        "KINO_LOG_LEVEL": "WARNING",
        "KINO_CHAT_RATE_LIMIT": "100000",
    }
    # The api first: it creates the event tables; DDL racing with the projector's can fail.
    procs = [subprocess.Popen([sys.executable, "-m", "kino", "api"], env=env)]
    url = f"http://127.0.0.1:{port}"
    try:
        while True:
            assert procs[0].poll() is None, "the api exited"
            try:
                if httpx.get(url + "/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        procs.append(subprocess.Popen([sys.executable, "-m", "kino", "projector"], env=env))
        yield url, procs[0].pid, namespace
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait()
        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(match=f"{namespace}:*", count=1000))
        if keys:
            client.unlink(*keys)


def gql(url: str, query: str, variables: dict | None = None, token: str | None = None) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = httpx.post(
        url + "/graphql",
        json={"query": query, "variables": variables or {}},
        headers=headers,
        timeout=60,
    ).json()
    assert not body.get("errors"), body
    return body["data"]  # type: ignore[no-any-return]


def run_fanout(
    subscribers: int, rate: float, seconds: float, processes: int, with_unshared: bool
) -> None:
    from bench.common import scratch_database

    print(f"(b) {subscribers} subscribers in one room, {rate:g} msg/s for {seconds:g} s")
    with scratch_database() as database_url, kino_stack(database_url) as (url, pid, _):
        token = gql(url, REGISTER)["register"]["accessToken"]
        stream_id = gql(url, CREATE, token=token)["createLiveStream"]["stream"]["id"]
        http = httpx.Client(base_url=url, timeout=60, headers={"Authorization": f"Bearer {token}"})
        senders = ThreadPoolExecutor(16)

        def send(phase: str, number: int, sent_at: float) -> None:
            body = json.dumps({"t": sent_at, "p": phase, "n": number})
            senders.submit(
                http.post,
                "/graphql",
                json={"query": SEND, "variables": {"s": stream_id, "b": body}},
            )

        ws_url = url.replace("http", "ws", 1) + "/graphql"
        kino = measure(
            "kino", ws_url, "shared", stream_id, pid, send, subscribers, rate, seconds, processes
        )
        unshared = None
        if with_unshared:
            unshared = measure(
                "unshared",
                ws_url,
                "unshared",
                stream_id,
                pid,
                send,
                subscribers,
                rate,
                seconds,
                processes,
            )
        senders.shutdown()
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    port = free_port()
    server = context.Process(target=baseline_process, args=(port, child))
    server.start()
    parent.recv()

    def broadcast(phase: str, number: int, sent_at: float) -> None:
        parent.send(("send", phase, number, sent_at))

    baseline = measure(
        "baseline",
        f"ws://127.0.0.1:{port}",
        "baseline",
        "",
        server.pid or 0,
        broadcast,
        subscribers,
        rate,
        seconds,
        processes,
    )
    parent.send(("stop",))
    server.join()
    print(kino.line())
    if unshared is not None:
        print(unshared.line() + "   (selection executed per subscriber)")
    print(baseline.line())
    k50 = statistics.median(kino.latencies) if kino.latencies else float("nan")
    b50 = statistics.median(baseline.latencies) if baseline.latencies else float("nan")
    print(
        f"    kino/baseline: p50 latency x{k50 / b50:.1f}, deliveries "
        f"x{len(kino.latencies) / max(len(baseline.latencies), 1):.2f}, memory/conn "
        f"x{kino.rss_per_connection / max(baseline.rss_per_connection, 1):.1f}, server CPU/"
        f"delivery x{kino.cpu_per_delivery / max(baseline.cpu_per_delivery, 1e-9):.1f}"
    )
