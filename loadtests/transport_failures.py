"""When a load run stops by itself: the target does not answer.

A request *fails at the transport level* when no HTTP answer came back at all: the
connection was refused or reset, the request timed out, the name did not resolve, TLS
failed (``Answer.status`` 0). A target in that state measures nothing; rather than send
thousands of requests into the void and report them as a run, the run stops early and is
reported as failed (``summary.json`` → ``aborted``, exit 1).

The rule, per locust process and across all its users (:class:`TransportWatch`):

- ``CONSECUTIVE_LIMIT`` (20) transport failures in a row stop the run: refusals and
  resets come back in milliseconds, so a dead target is given up within a fraction of a
  second, and a healthy target that drops one connection now and then never trips it;
- or ``SLOW_MIN`` (3) in a row once no HTTP answer has come for ``SLOW_SECONDS`` (30 s):
  timeouts are slow, and twenty of them in a row could take twenty minutes with one user.

Any HTTP answer, whatever its status, resets the count: a target that answers 500 or 429
is measured (and judged by the SLA or the exit code), not abandoned. No locust, no gevent
here.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["CONSECUTIVE_LIMIT", "SLOW_MIN", "SLOW_SECONDS", "TransportWatch"]

CONSECUTIVE_LIMIT = 20
SLOW_MIN = 3
SLOW_SECONDS = 30.0


@dataclass
class TransportWatch:
    """Counts transport failures in a row; :attr:`reason` is set once the run must stop."""

    consecutive_limit: int = CONSECUTIVE_LIMIT
    slow_min: int = SLOW_MIN
    slow_seconds: float = SLOW_SECONDS
    clock: Callable[[], float] = time.monotonic
    consecutive: int = 0
    failures: int = 0
    reason: str = ""
    last_answer: float = field(default=0.0)

    def __post_init__(self) -> None:
        self.last_answer = self.clock()

    @property
    def tripped(self) -> bool:
        return bool(self.reason)

    def observe(self, answered: bool, error: str = "") -> bool:
        """Count one finished request (``answered``: an HTTP status came back).

        Returns True exactly once: when this request makes the rule trip.
        """
        now = self.clock()
        if answered:
            self.consecutive = 0
            self.last_answer = now
            return False
        self.consecutive += 1
        self.failures += 1
        if self.reason:
            return False
        silent = now - self.last_answer
        if self.consecutive >= self.consecutive_limit or (
                self.consecutive >= self.slow_min and silent >= self.slow_seconds):
            last = f"; the last: {error.removeprefix('no answer: ')}" if error else ""
            self.reason = (f"{self.consecutive} requests in a row got no HTTP answer "
                           f"({silent:.1f} s without one{last})")
            return True
        return False
