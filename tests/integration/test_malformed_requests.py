"""Malformed HTTP bodies, headers and websocket frames are refused with a 4xx (or close code
4400) and a message: never a 5xx, never INTERNAL, and no traceback in the server log."""

from __future__ import annotations

import asyncio
import json
import logging

import httpx
import pytest
import websockets

from tests.integration.live_helpers import owner_and_stream
from tests.query_documents import NO_ID

JSON = "application/json"
ACCEPT = {"accept": "application/graphql-response+json"}  # request errors are then 4xx
SUBSCRIPTION = f'subscription {{ liveStream(id: "{NO_ID}") {{ id }} }}'
HANDLE = "query($h: String!) { user(handle: $h) { id } }"

BODIES: list[tuple[str, bytes, str | None]] = [
    ("a number", b"42", JSON),
    ("an array", b"[]", JSON),
    ("a string", b'"x"', JSON),
    ("null", b"null", JSON),
    ("invalid UTF-8", b'{"query": "{ me { id } }\xff\xfe"}', JSON),
    ("JSON nested 5,000 deep", b"[" * 5000 + b"]" * 5000, JSON),
    (
        "variables nested 5,000 deep",
        b'{"query": "{ me { id } }", "variables": ' + b'{"a": ' * 5000 + b"1" + b"}" * 5001,
        JSON,
    ),
    ("not JSON", b"query { me { id } }", JSON),
    ("empty", b"", JSON),
    (
        "NaN",
        b'{"query": "query($n: Int) { videos(first: $n) { edges { cursor } } }", "variables": {"n": NaN}}',
        JSON,
    ),
    (
        "a 5,000-digit number",
        b'{"query": "{ me { id } }", "variables": {"n": ' + b"9" * 5000 + b"}}",
        JSON,
    ),
    ("text/plain", b'{"query": "{ me { id } }"}', "text/plain"),
    ("a form", b"query=%7Bme%7Bid%7D%7D", "application/x-www-form-urlencoded"),
    (
        "multipart",
        b'--b\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{}\r\n--b--\r\n',
        "multipart/form-data; boundary=b",
    ),
    ("no content type", b'{"query": "{ me { id } }"}', None),
    ("query not a string", b'{"query": 5}', JSON),
    ("no query", b"{}", JSON),
    ("variables a list", b'{"query": "{ me { id } }", "variables": [1]}', JSON),
    ("variables a string", b'{"query": "{ me { id } }", "variables": "x"}', JSON),
    ("operationName a number", b'{"query": "{ me { id } }", "operationName": 5}', JSON),
    ("operationName unknown", b'{"query": "query A { me { id } }", "operationName": "B"}', JSON),
    ("extensions garbage", b'{"query": "{ me { id } }", "extensions": 5}', JSON),
    ("a batch", b'[{"query": "{ me { id } }"}]', JSON),
    ("a subscription over POST", json.dumps({"query": SUBSCRIPTION}).encode(), JSON),
    (
        "a lone surrogate in operationName",
        b'{"query": "query A { me { id } }", "operationName": "\\ud800"}',
        JSON,
    ),
    ("a lone surrogate in a key", b'{"query": "{ me { id } }", "variables": {"\\udfff": 1}}', JSON),
    ("a lone surrogate in the query", b'{"query": "{ user(handle: \\"\\ud800\\") { id } }"}', JSON),
    ("a syntax error", b'{"query": "{ me { id "}', JSON),
]

GETS = [
    "/static/kino.js%00.html",
    "/graphql?query=%7Bme%7Bid%7D%7D&variables=%5B",
    "/graphql?query=%7Bme%7Bid%7D%7D&variables=5",
    "/graphql?query=%7Bme%7Bid%7D%7D&extensions=%7B%22a%22%3A%22%5Cud800%22%7D",
    "/graphql?query=%ff",
    "/graphql?query=" + "%7B" * 300,
    f"/graphql?query=subscription%7BliveStream(id%3A%22{NO_ID}%22)%7Bid%7D%7D",
    "/graphql?query=mutation%7Blogout%7D",
]

FRAMES = [  # sent before connection_init
    ("a JSON array", "[]"),
    ("a number", "42"),
    ("null", "null"),
    ("not JSON", "nope"),
    ("binary", b"\x00\x01"),
    ("no type", "{}"),
    ("an unknown type", '{"type": "bogus"}'),
    ("a long unknown type", json.dumps({"type": "x" * 1000})),
    ("a type that is a number", '{"type": 5}'),
    ("connection_init with a list payload", '{"type": "connection_init", "payload": []}'),
    ("JSON nested 5,000 deep", "[" * 5000 + "]" * 5000),
    ("a lone surrogate", '{"type": "connection_init", "payload": {"Authorization": "\\ud800"}}'),
]

SUBSCRIBES = [  # sent after connection_ack
    ("a JSON array", "[]"),
    ("no id", {"type": "subscribe", "payload": {"query": "{ me { id } }"}}),
    (
        "an id that is a number",
        {"id": 5, "type": "subscribe", "payload": {"query": "{ me { id } }"}},
    ),
    (
        "an id of 200 characters",
        {"id": "x" * 200, "type": "subscribe", "payload": {"query": "{ me { id } }"}},
    ),
    ("a list payload", {"id": "1", "type": "subscribe", "payload": []}),
    ("a query that is a number", {"id": "1", "type": "subscribe", "payload": {"query": 5}}),
    ("an empty query", {"id": "1", "type": "subscribe", "payload": {"query": ""}}),
    (
        "variables a list",
        {"id": "1", "type": "subscribe", "payload": {"query": "{ me { id } }", "variables": []}},
    ),
    (
        "operationName a number",
        {"id": "1", "type": "subscribe", "payload": {"query": "{ me { id } }", "operationName": 5}},
    ),
    (
        "extensions a number",
        {"id": "1", "type": "subscribe", "payload": {"query": "{ me { id } }", "extensions": 5}},
    ),
    ("complete without an id", {"type": "complete"}),
]

