"""The catalog holds every limit and error code the seeds state, and refuses bad specs."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from bulkbench.core.catalog import SPECS_DIR, CatalogError, load_catalog, load_provider

SEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"
DOC_SEEDS = Path(__file__).resolve().parents[2] / "docs" / "seeds"

# What the documentation pages state, written down once here to hold the specs to it:
# (endpoint, batch field, min, max, sync threshold, body bytes, required item fields,
#  identity keys, {status: codes}).
DOCUMENTED = [
    (
        "leadlex.bulk_create",
        "contacts",
        1,
        500,
        None,
        None,
        ("full_name",),
        (),
        {400: ("validation_error",), 403: ("insufficient_permissions",), 429: ("rate_limited",)},
    ),
    (
        "leadlex.import_contacts",
        "rows",
        1,
        None,
        500,
        20 * 1024 * 1024,
        (),
        ("email", "phone"),
        {
            400: ("validation_error",),
            401: ("invalid_key",),
            403: ("insufficient_permissions",),
            413: ("payload_too_large",),
            429: ("rate_limited",),
        },
    ),
    (
        "leadlex.add_to_list",
        "contact_ids",
        1,
        100,
        None,
        None,
        (),
        (),
        {
            400: ("validation_error",),
            401: ("invalid_key",),
            403: ("insufficient_permissions",),
            404: ("not_found",),
            429: ("rate_limited",),
        },
    ),
    (
        "datananas.bulk_create",
        "contacts",
        1,
        10_000,
        None,
        None,
        None,
        ("email",),
        {402: ("contact_connect_quotas", "contact_total_quotas")},
    ),
    (
        "sociocs.bulk_upsert",
        "records",
        1,
        10_000,
        None,
        None,
        ("phone_number",),
        ("phone_number",),
        {400: (), 401: (), 404: (), 429: ()},
    ),
]


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


DOCUMENTED += [
    ("hubspot.batch_create", "inputs", 1, 100, None, None, ("properties",), (),
     {400: ("VALIDATION_ERROR",), 403: ("MISSING_SCOPES",), 409: ("CONFLICT",)}),
    ("hubspot.batch_upsert", "inputs", 1, 100, None, None, ("id", "idProperty", "properties"),
     ("id",), {400: ("VALIDATION_ERROR",), 401: ("INVALID_AUTHENTICATION",
                                                   "EXPIRED_AUTHENTICATION")}),
]


@pytest.mark.parametrize("row", DOCUMENTED, ids=[r[0] for r in DOCUMENTED])
def test_documented_limits_and_codes(catalog, row):
    key, field, lo, hi, sync, body, required, identity, errors = row
    ep = catalog.endpoint(key)
    assert ep.documented
    assert ep.batch_field == field
    assert (ep.min_batch, ep.max_batch) == (lo, hi)
    if sync is not None:
        assert ep.sync_max_rows == sync
    if body is not None:
        assert ep.max_body_bytes == body
    if required is not None:
        assert set(required) <= set(ep.item_required)
    assert ep.identity_keys == identity
    for status, codes in errors.items():
        assert status in ep.statuses, f"{key}: status {status} missing"
        assert set(codes) <= set(ep.error_codes(status)), f"{key} {status}"
    seeds = SEEDS if ep.provider != "hubspot" else DOC_SEEDS  # HubSpot's in docs/seeds
    assert ep.doc_seed and (seeds / ep.doc_seed).exists() if seeds.exists() else ep.doc_seed


def test_five_documented_endpoints(catalog):
    keys = sorted(ep.key for ep in catalog.endpoints(documented_only=True))
    assert keys == sorted(r[0] for r in DOCUMENTED)


def test_leadlex_401_added_to_bulk_create(catalog):
    # the bulk-create page's error table forgets 401; the spec adds it (NOTES.md)
    assert catalog.endpoint("leadlex.bulk_create").error_codes(401) == ("invalid_key",)


def test_auth_styles(catalog):
    assert catalog.endpoint("leadlex.bulk_create").auth.style == "bearer"
    assert catalog.endpoint("leadlex.bulk_create").auth.key_prefix == "wbk_"
    assert catalog.endpoint("sociocs.bulk_upsert").auth.headers("k") == {"apikey": "k"}
    assert catalog.endpoint("datananas.bulk_create").auth.style == "oauth2"


def test_import_job_status_is_an_assumption(catalog):
    ep = catalog.endpoint("leadlex.import_job_status")
    assert not ep.documented
    assert ep.assumptions


def test_import_idempotency_header_and_rate_limit_headers(catalog):
    ep = catalog.endpoint("leadlex.import_contacts")
    assert "Idempotency-Key" in ep.request_headers
    for header in (
        "X-RateLimit-Limit",
        "X-RateLimit-Remaining",
        "X-RateLimit-Reset",
        "X-Request-ID",
    ):
        assert header in ep.response_headers


def test_every_limit_read_from_the_spec_text():
    # each documented limit in the catalog appears as a number in its spec file
    for ep in load_catalog().endpoints(documented_only=True):
        text = Path(SPECS_DIR / f"{ep.provider}.yaml").read_text()
        for value in (ep.max_batch, ep.sync_max_rows, ep.max_body_bytes):
            if value is not None:
                assert re.search(rf"\b{value}\b", text), (ep.key, value)


# --------------------------------------------------------------------------- changes


@pytest.fixture
def spec_copy(tmp_path):
    target = tmp_path / "specs"
    shutil.copytree(SPECS_DIR, target)
    return target


def _edit(path: Path, fn) -> None:
    doc = yaml.safe_load(path.read_text())
    fn(doc)
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))


def _batch_array(doc, path, field):
    schema = doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        schema = doc["components"]["schemas"][name]
    return schema["properties"][field]


def test_changed_limit_changes_the_catalog(spec_copy):
    spec = spec_copy / "leadlex.yaml"
    _edit(spec, lambda d: _batch_array(d, "/v1/contacts/bulk", "contacts").update(maxItems=250))
    assert load_catalog(spec_copy).endpoint("leadlex.bulk_create").max_batch == 250
    assert load_catalog().endpoint("leadlex.bulk_create").max_batch == 500


def test_malformed_yaml_names_file_and_line(spec_copy):
    spec = spec_copy / "sociocs.yaml"
    spec.write_text(spec.read_text() + "\n  broken: [unclosed\n")
    with pytest.raises(CatalogError) as info:
        load_provider(spec)
    assert "sociocs.yaml" in str(info.value)
    assert "line" in str(info.value)


def test_invalid_openapi_names_the_place(spec_copy):
    spec = spec_copy / "leadlex.yaml"
    _edit(spec, lambda d: d["paths"]["/v1/contacts/bulk"]["post"].pop("responses"))
    with pytest.raises(CatalogError) as info:
        load_provider(spec)
    message = str(info.value)
    assert "leadlex.yaml" in message and "/paths" in message


def test_missing_min_items_names_the_operation(spec_copy):
    spec = spec_copy / "leadlex.yaml"
    _edit(spec, lambda d: _batch_array(d, "/v1/lists/{id}/contacts", "contact_ids").pop("minItems"))
    with pytest.raises(CatalogError, match=r"leadlex\.yaml.*lists.*minItems"):
        load_provider(spec)


def test_batch_field_must_exist(spec_copy):
    spec = spec_copy / "sociocs.yaml"
    _edit(spec, lambda d: d["paths"]["/contacts/bulk"]["post"].update({"x-batch-field": "rows"}))
    with pytest.raises(CatalogError, match=r"sociocs\.yaml.*x-batch-field 'rows'"):
        load_provider(spec)


def test_envelope_is_pointers_not_a_name(spec_copy):
    """The envelope is the spec's JSON pointers: a name (the old closed list) is refused
    with the form to write, a pointer without its slash is named."""
    spec = spec_copy / "datananas.yaml"
    _edit(spec, lambda d: d.update({"x-bulkbench-error-envelope": "soap"}))
    with pytest.raises(CatalogError, match=r"x-bulkbench-error-envelope.*JSON pointers"):
        load_catalog(spec_copy)
    _edit(spec, lambda d: d.update({"x-bulkbench-error-envelope": {"code": "reason"}}))
    with pytest.raises(CatalogError, match=r"x-bulkbench-error-envelope/code.*'reason'"):
        load_catalog(spec_copy)


def test_a_spec_without_envelope_gets_the_generic_one(spec_copy):
    spec = spec_copy / "datananas.yaml"
    _edit(spec, lambda d: d.pop("x-bulkbench-error-envelope"))
    envelope = load_catalog(spec_copy).provider("datananas").error_envelope
    assert (envelope.code, envelope.message, envelope.details) == ("/code", "/message",
                                                                   "/details")


def test_empty_folder_refused(tmp_path):
    with pytest.raises(CatalogError, match=r"no \*\.yaml"):
        load_catalog(tmp_path)


def test_dangling_ref_names_the_reference(spec_copy):
    spec = spec_copy / "sociocs.yaml"
    _edit(spec, lambda d: d["components"]["schemas"].pop(next(iter(d["components"]["schemas"]))))
    with pytest.raises(
        CatalogError, match=r"sociocs\.yaml.*#/components/schemas/.*points at nothing"
    ):
        load_provider(spec)


def test_assumptions_include_shared_components(catalog):
    # the rate-limit headers are shared components; their assumption reaches the endpoint
    ep = catalog.endpoint("sociocs.bulk_upsert")
    shared = catalog.provider("sociocs").document["components"]["headers"]["RateLimitLimit"]
    assert shared["x-bulkbench-assumption"].strip() in ep.assumptions
    assert len(ep.assumptions) == len(set(ep.assumptions))


def test_websocket_and_webhooks_exposed(catalog):
    ws = catalog.endpoint("datananas.bulk_create").websocket
    assert ws is not None and "contact_bulk_create_starting" in ws["events"]
    assert "import.completed" in catalog.provider("leadlex").webhooks
    assert catalog.endpoint("leadlex.bulk_create").websocket is None


def test_required_response_headers(catalog):
    assert (
        "X-RateLimit-Remaining"
        in catalog.endpoint("leadlex.import_contacts").required_response_headers
    )
    assert (
        "X-RateLimit-Remaining"
        not in catalog.endpoint("sociocs.bulk_upsert").required_response_headers
    )
