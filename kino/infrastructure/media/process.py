"""Child processes for untrusted media: die with the worker, bounded memory and CPU time."""

from __future__ import annotations

import ctypes
import os
import resource
import signal
from collections.abc import Callable

MEMORY_LIMIT = 16 * 1024**3  # address space; x264 reserves much more than it touches
BACKGROUND_NICENESS = 10  # long jobs: a short job running beside one gets most of the CPU


def limit_child() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Die with the parent (a killed worker leaves no ffmpeg behind); cap memory."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def limit_background_child() -> None:  # pragma: no cover - runs in the child
    """As ``limit_child``, at a lower CPU priority (an unprivileged process may lower its own)."""
    limit_child()
    os.nice(BACKGROUND_NICENESS)


def child_setup(*, background: bool) -> Callable[[], None]:
    """The ``preexec_fn`` for an ffmpeg child: background jobs run niced."""
    return limit_background_child if background else limit_child
