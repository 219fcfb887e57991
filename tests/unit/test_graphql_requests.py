"""Requests are read strictly: JSON that is not UTF-8, nests deeply, holds NaN, huge numbers or
lone surrogates is refused with a reason; so are operations and websocket messages of the
wrong shape."""

from __future__ import annotations

import gc

import pytest

from kino.graphql.requests import (
    MalformedRequestError,
    decode_json,
    http_request_data,
    message_problem,
)

REFUSED_JSON = {
    b'{"query": "{ me { id } }"\xff}': "not valid UTF-8",
    b"[" * 5000 + b"]" * 5000: "more than 32 levels deep",
    b'{"variables": ' + b'{"a": ' * 40 + b"1" + b"}" * 41: "more than 32 levels deep",
    b'{"variables": {"n": NaN}}': "NaN is not a JSON value",
    b'{"variables": {"n": ' + b"9" * 5000 + b"}}": "number too large",
    b'{"operationName": "\\ud800"}': "lone surrogate",
    b'{"variables": {"\\udfff": 1}}': "lone surrogate",
    b"": "not valid JSON",
    b"{'query': 1}": "not valid JSON",
}


@pytest.mark.parametrize("body", REFUSED_JSON)
def test_malformed_json_is_refused_with_a_reason(body):
    # Earlier tests' garbage is finalised here, not inside the parser's deep recursion, where
    # pytest's hook for an exception in a finaliser itself runs out of stack (a CI failure).
    gc.collect()
    with pytest.raises(MalformedRequestError) as refused:
        decode_json(body)
    assert REFUSED_JSON[body] in refused.value.msg


def test_valid_unicode_passes():
    assert decode_json(
        '{"query": "{ me { id } }", "variables": {"t": "caf\\u00e9 \\ud83c\\udfac"}}'
    )


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (42, "must be a JSON object"),
        ("x", "must be a JSON object"),
        (None, "must be a JSON object"),
        ([], "Batching is not enabled"),
        ({"query": 5}, "`query` must be a string"),
        ({"query": "{ me { id } }", "variables": [1]}, "`variables` must be a JSON object"),
        ({"query": "{ me { id } }", "extensions": "x"}, "`extensions` must be a JSON object"),
        ({"query": "{ me { id } }", "operationName": 5}, "`operationName` must be a string"),
    ],
)
def test_operations_of_the_wrong_shape_are_refused(data, reason):
    with pytest.raises(MalformedRequestError, match=reason):
        http_request_data(data)


@pytest.mark.parametrize(
    "message",
    [
        [],
        "x",
        {"type": 5},
        {"type": "x" * 500},
        {"type": "subscribe", "payload": {"query": "{ me { id } }"}},
        {"type": "subscribe", "id": 5, "payload": {"query": "{ me { id } }"}},
        {"type": "subscribe", "id": "x" * 129, "payload": {"query": "{ me { id } }"}},
        {"type": "subscribe", "id": "1", "payload": []},
        {"type": "subscribe", "id": "1", "payload": {"query": ""}},
        {"type": "subscribe", "id": "1", "payload": {"query": "{ me { id } }", "variables": []}},
        {"type": "complete", "id": {}},
    ],
)
def test_websocket_messages_of_the_wrong_shape_are_refused_without_echo(message):
    problem = message_problem(message)
    assert problem is not None
    assert len(problem.encode()) <= 123  # fits a websocket close reason
    assert "xxx" not in problem


def test_well_formed_websocket_messages_pass():
    for message in (
        {"type": "connection_init", "payload": {"Authorization": "Bearer t"}},
        {"type": "ping"},
        {"type": "subscribe", "id": "1", "payload": {"query": "{ me { id } }", "variables": None}},
        {"type": "complete", "id": "1"},
    ):
        assert message_problem(message) is None
