"""The campaign's table (rich): one row per invariant, its numbers, and PASS or FAIL."""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Console
from rich.table import Table


@dataclass(frozen=True)
class Row:
    check: str
    result: str
    ok: bool


def table(title: str, rows: list[Row]) -> Table:
    out = Table(title=title)
    out.add_column("check")
    out.add_column("result")
    out.add_column("verdict")
    for row in rows:
        out.add_row(row.check, row.result, "PASS" if row.ok else "[bold red]FAIL[/]")
    return out


def show(title: str, rows: list[Row]) -> None:
    Console(width=140).print(table(title, rows))
