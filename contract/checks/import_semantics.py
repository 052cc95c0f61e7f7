"""LeadLex import: update-or-skip, per-row errors, CSV, tags, counts, idempotency.

The outcomes of the catalog's import cases are enforced as the catalog states them; the
checks here add what no single case shows: the three counts add up to the rows sent, the
request's tags reach every stored row, and an ``Idempotency-Key`` replay answers the same
body (same ``job_id``) without importing anything twice while another body under the same
key is a 409.
"""

from __future__ import annotations

import uuid
from typing import Any

from bulkbench.contract.checks.case_selection import (
    enforce_case,
    is_endpoint,
    named,
    outcome_in,
    tagged,
)
from bulkbench.contract.checks.registry import CheckContext, check
from bulkbench.contract.error_bodies import code_assumed, error_code, status_codes
from bulkbench.contract.requests import result_data, send_batch
from bulkbench.generators import Outcome

__all__: list[str] = []

IMPORT = "leadlex.import_contacts"
_ONLY_IMPORT = is_endpoint(IMPORT)


@check(group="semantics", endpoints=_ONLY_IMPORT,
       doc=("When `true`, rows with matching email or phone are updated",),
       cases=outcome_in(Outcome.UPDATED, Outcome.SKIPPED, endpoint=IMPORT), rank=20)
def import_update_existing(ctx: CheckContext) -> None:
    """Rows matching a contact (email, any case, or phone) update it, or are skipped."""
    enforce_case(ctx)


@check(group="semantics", endpoints=_ONLY_IMPORT,
       doc=("Array of `{ row_number, code, message }` for any failed rows",),
       cases=outcome_in(Outcome.ROW_ERRORS, endpoint=IMPORT), rank=20)
def import_row_errors(ctx: CheckContext) -> None:
    """A failed row is reported by its 1-based data-row number, the others imported."""
    enforce_case(ctx)


@check(group="semantics", endpoints=_ONLY_IMPORT,
       doc=("First line is treated as headers", "Unknown columns are ignored"),
       cases=tagged("csv", endpoint=IMPORT), rank=30)
def import_csv(ctx: CheckContext) -> None:
    """CSV imports: header, mapping, dialects and malformed mappings get their outcome."""
    enforce_case(ctx)


