"""The printed schema is exactly the one recorded in schema.graphql: a refactor of the GraphQL
layer must not change what clients see. Change the snapshot on purpose, with the change."""

from __future__ import annotations

from pathlib import Path

from kino.graphql.schema import build_schema
from kino.infrastructure.metrics import ApiMetrics
from kino.infrastructure.settings import Settings

SNAPSHOT = Path(__file__).parent / "schema.graphql"


def test_the_printed_schema_matches_the_snapshot():
    printed = build_schema(Settings(secret_key="c" * 40), ApiMetrics()).as_str()
    assert printed.strip() == SNAPSHOT.read_text().strip()
