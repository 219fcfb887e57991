"""The one clean-up of stored text at the read-model boundary, used by every view.

Events stored before the text rule (``kino.domain.text``) may hold a NUL, a lone surrogate
or control characters. PostgreSQL ``text`` refuses NUL, UTF-8 (psycopg, redis-py, Lua's
cjson) refuses lone surrogates: written as they are, one such event would stop a
projection for good. Every view therefore writes text through ``readable``, the same way
every time, so a live projection and a rebuild give the same answer.
"""

from __future__ import annotations

import json

from psycopg import Cursor
from psycopg.abc import Buffer
from psycopg.rows import DictRow
from psycopg.types.string import StrBinaryDumper, StrDumperUnknown

from kino.domain.text import readable

__all__ = [
    "ReadableBinaryText",
    "ReadableText",
    "readable",
    "readable_cursor",
    "readable_value",
    "view_json",
]


class ReadableText(StrDumperUnknown):
    """Python strings sent to PostgreSQL as ``readable`` text (``text`` cannot hold NUL)."""

    def dump(self, obj: str) -> Buffer | None:
        return super().dump(readable(obj))


class ReadableBinaryText(StrBinaryDumper):
    """The same, for a ``%b`` parameter (the arrays of a multi-row insert: ``row_batch``)."""

    def dump(self, obj: str) -> Buffer | None:
        return super().dump(readable(obj))


def readable_cursor(curs: Cursor[DictRow]) -> Cursor[DictRow]:
    """Every string parameter of this cursor's statements is cleaned (this cursor only).

    The text dumper is registered last, so ``%s`` keeps sending strings as text of unknown
    type (PostgreSQL infers it); ``%b`` sends them as binary ``text``."""
    curs.adapters.register_dumper(str, ReadableBinaryText)
    curs.adapters.register_dumper(str, ReadableText)
    return curs


def readable_value(value: object) -> object:
    """``value`` with every string in it (keys too) cleaned, for JSON a view stores."""
    if isinstance(value, str):
        return readable(value)
    if isinstance(value, dict):
        return {readable_value(key): readable_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [readable_value(item) for item in value]
    return value


def view_json(value: object) -> str:
    """Compact JSON of ``value`` with its text cleaned (JSON inside a Redis value)."""
    return json.dumps(readable_value(value), separators=(",", ":"))