def _fresh_rows(ctx: CheckContext, count: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = ctx.session.contacts(ctx.endpoint, count)
    return rows


def _completed(ctx: CheckContext, body: dict[str, Any], what: str) -> dict[str, Any]:
    data = result_data(body)
    ctx.expect(data.get("status") == "completed", "import not completed",
               f"{what}: status is {data.get('status')!r}, expected 'completed'")
    return data


@check(group="semantics", endpoints=_ONLY_IMPORT,
       doc=("Optional array of tag strings applied to every imported row",),
       cases=named("tags_on_every_row", endpoint=IMPORT), rank=10)
def import_tags_applied(ctx: CheckContext) -> None:
    """The request's ``tags`` are on every imported row (read back where possible)."""
    enforce_case(ctx)
    case = ctx.case
    assert case is not None
    request = case.request(ctx.seed, run_tag=ctx.run_tag)
    inspector = ctx.session.reader(ctx.target.name)
    if inspector is None:
        ctx.skip("the answer is right; the rows' tags cannot be read back from this provider "
                 "(no documented read endpoint)")
    body = request.json()
    tags = set(body.get("tags") or [])
    for i, row in enumerate(body.get("rows") or []):
        found = inspector.contacts(ctx.target.name, email=row.get("email")) if row.get(
            "email") else inspector.contacts(ctx.target.name, phone=row.get("phone"))
        stored = set((found[0].get("data") or {}).get("tags") or []) if found else set()
        ctx.expect(bool(found), "row not stored", f"row {i + 1} was not stored")
        ctx.expect(tags <= stored, "tags not applied",
                   f"row {i + 1} is stored with tags {sorted(stored)}, missing "
                   f"{sorted(tags - stored)} of the request's tags", ctx.client.last)


@check(group="semantics", endpoints=_ONLY_IMPORT, doc=("Rows that were not imported",),
       note="NOTES L12: skipped_count counts matched-and-not-updated rows and failed rows, "
            "so created + updated + skipped = rows")
def import_counts_add_up(ctx: CheckContext) -> None:
    """created + updated + skipped equals the rows sent (failed rows count as skipped)."""
    existing, new_a, new_b, failed = _fresh_rows(ctx, 4)
    first = send_batch(ctx, ctx.endpoint, {"rows": [existing]})
    ctx.expect(ctx.succeeded(first), "setup request failed",
               f"importing one row answered {first.status}")
    failed = {k: v for k, v in failed.items() if k != "full_name"}
    rows = [new_a, existing, failed, new_b]
    exchange = send_batch(ctx, ctx.endpoint, {"rows": rows, "update_existing": False})
    ctx.expect(ctx.succeeded(exchange), "unexpected status",
               f"an import of {len(rows)} rows answered {exchange.status}")
    data = _completed(ctx, exchange.json_object(), "a synchronous import")
    counts = {k: data.get(k) for k in ("created_count", "updated_count", "skipped_count")}
    ctx.expect(all(isinstance(v, int) for v in counts.values()), "counts missing",
               f"counts {counts}")
    total = sum(v for v in counts.values() if isinstance(v, int))
    ctx.expect(total == len(rows), "counts do not add up",
               f"created {counts['created_count']} + updated {counts['updated_count']} + "
               f"skipped {counts['skipped_count']} = {total}, but {len(rows)} rows were sent "
               "(1 new, 1 existing with update_existing false, 1 without full_name, 1 new)")
    ctx.expect(counts == {"created_count": 2, "updated_count": 0, "skipped_count": 2},
               "wrong counts", f"counts {counts}; expected created 2, updated 0, skipped 2")


def _key(ctx: CheckContext, what: str) -> str:
    return f"bulkbench-{ctx.seed}-{ctx.run_tag}-{what}-{uuid.uuid4().hex[:12]}"


@check(group="semantics", endpoints=_ONLY_IMPORT,
       doc=("Same key returns the original result (including `job_id`) within 24 hours",))
def idempotent_replay(ctx: CheckContext) -> None:
    """A replay under the same Idempotency-Key answers the same body and job, imports once."""
    rows = _fresh_rows(ctx, 2)
    body = {"rows": rows}
    key = _key(ctx, "replay")
    first = send_batch(ctx, ctx.endpoint, body, headers={"Idempotency-Key": key})
    ctx.expect(ctx.succeeded(first), "unexpected status", f"the first import answered "
               f"{first.status}")
    original = first.json_object()
    _completed(ctx, original, "the first import")
    replay = send_batch(ctx, ctx.endpoint, body, headers={"Idempotency-Key": key})
    ctx.expect(ctx.succeeded(replay), "replay refused",
               f"the replay with the same key and body answered {replay.status}")
    again = replay.json_object()
    job_a, job_b = result_data(original).get("job_id"), result_data(again).get("job_id")
    ctx.expect(job_a == job_b, "replay has a new job_id",
               f"the replay answered job_id {job_b!r}, the original {job_a!r}")
    ctx.expect(again == original, "replay differs from the original",
               f"original {original}\nreplay   {again}")
    inspector = ctx.session.reader(ctx.target.name)
    if inspector is not None:
        for row in rows:
            found = inspector.contacts(ctx.target.name, email=row["email"])
            ctx.expect(len(found) == 1, "rows imported twice",
                       f"{len(found)} contacts stored for one row of the replayed import")


@check(group="semantics", endpoints=_ONLY_IMPORT,
       doc=("Same key returns the original result",),
       assumes=("idempotency_reuse", "idempotency_conflict_status"),
       note="NOTES L15: reusing an Idempotency-Key with a different body is a 409 "
            "idempotency_key_reused")
def idempotency_key_reuse_conflict(ctx: CheckContext) -> None:
    """The same Idempotency-Key with a different body is refused (409
    idempotency_key_reused) or answered with the original result, as the config settles;
    either way the other body is not imported."""
    first_rows, other_rows = _fresh_rows(ctx, 1), _fresh_rows(ctx, 1)
    key = _key(ctx, "reuse")
    first = send_batch(ctx, ctx.endpoint, {"rows": first_rows}, headers={"Idempotency-Key": key})
    ctx.expect(ctx.succeeded(first), "unexpected status", f"the first import answered "
               f"{first.status}")
    second = send_batch(ctx, ctx.endpoint, {"rows": other_rows},
                        headers={"Idempotency-Key": key})
    inspector = ctx.session.reader(ctx.target.name)
    if inspector is not None:
        stored = inspector.contacts(ctx.target.name, email=other_rows[0]["email"])
        ctx.require(not stored, "another body imported under a used key",
                    "the second body, sent under an Idempotency-Key already used, was imported",
                    second)
    if ctx.assumed("idempotency_reuse") == "original":
        ctx.expect(second.status == first.status and second.json() == first.json(),
                   "key reuse not answered with the original result",
                   f"another body under the same Idempotency-Key answered {second.status}; "
                   "expected the original result", second)
        return
    expected = int(ctx.assumed("idempotency_conflict_status"))
    ctx.expect(second.status == expected, "key reuse not refused",
               f"another body under the same Idempotency-Key answered {second.status}, "
               f"expected {expected}", second)
    codes = status_codes(ctx.target, ctx.endpoint, expected)
    code = error_code(ctx.target, second.json())
    if code_assumed(ctx.target, expected):  # NOTES L15: the code is assumed too
        ctx.expect_assumed(("error_codes",), not codes or code in codes, "wrong error code",
                           f"error code {code!r}, expected one of {list(codes)}")
    ctx.expect(not codes or code in codes, "wrong error code",
               f"error code {code!r}, expected one of {list(codes)}")
