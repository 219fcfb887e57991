"""Shared fixtures. Integration tests use the real PostgreSQL, Redis and NATS of the machine
(override with KINO_TEST_DATABASE_URL, KINO_TEST_REDIS_URL, KINO_TEST_NATS_URL); each test run
gets a fresh database and its own Redis namespace, so parallel runs do not collide."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis

from kino.bootstrap import Endpoints
from kino.infrastructure.settings import Settings

ADMIN_DATABASE_URL = os.environ.get(
    "KINO_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("KINO_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
NATS_URL = os.environ.get("KINO_TEST_NATS_URL", "nats://127.0.0.1:4222")


def _with_database(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


@pytest.fixture(scope="session")
def run_id() -> str:
    return os.environ.get("KINO_TEST_RUN_ID") or secrets.token_hex(4)


@pytest.fixture(scope="session")
def database_url(run_id: str) -> Iterator[str]:
    name = f"kino_test_{run_id}"
    with psycopg.connect(ADMIN_DATABASE_URL, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    yield _with_database(ADMIN_DATABASE_URL, name)
    with psycopg.connect(ADMIN_DATABASE_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="session")
def redis_namespace(run_id: str) -> Iterator[str]:
    namespace = f"kinotest{run_id}"
    yield namespace
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"{namespace}:*", count=1000))
    if keys:
        client.unlink(*keys)


@pytest.fixture(scope="session")
def endpoints(database_url: str) -> Endpoints:
    return Endpoints(database_url, REDIS_URL, NATS_URL)


def make_settings(tmp: Path, endpoints: Endpoints, namespace: str, **overrides: Any) -> Settings:
    base = Settings(
        data_dir=tmp,
        database_url=endpoints.database_url,
        redis_url=endpoints.redis_url,
        nats_url=endpoints.nats_url,
        redis_namespace=namespace,
        secret_key="test-secret-key-" + "x" * 32,
    )
    return base.with_overrides(**overrides)


@pytest.fixture(scope="session")
def settings(
    tmp_path_factory: pytest.TempPathFactory, endpoints: Endpoints, redis_namespace: str
) -> Settings:
    return make_settings(tmp_path_factory.mktemp("data"), endpoints, redis_namespace)
