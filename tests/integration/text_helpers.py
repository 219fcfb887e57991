"""Raw GraphQL requests (JSON can carry what httpx's json= cannot be trusted with: a lone
surrogate) and the event store's high-water marks, for the user-text tests."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import psycopg


async def raw_gql(
    client: Any, query: str, variables: dict[str, Any], token: str | None = None
) -> dict[str, Any]:
    """POST a GraphQL operation as a JSON body written by hand (``\\ud800`` escaped)."""
    body = json.dumps({"query": query, "variables": variables}, ensure_ascii=True)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    response = await client.post("/graphql", content=body.encode("ascii"), headers=headers)
    assert response.status_code < 500, response.text
    return response.json()  # type: ignore[no-any-return]


def _event_store_marks(database_url: str) -> dict[str, int]:
    with psycopg.connect(database_url, autocommit=True) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' AND table_name LIKE '%\\_events'"
            ).fetchall()
        ]
        marks = {}
        for table in tables:
            row = conn.execute(
                f'SELECT coalesce(max(notification_id), 0) FROM "{table}"'
            ).fetchone()
            marks[table] = int(row[0]) if row else 0
    return marks


async def event_store_marks(database_url: str) -> dict[str, int]:
    """The last notification id of every application's events table."""
    return await asyncio.to_thread(_event_store_marks, database_url)
