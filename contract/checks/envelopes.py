"""Error envelopes: every error answer is in the provider's documented envelope, with a
status the endpoint documents and a code documented for that status; a body that is not
JSON is a 400, not a crash."""

from __future__ import annotations

from typing import Any

from contract.catalog import Endpoint
from contract.checks.registry import CheckContext, check
from contract.checks.samples import BROKEN_JSON, error_samples
from contract.exchange import Exchange
from contract.failures import ProviderProblem
from contract.requests import error_code, path_of

__all__ = ["envelope_problems"]


def envelope_problems(envelope: str, endpoint: Endpoint, status: int, body: Any) -> list[str]:
    """What is wrong with an error answer's status and body (empty when nothing)."""
    problems: list[str] = []
    if status not in endpoint.statuses:
        problems.append(f"status {status} is not documented for {endpoint.key} "
                        f"(documented: {', '.join(map(str, endpoint.statuses))})")
    if not isinstance(body, dict):
        return [*problems, f"the body is not a JSON object: {str(body)[:200]}"]
    codes = endpoint.error_codes(status)
    if envelope == "leadlex":
        error = body.get("error")
        if not isinstance(error, dict):
            return [*problems, f"no `error` object: {str(body)[:200]}"]
        if not isinstance(error.get("code"), str):
            problems.append("error.code missing")
        elif codes and error["code"] not in codes:
            problems.append(f"error.code {error['code']!r} is not documented for {status} "
                            f"(documented: {', '.join(codes)})")
        if not isinstance(error.get("message"), str) or not error["message"]:
            problems.append("error.message missing or empty")
        if "details" in error and not isinstance(error["details"], dict):
            problems.append("error.details is not an object")
    elif envelope == "datananas":
        reason = body.get("reason")
        if not isinstance(reason, str):
            problems.append("reason missing")
        elif codes and reason not in codes:
            problems.append(f"reason {reason!r} is not documented for {status} "
                            f"(documented: {', '.join(codes)})")
        if "message" in body and not isinstance(body["message"], str):
            problems.append("message is not a string")
    else:
        if body.get("status") != "error":
            problems.append(f"status is {body.get('status')!r}, expected 'error'")
        errors = body.get("errors")
        if not isinstance(errors, list) or not errors:
            problems.append("errors missing or empty")
        elif not all(isinstance(e, dict) and isinstance(e.get("msg"), str) and e["msg"]
                     for e in errors):
            problems.append("an entry of errors has no msg")
    return problems


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
    """Each error answer (bad JSON, empty body, no key, unknown id) is in the envelope."""
    envelope = ctx.target.provider.error_envelope
    for sample in error_samples(ctx, ctx.endpoint):
        exchange = sample.exchange
        problems = []
        if exchange.status != sample.expected_status:
            problems.append(f"status {exchange.status}, expected {sample.expected_status}")
        problems += envelope_problems(envelope, ctx.endpoint, exchange.status or 0,
                                      _body(exchange))
        if problems:
            ctx.fail("error not in the documented envelope",
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
    codes = ep.error_codes(400)
    code = error_code(ctx.target.provider.error_envelope, _body(exchange))
    ctx.expect(not codes or code in codes, "wrong error code",
               f"error code {code!r}, expected one of {list(codes)}", exchange)
