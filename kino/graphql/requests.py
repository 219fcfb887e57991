"""What a GraphQL request may look like on the wire, over HTTP and graphql-transport-ws.

JSON is decoded strictly (UTF-8, no NaN, bounded nesting, no lone surrogates outside the
operation's variables: such a string can be neither stored, logged nor sent back; inside
``variables`` it reaches an argument, whose own rule refuses it naming that argument) and
the shape of the request is
checked before Strawberry sees it, so a malformed request gets a 4xx (or close code 4400)
with a reason, never a 500.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from strawberry.http import GraphQLRequestData

MAX_JSON_DEPTH = 32
MAX_OPERATION_ID_LENGTH = 128
MESSAGE_TYPES = ("connection_init", "ping", "pong", "subscribe", "complete")


class MalformedRequestError(json.JSONDecodeError):
    """A body or frame Kino cannot use; ``msg`` says why, for people."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "", 0)


def decode_json(data: str | bytes) -> object:
    try:
        value = json.loads(data, parse_constant=_no_constants)
    except UnicodeDecodeError:
        raise MalformedRequestError("The request is not valid UTF-8.") from None
    except RecursionError:
        raise MalformedRequestError(_too_deep()) from None
    except MalformedRequestError:
        raise
    except json.JSONDecodeError as error:
        raise MalformedRequestError(f"The request is not valid JSON ({error.msg}).") from None
    except ValueError:  # e.g. an integer of more than 4,300 digits
        raise MalformedRequestError("The request has a number too large to read.") from None
    check_json(value, arguments=_variables_of(value))
    return value


def check_json(value: object, max_depth: int = MAX_JSON_DEPTH, arguments: object = None) -> None:
    """Bounded nesting, and every string valid Unicode except the values within
    ``arguments`` (the variables: their text is judged by each argument's rule);
    iterative, so any depth is safe to check."""
    pending: list[tuple[object, int, bool]] = [(value, 1, True)]
    while pending:
        item, depth, strict = pending.pop()
        if isinstance(item, str):
            if strict:
                _check_text(item)
        elif isinstance(item, (dict, list)):
            if depth > max_depth:
                raise MalformedRequestError(_too_deep())
            inner = strict and item is not arguments
            values = item.values() if isinstance(item, dict) else item
            pending.extend((child, depth + 1, inner) for child in values)
            if isinstance(item, dict):  # names are never an argument's text
                pending.extend((key, depth + 1, True) for key in item)


def _variables_of(value: object) -> object:
    """The variables object of an HTTP body or a graphql-transport-ws subscribe frame."""
    if not isinstance(value, dict):
        return None
    payload = value.get("payload")
    holder = payload if isinstance(payload, dict) and "query" in payload else value
    variables = holder.get("variables")
    return variables if isinstance(variables, dict) else None


def http_request_data(data: object) -> GraphQLRequestData:
    """The operation a GET's parameters or a POST's JSON body carries."""
    if isinstance(data, list):
        raise MalformedRequestError("Batching is not enabled: send one operation per request.")
    if not isinstance(data, Mapping):
        raise MalformedRequestError(
            'The request body must be a JSON object such as {"query": "{ me { id } }"}.'
        )
    problem = payload_problem(data, query_required=False)
    if problem:
        raise MalformedRequestError(problem)
    return GraphQLRequestData(
        query=data.get("query"),
        variables=data.get("variables"),
        operation_name=data.get("operationName"),
        extensions=data.get("extensions"),
        protocol="http",
    )


def payload_problem(payload: Mapping[str, Any], *, query_required: bool) -> str | None:
    """What is wrong with the fields of an operation (query, variables, ...), else None."""
    query = payload.get("query")
    missing = not isinstance(query, str) or not query.strip()
    if (query_required and missing) or not isinstance(query, (str, type(None))):
        return "`query` must be a string holding a GraphQL document."
    for name in ("variables", "extensions"):
        if not isinstance(payload.get(name), (dict, type(None))):
            return f"`{name}` must be a JSON object or null."
    if not isinstance(payload.get("operationName"), (str, type(None))):
        return "`operationName` must be a string or null."
    return None


def message_problem(message: object) -> str | None:
    """What is wrong with a graphql-transport-ws message, else None (short, for a close reason:
    it never repeats what the client sent)."""
    if not isinstance(message, dict):
        return "Each message must be a JSON object"
    kind = message.get("type")
    if kind not in MESSAGE_TYPES:
        return "Unknown message type"
    if kind not in ("subscribe", "complete"):
        return None
    operation_id = message.get("id")
    if not isinstance(operation_id, str) or not 0 < len(operation_id) <= MAX_OPERATION_ID_LENGTH:
        return f"The id must be a string of 1 to {MAX_OPERATION_ID_LENGTH} characters"
    if kind == "complete":
        return None
    payload = message.get("payload")
    if not isinstance(payload, dict):
        return "The subscribe payload must be a JSON object"
    problem = payload_problem(payload, query_required=True)
    return problem.replace("`", "") if problem else None


def _check_text(text: str) -> None:
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise MalformedRequestError(
                "The request holds invalid Unicode (a lone surrogate such as \\ud800)."
            ) from None


def _too_deep() -> str:
    return f"The request nests JSON more than {MAX_JSON_DEPTH} levels deep."


def _no_constants(name: str) -> object:
    raise MalformedRequestError(f"The request is not valid JSON ({name} is not a JSON value).")
