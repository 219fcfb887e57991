"""Resumable (tus) uploads in the object store: bytes arrive in appends at a known offset.

Every upload's state lives next to its video's objects (``videos/<id>/tus/…``), so the janitor
that removes a failed or deleted video's objects removes an abandoned upload too. An append is
written, then made durable, then *committed* (the offset advances); a crash before the commit
leaves the committed offset where it was, so the offset a client sees never counts bytes the
server did not keep. ``finish`` turns the bytes into the video's source object, the same object
a single PUT stores.

On the filesystem the bytes go to a part file (its data synced to disk at each commit) and the
committed offset to a small file beside it, replaced by a rename once the bytes are on disk. The
rename itself is not synced: a power cut can only leave the previous, smaller offset (a client
sends those bytes again), never one that counts bytes not on disk; a process crash loses nothing.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path
from typing import Protocol

from kino.infrastructure.storage.filesystem import FilesystemStore
from kino.infrastructure.storage.page_cache import release
from kino.infrastructure.storage.port import StorageError


class OffsetMismatchError(StorageError):
    """The append does not start at the committed offset."""

    def __init__(self, offset: int) -> None:
        super().__init__(f"the upload's offset is {offset}")
        self.offset = offset


class Appender(Protocol):
    """One append in progress: ``write`` any number of times, then ``commit`` or ``abort``."""

    def write(self, data: bytes) -> None: ...

    def commit(self) -> int:
        """Keep what was written (durably); the new committed offset."""

    def abort(self) -> None:
        """Forget what was written since the append began."""


class ResumableStore(Protocol):
    """Synchronous (call it through a thread from async code)."""

    def offset(self, prefix: str) -> int:
        """The committed offset of the upload under ``prefix`` (0 before the first append)."""

    def append(self, prefix: str, offset: int, content_type: str, length: int) -> Appender:
        """Begin an append at ``offset``; OffsetMismatchError when it is not the committed one."""

    def finish(self, prefix: str, key: str, content_type: str) -> None:
        """Make the committed bytes the object ``key`` and drop the upload's state."""

    def discard(self, prefix: str) -> None:
        """Drop the upload's state and bytes (idempotent)."""


def tus_prefix(video_prefix: str) -> str:
    return f"{video_prefix}tus/"


class FilesystemResumable:
    def __init__(self, store: FilesystemStore) -> None:
        self.store = store

    def _paths(self, prefix: str) -> tuple[Path, Path]:
        folder = self.store.path(prefix.rstrip("/"))
        return folder / "part", folder / "offset"

    def offset(self, prefix: str) -> int:
        part, committed = self._paths(prefix)
        try:
            value = int(committed.read_text())
        except FileNotFoundError:
            return 0
        except ValueError:  # emptied by a power cut before its write reached the disk
            value = 0
        _truncate(part, value)  # bytes a crashed append wrote past the commit
        return value

    def append(self, prefix: str, offset: int, content_type: str, length: int) -> Appender:
        current = self.offset(prefix)
        if offset != current:
            raise OffsetMismatchError(current)
        part, committed = self._paths(prefix)
        part.parent.mkdir(parents=True, exist_ok=True)
        return _FileAppender(part, committed, offset)

    def finish(self, prefix: str, key: str, content_type: str) -> None:
        part, _committed = self._paths(prefix)
        if part.exists():
            _truncate(part, self.offset(prefix))
            self.store.put_file(key, part, content_type, move=True, durable=True)
        elif self.store.stat(key) is None:  # an empty upload, or finished already
            self.store.put_bytes(key, b"", content_type)
        self.discard(prefix)

    def discard(self, prefix: str) -> None:
        folder = self.store.path(prefix.rstrip("/"))
        shutil.rmtree(folder, ignore_errors=True)


class _FileAppender:
    def __init__(self, part: Path, committed: Path, offset: int) -> None:
        self._committed, self._offset = committed, offset
        fd = os.open(part, os.O_RDWR | os.O_CREAT, 0o644)
        self._handle = os.fdopen(fd, "r+b")
        if os.fstat(fd).st_size != offset:  # ext4 truncates even to the same size: not for free
            self._handle.truncate(offset)
        self._handle.seek(offset)
        self._written = 0

    def write(self, data: bytes) -> None:
        self._handle.write(data)
        self._written += len(data)

    def commit(self) -> int:
        with self._handle:
            self._handle.flush()
            os.fdatasync(self._handle.fileno())
            release(self._handle.fileno(), self._offset, self._written)  # see page_cache
        new = self._offset + self._written
        staged = self._committed.with_suffix(".new")
        staged.write_text(str(new))
        staged.replace(self._committed)
        return new

    def abort(self) -> None:
        with self._handle:
            self._handle.truncate(self._offset)


def _truncate(path: Path, size: int) -> None:
    with contextlib.suppress(FileNotFoundError):
        if path.stat().st_size > size:
            os.truncate(path, size)
