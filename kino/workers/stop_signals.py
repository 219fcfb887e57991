"""SIGTERM and Ctrl-C for a process whose main thread runs a plain loop (the projector, the
supervisor).

The handler only records the signal and calls a function that must take no lock either. A
Python signal handler runs between two bytecodes of the main thread, which may be inside a log
write holding its stream's lock (structlog's PrintLogger) or inside ``Event.wait`` holding the
event's condition: a handler that logged or set that event would wait for itself forever, and
the process would never stop. The loop logs the signal once it has noticed it.
"""

from __future__ import annotations

import signal
from collections.abc import Callable
from types import FrameType

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class StopSignals:
    """Installed with ``install()``; ``received`` is the first stop signal, if any."""

    def __init__(self, on_stop: Callable[[], None] = lambda: None) -> None:
        self.received: signal.Signals | None = None
        self._on_stop = on_stop

    def install(self) -> StopSignals:
        for sig in STOP_SIGNALS:
            signal.signal(sig, self._handle)
        return self

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        if self.received is None:
            self.received = signal.Signals(signum)
        self._on_stop()

    @property
    def name(self) -> str:
        return self.received.name if self.received is not None else "none"
