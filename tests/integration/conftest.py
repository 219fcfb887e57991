"""An in-process api (Litestar test client) and projector against the real servers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import redis
from litestar.testing import AsyncTestClient

from kino.api import create_app
from kino.bootstrap import Endpoints, Overrides, build_container, build_projector
from kino.infrastructure.passwords import FastPasswords
from kino.infrastructure.settings import Settings
from kino.projections.projector import Projector


@pytest.fixture(scope="session")
def projector(settings: Settings, endpoints: Endpoints) -> Iterator[Projector]:
    # Supervised only when a test asks (no run_forever): recorded health would go stale.
    with build_projector(settings, endpoints, poll_interval=0.2, record_health=False) as running:
        yield running


@pytest.fixture
def redis_client(endpoints: Endpoints) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(endpoints.redis_url)
    yield client
    client.close()


@pytest.fixture
async def client(
    settings: Settings, endpoints: Endpoints, projector: Projector
) -> AsyncIterator[AsyncTestClient[Any]]:
    services = build_container(settings, endpoints, Overrides(passwords=FastPasswords()))
    app = create_app(services)
    async with AsyncTestClient(app=app) as test_client:
        yield test_client


@pytest.fixture
async def api(settings: Settings, endpoints: Endpoints, projector: Projector) -> AsyncIterator[Any]:
    """A real uvicorn server (in this event loop) with the projector running."""
    from tests.integration.live_helpers import api_server

    async with api_server(settings, endpoints) as running:
        yield running


@pytest.fixture
async def http(api: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=api.url) as client:
        yield client


class GraphQLError(Exception):
    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors[0]["message"])
        self.errors = errors
        self.code = errors[0].get("extensions", {}).get("code")


async def gql(
    client: httpx.AsyncClient | AsyncTestClient[Any],
    query: str,
    variables: dict[str, Any] | None = None,
    token: str | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """POST a GraphQL operation; raise GraphQLError when the answer has errors."""
    all_headers = {"Authorization": f"Bearer {token}"} if token else {}
    all_headers.update(headers or {})
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=all_headers
    )
    body = response.json()
    if body.get("errors"):
        raise GraphQLError(body["errors"])
    assert response.status_code == 200, body
    return body["data"]  # type: ignore[no-any-return]
