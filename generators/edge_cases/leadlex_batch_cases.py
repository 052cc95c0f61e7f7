"""LeadLex batch cases: bulk create (no de-duplication, atomic) and the import (rows
matching existing contacts by email or phone, ``update_existing``, per-row errors for a
missing full_name, request-level options)."""

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
from bulkbench.generators.edge_cases.model import (
    Basis,
    CaseRequest,
    Outcome,
    RowError,
    Setup,
    StoredContact,
)

__all__ = ["leadlex_batch_cases"]

LEADLEX_CREATE = "leadlex.bulk_create"
IMPORT = "leadlex.import_contacts"

_SEQUENTIAL = (
    "rows are processed in order, so a row that matches a contact an earlier row "
    "of the same import created matches an existing contact"
)


def _leadlex_create(catalog: Catalog) -> Iterator[Draft]:
    ep = catalog.endpoint(LEADLEX_CREATE)
    no_dedup = spec_implied(
        "bulk create has no identity keys (x-identity-keys []): every item creates a contact"
    )
    for field in ("email", "phone"):
        yield Draft(
            f"duplicate_{field}s_in_batch",
            ep.key,
            f"two contacts of the batch share one {field}",
            success(ep, Outcome.ACCEPTED, no_dedup, Basis.SPEC_IMPLIED, created=3),
            with_duplicate(ep.key, field),
            frozenset({"batch", "duplicates"}),
        )
    yield Draft(
        "invalid_among_valid",
        ep.key,
        "six contacts, the second with a malformed email and the fourth without full_name",
        rejected(
            ep,
            doc(ep, "Missing or invalid `contacts` array"),
            Basis.DOCUMENTED,
            details={
                "errors": [{"index": 1, "field": "email"}, {"index": 3, "field": "full_name"}]
            },
        ),
        mixed(ep.key, {1: {"email": "not-an-email"}}, {3: "full_name"}),
        frozenset({"batch", "mixed"}),
    )


