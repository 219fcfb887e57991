"""Errors that a person can act on. Each names the GraphQL error code it maps to."""

from __future__ import annotations


class KinoError(Exception):
    """Base of every error whose message may be shown to a client."""

    code = "INTERNAL"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class BadInputError(KinoError):
    code = "BAD_USER_INPUT"


class ConflictError(KinoError):
    code = "CONFLICT"


class NotFoundError(KinoError):
    code = "NOT_FOUND"


class UnauthenticatedError(KinoError):
    code = "UNAUTHENTICATED"


class ForbiddenError(KinoError):
    code = "FORBIDDEN"


class RateLimitedError(KinoError):
    code = "RATE_LIMITED"

    def __init__(self, message: str, *, retry_after_seconds: float) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds
