"""Large files written through the page cache without filling it.

An upload's bytes are mostly not read again until it completes (then by a transcoder, or once
by the copy to another filesystem or to S3), so keeping gigabytes of them cached pushes out what
readers need, and a container's page cache counts against its memory limit. Written bytes are
therefore synced to disk and their pages released as the file grows (storage servers do the
same: MinIO's drive code drops the files it streams with ``fadvise(DONTNEED)``): an upload
occupies a few megabytes of cache, not its size. The next write reuses the released pages instead of
touching new memory, which on a virtual machine that backs guest memory lazily costs more than
the write itself (measured in docs/uploads.md).
"""

from __future__ import annotations

import contextlib
import os
from types import TracebackType
from typing import BinaryIO

RELEASE_EVERY = 32 * 1024 * 1024  # bytes written between two syncs of a streamed file


def release(fd: int, offset: int, length: int) -> None:
    """Drop the cached pages of bytes already on disk (dirty pages would stay); only advice,
    so a filesystem that refuses it changes nothing."""
    with contextlib.suppress(OSError):
        os.posix_fadvise(fd, offset, length, os.POSIX_FADV_DONTNEED)


class ReleasingWriter:
    """Writes to ``handle`` (from its current position); every ``every`` bytes the data so
    far is synced to disk and released from the cache."""

    def __init__(self, handle: BinaryIO, every: int = RELEASE_EVERY) -> None:
        self.handle, self.every = handle, every
        self.synced = self.pending = 0

    def write(self, data: bytes) -> None:
        self.handle.write(data)
        self.pending += len(data)
        if self.pending >= self.every:
            self.sync()

    def sync(self) -> None:
        """Make everything written durable and release it from the cache."""
        self.handle.flush()
        fd = self.handle.fileno()
        os.fdatasync(fd)
        release(fd, self.synced, self.pending)
        self.synced += self.pending
        self.pending = 0

    def close(self) -> None:
        self.handle.close()

    def __enter__(self) -> ReleasingWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
