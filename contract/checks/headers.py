"""Response headers: ``X-Request-ID`` and ``X-RateLimit-Limit/Remaining/Reset`` present
where the spec requires them and well-formed wherever they are sent, and ``Remaining``
going down request by request (the truth schemathesis does not check).

The spec requires the four headers on the LeadLex import only (the one page that
documents them, NOTES X1); elsewhere they are declared optional, so their absence there
is not a failure, but a malformed value is. The rate-limit checks need rate limiting on
at the target (the sandbox started by ``bulkbench contract`` has a generous limit).
"""

from __future__ import annotations

import time

from bulkbench.contract.checks.registry import CheckContext, check
from bulkbench.contract.checks.samples import cheap_request, error_samples, valid_request
from bulkbench.contract.exchange import Exchange
from bulkbench.core.catalog import DEFAULT_RATE_HEADERS, RateHeaders, RateLimit

__all__: list[str] = []

#: the default names (a spec names its own in ``x-bulkbench-rate-limit``'s ``headers``).
RATE_HEADERS = DEFAULT_RATE_HEADERS.names
_SLACK_SECONDS = 5


def _samples(ctx: CheckContext) -> list[tuple[str, Exchange]]:
    out: list[tuple[str, Exchange]] = []
    ok = valid_request(ctx, ctx.endpoint)
    if ok is not None:
        out.append(("a valid request", ok))
    out += [(s.what, s.exchange) for s in error_samples(ctx, ctx.endpoint)[:2]]
    return out


def _required(ctx: CheckContext, name: str) -> bool:
    return name.lower() in {h.lower() for h in ctx.endpoint.required_response_headers}


@check(group="headers", endpoints=lambda ep: True,
       doc=("Responses include `X-RateLimit-Limit`",),
       note="NOTES X1: X-Request-ID is declared on every response (required on the LeadLex "
            "import, optional elsewhere)")
def request_id_header(ctx: CheckContext) -> None:
    """X-Request-ID is on every answer where required, and never empty where sent."""
    required = _required(ctx, "X-Request-ID")
    for what, exchange in _samples(ctx):
        value = exchange.header("X-Request-ID")
        if value is None:
            ctx.expect(not required, "X-Request-ID missing",
                       f"{what} answered {exchange.status} without X-Request-ID", exchange)
        else:
            ctx.expect(bool(value.strip()), "X-Request-ID empty", f"{what}: empty value",
                       exchange)


def rate_limit_problems(exchange: Exchange, required: bool,
                        names: RateHeaders = DEFAULT_RATE_HEADERS) -> list[str]:
    """What is wrong with an answer's rate-limit headers (``names``; empty when nothing)."""
    values = {name: exchange.header(name) for name in names.names}
    present = {k: v for k, v in values.items() if v is not None}
    if not present:
        return [f"no {', '.join(names.names)} headers"] if required else []
    problems = [f"{k} missing" for k, v in values.items() if v is None]
    numbers: dict[str, int] = {}
    for name, value in present.items():
        try:
            numbers[name] = int(value.strip())
        except ValueError:
            problems.append(f"{name} {value!r} is not an integer")
    limit, remaining = numbers.get(names.limit), numbers.get(names.remaining)
    if limit is not None and limit < 1:
        problems.append(f"{names.limit} {limit} < 1")
    if remaining is not None and (remaining < 0 or (limit is not None and remaining > limit)):
        problems.append(f"{names.remaining} {remaining} outside 0..{limit}")
    return problems


def reset_problem(exchange: Exchange, rate: RateLimit | None, now: float,
                  names: RateHeaders = DEFAULT_RATE_HEADERS) -> str | None:
    """What is wrong with X-RateLimit-Reset as the config reads it (``rate_limit_reset``,
    ``rate_limit_window_seconds``: the docs give neither unit nor window, NOTES X1)."""
    value = exchange.header(names.reset) if names.reset else None
    if value is None or rate is None or not value.strip().isdigit():
        return None
    reset, window = int(value), rate.window_seconds
    if rate.reset == "epoch-seconds":
        if not now - _SLACK_SECONDS <= reset <= now + window + _SLACK_SECONDS:
            return (f"X-RateLimit-Reset {reset} is not a Unix time within the {window:g} s "
                    f"window (now {int(now)})")
    elif not 0 <= reset <= window + _SLACK_SECONDS:
        return (f"X-RateLimit-Reset {reset} is not a number of seconds within the "
                f"{window:g} s window")
    return None


@check(group="headers", endpoints=lambda ep: True, needs=("rate_limit",),
       doc=("Responses include `X-RateLimit-Limit`, `X-RateLimit-Remaining`",),
       note="NOTES X1: X-RateLimit-* are integers; Reset is epoch seconds; required on the "
            "LeadLex import, optional elsewhere")
def rate_limit_headers(ctx: CheckContext) -> None:
    """X-RateLimit-Limit/Remaining/Reset are present where required and well-formed."""
    names = ctx.target.provider.rate_headers
    required = _required(ctx, names.limit)
    for what, exchange in _samples(ctx):
        problems = rate_limit_problems(exchange, required, names)
        if problems:
            ctx.fail("bad rate-limit headers", f"{what} ({exchange.status}): "
                     + "; ".join(problems), exchange)
        reset = reset_problem(exchange, ctx.target.rate_limit, time.time(), names)
        if reset is not None:
            ctx.mismatch(("rate_limit_reset", "rate_limit_window_seconds"),
                         "X-RateLimit-Reset not as assumed",
                         f"{what} ({exchange.status}): {reset}", exchange)


@check(group="headers", endpoints=lambda ep: True, needs=("rate_limit",),
       doc=("Responses include `X-RateLimit-Limit`, `X-RateLimit-Remaining`",),
       note="NOTES X1: X-RateLimit-Remaining is what is left of the window")
def rate_limit_remaining_decreases(ctx: CheckContext) -> None:
    """Within one window, each request lowers X-RateLimit-Remaining."""
    names = ctx.target.provider.rate_headers
    if not names.remaining:
        ctx.skip("the spec names no remaining-requests header")
    for _attempt in range(2):
        first, second = cheap_request(ctx, ctx.endpoint), cheap_request(ctx, ctx.endpoint)
        a, b = first.header(names.remaining), second.header(names.remaining)
        if a is None or b is None:
            if _required(ctx, names.remaining):
                ctx.fail(f"{names.remaining} missing", f"no {names.remaining} on "
                         f"answers {first.status} and {second.status}", second)
            ctx.skip(f"this endpoint sends no {names.remaining} (declared optional)")
        if names.reset and first.header(names.reset) != second.header(names.reset):
            continue  # a new window began between the two: try again
        try:
            before, after = int(a), int(b)
        except ValueError:
            ctx.fail("bad rate-limit headers", f"Remaining {a!r}, {b!r}", second)
        ctx.expect(after < before, "X-RateLimit-Remaining does not decrease",
                   f"two requests in one window: Remaining {before} then {after}", second)
        return
    ctx.skip("two windows began during the check")
