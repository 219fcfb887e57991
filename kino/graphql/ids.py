"""Raw arguments from clients (ids, cursors, long strings): checked before any work is done."""

from __future__ import annotations

import base64
import binascii
from typing import overload
from uuid import UUID

from kino.domain.errors import BadInputError
from kino.domain.text import opaque


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


def parse_id(value: str, field: str = "id") -> UUID:
    try:
        parsed = UUID(value) if len(value) <= 64 else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise BadInputError(f"{field} is not a valid id.", field=field)
    return parsed


def offset_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode()


def parse_offset_cursor(cursor: str | None) -> int:
    if cursor is None:
        return 0
    cursor = opaque(cursor, field="after", max_length=200)
    try:
        kind, _, number = base64.urlsafe_b64decode(cursor[:64].encode()).decode().partition(":")
        offset = int(number)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        offset = -1
        kind = ""
    if kind != "o" or offset < 0:
        raise BadInputError("That cursor is not valid.", field="after")
    return offset


def check_page_size(first: int, limit: int = 100) -> int:
    if not 1 <= first <= limit:
        raise BadInputError(f"first must be between 1 and {limit}.", field="first")
    return first
