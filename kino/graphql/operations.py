"""The root fields an operation selects, read from its document once (cached per document).

Used to decide which operations may share work: subscriptions shared between subscribers
(``kino.graphql.fanout``) and anonymous reads answered from memory
(``kino.graphql.response_cache``). Both accept only plain root fields: a fragment spread, an
inline fragment or a directive at the root makes the answer None, so nothing is shared.
``watched_stream``: the live stream a ``liveStream`` subscription watches (its viewer count).
"""

from __future__ import annotations

from functools import lru_cache
from uuid import UUID

from graphql import (
    FieldNode,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    StringValueNode,
    VariableNode,
    parse,
)

MAX_DOCUMENTS = 1_000


@lru_cache(maxsize=MAX_DOCUMENTS)
def root_fields(
    query: str, operation_name: str | None, kind: OperationType
) -> frozenset[str] | None:
    """The chosen operation's root field names, if it is a ``kind`` of plain fields."""
    try:
        document = parse(query)
    except GraphQLError:
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [o for o in operations if o.name and o.name.value == operation_name]
    if len(operations) != 1 or operations[0].operation is not kind:
        return None
    selections = operations[0].selection_set.selections
    if not all(isinstance(node, FieldNode) and not node.directives for node in selections):
        return None
    return frozenset(node.name.value for node in selections if isinstance(node, FieldNode))


@lru_cache(maxsize=512)
def _live_stream_argument(query: str, operation_name: str | None) -> tuple[str, str] | None:
    """("literal", id) or ("variable", name) of a ``liveStream(id:)`` root field."""
    try:
        document = parse(query)
    except GraphQLError:
        return None
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        if operation_name is not None and (
            definition.name is None or definition.name.value != operation_name
        ):
            continue
        for node in definition.selection_set.selections:
            if isinstance(node, FieldNode) and node.name.value == "liveStream":
                for argument in node.arguments or ():
                    if argument.name.value != "id":
                        continue
                    if isinstance(argument.value, VariableNode):
                        return ("variable", argument.value.name.value)
                    if isinstance(argument.value, StringValueNode):
                        return ("literal", argument.value.value)
    return None


def watched_stream(
    query: str, variables: dict[str, object] | None, operation_name: str | None
) -> str | None:
    """The stream a ``liveStream`` subscription watches (one viewer of it), if any."""
    found = _live_stream_argument(query, operation_name)
    if found is None:
        return None
    kind, value = found
    watched = value if kind == "literal" else (variables or {}).get(value)
    try:  # the id as the stream's own: any spelling of it counts on the same stream
        return str(UUID(str(watched)[:64])) if watched is not None else None
    except ValueError:
        return None  # not an id: the subscription answers NOT_FOUND / BAD_USER_INPUT
