"""The catalog and comment pages read an index in the page's order and stop after the page;
a channel's page reads that channel's rows only: their cost does not follow the table
(``bench/scale.py`` times them at a million rows). Checked on PostgreSQL's plans for the readers' own statements, on
tables of their real shape filled with ``bench.scale_rows``."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg_pool import AsyncConnectionPool

from bench import scale_rows
from kino.bootstrap import Endpoints, projection_tools, read_model_spec
from kino.bootstrap.readers import catalog_tables, read_model_tables
from kino.queries.comments import CommentQueries
from kino.queries.sql import PostgresReader
from kino.queries.videos import PageRequest, VideoQueries
from tests.conftest import ADMIN_DATABASE_URL, make_settings

ROWS = 20_000


@pytest.fixture(scope="module")
def filled_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    name = f"kino_test_plans_{secrets.token_hex(4)}"
    with psycopg.connect(ADMIN_DATABASE_URL, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    url = ADMIN_DATABASE_URL.rpartition("/")[0] + "/" + name
    try:
        endpoints = Endpoints(url, "redis://127.0.0.1:6379/0", "nats://127.0.0.1:4222")
        settings = make_settings(Path(tmp_path_factory.mktemp("plans")), endpoints, name)
        tools = projection_tools(settings, endpoints)
        for read_model in ("users", "videos", "comments"):
            spec = read_model_spec(read_model)
            tools.view(spec, tools.live_name(spec)).create_table()  # type: ignore[attr-defined]
        with psycopg.connect(url, autocommit=True) as conn:
            scale_rows.fill_users(conn)  # type: ignore[arg-type]
            scale_rows.fill_videos(conn, 0, ROWS)  # type: ignore[arg-type]
            scale_rows.fill_comments(conn, 0, ROWS)  # type: ignore[arg-type]
            conn.execute("VACUUM ANALYZE")
        yield url
    finally:
        with psycopg.connect(ADMIN_DATABASE_URL, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


async def statement_of(reader: Any, call: Any, monkeypatch: pytest.MonkeyPatch) -> tuple[str, Any]:
    """The statement and parameters ``call`` makes ``reader`` run (not run)."""
    captured: list[tuple[str, Any]] = []

    async def capture(self: Any, query: str, params: Any) -> list[Any]:
        captured.append((query, params))
        return []

    with monkeypatch.context() as patch:
        patch.setattr(PostgresReader, "_fetch", capture)
        await call(reader)
    [found] = captured
    return found


def plan_nodes(database_url: str, query: str, params: Any) -> list[dict[str, Any]]:
    with psycopg.connect(database_url) as conn:
        row = conn.execute(f"EXPLAIN (FORMAT JSON) {query}", params).fetchone()
    assert row is not None
    plan = row[0] if not isinstance(row[0], str) else json.loads(row[0])
    nodes, pending = [], [plan[0]["Plan"]]
    while pending:
        node = pending.pop()
        nodes.append(node)
        pending.extend(node.get("Plans", []))
    return nodes


def reads_in_order(nodes: list[dict[str, Any]], index_suffix: str) -> bool:
    """An index scan of ``…index_suffix`` feeding a limit, and nothing sorted."""
    scans = [
        node
        for node in nodes
        if node["Node Type"] in ("Index Scan", "Index Only Scan")
        and node.get("Index Name", "").endswith(index_suffix)
    ]
    kinds = {node["Node Type"] for node in nodes}
    return bool(scans) and "Limit" in kinds and not kinds & {"Sort", "Incremental Sort"}


def reads_only_through(nodes: list[dict[str, Any]], index_suffix: str) -> bool:
    """The videos come through ``…index_suffix`` (a channel's rows), never a whole scan."""
    names = {node.get("Index Name", "") for node in nodes}
    videos_scanned = [
        node
        for node in nodes
        if node["Node Type"] == "Seq Scan" and node.get("Relation Name", "").endswith("_videos")
    ]
    return any(name.endswith(index_suffix) for name in names) and not videos_scanned


async def test_catalog_channel_and_comment_pages_read_an_index_in_order(
    filled_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    pool: AsyncConnectionPool[Any] = AsyncConnectionPool(filled_database, open=False)
    videos = VideoQueries(pool, catalog_tables())
    comments = CommentQueries(pool, read_model_tables("comments"))
    some_page = await statement_of(videos, lambda r: r.page(PageRequest(first=20)), monkeypatch)
    channel = await statement_of(
        videos, lambda r: r.page(PageRequest(first=20, owner_handle="channel7")), monkeypatch
    )
    with psycopg.connect(filled_database) as conn:
        row = conn.execute(
            "SELECT created_at, id FROM comments_comments WHERE video_id = %s "
            "AND parent_id IS NULL ORDER BY created_at DESC, id DESC OFFSET 980 LIMIT 1",
            (scale_rows.BUSY_VIDEO,),
        ).fetchone()
    assert row is not None
    fiftieth = await statement_of(
        comments,
        lambda r: r.top_level(scale_rows.BUSY_VIDEO, 20, (row[0], row[1])),
        monkeypatch,
    )

    assert reads_in_order(plan_nodes(filled_database, *some_page), "_public_idx")
    assert reads_in_order(plan_nodes(filled_database, *fiftieth), "_top_idx")
    assert reads_only_through(plan_nodes(filled_database, *channel), "_channel_idx")
