"""The root fields an operation selects, read from its document once (cached per document).

Used to decide which operations may share work: subscriptions shared between subscribers
(``kino.graphql.fanout``) and anonymous reads answered from memory
(``kino.graphql.response_cache``). Both accept only plain root fields: a fragment spread, an
inline fragment or a directive at the root makes the answer None, so nothing is shared.
"""

from __future__ import annotations

from functools import lru_cache

from graphql import FieldNode, GraphQLError, OperationDefinitionNode, OperationType, parse

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