def _import(catalog: Catalog) -> Iterator[Draft]:
    ep = catalog.endpoint(IMPORT)
    match_rule = doc(ep, "rows with matching email or phone are updated")
    for update in (False, True):
        flag = "_update_existing" if update else ""
        kept, changed = (0, 1) if update else (1, 0)
        for field in ("email", "phone"):
            # the repeat carries a new email when phone is the shared field ("or else phone")
            yield Draft(
                f"duplicate_{field}s_in_batch{flag}",
                ep.key,
                f"the third row repeats the first row's {field} (update_existing {update})",
                success(
                    ep,
                    Outcome.UPDATED if update else Outcome.SKIPPED,
                    spec_implied(_SEQUENTIAL),
                    Basis.SPEC_IMPLIED,
                    created=2,
                    updated=changed,
                    skipped=kept,
                    stored=[
                        StoredContact(
                            request_item(0),
                            request_item(2 if update else 0),
                            ("full_name", "job_title"),
                        )
                    ],
                ),
                with_duplicate(ep.key, field, update_existing=update),
                frozenset({"batch", "duplicates"}),
            )

        def existing(ctx: CaseContext, update: bool = update) -> CaseRequest:
            old = ctx.contacts(LEADLEX_CREATE, 2)
            fresh = ctx.contacts(ep.key, 3)
            by_email = {
                "full_name": fresh[0]["full_name"],
                "email": old[0]["email"],
                "job_title": fresh[0]["job_title"],
            }
            by_phone = {"full_name": fresh[1]["full_name"], "phone": old[1]["phone"]}
            return batch_request(
                ctx,
                ep.key,
                [by_email, by_phone, fresh[2]],
                Setup(create_with=LEADLEX_CREATE, existing=tuple(old)),
                update_existing=update,
            )

        stored = (
            [
                StoredContact(request_item(0), request_item(0), ("full_name", "job_title")),
                StoredContact(request_item(1), request_item(1), ("full_name",)),
            ]
            if update
            else [
                StoredContact(request_item(0), setup_item(0), ("full_name", "job_title")),
                StoredContact(request_item(1), setup_item(1), ("full_name",)),
            ]
        )
        yield Draft(
            f"existing_contacts{flag or '_skipped'}",
            ep.key,
            "rows matching existing contacts, one by email and one by phone, "
            f"update_existing {update}",
            success(
                ep,
                Outcome.UPDATED if update else Outcome.SKIPPED,
                match_rule,
                Basis.DOCUMENTED,
                created=1,
                updated=2 * update,
                skipped=2 * (not update),
                stored=stored,
            ),
            existing,
            frozenset({"batch", "existing"}),
        )

    def case_insensitive(ctx: CaseContext) -> CaseRequest:
        old = ctx.contacts(LEADLEX_CREATE, 1)
        row = {**ctx.contacts(ep.key, 1)[0], "email": upper_local(old[0]["email"])}
        row.pop("phone", None)
        return batch_request(
            ctx,
            ep.key,
            [row],
            Setup(create_with=LEADLEX_CREATE, existing=tuple(old)),
            update_existing=True,
        )

    yield Draft(
        "existing_email_other_case",
        ep.key,
        "a row whose email matches an existing contact's but for letter case",
        success(
            ep,
            Outcome.UPDATED,
            spec_implied("Matching is by email (case insensitive) or else phone"),
            Basis.SPEC_IMPLIED,
            updated=1,
            stored=[StoredContact(request_item(0), request_item(0), ("full_name",))],
        ),
        case_insensitive,
        frozenset({"batch", "existing"}),
    )

    yield Draft(
        "invalid_among_valid",
        ep.key,
        "six rows, the fourth with a malformed email: the whole import is refused",
        rejected(
            ep,
            spec_implied(
                "A JSON row that breaks the ImportRow schema (wrong type, malformed email "
                "or linkedin_url) fails the request with 400 validation_error"
            ),
            Basis.SPEC_IMPLIED,
        ),
        mixed(ep.key, {3: {"email": "not-an-email"}}, {}),
        frozenset({"batch", "mixed"}),
    )
    yield Draft(
        "rows_missing_full_name",
        ep.key,
        "six rows, the second and fifth without full_name: reported per row",
        success(
            ep,
            Outcome.ROW_ERRORS,
            doc(ep, "for any failed rows", "Rows that were not imported")
            + " / "
            + spec_implied(
                "A row without full_name … is reported in errors[] (missing_required_field)"
            ),
            Basis.SPEC_IMPLIED,
            created=4,
            skipped=2,
            row_errors=[
                RowError(2, "missing_required_field"),
                RowError(5, "missing_required_field"),
            ],
        ),
        mixed(ep.key, {}, {1: "full_name", 4: "full_name"}),
        frozenset({"batch", "mixed"}),
    )

    def mixed_existing(ctx: CaseContext) -> CaseRequest:
        old = ctx.contacts(LEADLEX_CREATE, 1)
        fresh = ctx.contacts(ep.key, 3)
        match = {"full_name": fresh[0]["full_name"], "email": old[0]["email"]}
        broken = {k: v for k, v in fresh[1].items() if k != "full_name"}
        return batch_request(
            ctx,
            ep.key,
            [match, broken, fresh[2]],
            Setup(create_with=LEADLEX_CREATE, existing=tuple(old)),
        )

    yield Draft(
        "skipped_and_failed_rows",
        ep.key,
        "a row matching an existing contact (skipped), a row without full_name "
        "(failed) and a new row",
        success(
            ep,
            Outcome.ROW_ERRORS,
            spec_implied(
                "created_count + updated_count + skipped_count = number of rows: "
                "skipped_count counts skipped rows and rows listed in errors"
            ),
            Basis.SPEC_IMPLIED,
            created=1,
            skipped=2,
            row_errors=[RowError(2, "missing_required_field")],
        ),
        mixed_existing,
        frozenset({"batch", "mixed", "existing"}),
    )

    def both(ctx: CaseContext) -> CaseRequest:
        rows = ctx.contacts(ep.key, 2)
        csv = "full_name,email\n" + "".join(f"{r['full_name']},{r['email']}\n" for r in rows)
        return batch_request(ctx, ep.key, rows, csv=csv)

    yield Draft(
        "rows_and_csv",
        ep.key,
        "both rows and csv in one request",
        rejected(ep, spec_implied("Exactly one of rows/csv (both → 400)"), Basis.SPEC_IMPLIED),
        both,
        frozenset({"batch", "request"}),
    )

    def neither(ctx: CaseContext) -> CaseRequest:
        return CaseRequest(
            body={"update_existing": True, "tags": [ctx.contacts(ep.key, 1)[0]["tags"][0]]}
        )

    yield Draft(
        "neither_rows_nor_csv",
        ep.key,
        "no rows and no csv",
        rejected(ep, doc(ep, "Neither `rows` nor `csv` provided"), Basis.DOCUMENTED),
        neither,
        frozenset({"batch", "request"}),
    )

    def tags(ctx: CaseContext) -> CaseRequest:
        return batch_request(ctx, ep.key, ctx.contacts(ep.key, 3), tags=["imported", "fair-2024"])

    yield Draft(
        "tags_on_every_row",
        ep.key,
        "request-level tags for every row",
        success(
            ep,
            Outcome.ACCEPTED,
            doc(ep, "applied to every imported row"),
            Basis.DOCUMENTED,
            created=3,
        ),
        tags,
        frozenset({"batch", "request"}),
    )


def leadlex_batch_cases(catalog: Catalog) -> Iterator[Draft]:
    """The batch cases of the LeadLex endpoints the catalog has."""
    keys = {ep.key for ep in catalog.endpoints()}
    if LEADLEX_CREATE in keys:
        yield from _leadlex_create(catalog)
        if IMPORT in keys:
            yield from _import(catalog)
