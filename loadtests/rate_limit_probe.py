"""The rate-limit probe: one user, one request at a time, four phases.

1. ``ramp``: the rate starts at ``--bb-probe-start-rate`` and is multiplied by
   ``--bb-probe-growth`` every ``--bb-probe-step-seconds`` (capped) until the first 429;
   it also stops once requests beyond the advertised limit prove it is not enforced.
2. ``recovery``: a retry every ``--bb-probe-poll-seconds`` until one succeeds again.
3. ``honour``: for ``--bb-probe-compare-seconds``, a client that waits ``Retry-After``
   after each 429 (the first request after the wait is marked, as a direct test of the
   header's honesty).
4. ``blind``: as long, a client that retries at once.

The numbers and the ``X-RateLimit-Reset`` style the probe reads the headers with are the
settled ``rate_limit_requests``, ``rate_limit_window_seconds`` and ``rate_limit_reset``
(the provider config's, passed as ``--bb-rate-limit-*``; else the spec's assumption):
``ScenarioPlan.rate_limit``.

Requests are the smallest valid batch of the endpoint (the catalog's ``minItems``),
sent one at a time so that the headers of consecutive answers can be compared. The
observations and their verdicts (``rate_limit_verdicts.analyse``) become one ``rate_limit``
event of the recorder; then the probe ends the run.

The probe stops early when it cannot gather evidence: the run's transport watch trips
(the target does not answer: ``transport_failures``), or ``REFUSED_IN_A_ROW`` answers in
a row during the ramp are neither a success nor a 429 (a wrong key or path answers 401
or 404 forever). Its verdict is then *inconclusive*, never "not honest". Runs inside
locust (gevent).
"""

from __future__ import annotations

import math
import time
from typing import Any

from bulkbench.loadtests.accepted_contacts import from_response
from bulkbench.loadtests.rate_limit_verdicts import Observation, analyse
from bulkbench.loadtests.run_context import RunContext
from bulkbench.loadtests.scenario_drivers import Driver

__all__ = ["REFUSED_IN_A_ROW", "RateLimitProbe"]

_MAX_WAIT = 120.0
REFUSED_IN_A_ROW = 20


class RateLimitProbe(Driver):
    def __init__(self, user: Any, ctx: RunContext) -> None:
        super().__init__(user, ctx)
        self.schedule = None  # the probe paces itself, one request at a time
        self.endpoint = ctx.plan.endpoint
        self.size = ctx.plan.batch_size
        self.observations: list[Observation] = []
        self.done = False
        self.max_rate = min(self.settings.bb_probe_max_rate, ctx.caps.max_rate)
        self.deadline = 0.0
        # the provider config's numbers and Reset style (rate_limit_* assumptions), else
        # the spec's x-bulkbench-rate-limit: what the verdicts are computed with
        limit = ctx.plan.rate_limit
        self.reset_style = limit.reset
        self.assumed_window = limit.window_seconds
        self.assumed = {"requests": limit.requests, "window_seconds": limit.window_seconds,
                        "reset": limit.reset}

    # ------------------------------------------------------------------ the task

    def step(self) -> None:
        if self.done:
            self.sleep(1.0)
            return
        self.deadline = time.perf_counter() + self.settings.bb_probe_max_seconds
        try:
            self.probe()
        finally:
            self.done = True
            verdicts = analyse(self.observations, reset_style=self.reset_style,
                               assumed=self.assumed,
                               with_reset=bool(self.ctx.plan.provider.rate_headers.reset))
            self.recorder.add_event({"kind": "rate_limit", "analysis": verdicts,
                                     "observations": [o.as_dict() for o in self.observations]})
            self.ctx.end_run()

    def out_of_time(self) -> bool:
        return (self.stopping() or self.ctx.transport.tripped
                or time.perf_counter() >= self.deadline)

    def one(self, phase: str, after_wait: bool = False) -> Observation:
        answer = self.post(self.endpoint, self.body(self.endpoint, self.size), phase)
        accepted = from_response(answer.body, self.size).contacts if answer.ok else 0
        self.recorder.record(label="", status=answer.status, ok=answer.ok, contacts=accepted,
                             sent_wall=answer.sent_wall, done_wall=answer.done_wall,
                             latency_s=answer.done_perf - answer.sent_perf,
                             remaining=answer.remaining)
        obs = Observation(phase, answer.sent_wall, answer.done_wall, answer.status,
                          answer.limit, answer.remaining, answer.reset, answer.retry_after,
                          after_wait)
        self.observations.append(obs)
        return obs

    # ------------------------------------------------------------------ phases

    def probe(self) -> None:
        first_429 = self.ramp()
        if first_429 is None or self.out_of_time():
            return
        if not self.recover():
            return
        seconds = self.settings.bb_probe_compare_seconds or min(30.0, 2 * self.window(first_429))
        for phase in ("honour", "blind"):
            if self.out_of_time():
                return
            self.client_phase(phase, seconds)

    def rate_at(self, elapsed: float) -> float:
        s = self.settings
        steps = math.floor(elapsed / max(s.bb_probe_step_seconds, 0.01))
        return min(self.max_rate, s.bb_probe_start_rate * s.bb_probe_growth ** steps)

    def ramp(self) -> Observation | None:
        start = time.perf_counter()
        next_send = start
        in_window = 0
        refused = 0  # answers in a row that are neither a success nor a 429
        prev: Observation | None = None
        while not self.out_of_time():
            self.sleep(next_send - time.perf_counter())
            if self.out_of_time():
                return None
            o = self.one("ramp")
            if o.status == 429:
                return o
            refused = refused + 1 if o.status and not o.ok else 0
            if refused >= REFUSED_IN_A_ROW:
                return None  # nothing but errors: no evidence to gather (inconclusive)
            if o.ok:
                new_window = prev is not None and (
                    (o.remaining is not None and prev.remaining is not None
                     and o.remaining > prev.remaining)
                    or (self.reset_style == "epoch-seconds" and o.reset is not None
                        and prev.reset is not None and o.reset > prev.reset))
                in_window = 1 if new_window else in_window + 1
                prev = o
                if o.limit and in_window - o.limit >= max(3, o.limit // 4):
                    return None  # accepted well beyond the limit: not enforced
            now = time.perf_counter()
            next_send = max(next_send + 1.0 / self.rate_at(now - start), now)
        return None

    def recover(self) -> bool:
        poll = max(0.01, self.settings.bb_probe_poll_seconds)
        while not self.out_of_time():
            self.sleep(poll)
            if self.one("recovery").ok:
                return True
        return False

    def window(self, first_429: Observation) -> float:
        waits = [first_429.retry_after or 0.0]
        if first_429.reset is not None:
            waits.append(first_429.reset - first_429.done
                         if self.reset_style == "epoch-seconds" else first_429.reset)
        if self.assumed_window:
            waits.append(self.assumed_window)
        return max(1.0, min(max(waits), _MAX_WAIT))

    def client_phase(self, phase: str, seconds: float) -> None:
        end = time.perf_counter() + seconds
        gap = 1.0 / self.max_rate
        after_wait = False
        while time.perf_counter() < end and not self.out_of_time():
            o = self.one(phase, after_wait)
            after_wait = False
            if o.status == 429 and phase == "honour":
                wait = o.retry_after
                if wait is None and o.reset is not None:
                    wait = (o.reset - time.time() if self.reset_style == "epoch-seconds"
                            else o.reset)
                wait = min(max(wait if wait is not None else 1.0, 0.0), _MAX_WAIT)
                if time.perf_counter() + wait >= end:
                    return
                self.sleep(wait)
                after_wait = True
            else:
                self.sleep(gap)
