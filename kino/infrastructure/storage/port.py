"""The object-store port every adapter implements; one contract test suite checks them all."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Protocol

_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-/]{0,511}$")


class StorageError(Exception):
    """The object store refused or failed an operation."""


def check_key(key: str) -> str:
    """Keys are relative, plain and never climb: ``videos/<id>/hls/360p/index.m3u8``."""
    if not _KEY.match(key) or ".." in key.split("/") or "//" in key or key.endswith("/"):
        raise StorageError(f"invalid object key {key!r}")
    return key


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int


class ObjectStore(Protocol):
    """Synchronous (call it through a thread from async code)."""

    def put_file(
        self, key: str, path: Path, content_type: str, *, move: bool = False, durable: bool = False
    ) -> None:
        """Store a local file; ``move`` lets the adapter take the file away (no copy);
        ``durable``: on stable storage before this returns (what cannot be made again, such
        as an upload's source: it is acknowledged next)."""

    def put_bytes(self, key: str, data: bytes, content_type: str) -> None: ...

    def stat(self, key: str) -> ObjectInfo | None:
        """The object's size, or None when there is no such object."""

    def download(self, key: str, path: Path) -> None:
        """Copy an object to a local file; StorageError when it does not exist."""

    def read(
        self, key: str, chunk_size: int = 64 * 1024, *, offset: int = 0, length: int | None = None
    ) -> Iterator[bytes]:
        """The object's bytes in chunks (``length`` bytes from ``offset``, or all the rest);
        StorageError when it does not exist."""

    def list(self, prefix: str) -> list[ObjectInfo]:
        """Every object whose key starts with ``prefix``, sorted by key."""

    def delete(self, key: str) -> None:
        """Remove one object; no error when it is already gone."""

    def delete_prefix(self, prefix: str) -> int:
        """Remove every object under ``prefix``; returns how many were removed."""

    def presigned_put(self, key: str, content_type: str, expires: timedelta) -> str | None:
        """A URL a client can PUT the bytes to directly, or None (upload through the api)."""
