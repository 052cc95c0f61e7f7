"""The rate limit is enforced: past the limit the answer is 429 in the provider's envelope
(code ``rate_limited`` where codes are documented), with a well-formed ``Retry-After`` when
one is sent.

Exhausting a limit takes many requests, so this runs against a target whose limit may be
reached: the second, rate-limited sandbox ``bulkbench contract`` starts, or a real
provider only with ``--probe-rate-limit``. It sends requests that write nothing (an empty
body, answered 400) until a 429, one endpoint per provider (the window is per key).
"""

from __future__ import annotations

import email.utils

from bulkbench.contract.checks.envelopes import envelope_problems
from bulkbench.contract.checks.registry import CheckContext, check
from bulkbench.contract.checks.samples import cheap_request
from bulkbench.core.catalog import Endpoint, default_catalog

__all__: list[str] = []


def _retry_after_ok(value: str) -> bool:
    """Retry-After is undocumented: either RFC 9110 form (seconds, or an HTTP-date) holds."""
    text = value.strip()
    if text.isdigit():
        return True
    try:
        return email.utils.parsedate_to_datetime(text) is not None
    except (TypeError, ValueError):
        return False

#: never send more than this many requests to find the limit.
MAX_PROBE_REQUESTS = 1000


def _first_batch_endpoint(endpoint: Endpoint) -> bool:
    """``bulk_create``/``bulk_upsert``, else the provider's first batch endpoint."""
    if endpoint.name in ("bulk_create", "bulk_upsert"):
        return True
    batch = [ep.name for ep in default_catalog().provider(endpoint.provider).endpoints
             if ep.kind is not None]
    return not {"bulk_create", "bulk_upsert"} & set(batch) and batch[:1] == [endpoint.name]


@check(group="headers", endpoints=_first_batch_endpoint, needs=("throttle",),
       doc=("Rate limit exceeded", "The rate limit has been reached."),
       note="NOTES X1: past the limit, 429 rate_limited; Retry-After in delta seconds when "
            "sent (it is not documented, so not required)")
def rate_limit_enforced(ctx: CheckContext) -> None:
    """Past the announced limit the answer is 429, in the envelope, Retry-After well-formed."""
    target = ctx.target
    client = ctx.session.throttle_client(target.name) or ctx.client
    limit = (target.throttle.requests if target.throttle is not None
             else target.rate_limit.requests if target.rate_limit is not None else 0)
    first = cheap_request(ctx, ctx.endpoint, client)
    limit_header = target.provider.rate_headers.limit
    announced = first.header(limit_header) if limit_header else None
    if announced is not None and announced.strip().isdigit():
        limit = int(announced)
    budget = min(limit + 2, MAX_PROBE_REQUESTS)
    refused = first if first.status == 429 else None
    sent = 1
    while refused is None and sent < budget:
        exchange = cheap_request(ctx, ctx.endpoint, client)
        sent += 1
        if exchange.status == 429:
            refused = exchange
    if refused is None:
        ctx.fail("rate limit not enforced",
                 f"{sent} requests in one window (limit {limit}) and no 429", client.last)
    problems = envelope_problems(target, ctx.endpoint, 429, refused.json())
    retry = refused.header("Retry-After")
    if retry is not None and not _retry_after_ok(retry):
        problems.append(f"Retry-After {retry!r} is neither delay-seconds nor an HTTP-date "
                        "(RFC 9110 10.2.3)")
    if problems:
        ctx.fail("bad 429 answer", "; ".join(problems), refused)
