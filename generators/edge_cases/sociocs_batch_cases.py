"""Sociocs batch cases: an upsert by phone number overwrites the whole contact (extra
fields replaced, not merged; with or without the plus), the last of repeated phone
numbers wins, one bad record rejects the batch, list ids and country codes."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from bulkbench.core.catalog import Catalog
from bulkbench.generators.contact_templates import INDEX_DIGITS
from bulkbench.generators.edge_cases.batch_requests import (
    batch_request,
    mixed,
    request_item,
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

__all__ = ["sociocs_batch_cases"]

SOCIOCS = "sociocs.bulk_upsert"

#: the unique digits at the end of a generated phone number: run tag and index.
_TOKEN_DIGITS = 3 + INDEX_DIGITS


def _sociocs(catalog: Catalog) -> Iterator[Draft]:
    ep = catalog.endpoint(SOCIOCS)
    overwrite = doc(ep, "it updates existing contact", "all information gets overwritten")

    def replace(strip_plus: bool, keep_extra: bool) -> Callable[[CaseContext], CaseRequest]:
        def build(ctx: CaseContext) -> CaseRequest:
            old = ctx.contacts(ep.key, 1)
            fresh = ctx.contacts(ep.key, 2)
            phone = old[0]["phone_number"]
            record = {"phone_number": phone[1:] if strip_plus else phone, "name": fresh[0]["name"]}
            if keep_extra:
                record["extra_fields"] = {"plan": "pro", "renewal": fresh[0]["extra_fields"]}
            return batch_request(
                ctx, ep.key, [record, fresh[1]], Setup(create_with=ep.key, existing=tuple(old))
            )

        return build

    fields = ("name", "extra_fields")
    stored = [StoredContact(request_item(0), request_item(0), fields)]
    yield Draft(
        "existing_contact_replaced",
        ep.key,
        "a record with an existing phone number, other name and other extra_fields",
        success(ep, Outcome.REPLACED, overwrite, Basis.DOCUMENTED, stored=stored),
        replace(False, True),
        frozenset({"batch", "existing"}),
    )
    yield Draft(
        "existing_contact_replaced_without_plus",
        ep.key,
        "the existing phone number sent without its leading plus",
        success(
            ep,
            Outcome.REPLACED,
            # one number, written with or without its plus: the same existing contact
            doc(ep, "with or without leading plus", "When a given phone number already "
                "exists"),
            Basis.DOCUMENTED,
            stored=stored,
        ),
        replace(True, True),
        frozenset({"batch", "existing"}),
    )
    yield Draft(
        "existing_contact_extra_fields_left_out",
        ep.key,
        "an existing phone number sent without extra_fields: they are cleared",
        success(
            ep,
            Outcome.REPLACED,
            spec_implied(
                "a match is overwritten entirely (a field left out is cleared, "
                "extra_fields replaced, not merged)"
            ),
            Basis.SPEC_IMPLIED,
            stored=stored,
        ),
        replace(False, False),
        frozenset({"batch", "existing"}),
    )
    yield Draft(
        "duplicate_phone_numbers_in_batch",
        ep.key,
        "the third record repeats the first one's phone number",
        success(
            ep,
            Outcome.REPLACED,
            # records are upserts in the order sent: the later one overwrites the earlier
            doc(ep, "When a given phone number already exists", "all information gets "
                "overwritten"),
            Basis.DOCUMENTED,
            stored=[StoredContact(request_item(0), request_item(2), fields)],
        ),
        with_duplicate(ep.key, "phone_number"),
        frozenset({"batch", "duplicates"}),
    )
    yield Draft(
        "invalid_among_valid",
        ep.key,
        "six records, the second with a malformed phone number, the fourth without",
        rejected(
            ep,
            spec_implied(
                "The batch is atomic: one invalid record … rejects "
                "the request with 400 and nothing is written"
            ),
            Basis.SPEC_IMPLIED,
        ),
        mixed(ep.key, {1: {"phone_number": "+1 (617) 555"}}, {3: "phone_number"}),
        frozenset({"batch", "mixed"}),
    )

    def all_contacts(ctx: CaseContext) -> CaseRequest:
        return batch_request(ctx, ep.key, ctx.contacts(ep.key, 2), list_id=0)

    yield Draft(
        "list_id_all_contacts",
        ep.key,
        'list_id 0: "All Contacts"',
        success(ep, Outcome.ACCEPTED, doc(ep, 'to add to "All Contacts"'), Basis.DOCUMENTED),
        all_contacts,
        frozenset({"batch", "request"}),
    )

    def unknown_list(ctx: CaseContext) -> CaseRequest:
        return batch_request(
            ctx,
            ep.key,
            ctx.contacts(ep.key, 2),
            list_id=900_000_000 + ctx.rng.randrange(99_999_999),
        )

    yield Draft(
        "list_id_unknown",
        ep.key,
        "a list_id that is no list of the account",
        rejected(ep, spec_implied("An unknown list_id is 404"), Basis.SPEC_IMPLIED, status=404),
        unknown_list,
        frozenset({"batch", "request", "semantic"}),
    )

    def country_code(ctx: CaseContext) -> CaseRequest:
        records = ctx.contacts(ep.key, 2)
        # the unique digits alone, and a country code none of them starts with
        national = [{**r, "phone_number": r["phone_number"][-_TOKEN_DIGITS:]} for r in records]
        code = next(c for c in "789" if not any(n["phone_number"].startswith(c) for n in national))
        return batch_request(ctx, ep.key, national, phone_number_cc=code)

    yield Draft(
        "phone_number_cc",
        ep.key,
        "national numbers with phone_number_cc giving the country code",
        success(
            ep,
            Outcome.ACCEPTED,
            spec_implied(
                "phone_number_cc is prefixed to a phone_number that does not start with it"
            ),
            Basis.SPEC_IMPLIED,
        ),
        country_code,
        frozenset({"batch", "request"}),
    )


def sociocs_batch_cases(catalog: Catalog) -> Iterator[Draft]:
    """The batch cases of the Sociocs endpoint, if the catalog has it."""
    if SOCIOCS in {ep.key for ep in catalog.endpoints()}:
        yield from _sociocs(catalog)
