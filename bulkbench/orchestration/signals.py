"""Ctrl-C and SIGTERM: stop the run cleanly, once.

The first SIGINT or SIGTERM raises :class:`StopRequested` (a ``KeyboardInterrupt``) in
the main thread, wherever the run is: the step in progress unwinds through its own
cleanup (the contract suite's subprocess is killed and its sandboxes stopped, locust is
terminated), the shared sandboxes stop, and the report is still written, marked
incomplete. Once the run is cleaning up (``SignalGuard.shield``), and after the first
signal, signals are acknowledged and ignored, so that the cleanup (bounded by the steps'
own timeouts) is not cut short.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

__all__ = ["SignalGuard", "StopRequested", "stop_on_signals"]

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopRequested(KeyboardInterrupt):
    """The run was asked to stop by a signal (``signum``, ``name``)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum
        self.name = signal.Signals(signum).name


class SignalGuard:
    """Turns the first signal into ``StopRequested`` until ``shield`` is called."""

    def __init__(self) -> None:
        self.received: list[int] = []
        self.shielded = False

    def shield(self) -> None:
        """From now on signals are noted, never raised (the run is cleaning up)."""
        self.shielded = True

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.received.append(signum)
        if not self.shielded:
            self.shielded = True
            raise StopRequested(signum)
        if len(self.received) == 1 or self.received.count(signum) == 2:
            sys.stderr.write("\nstopping cleanly (child processes, sandbox, report)…\n")


@contextmanager
def stop_on_signals() -> Iterator[SignalGuard]:
    """Within the block, the first SIGINT/SIGTERM raises ``StopRequested``."""
    guard = SignalGuard()
    previous = {s: signal.getsignal(s) for s in _SIGNALS}
    for s in _SIGNALS:
        signal.signal(s, guard)
    try:
        yield guard
    finally:
        for s, old in previous.items():
            signal.signal(s, old)
