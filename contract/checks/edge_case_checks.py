"""The generic case-driven checks: field edge cases, request-level validation, and the
fallback that runs every case no more specific check took (so a case the generators add
is run at once, under ``edge_case_outcome``)."""

from __future__ import annotations

from bulkbench.contract.checks.case_selection import enforce_case, has_batch, tagged
from bulkbench.contract.checks.registry import CheckContext, check
from bulkbench.generators import Case, Outcome

__all__: list[str] = []


@check(group="semantics", endpoints=has_batch, cases=tagged("field"),
       note="NOTES X3/X4/L11: a field that breaks the item schema rejects the batch with a "
            "400; unusual but valid values (unicode, long strings, unknown fields) are "
            "accepted and stored as sent", rank=80)
def field_validation(ctx: CheckContext) -> None:
    """Each field edge case (wrong type, empty, malformed, unicode, …) gets its outcome."""
    enforce_case(ctx)


def _request_rejection(case: Case) -> bool:
    return (case.expected.outcome is Outcome.REJECTED and case.expected.status == 400
            and not ({"field", "boundary", "list"} & case.tags))


@check(group="semantics", endpoints=has_batch, cases=_request_rejection,
       note="NOTES X3/L17: the batch is atomic; one invalid item, or rows and csv together, "
            "is a 400 validation_error and nothing is written", rank=85)
def batch_validation(ctx: CheckContext) -> None:
    """An invalid item among valid ones, or a malformed request, rejects the whole batch."""
    enforce_case(ctx)


@check(group="semantics", endpoints=has_batch, cases=lambda case: True,
       note="the edge-case catalog's expected outcome (generators/edge_cases)", rank=99)
def edge_case_outcome(ctx: CheckContext) -> None:
    """Any other edge case of the catalog gets the outcome the catalog states."""
    enforce_case(ctx)
