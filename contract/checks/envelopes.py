"""Error envelopes: every error answer is in the provider's documented envelope, with a
status the endpoint documents and a code documented for that status; a body that is not
JSON is a 400, not a crash."""

from __future__ import annotations

from typing import Any

from bulkbench.contract.checks.registry import CheckContext, check
from bulkbench.contract.checks.samples import BROKEN_JSON, error_samples
from bulkbench.contract.error_bodies import (
    ENVELOPE_KEYS,
    code_assumed,
    code_problems,
    error_code,
    shape_problems,
    status_codes,
)
from bulkbench.contract.exchange import Exchange
from bulkbench.contract.failures import ProviderProblem
from bulkbench.contract.requests import path_of
from bulkbench.contract.target import Target
from bulkbench.core.catalog import Endpoint

__all__ = ["envelope_problems"]


def envelope_problems(target: Target, endpoint: Endpoint, status: int,
                      body: Any) -> list[str]:
    """What is wrong with an error answer's status and body (empty when nothing)."""
    problems: list[str] = []
    if status not in endpoint.statuses:
        problems.append(f"status {status} is not documented for {endpoint.key} "
                        f"(documented: {', '.join(map(str, endpoint.statuses))})")
    return (problems + shape_problems(target, endpoint, status, body)
            + code_problems(target, endpoint, status, body))


def _body(exchange: Exchange) -> Any:
    try:
        return exchange.json()
    except ProviderProblem:  # the envelope check reports the body itself
        response = exchange.response
        return response.body[:200].decode(errors="replace") if response is not None else None


@check(group="envelopes", endpoints=lambda ep: True,
       doc=("Validation error or request body was incorrectly formatted.", "Invalid"),
       note="NOTES L24/D8/S4: every error is in the provider's envelope "
            "({error:{code,message}}, {reason}, {status:error,errors:[{msg}]}) with a code "
            "documented for its status")
def error_envelope(ctx: CheckContext) -> None:
    """Each error answer (bad JSON, empty body, no key, unknown id) is an error, in the
    envelope the config settles, with a code documented for its status."""
    for sample in error_samples(ctx, ctx.endpoint):
        exchange = sample.exchange
        status = exchange.status or 0
        if sample.settled_by and 200 <= status < 300:  # a reading may accept it (NOTES S2)
            ctx.mismatch(sample.settled_by, "accepted, not refused as assumed",
                         f"{sample.what}: answered {status}", exchange)
        ctx.require(status >= 400, "error not refused",
                    f"{sample.what}: answered {status}", exchange)
        if status != sample.expected_status:
            message = f"{sample.what}: status {status}, expected {sample.expected_status}"
            if sample.settled_by:
                ctx.mismatch(sample.settled_by, "unexpected error status", message, exchange)
            ctx.fail("unexpected error status", message, exchange)
        if status not in ctx.endpoint.statuses:
            ctx.fail("undocumented error status", f"{sample.what}: status {status} is not "
                     f"documented for {ctx.endpoint.key}", exchange)
        body = _body(exchange)
        wrong_code = code_problems(ctx.target, ctx.endpoint, status, body)
        if wrong_code:
            ctx.fail("undocumented error code", f"{sample.what}: " + "; ".join(wrong_code),
                     exchange)
        problems = shape_problems(ctx.target, ctx.endpoint, status, body)
        if problems:
            ctx.mismatch(ENVELOPE_KEYS, "error not in the assumed envelope",
                         f"{sample.what}: " + "; ".join(problems), exchange)


@check(group="envelopes", endpoints=lambda ep: bool(ep.request_schema),
       doc=("Validation error or request body was incorrectly formatted.",
            "Missing or invalid `contacts` array", "Neither `rows` nor `csv` provided",
            "Invalid contact IDs"),
       note="NOTES D8: a body that breaks the request schema is a 400 validation_error")
def malformed_json_rejected(ctx: CheckContext) -> None:
    """A body that is not valid JSON is a 400 with the validation code, not a server error."""
    ep = ctx.endpoint
    params = {"id": ctx.target.lists[0]} if "{id}" in ep.path and ctx.target.lists else {}
    if "{id}" in ep.path and not params:
        ctx.need("list")
    exchange = ctx.client.send(ep.method, path_of(ep, **params), content=BROKEN_JSON)
    ctx.expect(exchange.status == 400, "malformed JSON not rejected with 400",
               f"a truncated JSON body answered {exchange.status}", exchange)
    codes = status_codes(ctx.target, ep, 400)
    code = error_code(ctx.target, _body(exchange))
    if code_assumed(ctx.target, 400):  # no page gives it: the provider's code is open
        ctx.expect_assumed(("error_codes",), not codes or code in codes, "wrong error code",
                           f"error code {code!r}, expected one of {list(codes)}", exchange)
    ctx.expect(not codes or code in codes, "wrong error code",
               f"error code {code!r}, expected one of {list(codes)}", exchange)
