"""GraphQL over HTTP for the load generator and the checks (httpx, any api replica)."""

from __future__ import annotations

from typing import Any

import httpx


class Refused(Exception):
    """The api answered with GraphQL errors, or not at all: the write is not acknowledged.
    ``reason`` is the first error's ``extensions.code``, or "no answer (<what httpx said>)"."""

    def __init__(self, detail: str, reason: str) -> None:
        super().__init__(detail)
        self.reason = reason


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
        raise Refused(repr(error), f"no answer ({type(error).__name__})") from error
    if body.get("errors") or body.get("data") is None:
        raise Refused(str(body.get("errors")), error_code(body.get("errors")))
    return body["data"]


def error_code(errors: Any) -> str:
    """The first GraphQL error's ``extensions.code`` ("no code" without one)."""
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        code = (errors[0].get("extensions") or {}).get("code")
        if code:
            return str(code)
    return "no code"
