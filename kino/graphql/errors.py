"""Every GraphQL error carries ``extensions.code``; unexpected errors are masked and logged."""

from __future__ import annotations

import structlog
from graphql.error import GraphQLError
from strawberry.exceptions import MissingQueryError
from strawberry.extensions import MaskErrors
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError

from kino.domain.errors import KinoError, RateLimitedError

log = structlog.get_logger(__name__)

INTERNAL_MESSAGE = "Something went wrong on our side; please try again."
# graphql-core gives up checking a document whose fields overlap too much to compare.
TOO_COMPLEX = "This query is too complex to check: ask for fewer fields of the same name."


def coded(
    error: GraphQLError, code: str, message: str | None = None, **extensions: object
) -> GraphQLError:
    return GraphQLError(
        message=message if message is not None else error.message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=None,
        extensions={**(error.extensions or {}), "code": code, **extensions},
    )


def classify(error: GraphQLError) -> GraphQLError:
    original = error.original_error
    if original is None:
        # Parse and validation errors, document limits, bad variables.
        message = TOO_COMPLEX if error.message == "Validation aborted." else None
        return coded(error, (error.extensions or {}).get("code") or "BAD_USER_INPUT", message)
    if isinstance(original, RateLimitedError):
        return coded(
            error,
            original.code,
            original.message,
            retryAfterSeconds=round(original.retry_after_seconds, 1),
        )
    if isinstance(original, KinoError):
        extra = {"field": original.field} if original.field else {}
        return coded(error, original.code, original.message, **extra)
    if isinstance(original, GraphQLError):  # e.g. a variable coercion error raised inside
        return coded(error, "BAD_USER_INPUT")
    if isinstance(original, CannotGetOperationTypeError):  # operationName names no operation
        return coded(error, "BAD_USER_INPUT", "The document has no operation of that name.")
    if isinstance(original, (InvalidOperationTypeError, MissingQueryError)):
        return coded(error, "BAD_USER_INPUT", "This operation cannot be run here.")
    log.error(
        "unexpected error in resolver", path=error.path, error=repr(original), exc_info=original
    )
    return coded(error, "INTERNAL", INTERNAL_MESSAGE)


class ErrorCodes(MaskErrors):
    """Rewrites each error: a coded, person-readable message; internals never leak."""

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        return [classify(error) for error in errors]
