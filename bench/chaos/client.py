"""GraphQL over HTTP for the load generator and the checks (httpx, any api replica)."""

from __future__ import annotations

from typing import Any

import httpx


class Refused(Exception):
    """The api answered with GraphQL errors, or not at all: the write is not acknowledged."""


async def gql(
    http: httpx.AsyncClient,
    url: str,
    query: str,
    variables: dict[str, Any] | None = None,
    token: str | None = None,
) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        answer = await http.post(
            f"{url}/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        body = answer.json()
    except (httpx.HTTPError, ValueError) as error:
        raise Refused(repr(error)) from error
    if body.get("errors") or body.get("data") is None:
        raise Refused(str(body.get("errors")))
    return body["data"]
