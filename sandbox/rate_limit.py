"""Per-key fixed-window rate limiting (off unless ``--rate-limit N/SECONDS`` is given).

With ``--rate-limit`` off nothing is refused, but an endpoint whose page documents the
``X-RateLimit-*`` headers on every response (the LeadLex import page, seed 001: the import
and its job status route) still sends them, from an *unenforced* limiter with the spec's
numbers (``x-bulkbench-rate-limit``, 120 per 60 s): ``Limit`` and ``Reset`` are the spec's
window, and ``Remaining`` is counted exactly as when enforced (one per request, per key),
down to 0 and no further. It is never made up: it says how much of the documented budget
the key has used in this window. What an unenforced limiter does not do is refuse: past 0
requests are still served, and a client can see that the limit is not enforced (the
rate-limit probe reports it so), which is the truth of this configuration.

A key's window opens with its first request and lasts SECONDS; each request in it takes
one unit, so ``X-RateLimit-Remaining`` falls by exactly one per request; once N are used
the key gets 429 with ``Retry-After`` (delta seconds) until the window ends. A refused
request takes no unit. ``X-RateLimit-Reset`` is expressed as the provider's spec says
(``x-bulkbench-rate-limit.reset``): the Unix time at which the window ends
(``epoch-seconds``) or the seconds left (``delta-seconds``).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from bulkbench.core.catalog import DEFAULT_RATE_HEADERS, RateHeaders

__all__ = ["Decision", "FixedWindowLimiter"]


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset: int
    retry_after: int

    def headers(self, names: RateHeaders = DEFAULT_RATE_HEADERS) -> dict[str, str]:
        """The rate-limit headers under the provider's names (``x-bulkbench-rate-limit``'s
        ``headers``; one named '' is not sent)."""
        values = ((names.limit, self.limit), (names.remaining, self.remaining),
                  (names.reset, self.reset))
        return {name: str(value) for name, value in values if name}


class FixedWindowLimiter:
    """N requests per window of SECONDS, per bucket (the presented key). Unenforced
    (``enforce=False``): requests are counted the same way but never refused."""

    def __init__(self, limit: int, window_seconds: float, *, enforce: bool = True) -> None:
        self.limit = limit
        self.window = window_seconds
        self.enforce = enforce
        self._windows: dict[str, list[float]] = {}  # bucket → [window end, used]

    def hit(self, bucket: str, *, reset_style: str = "epoch-seconds",
            now: float | None = None) -> Decision:
        now = time.time() if now is None else now
        state = self._windows.get(bucket)
        if state is None or now >= state[0]:
            state = [now + self.window, 0]
            self._windows[bucket] = state
            if len(self._windows) > 100_000:  # forget expired windows of one-off keys
                self._windows = {b: s for b, s in self._windows.items() if s[0] > now}
                self._windows[bucket] = state
        end = state[0]
        allowed = state[1] < self.limit
        if allowed:
            state[1] += 1
        elif not self.enforce:
            allowed = True  # counted to the limit, then served anyway
        remaining = int(self.limit - state[1])
        left = max(0.0, end - now)
        reset = math.ceil(end) if reset_style == "epoch-seconds" else math.ceil(left)
        # whole seconds that reach past the window's end from anywhere in the current second
        retry_after = max(1, math.ceil(end) - math.floor(now))
        return Decision(allowed, self.limit, remaining, reset, retry_after)
