"""The contract's PageInfo and a helper that cuts a ``first + 1`` query result into a page."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol, TypeVar
from uuid import UUID

import strawberry

from kino.queries.cursors import encode_cursor


class Keyed(Protocol):
    @property
    def id(self) -> UUID: ...
    @property
    def created_at(self) -> datetime: ...


R = TypeVar("R", bound=Keyed)
E = TypeVar("E")


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


def cut(rows: Sequence[R], first: int, edge: Callable[[str, R], E]) -> tuple[list[E], PageInfo]:
    """Edges for the first ``first`` rows; more rows than that means a next page."""
    shown = rows[:first]
    edges = [edge(encode_cursor(row.created_at, row.id), row) for row in shown]
    end = encode_cursor(shown[-1].created_at, shown[-1].id) if shown else None
    return edges, PageInfo(has_next_page=len(rows) > first, end_cursor=end)
