"""Costs that should stay flat as the data grows, from a few thousand rows to a million.

1. An event store of EVENTS events (1,000,000 by default) across the contexts (users,
   videos with their processing events, comments, chat messages), written through the
   applications in batched saves, in its own database (``kino_scale``).
2. Append latency: single-aggregate saves (a comment, a chat message) on the empty store,
   then on the large one. Target: p50 large ÷ empty ≤ 1.5.
3. A rebuild of the catalog (the ``videos`` read model) from the whole store, with progress:
   events/s.
4. Query latency at SIZES rows (10,000, 100,000 and 1,000,000 by default) in the catalog, the
   comments and the chat history (``bench.scale_queries``), in a second database
   (``kino_scale_rows``). Target: p50 at the largest size ≤ 2 times at the smallest.

Both databases are dropped at the end unless ``--keep``.

    python -m bench.scale [--events 1000000] [--sizes 10000,100000,1000000] [--samples 200]
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import psycopg
import redis
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from bench import scale_queries
from bench.common import ADMIN_URL, NATS_URL, REDIS_URL, percentile
from bench.scale_events import append_latencies, write_events
from kino.bootstrap import Endpoints, projection_tools, read_model_spec
from kino.infrastructure.settings import Settings
from kino.operations.projections import RateProgress
from kino.projections.rebuild import RebuildResult, rebuild
from tests.integration.recovery_helpers import clean_namespace

PROGRESS_COLUMNS = (
    TextColumn("[bold]{task.description}"),
    BarColumn(),
    TextColumn("{task.completed:,}/{task.total:,}"),
    TextColumn("{task.fields[rate]}"),
    TimeRemainingColumn(),
)


@contextmanager
def database(name: str, keep: bool) -> Iterator[str]:
    """A fresh database ``name`` on the bench's server (dropped after unless ``keep``)."""
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield ADMIN_URL.rpartition("/")[0] + "/" + name
    finally:
        if not keep:
            with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def rebuild_catalog(database_url: str, namespace: str, tmp: Path) -> RebuildResult:
    settings = Settings(
        data_dir=tmp,
        database_url=database_url,
        redis_url=REDIS_URL,
        nats_url=NATS_URL,
        redis_namespace=namespace,
        secret_key="b" * 40,
    )
    tools = projection_tools(settings, Endpoints(database_url, REDIS_URL, NATS_URL))
    spec = read_model_spec("videos")
    with Progress(*PROGRESS_COLUMNS) as progress:
        task = progress.add_task("rebuild videos", total=1, rate="")
        return rebuild(
            spec,
            generations=tools.generations,
            make_view=partial(tools.view, spec),
            env=tools.env,
            progress=RateProgress(progress, task),
            grace_seconds=0,
        )


def event_store_part(args: argparse.Namespace, namespace: str, tmp: Path) -> None:
    with database("kino_scale", args.keep) as database_url:
        empty = append_latencies(database_url, args.appends)
        with Progress(*PROGRESS_COLUMNS) as progress:
            started = time.perf_counter()
            written = write_events(database_url, args.events, progress)
            seconds = time.perf_counter() - started
        print(f"wrote {written:,} events in {seconds:.0f} s ({written / seconds:,.0f} events/s)")
        large = append_latencies(database_url, args.appends)
        print_appends(empty, large, written)
        result = rebuild_catalog(database_url, namespace, tmp)
    print(
        f"\nrebuild of the catalog from {result.events:,} events ({result.handled:,} of them "
        f"video events): {result.seconds:.1f} s = {result.events / result.seconds:,.0f} events/s "
        f"({result.handled / result.seconds:,.0f} video events/s)"
    )


def print_appends(
    empty: dict[str, list[float]], large: dict[str, list[float]], written: int
) -> None:
    print(
        f"\n| append, one aggregate a save | empty store p50 / p99 | {written:,} events p50 / p99 "
        "| p50 ratio (target ≤ 1.5) |"
    )
    print("|---|---|---|---|")
    for context, before in empty.items():
        after = large[context]
        print(
            f"| {context} | {milliseconds(before)} | {milliseconds(after)} "
            f"| {percentile(after, 50) / percentile(before, 50):.2f} |"
        )


def milliseconds(samples: list[float]) -> str:
    return f"{percentile(samples, 50) * 1000:.2f} / {percentile(samples, 99) * 1000:.2f} ms"


def query_part(args: argparse.Namespace, namespace: str, tmp: Path) -> None:
    client = redis.Redis.from_url(REDIS_URL)
    prefix = f"{namespace}:chat_messages_g1"
    results = {}
    try:
        with database("kino_scale_rows", args.keep) as database_url:
            scale_queries.create_read_models(database_url, REDIS_URL, namespace, tmp)
            have = 0
            for size in args.sizes:
                started = time.perf_counter()
                scale_queries.fill_to(database_url, client, prefix, have, size)
                print(f"filled to {size:,} rows in {time.perf_counter() - started:.0f} s")
                have = size
                results[size] = asyncio.run(
                    scale_queries.time_queries(
                        database_url, REDIS_URL, namespace, size, args.samples
                    )
                )
    finally:
        clean_namespace(client, namespace)
    print()
    scale_queries.print_table(results)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument(
        "--sizes",
        type=lambda text: [int(size) for size in text.split(",")],
        default=[10_000, 100_000, 1_000_000],
    )
    parser.add_argument("--samples", type=int, default=200, help="timed calls per query and size")
    parser.add_argument("--appends", type=int, default=300, help="timed saves per context")
    parser.add_argument("--keep", action="store_true", help="keep kino_scale and kino_scale_rows")
    parser.add_argument("--only", choices=("events", "queries"), help="run one part")
    args = parser.parse_args()
    namespace = f"kinoscale{secrets.token_hex(3)}"
    with tempfile.TemporaryDirectory() as tmp:
        if args.only != "queries":
            event_store_part(args, namespace, Path(tmp))
        if args.only != "events":
            query_part(args, namespace, Path(tmp))


if __name__ == "__main__":
    main()
