"""Rebuild speed against raw reading of the notification log, same run, same events.

Writes USERS users (four events each: 100,000 events by default) into a scratch database,
then measures (1) reading and decoding every notification of the `accounts` log, and
(2) `rebuild()` of the users read model (PostgreSQL) and of the sessions read model
(Redis), each from the first event. The ratio rebuild/raw is the projection overhead,
counted two ways: positions the rebuild moved over (every event of the log) per second, and
events it handled (read, decoded and applied: the users view handles one event in four) per
second. The second is the strict one.

    python -m bench.rebuild [--users 25000]
"""

from __future__ import annotations

import argparse
import secrets
import tempfile
import time
from functools import partial
from pathlib import Path

from bench.common import NATS_URL, REDIS_URL, scratch_database
from kino.bootstrap import Endpoints, projection_tools, read_model_spec
from kino.commands.accounts import Accounts
from kino.infrastructure.eventstore import eventstore_env
from kino.infrastructure.settings import Settings
from kino.projections.rebuild import rebuild
from kino.projections.redis_view import RedisView
from tests.integration.recovery_helpers import clean_namespace, write_users


def raw_read(database_url: str) -> tuple[int, float]:
    accounts = Accounts(env=eventstore_env(database_url))
    started = time.perf_counter()
    count, start = 0, 1
    while True:
        page = accounts.recorder.select_notifications(start=start, limit=500)
        for notification in page:
            accounts.mapper.to_domain_event(notification)
        count += len(page)
        if len(page) < 500:
            break
        start = page[-1].id + 1
    elapsed = time.perf_counter() - started
    accounts.close()
    return count, elapsed


def print_table(rows: list[tuple[str, int, int, float]], raw_rate: float) -> None:
    """Per row: positions/s and handled events/s, each as a ratio to the raw read."""
    print(
        "| read | positions | handled events | seconds | positions/s | ratio to raw "
        "| handled events/s | ratio to raw (target >= 0.5) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, positions, handled, seconds in rows:
        rate, handled_rate = positions / seconds, handled / seconds
        print(
            f"| {name} | {positions:,} | {handled:,} | {seconds:.2f} | {rate:,.0f} "
            f"| {rate / raw_rate:.2f} | {handled_rate:,.0f} | {handled_rate / raw_rate:.2f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=25_000)
    args = parser.parse_args()
    namespace = f"kinobench{secrets.token_hex(3)}"
    with scratch_database() as database_url, tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        head = write_users(database_url, args.users)
        print(f"wrote {head:,} events in {time.perf_counter() - started:.1f} s")
        endpoints = Endpoints(database_url, REDIS_URL, NATS_URL)
        settings = Settings(
            data_dir=Path(tmp),
            database_url=database_url,
            redis_url=REDIS_URL,
            nats_url=NATS_URL,
            redis_namespace=namespace,
            secret_key="b" * 40,
        )
        tools = projection_tools(settings, endpoints)
        count, raw_seconds = raw_read(database_url)
        raw_rate = count / raw_seconds
        print(
            f"raw notification log read + decode: {count:,} events in {raw_seconds:.2f} s "
            f"= {raw_rate:,.0f} events/s (baseline)"
        )
        rows = [("raw notification read + decode (baseline)", count, count, raw_seconds)]
        for name in ("users", "sessions"):
            spec = read_model_spec(name)
            result = rebuild(
                spec,
                generations=tools.generations,
                make_view=partial(tools.view, spec),
                env=tools.env,
                grace_seconds=0,
            )
            store = "Redis" if issubclass(spec.view_class, RedisView) else "PostgreSQL"
            rows.append((f"{name} ({store})", result.events, result.handled, result.seconds))
        print_table(rows, raw_rate)
        import redis

        clean_namespace(redis.Redis.from_url(REDIS_URL), namespace)


if __name__ == "__main__":
    main()
