"""HubSpot's batch cases: an email that exists, or repeats in one create batch, is a 409
CONFLICT and nothing is created (NOTES H6); an upsert of an existing email updates the
properties it sends (NOTES H7)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from bulkbench.core.catalog import Catalog
from bulkbench.generators.edge_cases.batch_requests import batch_request, request_item
from bulkbench.generators.edge_cases.building import (
    CaseContext,
    Draft,
    doc,
    rejected,
    success,
)
from bulkbench.generators.edge_cases.model import Basis, CaseRequest, Outcome, Setup, StoredContact

__all__ = ["hubspot_cases"]

CREATE = "hubspot.batch_create"
UPSERT = "hubspot.batch_upsert"


def _with_email(item: Any, email: str) -> dict[str, Any]:
    return {**item, "properties": {**item["properties"], "email": email}}


def _create(catalog: Catalog) -> Iterator[Draft]:
    ep = catalog.endpoint(CREATE)
    unique = doc(ep, "primary unique identifier")

    def existing(ctx: CaseContext) -> CaseRequest:
        old = ctx.contacts(CREATE, 1)
        fresh = ctx.contacts(CREATE, 2)
        email = str(old[0]["properties"]["email"])
        return batch_request(ctx, CREATE, [fresh[0], _with_email(fresh[1], email.upper())],
                             Setup(create_with=CREATE, existing=tuple(old)))

    yield Draft(
        "existing_email_conflict", CREATE,
        "the second input has the email of a contact created before (in capitals)",
        # the guide: email is the unique identifier that avoids duplicates (NOTES H6)
        rejected(ep, unique, Basis.DOCUMENTED, status=409),
        existing, frozenset({"batch", "existing", "semantic"}))

    def repeated(ctx: CaseContext) -> CaseRequest:
        first, second, third = ctx.contacts(CREATE, 3)
        email = str(first["properties"]["email"])
        return batch_request(ctx, CREATE, [first, second, _with_email(third, email)])

    yield Draft(
        "duplicate_email_in_batch", CREATE,
        "the third input repeats the first one's email",
        rejected(ep, unique, Basis.DOCUMENTED, status=409),
        repeated, frozenset({"batch", "duplicates", "semantic"}))


def _upsert(catalog: Catalog) -> Iterator[Draft]:
    ep = catalog.endpoint(UPSERT)

    def update(ctx: CaseContext) -> CaseRequest:
        old = ctx.contacts(UPSERT, 1)
        fresh = ctx.contacts(UPSERT, 2)
        changed = {**old[0], "properties": {**fresh[0]["properties"]}}
        return batch_request(ctx, UPSERT, [changed, fresh[1]],
                             Setup(create_with=UPSERT, existing=tuple(old)))

    yield Draft(
        "existing_email_updated", UPSERT,
        "the first input names a contact upserted before, with other properties",
        success(ep, Outcome.UPDATED, doc(ep, "Provided property values will be overwritten"),
                Basis.DOCUMENTED,
                stored=[StoredContact(request_item(0), request_item(0),
                                      ("firstname", "lastname", "company"))]),
        update, frozenset({"batch", "existing"}))


def hubspot_cases(catalog: Catalog) -> Iterator[Draft]:
    """HubSpot's batch cases, if the catalog has its endpoints."""
    keys = {ep.key for ep in catalog.endpoints()}
    if CREATE in keys:
        yield from _create(catalog)
    if UPSERT in keys:
        yield from _upsert(catalog)
