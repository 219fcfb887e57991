"""The embedded PostgreSQL (kino dev) takes more connections than PostgreSQL's default 100.

Found by the chaos campaign (bench/chaos): two apis, the projector and the workers held 100
connections at peak; the projector could not connect ("sorry, too many clients already"),
every projection failed, /readyz stayed 503 and no read model moved."""

from __future__ import annotations

from pathlib import Path

import psycopg

from kino.infrastructure.embedded import EmbeddedServers
from kino.infrastructure.embedded_postgres import MAX_CONNECTIONS


def test_embedded_postgres_accepts_more_than_the_default_connections(tmp_path: Path) -> None:
    servers = EmbeddedServers(tmp_path)
    state = servers.start()
    connections: list[psycopg.Connection[tuple[object, ...]]] = []
    try:
        for _ in range(150):
            connections.append(psycopg.connect(state.database_url))
        (allowed,) = connections[0].execute("SHOW max_connections").fetchone() or (0,)
    finally:
        for conn in connections:
            conn.close()
        servers.stop()

    assert len(connections) == 150
    assert int(str(allowed)) == MAX_CONNECTIONS
