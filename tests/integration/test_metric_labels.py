"""Metric labels come from a fixed set: made-up operation names (and routes) add no series."""

from __future__ import annotations

import secrets

ME = "query {name} {{ me {{ id }} }}"


def series(metrics: str) -> set[str]:
    """The HTTP and GraphQL series (name and labels, without the value)."""
    return {
        line.rsplit(" ", 1)[0]
        for line in metrics.splitlines()
        if line.startswith(("kino_graphql_", "kino_http_"))
    }


async def send(http, i: int) -> None:
    name = "Op" + secrets.token_hex(8)
    kind = i % 4
    if kind == 0:  # a valid operation under a made-up name
        body = {"query": ME.format(name=name), "operationName": name}
        assert (await http.post("/graphql", json=body)).status_code == 200
    elif kind == 1:  # an operationName that names no operation
        body = {"query": ME.format(name="Known"), "operationName": name}
        assert (await http.post("/graphql", json=body)).status_code == 400
    elif kind == 2:  # an invalid document under a made-up name
        body = {"query": f"query {name} {{ nope }}", "operationName": name}
        assert (await http.post("/graphql", json=body)).status_code == 200
    else:  # a made-up page: the watch page's "not found"
        assert (await http.get(f"/watch/{name}")).status_code == 404


async def test_random_operation_names_leave_the_number_of_series_unchanged(http):
    for i in range(4):  # every kind of request once, so each of its series exists
        await send(http, i)
    await http.get("/metrics")  # the scrape itself is counted too
    before = series((await http.get("/metrics")).text)
    for i in range(1000):
        await send(http, i)
    metrics = (await http.get("/metrics")).text
    assert series(metrics) == before
    assert 'kino_graphql_operations_total{operation="me",outcome="ok",type="query"}' in metrics
    assert 'operation="invalid"' in metrics
    assert "Op" not in "".join(series(metrics))
