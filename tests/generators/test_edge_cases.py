"""The edge-case catalog: complete, deterministic, consistent with the spec it quotes."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from itertools import islice
from typing import Any

import orjson
import pytest

from bulkbench.core.catalog import Catalog
from bulkbench.generators import (
    Basis,
    Case,
    CaseRequest,
    GeneratorError,
    Outcome,
    Ref,
    UnknownCase,
    edge_cases,
    find_case,
    request_is_valid,
    schema_accepts,
)
from bulkbench.generators.edge_cases.building import placeholder_ids

CASES = edge_cases()
SMALL = [c for c in CASES if "large" not in c.tags]
LARGE = [c for c in CASES if "large" in c.tags]


def _fingerprint(request: CaseRequest) -> bytes:
    ids = placeholder_ids(request.refs())
    return orjson.dumps(
        [
            request.content(ids).decode(),
            request.setup.existing,
            request.setup.other_workspace,
            request.setup.in_list,
            dict(request.query),
            dict(request.headers),
        ]
    )


def _json_body(case: Case, seed: int = 0) -> tuple[CaseRequest, Any]:
    request = case.request(seed)
    return request, request.json(placeholder_ids(request.refs()))


def test_names_are_unique_and_every_outcome_is_one_the_spec_documents(catalog: Catalog) -> None:
    assert len({c.name for c in CASES}) == len(CASES) > 200
    for case in CASES:
        ep = catalog.endpoint(case.endpoint)
        assert case.name.startswith(f"{case.endpoint}.")
        assert case.expected.status in ep.statuses, case.name
        codes = ep.error_codes(case.expected.status)
        assert case.expected.code == (codes[0] if codes else None), case.name
        assert (case.expected.outcome == Outcome.REJECTED) == (case.expected.status >= 400)


#: what the issue asks the catalog to cover, as case names.
REQUIRED = [
    "leadlex.bulk_create.missing_full_name",
    "sociocs.bulk_upsert.missing_phone_number",
    "datananas.bulk_create.missing_email",
    "leadlex.import_contacts.missing_full_name",
    "leadlex.bulk_create.full_name_wrong_type",
    "leadlex.bulk_create.email_wrong_type",
    "leadlex.bulk_create.full_name_empty",
    "leadlex.bulk_create.full_name_long",
    "leadlex.bulk_create.email_invalid",
    "leadlex.bulk_create.email_internationalised",
    "sociocs.bulk_upsert.phone_number_with_plus",
    "sociocs.bulk_upsert.phone_number_without_plus",
    "sociocs.bulk_upsert.phone_number_spaces",
    "sociocs.bulk_upsert.phone_number_dashes",
    "sociocs.bulk_upsert.phone_number_too_short",
    "leadlex.bulk_create.linkedin_url_invalid",
    "datananas.bulk_create.linkedinUrl_invalid",
    "sociocs.bulk_upsert.name_cjk",
    "leadlex.bulk_create.full_name_rtl_arabic",
    "datananas.bulk_create.firstName_emoji",
    "leadlex.bulk_create.full_name_combining",
    "leadlex.bulk_create.full_name_zero_width",
    "leadlex.bulk_create.full_name_control_chars",
    "leadlex.bulk_create.custom_fields_nested",
    "sociocs.bulk_upsert.extra_fields_nested",
    "datananas.bulk_create.vars_nested",
    "leadlex.bulk_create.tags_duplicated",
    "leadlex.bulk_create.duplicate_emails_in_batch",
    "leadlex.bulk_create.duplicate_phones_in_batch",
    "leadlex.import_contacts.duplicate_emails_in_batch",
    "leadlex.import_contacts.duplicate_phones_in_batch",
    "datananas.bulk_create.duplicate_emails_in_batch",
    "sociocs.bulk_upsert.duplicate_phone_numbers_in_batch",
    "leadlex.import_contacts.existing_contacts_skipped",
    "leadlex.import_contacts.existing_contacts_update_existing",
    "sociocs.bulk_upsert.existing_contact_replaced",
    "datananas.bulk_create.existing_contact_updated",
    "leadlex.import_contacts.rows_missing_full_name",
    "leadlex.bulk_create.invalid_among_valid",
    "leadlex.import_contacts.csv_header_and_mapping",
    "leadlex.import_contacts.csv_without_header",
    "leadlex.import_contacts.csv_unknown_columns",
    "leadlex.import_contacts.csv_mapping_not_object",
    "leadlex.import_contacts.csv_bom",
    "leadlex.import_contacts.csv_crlf",
    "leadlex.import_contacts.csv_quoted_commas_newlines_quotes",
    "leadlex.import_contacts.csv_semicolon_delimiter",
    "leadlex.import_contacts.csv_blank_lines",
    "leadlex.import_contacts.csv_ragged_rows",
    "leadlex.import_contacts.csv_formula_injection",
    "leadlex.add_to_list.id_not_a_uuid",
    "leadlex.add_to_list.id_of_other_workspace",
    "leadlex.add_to_list.duplicate_ids_in_request",
    "leadlex.add_to_list.already_in_list",
    "leadlex.add_to_list.size_max",
    "leadlex.add_to_list.size_max_plus_1",
    "leadlex.bulk_create.size_min_minus_1",
    "leadlex.bulk_create.body_over_limit",
    "leadlex.import_contacts.size_sync_max_plus_1",
    "leadlex.import_contacts.body_under_limit",
]


def test_the_catalog_covers_what_the_issue_lists() -> None:
    names = {c.name for c in CASES}
    assert [n for n in REQUIRED if n not in names] == []


def test_csv_formula_injection_cell_is_the_one_the_issue_names() -> None:
    body = find_case("leadlex.import_contacts.csv_formula_injection").request(0).json()
    assert "=cmd|' /C calc'!A0" in body["csv"]


@pytest.mark.parametrize("case", SMALL, ids=lambda c: c.name)
def test_same_seed_same_request_other_seed_other_request(case: Case) -> None:
    first = _fingerprint(case.request(5))
    assert _fingerprint(case.request(5)) == first
    request = case.request(6)
    body = request.json(placeholder_ids(request.refs()))
    has_data = bool(request.setup.existing) or (
        isinstance(body, dict) and (body.get("csv") or body.get(request.batch_field or ""))
    )
    if has_data:
        assert _fingerprint(request) != first


@pytest.mark.parametrize("case", LARGE, ids=lambda c: c.name)
def test_large_bodies_are_deterministic_and_exactly_sized(catalog: Catalog, case: Case) -> None:
    ep = catalog.endpoint(case.endpoint)
    head = b"".join(islice(case.request(5).chunks(), 3))
    assert b"".join(islice(case.request(5).chunks(), 3)) == head
    assert b"".join(islice(case.request(6).chunks(), 3)) != head
    total = sum(len(c) for c in case.request(5).chunks())
    assert ep.max_body_bytes is not None
    assert (
        total - ep.max_body_bytes
        == {"body_under_limit": -1, "body_at_limit": 0, "body_over_limit": 1}[
            case.name.rsplit(".", 1)[1]
        ]
    )


def test_sources_quote_the_spec_or_say_spec_implied(catalog: Catalog) -> None:
    for case in CASES:
        ep = catalog.endpoint(case.endpoint)
        parts = case.expected.source.split(" / ")
        if case.expected.basis == Basis.DOCUMENTED:
            assert all(p in ep.doc_sentences for p in parts), case.name
        else:
            assert any(p.startswith("spec-implied: ") for p in parts), case.name
            assert all(p in ep.doc_sentences or p.startswith("spec-implied: ") for p in parts), (
                case.name
            )


@pytest.mark.parametrize("case", SMALL, ids=lambda c: c.name)
def test_the_request_schema_agrees_with_the_expected_outcome(catalog: Catalog, case: Case) -> None:
    """A 400 the schema can see is a body the schema rejects; a success is a valid body."""
    ep = catalog.endpoint(case.endpoint)
    request, body = _json_body(case)
    if request.raw is not None or request.stream is not None:
        return
    valid = request_is_valid(ep, body)
    if case.expected.status == 400 and "semantic" not in case.tags:
        assert not valid
    elif case.expected.status < 300:
        assert valid


def test_no_two_cases_of_a_run_share_a_contact(catalog: Catalog) -> None:
    """Every identity value a case writes (email, phone, id) belongs to that case only."""
    owners: dict[str, set[str]] = defaultdict(set)
    for case in SMALL:
        if case.expected.status >= 300:
            continue
        request, body = _json_body(case, seed=3)
        items: list[Any] = [
            *request.setup.existing,
            *request.setup.other_workspace,
            *(request.items or ()),
        ]
        if isinstance(body, dict) and isinstance(body.get(request.batch_field or ""), list):
            items += body[request.batch_field or ""]
        props = (catalog.endpoint(case.endpoint).item_schema or {}).get("properties") or {}
        for item in items:
            if not isinstance(item, dict):
                continue
            for key in ("email", "phone", "phone_number"):
                value = item.get(key)
                if isinstance(value, str) and schema_accepts(props.get(key, {}), value):
                    owners[f"{key}={value}"].add(case.name)
    shared = {v: names for v, names in owners.items() if len(names) > 1}
    assert owners and shared == {}


def test_row_counts_add_up_to_the_rows_sent() -> None:
    for case in SMALL:
        counts = case.expected.counts
        if "created_count" not in counts or case.expected.data.get("status") != "completed":
            continue
        _, body = _json_body(case)
        if "rows" in body:
            rows = len(body["rows"])
        else:
            records = [
                r
                for r in csv.reader(io.StringIO(body["csv"].removeprefix("\ufeff"), newline=""))
                if any(r)
            ]
            rows = len(records) - (1 if body.get("has_header", True) else 0)
        assert sum(counts.values()) == rows, case.name
        assert counts["skipped_count"] >= len(case.expected.row_errors), case.name
        for error in case.expected.row_errors:
            assert 1 <= error.row_number <= rows
            if "rows" in body and error.code == "missing_required_field":
                assert "full_name" not in body["rows"][error.row_number - 1]


def test_placeholders_name_setup_contacts() -> None:
    for case in SMALL:
        request = case.request(0)
        for ref in request.refs():
            group = (
                request.setup.existing if ref.group == "existing" else request.setup.other_workspace
            )
            assert 0 <= ref.index < len(group), case.name
        for stored in case.expected.stored:
            found = request.item(stored.find)
            assert isinstance(found, dict), case.name
    ids_case = find_case("leadlex.add_to_list.size_max")
    request = ids_case.request(0)
    ids = {ref: f"id-{ref.index}" for ref in request.refs()}
    assert request.json(ids)["contact_ids"][-1] == f"id-{len(ids) - 1}"
    with pytest.raises(GeneratorError, match="no id given"):
        request.json({})
    assert find_case("leadlex.add_to_list.id_of_other_workspace").expected.details == {
        "invalid_ids": [Ref("other_workspace", 0)]
    }


def test_cases_are_found_by_full_or_short_name() -> None:
    case = find_case("missing_phone_number", endpoint="sociocs.bulk_upsert")
    assert case is find_case("sociocs.bulk_upsert.missing_phone_number")
    with pytest.raises(UnknownCase):
        find_case("no_such_case")
    with pytest.raises(UnknownCase, match=r"not leadlex\.bulk_create"):
        find_case("sociocs.bulk_upsert.missing_phone_number", endpoint="leadlex.bulk_create")
