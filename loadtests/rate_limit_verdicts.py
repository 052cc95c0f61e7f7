"""What the rate-limit probe's observations say about the provider's honesty.

The probe (``rate_limit_probe.py``, inside locust) sends one request at a time and keeps
an :class:`Observation` of each: when it was sent and answered, the status, and the
``X-RateLimit-Limit/Remaining/Reset`` and ``Retry-After`` headers. Its phases:

``ramp``      the rate grows step by step until the first 429 (or until requests beyond
              the advertised limit prove it is not enforced, or the budget ends);
``recovery``  after the first 429, a retry every poll interval until one succeeds;
``honour``    a client that waits ``Retry-After`` after each 429;
``blind``     a client that retries at once after each 429.

:func:`analyse` turns them into verdicts: the observed limit against the advertised one
(and the spec's assumption), whether ``Remaining`` falls by exactly one per request and
reaches 0 at the first 429, requests accepted beyond the limit, whether ``Retry-After``
and ``Reset`` are honest (no request sent after the advertised time was refused, and
requests sent after waiting ``Retry-After`` succeed), the recovery time, and the two
clients side by side. Windows are told apart by ``Remaining`` going up or, with
epoch-seconds resets, ``Reset`` moving on.

``assumed`` is the limit the run settled (``rate_limit_requests``,
``rate_limit_window_seconds``, ``rate_limit_reset``: the provider config's, else the
spec's). ``Reset`` is read in the assumed style. A provider that decides otherwise (an
advertised or observed limit other than the assumed number; a ``Reset`` plainly of the
other style: a delta longer than a day, an epoch time a day past) is an *assumption
mismatch* naming the key (``assumption_mismatches``), not dishonesty: a Reset read in the
wrong style gets no honesty verdict (None) and does not count against ``honest``.

The verdict (``verdict``; ``honest`` True, False or None) is *inconclusive* whenever the
probe lacks evidence, never "not honest": some requests got no answer at all (refused,
reset, timed out), no request succeeded (a dead target, a wrong key or path), fewer than
``MIN_ANSWERS`` successes and 429s came back, or the limit was never reached and nothing
else was wrong. ``inconclusive`` then says why (and ``problems`` repeats it). No locust,
no gevent here.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["DELTA_MAX", "MIN_ANSWERS", "RESET_TOLERANCE_S", "RETRY_AFTER_TOLERANCE_S",
           "Observation", "analyse"]

#: slack for the rounding of Retry-After (whole seconds) and for the clocks of the two ends.
RETRY_AFTER_TOLERANCE_S = 0.1
RESET_TOLERANCE_S = 0.5
#: answers (successes and 429s) the ramp needs before any verdict is given.
MIN_ANSWERS = 3
#: a delta-seconds Reset above this (a day) is a Unix time; an epoch-seconds Reset more than
#: this before the answer is a number of seconds.
DELTA_MAX = 86_400.0


@dataclass(frozen=True)
class Observation:
    phase: str
    sent: float
    done: float
    status: int
    limit: int | None = None
    remaining: int | None = None
    reset: float | None = None
    retry_after: float | None = None
    #: honour client: the first request after waiting Retry-After.
    after_wait: bool = False

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _windows(obs: Sequence[Observation], reset_style: str) -> list[list[Observation]]:
    """Consecutive answered observations grouped by rate-limit window."""
    windows: list[list[Observation]] = []
    prev: Observation | None = None
    for o in obs:
        new = prev is None
        if prev is not None:
            if (o.remaining is not None and prev.remaining is not None
                    and o.remaining > prev.remaining):
                new = True
            if (reset_style == "epoch-seconds" and o.reset is not None
                    and prev.reset is not None and o.reset > prev.reset):
                new = True
        if new:
            windows.append([])
        windows[-1].append(o)
        prev = o
    return windows


def _advertised(obs: Sequence[Observation]) -> int | None:
    limits = Counter(o.limit for o in obs if o.limit is not None)
    return limits.most_common(1)[0][0] if limits else None


def _reset_at(o: Observation, reset_style: str) -> float | None:
    if o.reset is None:
        return None
    return o.reset if reset_style == "epoch-seconds" else o.done + o.reset


def _client(obs: Sequence[Observation]) -> dict[str, Any] | None:
    if not obs:
        return None
    span = max(o.done for o in obs) - min(o.sent for o in obs)
    ok = sum(o.ok for o in obs)
    limited = sum(o.status == 429 for o in obs)
    return {"requests": len(obs), "ok": ok, "rate_limited": limited,
            "seconds": round(span, 3), "ok_per_second": round(ok / span, 3) if span else None,
            "wasted_share": round(limited / len(obs), 4)}


def _header_honesty(name: str, first_429: Observation, advertised_at: float | None,
                    tolerance: float, polls: Sequence[Observation],
                    recovered: Observation | None) -> dict[str, Any]:
    if advertised_at is None:
        return {"present": False, "honest": False,
                "problem": f"{name} missing on the 429"}
    wait = advertised_at - first_429.done
    refused_after = [p for p in polls if p.status == 429 and p.sent > advertised_at + tolerance]
    out: dict[str, Any] = {"present": True, "advertised_wait_s": round(wait, 3),
                           "refused_after_advertised_time": len(refused_after)}
    if refused_after:
        late = refused_after[-1].sent - advertised_at
        out.update(honest=False, problem=f"{len(refused_after)} request(s) sent after the "
                   f"advertised {name} time were refused (up to {late:.2f} s after it)")
    elif recovered is None and polls and polls[-1].sent <= advertised_at + tolerance:
        out.update(honest=None, problem=f"{name}: the probe ended before the advertised time")
    else:
        out.update(honest=True)
    return out


def _missing_evidence(obs: Sequence[Observation], ramp: Sequence[Observation]) -> list[str]:
    """Why no verdict can be given whatever the answers say (empty: there is evidence)."""
    reasons: list[str] = []
    lost = [o for o in obs if not o.status]
    if lost:
        reasons.append(f"{len(lost)} of {len(obs)} request(s) got no answer at all "
                       "(refused, reset or timed out)")
    if not any(o.ok for o in obs):
        others = Counter(o.status for o in obs if o.status)
        seen = ", ".join(f"HTTP {status}: {n}" for status, n in sorted(others.items()))
        reasons.append("no request succeeded" + (f" (answers: {seen})" if seen else ""))
    else:
        answered = sum(1 for o in ramp if o.ok or o.status == 429)
        if answered < MIN_ANSWERS:
            reasons.append(f"only {answered} success(es) and 429s answered the ramp "
                           f"(at least {MIN_ANSWERS} needed)")
    return reasons


def _mismatches(assumed: dict[str, Any] | None, reset_style: str, advertised: int | None,
                observed: int | None, partial: bool, first_429: Observation | None
                ) -> list[dict[str, Any]]:
    """Where the provider decides the open points otherwise than the run assumed."""
    out: list[dict[str, Any]] = []
    requests = (assumed or {}).get("requests")
    if requests is not None:
        if advertised is not None and advertised != requests:
            out.append({"key": "rate_limit_requests", "assumed": requests, "seen": advertised,
                        "message": f"X-RateLimit-Limit is {advertised}, rate_limit_requests "
                                   f"assumes {requests}"})
        elif observed is not None and not partial and observed != requests:
            out.append({"key": "rate_limit_requests", "assumed": requests, "seen": observed,
                        "message": f"the observed limit is {observed}, rate_limit_requests "
                                   f"assumes {requests}"})
    if first_429 is not None and first_429.reset is not None:
        # only a value the assumed style cannot mean: an epoch Reset already past, or a
        # delta longer than a day
        seen = reset_style
        if reset_style == "epoch-seconds" and first_429.reset < first_429.done - DELTA_MAX:
            seen = "delta-seconds"
        elif reset_style == "delta-seconds" and first_429.reset > DELTA_MAX:
            seen = "epoch-seconds"
        if seen != reset_style:
            out.append({"key": "rate_limit_reset", "assumed": reset_style, "seen": seen,
                        "message": f"X-RateLimit-Reset {first_429.reset:g} reads as {seen}, "
                                   f"rate_limit_reset assumes {reset_style}"})
    return out


def analyse(obs: Sequence[Observation], *, reset_style: str = "epoch-seconds",
            assumed: dict[str, Any] | None = None, with_reset: bool = True
            ) -> dict[str, Any]:
    """The probe's verdicts (see the module docstring); ``assumed`` = the spec's limit;
    ``with_reset=False``: the spec names no reset header (``x-bulkbench-rate-limit``'s
    ``headers``), so none is expected and none judged."""
    ramp = [o for o in obs if o.phase == "ramp"]
    polls = [o for o in obs if o.phase == "recovery"]
    honour = [o for o in obs if o.phase == "honour"]
    blind = [o for o in obs if o.phase == "blind"]
    advertised = _advertised(obs)
    problems: list[str] = []
    first_429 = next((o for o in ramp if o.status == 429), None)
    enforced = first_429 is not None
    answered = [o for o in ramp if o.ok or o.status == 429]
    headers_present = bool(answered) and all(
        o.limit is not None and o.remaining is not None
        and (o.reset is not None or not with_reset) for o in answered)
    if not headers_present:
        problems.append("X-RateLimit-Limit/Remaining/Reset missing on some answers")

    windows = _windows([o for o in ramp if o.ok or o.status == 429], reset_style)
    checked = mismatched = 0
    beyond = 0
    for window in windows:
        oks = [o for o in window if o.ok]
        for prev, cur in itertools.pairwise(oks):
            if prev.remaining is None or cur.remaining is None:
                continue
            checked += 1
            mismatched += cur.remaining != prev.remaining - 1
        if advertised is not None:
            beyond += max(0, len(oks) - advertised)
    decrements = checked > 0 and mismatched == 0
    if checked and mismatched:
        problems.append(f"Remaining did not fall by one on {mismatched} of {checked} "
                        "consecutive requests")
    if beyond:
        problems.append(f"{beyond} request(s) accepted beyond the advertised limit "
                        f"{advertised}")

    observed_limit: int | None = None
    reaches_zero: bool | None = None
    partial = False
    if first_429 is not None:
        window = next(w for w in windows if first_429 in w)
        oks = [o for o in window if o.ok and o.sent < first_429.sent]
        observed_limit = len(oks)
        partial = (window is windows[0] and bool(oks) and advertised is not None
                   and oks[0].remaining is not None and oks[0].remaining + 1 < advertised)
        reaches_zero = bool(oks) and oks[-1].remaining == 0
        if not reaches_zero:
            last = oks[-1].remaining if oks else None
            problems.append(f"Remaining was {last} (not 0) on the last request before the "
                            "first 429")
        if advertised is not None and observed_limit != advertised and not partial:
            problems.append(f"observed limit {observed_limit} differs from the advertised "
                            f"{advertised}")
    elif beyond:
        problems.append("no 429 was ever answered: the limit is not enforced")

    recovery: dict[str, Any] | None = None
    retry_after: dict[str, Any] | None = None
    reset: dict[str, Any] | None = None
    if first_429 is not None:
        recovered = next((p for p in polls if p.ok), None)
        recovery = {"recovered": recovered is not None, "polls": len(polls),
                    "seconds": (round(recovered.sent - first_429.sent, 3)
                                if recovered is not None else None),
                    "remaining_after": recovered.remaining if recovered is not None else None}
        ra_at = (first_429.done + first_429.retry_after
                 if first_429.retry_after is not None else None)
        retry_after = _header_honesty("Retry-After", first_429, ra_at,
                                      RETRY_AFTER_TOLERANCE_S, polls, recovered)
        waited = [o for o in honour if o.after_wait]
        retry_after["after_wait_requests"] = len(waited)
        retry_after["after_wait_ok"] = sum(o.ok for o in waited)
        if waited and retry_after["after_wait_ok"] < len(waited) and retry_after["present"]:
            retry_after["honest"] = False
            retry_after["problem"] = (f"{len(waited) - retry_after['after_wait_ok']} of "
                                      f"{len(waited)} requests sent after waiting Retry-After "
                                      "were refused")
        reset = _header_honesty("X-RateLimit-Reset", first_429,
                                _reset_at(first_429, reset_style), RESET_TOLERANCE_S, polls,
                                recovered)
        if not with_reset:
            reset.update(honest=None, problem=None, read_as="not sent (no reset header)")
        elif any(m["key"] == "rate_limit_reset" for m in _mismatches(
                assumed, reset_style, None, None, False, first_429)):
            # read in a style the provider does not use: no verdict on its honesty
            reset.update(honest=None, problem=None, read_as=reset_style)
        for verdict in (retry_after, reset):
            if verdict.get("problem"):
                problems.append(verdict["problem"])

    honest: bool | None = (
        enforced and headers_present and decrements and bool(reaches_zero)
        and beyond == 0 and bool(retry_after and retry_after.get("honest"))
        and bool(reset and (reset.get("honest") or (reset.get("honest") is None
                                                      and "read_as" in reset)))
        and (observed_limit == advertised or partial))
    mismatches = _mismatches(assumed, reset_style, advertised, observed_limit, partial,
                             first_429)
    inconclusive = _missing_evidence(obs, ramp)
    if not inconclusive and first_429 is None and not problems:
        inconclusive.append("no 429 within the probe's rate and time budget: the limit was "
                            "never reached")
    if inconclusive:
        honest = None
        problems = [f"inconclusive: {reason}" for reason in inconclusive]
    return {
        "honest": honest,
        "verdict": {True: "honest", False: "not honest", None: "inconclusive"}[honest],
        "inconclusive": inconclusive,
        "problems": problems,
        "enforced": enforced,
        "headers_present": headers_present,
        "advertised_limit": advertised,
        "assumed": assumed,
        "assumption_mismatches": mismatches,
        "observed_limit": observed_limit,
        "first_window_partial": partial,
        "remaining_decrements_by_one": decrements if checked else None,
        "remaining_pairs_checked": checked,
        "remaining_reaches_zero_at_first_429": reaches_zero,
        "accepted_beyond_limit": beyond,
        "first_429_after_requests": (ramp.index(first_429) + 1) if first_429 else None,
        "ramp_requests": len(ramp),
        "recovery": recovery,
        "retry_after": retry_after,
        "reset": reset,
        "clients": {"honour_retry_after": _client(honour), "retry_blindly": _client(blind)},
    }
