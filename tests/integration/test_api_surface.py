"""Websocket authentication, readiness naming failed dependencies, introspection switch,
and the users read model by id, handle and email."""

from __future__ import annotations

import json
import uuid

import pytest
import websockets
from litestar.testing import AsyncTestClient

from kino.api import create_app
from kino.bootstrap import Endpoints, Overrides, build_container
from kino.infrastructure.passwords import FastPasswords
from tests.integration.accounts_helpers import register
from tests.integration.live_server import serve

PROTOCOL = "graphql-transport-ws"


@pytest.fixture(scope="module")
def api_url(settings, endpoints, projector):
    with serve(
        create_app(build_container(settings, endpoints, Overrides(passwords=FastPasswords())))
    ) as url:
        yield url


async def ws_init(
    url: str, payload: dict[str, object]
) -> tuple[dict[str, object] | None, int | None]:
    async with websockets.connect(
        url.replace("http", "ws") + "/graphql", subprotocols=[PROTOCOL]
    ) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        try:
            return json.loads(await ws.recv()), None
        except websockets.ConnectionClosed as closed:
            return None, closed.rcvd.code if closed.rcvd else None


async def test_websocket_connection_init_checks_the_bearer_token(api_url, client):
    payload = await register(client)
    ack, _ = await ws_init(api_url, {"Authorization": f"Bearer {payload['accessToken']}"})
    assert ack == {"type": "connection_ack"}
    anonymous, _ = await ws_init(api_url, {})
    assert anonymous == {"type": "connection_ack"}
    refused, code = await ws_init(api_url, {"Authorization": "Bearer forged.token.here"})
    assert refused is None
    assert code == 4403
    await client.post(
        "/graphql",
        json={"query": "mutation { logout }"},
        headers={"Authorization": f"Bearer {payload['accessToken']}"},
    )
    ended, code = await ws_init(api_url, {"Authorization": f"Bearer {payload['accessToken']}"})
    assert ended is None
    assert code == 4403


async def test_readyz_names_the_dependency_that_does_not_answer(settings, endpoints):
    broken = Endpoints(endpoints.database_url, "redis://127.0.0.1:1/0", endpoints.nats_url)
    services = build_container(settings, broken, Overrides(passwords=FastPasswords()))
    async with AsyncTestClient(app=create_app(services)) as test_client:
        assert (await test_client.get("/healthz")).status_code == 200
        ready = await test_client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["failing"] == ["redis"]
    assert ready.json()["checks"]["postgres"] == "ok"


async def test_introspection_and_ide_can_be_turned_off(settings, endpoints):
    locked = settings.with_overrides(graphql_introspection=False, graphql_ide=False)
    services = build_container(locked, endpoints, Overrides(passwords=FastPasswords()))
    async with AsyncTestClient(app=create_app(services)) as test_client:
        body = (
            await test_client.post("/graphql", json={"query": "{ __schema { types { name } } }"})
        ).json()
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        assert (
            await test_client.get("/graphql", headers={"Accept": "text/html"})
        ).status_code != 200
    open_services = build_container(settings, endpoints, Overrides(passwords=FastPasswords()))
    async with AsyncTestClient(app=create_app(open_services)) as test_client:
        body = (
            await test_client.post(
                "/graphql", json={"query": "{ __schema { queryType { name } } }"}
            )
        ).json()
        assert body["data"]["__schema"]["queryType"]["name"] == "Query"


async def test_users_read_model_by_id_handle_and_email(client, settings, endpoints):
    payload = await register(client)
    handle = payload["user"]["handle"]
    services = build_container(settings, endpoints, Overrides(passwords=FastPasswords()))
    await services.open()
    try:
        by_id = await services.accounts.users.by_id(uuid.UUID(payload["user"]["id"]))
        by_handle = await services.accounts.users.by_handle(handle.upper())
        by_email = await services.accounts.users.by_email(f"{handle.upper()}@Example.com")
        assert by_id == by_handle == by_email
        assert by_id is not None
        assert by_id.email == f"{handle}@example.com"
        assert await services.accounts.users.by_email("nobody@example.com") is None
    finally:
        await services.close()


async def test_every_response_carries_a_request_id(client, capsys):
    answered = await client.post("/graphql", json={"query": "{ me { id } }"})
    generated = answered.headers["x-request-id"]
    assert len(generated) == 32
    echoed = await client.get("/healthz", headers={"X-Request-ID": "trace-abc-123"})
    assert echoed.headers["x-request-id"] == "trace-abc-123"
    refused = await client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert refused.headers["x-request-id"] != "bad id with spaces"
    captured = capsys.readouterr()
    logged = captured.out + captured.err
    assert generated in logged  # the access log line names the request
