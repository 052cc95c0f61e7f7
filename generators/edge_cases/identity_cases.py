"""Edge cases every upsert has, from its spec alone: a contact sent again is matched.

An endpoint of kind ``bulk_upsert`` names the fields that match an existing contact
(``x-identity-keys``); whatever else the provider documents about merging (a partial
update, an overwrite, a skip), sending an existing contact again must not store it twice:
that holds under every reading, so no counter is expected (an update or a skip may count
it). These cases hold any upsert to that, the bundled providers' and a provider of the user's own
that has no folder (the spec-only sandbox's ``generic_upsert_duplicates`` fault breaks it).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from bulkbench.core.catalog import Catalog
from bulkbench.generators.edge_cases.batch_requests import batch_request, request_item
from bulkbench.generators.edge_cases.building import CaseContext, Draft, spec_implied, success
from bulkbench.generators.edge_cases.model import Basis, CaseRequest, Outcome, Setup, StoredContact

__all__ = ["identity_cases"]


def identity_cases(catalog: Catalog) -> Iterator[Draft]:
    """For each ``bulk_upsert`` endpoint with identity keys: an existing contact sent again
    beside a new one is stored once, and the new one too."""
    for provider in catalog.providers:
        for ep in provider.endpoints:
            if ep.kind != "bulk_upsert" or not ep.identity_keys or ep.batch_field is None:
                continue
            key = ep.key

            def build(ctx: CaseContext, key: str = key) -> CaseRequest:
                old, fresh = ctx.contacts(key, 2)
                return batch_request(ctx, key, [old, fresh],
                                     Setup(create_with=key, existing=(old,)))

            keys = ", ".join(ep.identity_keys)
            yield Draft(
                "existing_contact_sent_again",
                key,
                f"an existing contact sent again (same {keys}) beside a new one",
                replace(success(ep, Outcome.UPDATED,
                        spec_implied(f"an upsert matches existing contacts by {keys} "
                                     "(x-identity-keys): a contact sent again is the same "
                                     "contact, never a second one"),
                        Basis.SPEC_IMPLIED,
                        stored=[StoredContact(request_item(0), request_item(0), ()),
                                StoredContact(request_item(1), request_item(1), ())]),
                        counts={}),
                build,
                frozenset({"batch", "existing"}),
            )
