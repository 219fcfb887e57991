"""Prometheus metrics of GraphQL operations, by first root field, type and outcome: every
label comes from a fixed set (the schema's fields), never from the client's operationName."""

from __future__ import annotations

import time
from collections.abc import Iterator

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
)
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext

from kino.bootstrap.container import ApiMetrics

_SPREADS_FOLLOWED = 8


class OperationMetrics(SchemaExtension):
    """Counts operations by their first root field: a fixed set (the schema's), never the
    client's ``operationName``, so made-up names cannot grow the metrics."""

    def __init__(self, metrics: ApiMetrics) -> None:
        super().__init__()
        self._metrics = metrics

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        context = self.execution_context
        name = operation_label(context)
        try:
            kind = context.operation_type.value
        except RuntimeError:  # the document did not parse
            kind = "invalid"
        result = context.result
        outcome = "error" if result is None or getattr(result, "errors", None) else "ok"
        self._metrics.graphql_operation(name, kind, outcome, time.perf_counter() - started)


def operation_label(context: ExecutionContext) -> str:
    """The first root field of a valid operation (a field of the schema), else "invalid"."""
    document = context.graphql_document
    if document is None or context.pre_execution_errors:
        return "invalid"
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    wanted = context.operation_name
    operation = next(
        (o for o in operations if wanted is None or (o.name and o.name.value == wanted)), None
    )
    selections = list(operation.selection_set.selections) if operation else []
    for _ in range(_SPREADS_FOLLOWED):
        if not selections:
            break
        first = selections[0]
        if isinstance(first, FieldNode):
            return first.name.value
        if isinstance(first, FragmentSpreadNode):
            fragment = fragments.get(first.name.value)
            selections = list(fragment.selection_set.selections) if fragment else []
        elif isinstance(first, InlineFragmentNode):
            selections = list(first.selection_set.selections)
    return "other"
