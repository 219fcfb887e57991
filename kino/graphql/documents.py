"""Parsing and validating documents without holding up the event loop, and a validation cache.

graphql-core needs ~12 us of CPU per token to parse and more to validate (a 2,000-token
document: ~25 ms to parse, ~50 ms to validate, measured on this machine), so a large document
is parsed and validated in a worker thread: the event loop gets the interpreter back every few
milliseconds (the GIL's switch interval) and keeps serving other requests. Small documents,
the usual case, are handled in place (a thread hop would cost more than the work).

Validation results are cached per document (Strawberry's key: schema, document, rules; the
rules are made once per schema). Strawberry's own ParserCache is not used: it parses outside
Strawberry's error handling, so a syntax error would escape uncoded.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    NameNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    parse,
)
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

INLINE_CHARS = 600  # documents up to this size are parsed and validated on the event loop
# Validation results kept per process, keyed by the parsed document (2,000 tokens parse to
# about 1.2 MB, so ~40 MB at most).
VALIDATION_CACHE_SIZE = 32
_WORKERS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="graphql-documents")
_validate = functools.lru_cache(maxsize=VALIDATION_CACHE_SIZE)(validate_document)
T = TypeVar("T")


class DocumentsOffThread(SchemaExtension):
    async def on_parse(self) -> AsyncIterator[None]:
        context = self.execution_context
        query = context.query
        if context.graphql_document is None and query and len(query) > INLINE_CHARS:
            try:
                context.graphql_document = await _in_thread(parse, query, **context.parse_options)
            except GraphQLError as error:
                # Strawberry would parse again (on the event loop) to report this: report it
                # the way it does, a pre-execution error, and skip validation.
                context.graphql_document = _stand_in(context.operation_name)
                context.pre_execution_errors = [error]
        yield

    async def on_validate(self) -> AsyncIterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if context.pre_execution_errors is None and document is not None:
            arguments = (context.schema._schema, document, context.validation_rules)
            large = len(context.query or "") > INLINE_CHARS
            errors = await _in_thread(_validate, *arguments) if large else _validate(*arguments)
            context.pre_execution_errors = list(errors)
        yield


async def _in_thread(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_WORKERS, functools.partial(function, *args, **kwargs))


def _stand_in(operation_name: str | None) -> DocumentNode:
    """A one-operation document so Strawberry can name the operation of a failed parse."""
    operation = OperationDefinitionNode(
        operation=OperationType.QUERY,
        name=NameNode(value=operation_name) if operation_name else None,
        selection_set=SelectionSetNode(selections=(FieldNode(name=NameNode(value="__typename")),)),
    )
    return DocumentNode(definitions=(operation,))
