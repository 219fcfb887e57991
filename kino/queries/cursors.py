"""Opaque keyset cursors: ``(created_at, id)`` of the last row of a page, base64url-encoded."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime, timedelta
from typing import Protocol
from uuid import UUID

from kino.domain.errors import BadInputError
from kino.domain.text import opaque

MAX_PAGE = 100
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)


class Keyed(Protocol):
    """A record of a list in keyset order: by (created_at, id)."""

    @property
    def created_at(self) -> datetime: ...
    @property
    def id(self) -> UUID: ...


def encode_cursor(created_at: datetime, row_id: UUID) -> str:
    micros = (created_at - _EPOCH) // _MICRO
    raw = f"v1:{micros}:{row_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[datetime, UUID] | None:
    if cursor is None:
        return None
    cursor = opaque(cursor, field="after", max_length=200)
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        version, micros, row_id = raw.split(":")
        when = _EPOCH + int(micros) * _MICRO
        if version == "v1":
            return when, UUID(row_id)
    except (ValueError, UnicodeDecodeError, binascii.Error, OverflowError):
        pass
    raise BadInputError("after is not a cursor this api handed out.", field="after")


def check_first(first: int | None, limit: int = MAX_PAGE, default: int = 20) -> int:
    """``first`` within 0..limit; null (allowed by the contract) means ``default``."""
    if first is None:
        return default
    if first < 0 or first > limit:
        raise BadInputError(f"first must be between 0 and {limit}.", field="first")
    return first
