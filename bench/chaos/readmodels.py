"""Every read model against a fresh rebuild of it from the event store.

For each projection: wait until its live generation reached the head, project every event
into a scratch generation (``<name>_chk``, the rebuild's own ``catch_up``), and compare the
two by checksum: a PostgreSQL view's rows (all columns, each table), a Redis view's keys and
values with the generation prefix taken out (positions and the epoch marker left out: they
are bookkeeping, not content). The scratch generation is dropped after.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from typing import Any

from psycopg import sql

from kino.bootstrap import READ_MODELS, ProjectionTools
from kino.projections.postgres_view import PostgresView
from kino.projections.rebuild import catch_up
from kino.projections.redis_view import RedisView
from kino.projections.specs import ProjectionSpec
from kino.projections.view import ReadModelView


@dataclass(frozen=True)
class ModelCheck:
    name: str
    live: str  # checksum
    rebuilt: str
    items: int  # rows or keys in the live generation
    differing: int  # items in one but not the other

    @property
    def equal(self) -> bool:
        return self.live == self.rebuilt


def postgres_items(view: PostgresView) -> set[str]:
    items: set[str] = set()
    with view.datastore.transaction(commit=False) as curs:
        for suffix in view.tables:
            query = sql.SQL("SELECT row_to_json(t)::text AS r FROM {} t").format(view.table(suffix))
            curs.execute(query)
            items.update(f"{suffix}:{row['r']}" for row in curs.fetchall())
    return items


def redis_value(client: Any, key: str) -> object:
    kind = client.type(key).decode()
    if kind == "string":
        return client.get(key).decode(errors="replace")
    if kind == "hash":
        return sorted(
            (k.decode(), v.decode(errors="replace")) for k, v in client.hgetall(key).items()
        )
    if kind == "list":
        return [v.decode(errors="replace") for v in client.lrange(key, 0, -1)]
    if kind == "set":
        return sorted(v.decode(errors="replace") for v in client.smembers(key))
    if kind == "zset":
        return [
            (v.decode(errors="replace"), s) for v, s in client.zrange(key, 0, -1, withscores=True)
        ]
    return kind


def redis_items(view: RedisView) -> set[str]:
    items = set()
    skip = (view.epoch_key, view.tracking_key_pattern())
    for raw in view.redis.scan_iter(match=view.prefix + ":*", count=1000):
        key = raw.decode()
        if key.startswith(skip):
            continue
        value = redis_value(view.redis, key)
        items.add(json.dumps([key.removeprefix(view.prefix), value]))
    return items


def items_of(view: ReadModelView) -> set[str]:
    if isinstance(view, PostgresView):
        return postgres_items(view)
    if isinstance(view, RedisView):
        return redis_items(view)
    raise TypeError(type(view).__name__)


def checksum(items: set[str]) -> str:
    return hashlib.sha256("\n".join(sorted(items)).encode()).hexdigest()[:12]


def wait_caught_up(tools: ProjectionTools, spec: ProjectionSpec, timeout: float = 300) -> None:
    app = spec.application_class(env=tools.env)
    try:
        head = int(app.recorder.max_notification_id() or 0)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            live = tools.view(spec, tools.live_name(spec))
            if (live.max_tracking_id(app.name) or 0) >= head:
                return
            time.sleep(0.5)
    finally:
        app.close()


def check_model(tools: ProjectionTools, spec: ProjectionSpec) -> ModelCheck:
    wait_caught_up(tools, spec)
    live_items = items_of(tools.view(spec, tools.live_name(spec)))
    scratch = tools.view(spec, f"{spec.name}_chk")
    scratch.drop()
    scratch = tools.view(spec, f"{spec.name}_chk")
    if isinstance(scratch, RedisView):
        scratch.claim_epoch()
    app = spec.application_class(env=tools.env)
    try:
        catch_up(app, spec.projection_class(view=scratch), scratch, None)
        rebuilt_items = items_of(scratch)
    finally:
        app.close()
        scratch.drop()
    return ModelCheck(
        spec.name,
        checksum(live_items),
        checksum(rebuilt_items),
        len(live_items),
        len(live_items ^ rebuilt_items),
    )


def check_all(tools: ProjectionTools) -> list[ModelCheck]:
    return [check_model(tools, spec) for spec in READ_MODELS]
