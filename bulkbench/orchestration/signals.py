"""Ctrl-C and SIGTERM: stop the run cleanly, once.

The first SIGINT or SIGTERM raises :class:`StopRequested` (a ``KeyboardInterrupt``) in
the main thread, wherever the run is: the step in progress unwinds through its own
cleanup (the contract suite's subprocess is killed and its sandboxes stopped, locust is
terminated), the shared sandboxes stop, and the report is still written, marked
incomplete. Later signals are acknowledged and ignored, so that this cleanup (bounded by
the steps' own timeouts) is not cut short.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

__all__ = ["StopRequested", "stop_on_signals"]

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopRequested(KeyboardInterrupt):
    """The run was asked to stop by a signal (``signum``, ``name``)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum
        self.name = signal.Signals(signum).name


@contextmanager
def stop_on_signals() -> Iterator[list[int]]:
    """Within the block, the first SIGINT/SIGTERM raises ``StopRequested``; the list it
    yields collects every signal received."""
    received: list[int] = []

    def handler(signum: int, frame: FrameType | None) -> None:
        received.append(signum)
        if len(received) == 1:
            raise StopRequested(signum)
        if len(received) == 2:
            sys.stderr.write("\nstill stopping cleanly (child processes, sandbox, report)…\n")

    previous = {s: signal.getsignal(s) for s in _SIGNALS}
    for s in _SIGNALS:
        signal.signal(s, handler)
    try:
        yield received
    finally:
        for s, old in previous.items():
            signal.signal(s, old)
