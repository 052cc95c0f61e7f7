"""Selectors of edge cases and endpoints, and the one way a case-driven check enforces a
case's expected outcome."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from bulkbench.contract.case_runner import run_case
from bulkbench.contract.checks.registry import CheckContext
from bulkbench.contract.checks.tolerance import family_of, rests_on_documentation, tolerated
from bulkbench.contract.error_bodies import code_problems
from bulkbench.contract.exchange import Exchange
from bulkbench.contract.failures import ProviderProblem
from bulkbench.core.catalog import Endpoint
from bulkbench.generators import Case, Outcome
from bulkbench.generators.edge_cases.readings import READINGS, error_codes_key, read_case

__all__ = [
    "NOT_RUN",
    "enforce_case",
    "has_batch",
    "is_endpoint",
    "named",
    "outcome_in",
    "tagged",
]


#: edge cases the suite leaves out on purpose, with the reason (reported as skipped).
NOT_RUN = {
    "body_under_limit": "implied by body_at_limit (one byte larger); a second 20 MiB body "
                        "would only cost time",
}


def named(*suffixes: str, endpoint: str | None = None) -> Callable[[Case], bool]:
    """Cases whose short name (after the endpoint) is one of ``suffixes``."""
    wanted = frozenset(suffixes)

    def select(case: Case) -> bool:
        short = case.name[len(case.endpoint) + 1:]
        return short in wanted and (endpoint is None or case.endpoint == endpoint)
    return select


def tagged(tag: str, endpoint: str | None = None) -> Callable[[Case], bool]:
    return lambda case: tag in case.tags and (endpoint is None or case.endpoint == endpoint)


def outcome_in(*outcomes: Outcome, endpoint: str | None = None) -> Callable[[Case], bool]:
    wanted = frozenset(outcomes)
    return lambda case: case.expected.outcome in wanted and (
        endpoint is None or case.endpoint == endpoint)


def has_batch(endpoint: Endpoint) -> bool:
    return endpoint.batch_field is not None


def is_endpoint(*keys: str) -> Callable[[Endpoint], bool]:
    wanted = frozenset(keys)
    return lambda ep: ep.key in wanted


#: the assumption key that settles each aspect of a case's outcome, where one does.
_ASPECT_KEYS: dict[str, tuple[str, ...]] = {
    "code": ("error_code_pointer",), "details": ("error_details_pointer",),
    "row_errors": ("row_error_codes",), "success_status": ("success_status",),
    "socket": ("websocket_url", "websocket_auth", "websocket_token_param")}
#: aspects that only an assumption decides, whatever the case's basis.
_ASSUMED_ASPECTS = frozenset({"success_status", "socket"})


def _names_open(ctx: CheckContext) -> bool:
    """Whether the endpoint's field names are an open point the config leaves unsettled
    (then a field stored otherwise than sent may be a field sent under another name)."""
    schema = ctx.endpoint.item_schema or {}
    return ("field_names" in (schema.get("x-bulkbench-settled-by") or ())
            and not ctx.target.settled("field_names"))


def _settled_by(case: Case, bad: Iterable[Any], names_open: bool = False
                ) -> tuple[str, ...]:
    keys = {k for m in bad for k in _ASPECT_KEYS.get(m.aspect, ())}
    if names_open:  # any field of the case may have been sent under a name not served
        keys.add("field_names")
    if case.name in READINGS:  # the case's open point is this key's
        keys.add(READINGS[case.name][0])
    if any(m.aspect == "code" for m in bad) and error_codes_key(case):
        keys.add("error_codes")
    return tuple(sorted(keys))


def _not_a_valid_answer(ctx: CheckContext, exchange: Exchange) -> str | None:
    """Why ``exchange`` is no answer any reading of the documentation allows (None: it is
    one): a 5xx, a redirect, no answer, or a body that is not the JSON every page shows."""
    status = exchange.status
    if status is None:
        return "no answer"
    if status >= 500 or 300 <= status < 400:
        return f"status {status} is no answer to a well-formed request"
    try:
        body = exchange.json()
    except ProviderProblem as problem:
        return problem.message
    if status >= 400:
        problems = code_problems(ctx.target, ctx.endpoint, status, body)
        return "; ".join(problems) if problems else None
    return None if isinstance(body, dict) else "the success body is not a JSON object"


def enforce_case(ctx: CheckContext, aspects: Iterable[str] | None = None) -> None:
    """Run the context's case; fail on a mismatch of ``aspects`` (default: all), skip when
    one of them could not be verified against this target."""
    assert ctx.case is not None
    # the open point's reading; the success status stays the case runner's (another 2xx
    # is read past, then named)
    case = read_case(ctx.case, ctx.assumed)
    chosen = tuple(aspects) if aspects is not None else None
    outcome = run_case(ctx, case)
    bad = outcome.failing(chosen)
    if bad:
        first = bad[0]
        title = {"status": "unexpected status", "success_status": "unexpected success status",
                 "socket": "the progress socket heard nothing",
                 "code": "wrong error code",
                 "details": "error details missing", "counts": "wrong counts",
                 "data": "wrong response field", "row_errors": "wrong row errors",
                 "stored": "stored contact differs",
                 "duplicated": "existing contact stored twice"}.get(first.aspect,
                                                                    "unexpected outcome")
        lines = [f"{case.title}: expected {case.expected.summary()}",
                 *(f"- {m.message}" for m in bad)]
        names_open = _names_open(ctx)
        assumed = (_ASSUMED_ASPECTS | ({"stored"} if names_open else set())
                   | ({"code"} if error_codes_key(case) else set()))  # no page gives it
        if {m.aspect for m in bad} <= assumed:  # all else as expected
            ctx.mismatch(_settled_by(case, bad, names_open), title, "\n".join(lines),
                         outcome.exchange)
        if any(m.aspect == "duplicated" for m in bad):  # under every reading: one contact
            ctx.require(False, title, "\n".join(lines), outcome.exchange)
        broken = _not_a_valid_answer(ctx, outcome.exchange)
        if broken is not None:  # no reading of the docs allows it
            ctx.require(False, title, "\n".join([*lines, f"- {broken}"]), outcome.exchange)
        aspects = {m.aspect for m in bad}
        family = family_of(case)
        accepted = ctx.succeeded(outcome.exchange)
        if family is not None and accepted and aspects & family.holds:
            ctx.require(False, title, "\n".join(  # open whether it is accepted, not how
                [*lines, f"- the docs leave open whether it is accepted ({family.why}); "
                 f"once accepted, its {', '.join(sorted(aspects & family.holds))} must hold"]),
                outcome.exchange)
        if family is not None and not aspects & {"code", "details"}:
            why = tolerated(ctx, case, outcome.exchange)
            ctx.require(why is None, title, "\n".join(
                [*lines, f"- the docs leave this open ({family.why}), but {why}"]),
                outcome.exchange)
            return  # another answer the documentation allows, and what must hold holds
        if not rests_on_documentation(case, ctx.endpoint, ctx.target.settled("field_names")):
            keys = _settled_by(case, bad, names_open)
            if keys:
                ctx.mismatch(keys, title, "\n".join(lines), outcome.exchange)
            # no key settles it: every answer the docs allow passes when what must hold
            # under every reading holds (nothing stored on a refusal, counts add up)
            why = tolerated(ctx, case, outcome.exchange)
            ctx.require(why is None, title, "\n".join(
                [*lines, f"- the docs leave this open, but {why}"]), outcome.exchange)
            return
        ctx.fail(title, "\n".join(lines), outcome.exchange)
    missing = outcome.unverified_of(chosen)
    if missing:
        ctx.skip("the rest of the outcome holds; not verifiable here: "
                 + "; ".join(f"{k}: {v}" for k, v in missing.items()))
