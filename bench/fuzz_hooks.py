"""Schemathesis hooks for bench/fuzz.py, loaded by `schemathesis run` (SCHEMATHESIS_HOOKS).

- ``SignedIn`` signs the fuzzing user in (``login``) and sends its access token with every
  request. ``logout`` ends the session it is sent with, so it gets a session of its own
  (``OwnSessionForLogout``), signed in for each call.
- Two checks schemathesis does not have: ``kino_no_server_error`` (HTTP 5xx) and
  ``kino_no_internal`` (an error whose ``extensions.code`` is INTERNAL, or that has none).
  Schemathesis' own ``not_a_server_error`` counts every resolver error (NOT_FOUND,
  FORBIDDEN, ...) as a server error, so the run uses these instead.
- ``after_call`` appends one JSON line per response to KINO_FUZZ_RECORD (status, error
  codes; the request and errors too for a 5xx or INTERNAL), which bench/fuzz.py counts.

Settings come from the environment bench/fuzz.py gives schemathesis: KINO_FUZZ_URL,
KINO_FUZZ_LOGIN, KINO_FUZZ_PASSWORD, KINO_FUZZ_RECORD.
"""

# ruff: noqa: ARG001 - schemathesis fixes the signatures of checks and hooks
from __future__ import annotations

import json
import os
import threading
from typing import Any

import httpx
import schemathesis

URL = os.environ["KINO_FUZZ_URL"]
LOGIN = os.environ["KINO_FUZZ_LOGIN"]
PASSWORD = os.environ["KINO_FUZZ_PASSWORD"]
RECORD = os.environ["KINO_FUZZ_RECORD"]
SIGN_IN_AGAIN_SECONDS = 300  # access tokens live 900 s
SIGN_IN = "mutation($l: String!, $p: String!) { login(login: $l, password: $p) { accessToken } }"

_record_lock = threading.Lock()


class _Bearer:
    def get(self, case: schemathesis.Case, ctx: schemathesis.AuthContext) -> str:
        body = {"query": SIGN_IN, "variables": {"l": LOGIN, "p": PASSWORD}}
        answer = httpx.post(f"{URL}/graphql", json=body, timeout=30).json()
        return str(answer["data"]["login"]["accessToken"])

    def set(self, case: schemathesis.Case, data: str, ctx: schemathesis.AuthContext) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


# The first provider that applies wins, so this one comes first.
@schemathesis.auth(refresh_interval=None).apply_to(name="Mutation.logout")
class OwnSessionForLogout(_Bearer):
    pass


@schemathesis.auth(refresh_interval=SIGN_IN_AGAIN_SECONDS)
class SignedIn(_Bearer):
    pass


def graphql_errors(response: schemathesis.Response) -> list[dict[str, Any]]:
    try:
        payload = json.loads(response.content)
    except ValueError:
        return []
    errors = payload.get("errors") if isinstance(payload, dict) else None
    return (
        [error for error in errors if isinstance(error, dict)] if isinstance(errors, list) else []
    )


def error_code(error: dict[str, Any]) -> str | None:
    extensions = error.get("extensions")
    code = extensions.get("code") if isinstance(extensions, dict) else None
    return code if isinstance(code, str) else None


def internal_errors(response: schemathesis.Response) -> list[dict[str, Any]]:
    """Errors the server did not expect: code INTERNAL, or no code at all."""
    return [e for e in graphql_errors(response) if error_code(e) in (None, "INTERNAL")]


@schemathesis.check
def kino_no_server_error(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case
) -> None:
    if response.status_code >= 500:
        raise AssertionError(f"HTTP {response.status_code}: {response.text[:300]}")


@schemathesis.check
def kino_no_internal(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case
) -> None:
    errors = internal_errors(response)
    if errors:
        shown = [{k: e.get(k) for k in ("message", "path", "extensions")} for e in errors]
        raise AssertionError(f"errors without a code, or INTERNAL: {json.dumps(shown)[:500]}")


@schemathesis.hook
def after_call(
    context: schemathesis.HookContext, case: schemathesis.Case, response: schemathesis.Response
) -> None:
    errors = graphql_errors(response)
    entry: dict[str, Any] = {
        "operation": case.operation.label,
        "status": response.status_code,
        "codes": [error_code(e) for e in errors],
        "message": str(errors[0].get("message"))[:120] if errors else None,
    }
    internal = internal_errors(response)
    if response.status_code >= 500 or internal:
        body = response.request.body
        entry["request"] = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        entry["errors"] = internal or errors
        entry["text"] = response.text[:500] if response.status_code >= 500 else None
    with _record_lock, open(RECORD, "a", encoding="utf-8") as record:
        record.write(json.dumps(entry) + "\n")
