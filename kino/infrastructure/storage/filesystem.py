"""The filesystem object store: objects are files under a root directory (embedded default)."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import tempfile
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

from kino.infrastructure.embedded import pid_alive
from kino.infrastructure.storage.page_cache import ReleasingWriter
from kino.infrastructure.storage.port import ObjectInfo, StorageError, check_key

STALE_SECONDS = 24 * 3600


def owned_prefix() -> str:
    """Temporary files start with their writer (``<host>.<pid>-``): a file whose process is
    gone is an orphan at once, not after a day."""
    return f"{socket.gethostname()}.{os.getpid()}-"


def _orphaned(name: str, host: str) -> bool:
    owner, dash, _ = name.partition("-")
    writer_host, _, pid = owner.rpartition(".")
    if not dash or writer_host != host or not pid.isdigit():
        return False
    return int(pid) != os.getpid() and not pid_alive(int(pid))


def remove_stale_files(folder: Path, max_age: float) -> None:
    """Remove files in ``folder`` not modified for ``max_age`` seconds, and those written by
    a process of this host that no longer runs (killed mid-write)."""
    cutoff, host = time.time() - max_age, socket.gethostname()
    for entry in folder.iterdir() if folder.is_dir() else ():
        with contextlib.suppress(OSError):
            if entry.is_file() and (entry.stat().st_mtime < cutoff or _orphaned(entry.name, host)):
                entry.unlink()


class UploadStaging:
    """The folder request bodies are received in before they are kept (the api's upload
    endpoint); what a crashed upload left there goes after a day."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def new_file(self, prefix: str) -> tuple[ReleasingWriter, Path]:
        """A new file, open for writing, and its path (the caller removes it when done); a
        large body is synced and released from the page cache as it arrives."""
        self.folder.mkdir(parents=True, exist_ok=True)
        remove_stale_files(self.folder, STALE_SECONDS)
        fd, name = tempfile.mkstemp(dir=self.folder, prefix=owned_prefix() + prefix)
        return ReleasingWriter(os.fdopen(fd, "wb")), Path(name)


class FilesystemStore:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self._staging = self.root / ".staging"
        self._staging.mkdir(exist_ok=True)
        remove_stale_files(self._staging, STALE_SECONDS)  # left by a crashed process

    def path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put_file(
        self, key: str, path: Path, content_type: str, *, move: bool = False, durable: bool = False
    ) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        if move:
            try:
                if durable:
                    _sync_file(path)
                os.replace(path, target)
                return
            except OSError:
                pass  # another filesystem: copy instead
        staged = self._stage()
        try:
            shutil.copyfile(path, staged)
            if durable:
                _sync_file(staged)
            os.replace(staged, target)
        finally:
            staged.unlink(missing_ok=True)
        if move:
            path.unlink(missing_ok=True)

    def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        staged = self._stage()
        try:
            staged.write_bytes(data)
            os.replace(staged, target)
        finally:
            staged.unlink(missing_ok=True)

    def stat(self, key: str) -> ObjectInfo | None:
        try:
            return ObjectInfo(key, self.path(key).stat().st_size)
        except (FileNotFoundError, NotADirectoryError):
            return None

    def download(self, key: str, path: Path) -> None:
        try:
            shutil.copyfile(self.path(key), path)
        except FileNotFoundError:
            raise StorageError(f"no object {key!r}") from None

    def read(
        self, key: str, chunk_size: int = 64 * 1024, *, offset: int = 0, length: int | None = None
    ) -> Iterator[bytes]:
        try:
            handle = self.path(key).open("rb")
        except FileNotFoundError:
            raise StorageError(f"no object {key!r}") from None
        handle.seek(offset)
        return _chunks(handle, chunk_size, length)

    def list(self, prefix: str) -> list[ObjectInfo]:
        base = self.root / (prefix if prefix.endswith("/") else prefix.rpartition("/")[0])
        found = []
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = [d for d in dirnames if d != ".staging"]
            for name in filenames:
                full = Path(dirpath) / name
                key = full.relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    with contextlib.suppress(FileNotFoundError):
                        found.append(ObjectInfo(key, full.stat().st_size))
        return sorted(found, key=lambda info: info.key)

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def delete_prefix(self, prefix: str) -> int:
        objects = self.list(prefix)
        for info in objects:
            self.delete(info.key)
        self._prune_empty(prefix)
        return len(objects)

    def presigned_put(self, key: str, content_type: str, expires: timedelta) -> str | None:
        return None

    def _stage(self) -> Path:
        fd, name = tempfile.mkstemp(dir=self._staging, prefix=owned_prefix())
        os.close(fd)
        return Path(name)

    def _prune_empty(self, prefix: str) -> None:
        start = self.root / prefix.rstrip("/") if prefix.endswith("/") else None
        if start is None or not start.is_dir():
            return
        for dirpath, _dirs, _files in sorted(os.walk(start), key=lambda w: -len(w[0])):
            with contextlib.suppress(OSError):
                Path(dirpath).rmdir()


def _chunks(handle: BinaryIO, chunk_size: int, length: int | None) -> Iterator[bytes]:
    remaining = length
    with handle:
        while remaining is None or remaining > 0:
            size = chunk_size if remaining is None else min(chunk_size, remaining)
            chunk = handle.read(size)
            if not chunk:
                return
            if remaining is not None:
                remaining -= len(chunk)
            yield chunk


def _sync_file(path: Path) -> None:
    """Write the file's data to stable storage (before it is renamed into place)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fdatasync(fd)
    finally:
        os.close(fd)
