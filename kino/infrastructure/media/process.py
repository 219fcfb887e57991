"""Child processes for untrusted media: die with the worker, bounded memory and CPU time."""

from __future__ import annotations

import ctypes
import resource
import signal

MEMORY_LIMIT = 16 * 1024**3  # address space; x264 reserves much more than it touches


def limit_child() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Die with the parent (a killed worker leaves no ffmpeg behind); cap memory."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
