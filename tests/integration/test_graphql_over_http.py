"""GraphQL over HTTP: graphql-http's audit (a third-party spec client) and our own checks."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from kino.api import create_app
from kino.bootstrap import Overrides, build_container
from kino.infrastructure.passwords import FastPasswords
from tests.integration.live_server import serve

CONFORMANCE = Path(__file__).resolve().parent.parent / "conformance"
GRAPHQL_RESPONSE = "application/graphql-response+json"


@pytest.fixture(scope="module")
def api_url(settings, endpoints, projector):
    services = build_container(settings, endpoints, Overrides(passwords=FastPasswords()))
    with serve(create_app(services)) as url:
        yield url


@pytest.fixture(scope="module")
def audit_tool() -> Path:
    npm = shutil.which("npm")
    assert npm, "npm is required for the GraphQL-over-HTTP audit (apt-get install npm)"
    if not (CONFORMANCE / "node_modules" / "graphql-http").exists():
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=CONFORMANCE,
            check=True,
            capture_output=True,
            timeout=300,
        )
    return CONFORMANCE / "audit.mjs"


def test_graphql_http_audit_has_no_failures(api_url, audit_tool):
    run = subprocess.run(
        ["node", str(audit_tool), f"{api_url}/graphql"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    results = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    assert len(results) > 30
    failures = [r for r in results if r["status"] == "error"]
    assert failures == []
    must = [r for r in results if r["name"].startswith("MUST")]
    assert must and all(r["status"] == "ok" for r in must), [r for r in must if r["status"] != "ok"]


def test_queries_over_get_and_mutations_only_over_post(api_url):
    with httpx.Client(base_url=api_url) as http:
        got = http.get(
            "/graphql", params={"query": "{ me { id } }"}, headers={"Accept": "application/json"}
        )
        assert got.status_code == 200
        assert got.json() == {"data": {"me": None}}
        mutation = http.get(
            "/graphql",
            params={"query": "mutation { logout }"},
            headers={"Accept": GRAPHQL_RESPONSE},
        )
        assert mutation.status_code == 405
        assert mutation.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_media_types_and_status_codes(api_url):
    with httpx.Client(base_url=api_url) as http:
        ok = http.post(
            "/graphql", json={"query": "{ me { id } }"}, headers={"Accept": GRAPHQL_RESPONSE}
        )
        assert ok.status_code == 200
        assert ok.headers["content-type"].startswith(GRAPHQL_RESPONSE)
        invalid = http.post(
            "/graphql", json={"query": "{ nope }"}, headers={"Accept": GRAPHQL_RESPONSE}
        )
        assert invalid.status_code == 400
        assert invalid.headers["content-type"].startswith(GRAPHQL_RESPONSE)
        assert invalid.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        legacy = http.post(
            "/graphql", json={"query": "{ nope }"}, headers={"Accept": "application/json"}
        )
        assert legacy.status_code == 200
        assert legacy.headers["content-type"].startswith("application/json")
        ide = http.get("/graphql", headers={"Accept": "text/html"})
        assert ide.status_code == 200
        assert "graphiql" in ide.text.lower()


def test_depth_alias_and_token_limits(api_url):
    deep = "{ me " + "{ id " * 30 + "}" * 31
    aliases = "{ " + " ".join(f"a{i}: me {{ id }}" for i in range(50)) + " }"
    tokens = "{ me { " + " ".join(["id"] * 5000) + " } }"
    with httpx.Client(base_url=api_url) as http:
        for query in (deep, aliases, tokens):
            body = http.post("/graphql", json={"query": query}).json()
            assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body


def test_health_readiness_and_metrics(api_url):
    with httpx.Client(base_url=api_url) as http:
        assert http.get("/healthz").status_code == 200
        ready = http.get("/readyz")
        assert ready.status_code == 200
        assert ready.json()["checks"] == {
            "postgres": "ok",
            "redis": "ok",
            "projections": "ok",
            "nats": "ok",
        }
        http.post("/graphql", json={"query": "query Who { me { id } }"})
        metrics = http.get("/metrics")
        assert metrics.status_code == 200
        assert metrics.headers["content-type"].startswith("text/plain")
        assert 'kino_graphql_operations_total{operation="me",outcome="ok",type="query"}' in (
            metrics.text
        )
        assert 'kino_http_requests_total{method="POST",route="/graphql",status="200"}' in (
            metrics.text
        )