OPERATION_ERRORS = [  # well-formed messages whose operation is refused: an error message
    ("a syntax error", {"query": "{ nope"}),
    ("an unknown field", {"query": "{ nope }"}),
    ("an unknown operationName", {"query": "query A { me { id } }", "operationName": "B" * 500}),
    (
        "a fan-out document",
        {
            "query": "query { ...F0 } "
            + " ".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(30))
            + " fragment F30 on Query { __typename }"
        },
    ),
]


@pytest.fixture
def server_log(capsys, caplog):
    """Everything the server logged (structlog prints; the standard library logs)."""
    caplog.set_level(logging.INFO)

    def read() -> str:
        captured = capsys.readouterr()
        records = "\n".join(
            f"{r.levelname} {r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records
        )
        return captured.out + captured.err + records

    return read


def assert_refused(label: str, response: httpx.Response) -> None:
    assert 400 <= response.status_code < 500, (label, response.status_code, response.text)
    body = response.json()
    errors = body.get("errors") or [body]
    assert all(e.get("message") for e in errors), (label, body)
    codes = {e.get("extensions", {}).get("code", e.get("code")) for e in errors}
    assert "INTERNAL" not in codes, (label, body)


async def close_code(ws_url: str, *frames: str | bytes | dict) -> tuple[int | None, str]:
    async with websockets.connect(ws_url, subprotocols=["graphql-transport-ws"]) as ws:
        for frame in frames:
            await ws.send(json.dumps(frame) if isinstance(frame, dict) else frame)
        while True:
            try:
                message = json.loads(await asyncio.wait_for(ws.recv(), 10))
            except websockets.ConnectionClosed as closed:
                return (closed.rcvd.code, closed.rcvd.reason) if closed.rcvd else (None, "")
            if message["type"] not in ("connection_ack", "ping"):
                return None, json.dumps(message)


async def test_malformed_http_requests_are_refused_with_a_4xx(http, server_log):
    for label, body, content_type in BODIES:
        headers = {**ACCEPT, "content-type": content_type} if content_type else ACCEPT
        assert_refused(label, await http.post("/graphql", content=body, headers=headers))
    for path in GETS:
        assert_refused(path, await http.get(path, headers=ACCEPT))
    huge = await http.post(
        "/graphql", json={"query": "{ me { id } }"}, headers={"x-big": "a" * 20_000}
    )
    assert_refused("20 KB of headers", huge)
    assert huge.status_code == 431
    large = await http.post(
        "/graphql",
        content=b'{"query": "' + b" " * 2_000_000 + b'{ me { id } }"}',
        headers={"content-type": JSON},
    )
    assert large.status_code == 413, large.text
    log = server_log()
    assert "status=400" in log or '"status": 400' in log  # the capture works: refusals are logged
    assert "Traceback" not in log
    assert "unexpected error" not in log


async def test_malformed_websocket_frames_close_with_4400(api, http, server_log):
    ws_url = api.url.replace("http", "ws", 1) + "/graphql"
    init = {"type": "connection_init", "payload": {}}
    for label, frame in FRAMES:
        code, reason = await close_code(ws_url, frame)
        assert code == 4400, (label, code, reason)
        assert reason, label
    for label, frame in SUBSCRIBES:
        code, reason = await close_code(ws_url, init, frame)
        assert code == 4400, (label, code, reason)
        assert "xxxx" not in reason, label  # never repeats what was sent
    for label, payload in OPERATION_ERRORS:
        code, answer = await close_code(
            ws_url, init, {"id": "1", "type": "subscribe", "payload": payload}
        )
        if code is None:
            message = json.loads(answer)
            assert message["type"] == "error", (label, message)
            assert {e["extensions"]["code"] for e in message["payload"]} == {"BAD_USER_INPUT"}, (
                label
            )
        else:
            assert code == 4400, (label, code, answer)
    _, stream = await owner_and_stream(http)
    chat = f'subscription {{ chat(streamId: "{stream["stream"]["id"]}") {{ __typename }} }}'
    duplicate = {"id": "1", "type": "subscribe", "payload": {"query": chat}}
    code, _ = await close_code(ws_url, init, duplicate, duplicate)
    assert code == 4409
    log = server_log()
    assert "Traceback" not in log
    assert "unexpected error" not in log
    assert "Exception in worker task" not in log


async def test_a_lone_surrogate_in_variables_is_refused_by_the_argument_it_reaches(api, http):
    """Text in variables is judged by the argument's own rule, which names it (over HTTP and
    over the websocket): a field error, not a malformed request."""
    body = json.dumps({"query": HANDLE, "variables": {"h": "\ud800"}}).encode()
    answer = await http.post("/graphql", content=body, headers={"content-type": JSON})
    (error,) = answer.json()["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "handle"}
    ws_url = api.url.replace("http", "ws", 1) + "/graphql"
    subscribe = (
        '{"id": "1", "type": "subscribe", "payload": {"query": "'
        + HANDLE.replace('"', '\\"')
        + '", "variables": {"h": "\\ud800"}}}'
    )
    code, message = await close_code(ws_url, {"type": "connection_init", "payload": {}}, subscribe)
    assert code is None, message
    (error,) = json.loads(message)["payload"]["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "handle"}
