"""Datananas batch cases: contacts matched by email update the existing ones (only the
fields sent), a repeated email updates the contact the batch created, one bad contact
rejects the batch, the query flags."""

from __future__ import annotations

from collections.abc import Iterator

from bulkbench.core.catalog import Catalog
from bulkbench.generators.edge_cases.batch_requests import (
    batch_request,
    mixed,
    request_item,
    setup_item,
    upper_local,
    with_duplicate,
)
from bulkbench.generators.edge_cases.building import (
    CaseContext,
    Draft,
    doc,
    rejected,
    spec_implied,
    success,
)
from bulkbench.generators.edge_cases.model import Basis, CaseRequest, Outcome, Setup, StoredContact

__all__ = ["datananas_batch_cases"]

DATANANAS = "datananas.bulk_create"


def _datananas(catalog: Catalog) -> Iterator[Draft]:
    ep = catalog.endpoint(DATANANAS)
    updates = doc(ep, "updates existing ones")

    def existing(ctx: CaseContext) -> CaseRequest:
        old = ctx.contacts(ep.key, 1)
        fresh = ctx.contacts(ep.key, 2)
        return batch_request(
            ctx,
            ep.key,
            [{**fresh[0], "email": old[0]["email"]}, fresh[1]],
            Setup(create_with=ep.key, existing=tuple(old)),
        )

    yield Draft(
        "existing_contact_updated",
        ep.key,
        "a contact whose email an existing contact has, and a new one",
        success(
            ep,
            Outcome.UPDATED,
            updates,
            Basis.DOCUMENTED,
            created=1,
            updated=1,
            stored=[
                StoredContact(
                    request_item(0), request_item(0), ("firstName", "lastName", "jobTitle")
                )
            ],
        ),
        existing,
        frozenset({"batch", "existing"}),
    )

    def partial(ctx: CaseContext) -> CaseRequest:
        old = ctx.contacts(ep.key, 1)
        new_title = ctx.contacts(ep.key, 1)[0]["jobTitle"]
        return batch_request(
            ctx,
            ep.key,
            [{"email": upper_local(old[0]["email"]), "jobTitle": new_title}],
            Setup(create_with=ep.key, existing=tuple(old)),
        )

    yield Draft(
        "existing_contact_partial_update",
        ep.key,
        "only email (in other letter case) and jobTitle of an existing contact",
        success(
            ep,
            Outcome.UPDATED,
            spec_implied(
                "An existing contact is the one with the same email "
                "(case-insensitive) in the account: it is updated (only the fields "
                "sent)"
            ),
            Basis.SPEC_IMPLIED,
            updated=1,
            stored=[
                StoredContact(request_item(0), request_item(0), ("jobTitle",)),
                StoredContact(request_item(0), setup_item(0), ("firstName", "lastName")),
            ],
        ),
        partial,
        frozenset({"batch", "existing"}),
    )
    yield Draft(
        "duplicate_emails_in_batch",
        ep.key,
        "the third contact repeats the first one's email",
        success(
            ep,
            Outcome.UPDATED,
            spec_implied("a repeated email within one batch updates the contact the batch created"),
            Basis.SPEC_IMPLIED,
            created=2,
            updated=1,
            stored=[StoredContact(request_item(0), request_item(2), ("firstName", "jobTitle"))],
        ),
        with_duplicate(ep.key, "email"),
        frozenset({"batch", "duplicates"}),
    )
    yield Draft(
        "invalid_among_valid",
        ep.key,
        "six contacts, the second with a malformed email, the fourth without email",
        rejected(
            ep,
            spec_implied(
                "a body that breaks the schema … is 400 validation_error and nothing is created"
            ),
            Basis.SPEC_IMPLIED,
        ),
        mixed(ep.key, {1: {"email": "not-an-email"}}, {3: "email"}),
        frozenset({"batch", "mixed"}),
    )

    def flags(ctx: CaseContext) -> CaseRequest:
        return batch_request(
            ctx, ep.key, ctx.contacts(ep.key, 2), query={name: True for name in ep.query_params}
        )

    yield Draft(
        "query_flags_true",
        ep.key,
        "both query flags true, new contacts only",
        success(
            ep,
            Outcome.ACCEPTED,
            doc(ep, "existing contacts will be moved", "existing contact owner will be replaced"),
            Basis.DOCUMENTED,
            created=2,
        ),
        flags,
        frozenset({"batch", "request"}),
    )


def datananas_batch_cases(catalog: Catalog) -> Iterator[Draft]:
    """The batch cases of the Datananas endpoint, if the catalog has it."""
    if DATANANAS in {ep.key for ep in catalog.endpoints()}:
        yield from _datananas(catalog)
