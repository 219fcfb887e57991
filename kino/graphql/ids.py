"""IDs and pagination cursors from clients: parsed before any work is done."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import AsyncIterator
from uuid import UUID

from kino.domain.errors import BadInputError
from kino.domain.text import opaque


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


async def fresh_announcements(
    messages: AsyncIterator[bytes], seen: dict[str, int]
) -> AsyncIterator[dict[str, object]]:
    """Decode channel messages, skipping those at or before ``seen`` (application → the
    read model's position when the subscriber started): a projection replay re-publishes."""
    async for raw in messages:
        message = json.loads(raw)
        app, position = str(message.get("app")), int(message.get("position", 0))
        if position <= seen.get(app, 0):
            continue
        seen[app] = position
        yield message
