"""Guards for raw arguments, applied before any work is done."""

from __future__ import annotations

from typing import overload

from kino.domain.errors import BadInputError


@overload
def bounded(value: str, field: str, limit: int) -> str: ...
@overload
def bounded(value: None, field: str, limit: int) -> None: ...
@overload
def bounded(value: str | None, field: str, limit: int) -> str | None: ...


def bounded(value: str | None, field: str, limit: int) -> str | None:
    """Refuse absurdly long arguments early (before hashing, parsing or storing)."""
    if value is not None and len(value) > limit:
        raise BadInputError(f"{field} is too long (at most {limit} characters).", field=field)
    return value
