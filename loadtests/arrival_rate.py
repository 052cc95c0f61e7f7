"""The open model: requests at fixed intended times, whatever the answers take.

A closed model (a user sends, waits for the answer, sends again) slows down with the
server: during a 1 s stall it sends nothing, so the stall shows up as one slow request
instead of a second's worth of them (coordinated omission). :class:`ArrivalSchedule`
instead fixes the intended send times in advance, ``t0 + k / rate``, hands each one to a
greenlet of a bounded pool, and the work measures latency from the intended time. When
the pool is full the next send waits for a free slot: it leaves late, and its latency
still counts from when it should have left, so the wait is not hidden either.

Runs inside locust (gevent).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import gevent  # type: ignore[import-untyped]
from gevent.pool import Pool  # type: ignore[import-untyped]

__all__ = ["ArrivalSchedule"]

#: longest single sleep, so that a stop is noticed quickly.
_SLICE = 0.05


class ArrivalSchedule:
    """Intended send times at ``rate`` per second, at most ``max_in_flight`` at once."""

    def __init__(self, rate: float, max_in_flight: int) -> None:
        if rate <= 0:
            raise ValueError("an arrival rate must be positive")
        self.interval = 1.0 / rate
        self.pool = Pool(max_in_flight)
        self.t0 = 0.0
        self.t0_wall = 0.0
        self.sent = 0
        self.late = 0  # sends that left more than one interval after their intended time
        self.max_lag = 0.0

    def start(self) -> None:
        self.t0 = time.perf_counter()
        self.t0_wall = time.time()

    def wall_of(self, perf: float) -> float:
        """The wall-clock time of a ``perf_counter`` instant of this schedule."""
        return self.t0_wall + (perf - self.t0)

    def dispatch_next(self, work: Callable[[float], None],
                      stopping: Callable[[], bool]) -> bool:
        """Wait for the next intended time (and a free slot), start ``work(intended)``.

        Returns False, without sending, once ``stopping()`` says so.
        """
        if not self.t0:
            self.start()
        intended = self.t0 + self.sent * self.interval
        while True:
            if stopping():
                return False
            wait = intended - time.perf_counter()
            if wait <= 0:
                break
            gevent.sleep(min(wait, _SLICE))
        while self.pool.full():
            if stopping():
                return False
            self.pool.wait_available(timeout=_SLICE)
        lag = time.perf_counter() - intended
        if lag > self.interval:
            self.late += 1
        self.max_lag = max(self.max_lag, lag)
        self.pool.spawn(work, intended)
        self.sent += 1
        return True

    def in_flight(self) -> int:
        return len(self.pool)

    def drain(self, timeout: float) -> None:
        """Wait (at most ``timeout`` s) for the requests in flight; then kill the rest."""
        self.pool.join(timeout=timeout)
        if len(self.pool):
            self.pool.kill(block=True, timeout=1.0)
