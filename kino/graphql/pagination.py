"""One Relay-style connection for every list: ``Connection[T]``, ``Edge[T]``, ``PageInfo``.

Strawberry names ``Connection[VideoType]`` ``VideoConnection`` (after the node's GraphQL
name), as the contract wants. ``connection()`` makes one from the rows a reader returned.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

import strawberry

from kino.queries.cursors import Keyed, encode_cursor

Row = TypeVar("Row")
Node = TypeVar("Node")


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Edge(Generic[Node]):
    cursor: str
    node: Node


@strawberry.type
class Connection(Generic[Node]):
    edges: list[Edge[Node]]
    page_info: PageInfo


def connection(
    rows: Sequence[Row],
    first: int,
    cursor: Callable[[Row], str],
    node: Callable[[Row], Node],
    *,
    more: bool | None = None,
) -> Connection[Node]:
    """The first ``first`` rows as edges. A reader asks for ``first + 1`` rows: one more than
    shown means a next page (or says so itself with ``more``)."""
    shown = rows[:first]
    edges = [Edge(cursor=cursor(row), node=node(row)) for row in shown]
    has_next = len(rows) > first if more is None else more
    end = edges[-1].cursor if edges else None
    return Connection(edges=edges, page_info=PageInfo(has_next_page=has_next, end_cursor=end))


def keyset_cursor(row: Keyed) -> str:
    """The cursor of a row of a list ordered by (created_at, id)."""
    return encode_cursor(row.created_at, row.id)
