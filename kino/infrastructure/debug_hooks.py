"""Hooks for tests only: never installed unless KINO_DEBUG_HOOKS=1, which production refuses.

``block_on_signal``: SIGUSR1 blocks the process's loop (the asyncio loop, or the main thread's
loop when there is none) for an hour, as a runaway request would. The acceptance tests use it
to show that a process which stops answering is restarted.
"""

from __future__ import annotations

import asyncio
import signal
import time
from types import FrameType

import structlog

log = structlog.get_logger(__name__)

BLOCK_SIGNAL = signal.SIGUSR1
BLOCK_SECONDS = 3600.0


def block_on_signal(loop: asyncio.AbstractEventLoop | None = None) -> None:
    if loop is not None:
        loop.add_signal_handler(BLOCK_SIGNAL, _block)
        return

    def handler(_signum: int, _frame: FrameType | None) -> None:
        _block()

    signal.signal(BLOCK_SIGNAL, handler)


def _block() -> None:
    log.warning("debug hook: blocking the loop on purpose", seconds=BLOCK_SECONDS)
    time.sleep(BLOCK_SECONDS)
