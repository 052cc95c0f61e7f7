"""Limits: the largest batch accepted, one more and an empty one refused, a body over the
size limit refused with 413, and the synchronous-import threshold. Every size and byte
count comes from the generators' boundary cases, built from the catalog."""

from __future__ import annotations

from bulkbench.contract.checks.case_selection import enforce_case, has_batch, is_endpoint, named
from bulkbench.contract.checks.registry import CheckContext, check

__all__: list[str] = []

_WITHIN_DOC = ("in a single request", "You can add up to", "length between",
               "supposed to be an array of", "processed synchronously")


@check(group="limits", endpoints=has_batch, doc=_WITHIN_DOC,
       cases=named("size_min", "size_max_minus_1", "size_max", "size_sync_max"), rank=10)
def batch_size_within_limits(ctx: CheckContext) -> None:
    """A batch of the smallest and the largest documented size is accepted, counts right."""
    enforce_case(ctx)


@check(group="limits", endpoints=has_batch,
       doc=("More than", "will be rejected with a validation error", "supposed to be an array"),
       note="NOTES L5/L22/S7: a batch over maxItems is a 400 validation_error",
       cases=named("size_max_plus_1"), rank=10)
def batch_over_max_rejected(ctx: CheckContext) -> None:
    """One item more than the maximum (e.g. 501 contacts, 101 ids) is a 400."""
    enforce_case(ctx)


@check(group="limits", endpoints=has_batch, doc=("Missing or invalid `contacts` array",),
       note="NOTES L5/L22/S7: minItems 1; an empty batch is a 400 validation_error",
       cases=named("size_min_minus_1"), rank=10)
def batch_empty_rejected(ctx: CheckContext) -> None:
    """An empty batch is a 400."""
    enforce_case(ctx)


@check(group="limits", endpoints=has_batch, doc=("Payload exceeds",),
       note="NOTES X2: x-max-body-bytes 20971520; a larger body is 413 payload_too_large",
       cases=named("body_over_limit"), rank=10)
def body_over_limit_rejected(ctx: CheckContext) -> None:
    """A body one byte over the size limit is a 413 (streamed, never built twice)."""
    enforce_case(ctx)


@check(group="limits", endpoints=has_batch, doc=("Payload exceeds",),
       note="NOTES X2: a body of exactly x-max-body-bytes is not refused for its size",
       cases=named("body_at_limit"), rank=10)
def body_at_limit_accepted(ctx: CheckContext) -> None:
    """A body of exactly the size limit is not refused for its size."""
    enforce_case(ctx)


@check(group="limits", endpoints=is_endpoint("leadlex.import_contacts"),
       doc=("processed synchronously",),
       cases=named("size_sync_max_plus_1", "csv_sync_max_rows", "csv_sync_max_rows_plus_1"),
       rank=10)
def sync_import_threshold(ctx: CheckContext) -> None:
    """Up to the threshold an import completes in the request; one row more is queued."""
    enforce_case(ctx)
