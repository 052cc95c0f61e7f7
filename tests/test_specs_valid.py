"""The provider specs are valid OpenAPI 3.1 and load in the three places that read them.

1. ``openapi_spec_validator`` (OpenAPI 3.1 validator) accepts every document;
2. ``bulkbench.core.catalog.load_catalog`` turns them into providers and endpoints;
3. schemathesis 4.x (``schemathesis.openapi.from_path``) resolves every operation and
   draws one case from its schema and one from its examples.

It also checks the decisions every spec must follow (specs/README.md): rate-limit
and request-id headers on every response, Retry-After on 429, error codes on every error
response of a provider that has codes, and every example valid against its schema.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import schemathesis
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_spec_validator import OpenAPIV31SpecValidator
from schemathesis.core import NOT_SET
from schemathesis.core.result import Err

from bulkbench.core.catalog import SPECS_DIR, load_catalog, resolve_refs

SPEC_FILES = sorted(SPECS_DIR.glob("*.yaml"))
HTTP_METHODS = ("get", "put", "post", "delete", "patch")
RESPONSE_HEADERS = (
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
    "X-Request-ID",
)


def _load(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    assert isinstance(raw, dict)
    return raw


def _operations(raw: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in raw["paths"].items():
        for method, op in item.items():
            if method in HTTP_METHODS:
                yield path, method, op


def test_the_bundled_providers_have_specs() -> None:
    assert [p.stem for p in SPEC_FILES] == ["datananas", "hubspot", "leadlex", "sociocs"]


@pytest.mark.parametrize("path", SPEC_FILES, ids=lambda p: p.stem)
def test_spec_is_valid_openapi_31(path: Path) -> None:
    raw = _load(path)
    assert raw["openapi"].startswith("3.1")
    errors = [e.message for e in OpenAPIV31SpecValidator(raw).iter_errors()]
    assert errors == []


def test_specs_load_through_the_catalog() -> None:
    catalog = load_catalog()
    assert {p.name for p in catalog.providers} == {"leadlex", "datananas", "sociocs", "hubspot"}
    keys = {ep.key for ep in catalog.endpoints()}
    assert keys == {
        "leadlex.bulk_create",
        "leadlex.import_contacts",
        "leadlex.import_job_status",
        "leadlex.add_to_list",
        "datananas.bulk_create",
        "sociocs.bulk_upsert",
        "hubspot.batch_create",
        "hubspot.batch_upsert",
    }
    for ep in catalog.endpoints(documented_only=True):
        assert ep.doc_seed and ep.doc_sentences, ep.key
        assert ep.batch_field and ep.min_batch == 1, ep.key
        assert ep.auth is not None, ep.key
    assert catalog.endpoint("leadlex.import_job_status").documented is False


def _draw_one(strategy: st.SearchStrategy[Any]) -> Any:
    """One value of ``strategy``, drawn the way a test run would."""
    drawn: list[Any] = []

    @given(value=strategy)
    @settings(max_examples=1, database=None, deadline=None, suppress_health_check=list(HealthCheck))
    def draw(value: Any) -> None:
        drawn.append(value)

    draw()
    assert drawn
    return drawn[0]


@pytest.mark.parametrize("path", SPEC_FILES, ids=lambda p: p.stem)
def test_spec_loads_in_schemathesis(path: Path) -> None:
    schema = schemathesis.openapi.from_path(path)
    raw = _load(path)
    expected = {(method.upper(), p): op for p, method, op in _operations(raw)}
    seen = set()
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            pytest.fail(f"{path.name}: schemathesis cannot load an operation: {result.err()}")
        operation = result.ok()
        key = (operation.method.upper(), operation.path)
        seen.add(key)
        has_body = "requestBody" in expected[key]
        # A case generated from the schema: a broken body schema yields no body at all.
        case = _draw_one(operation.as_strategy())
        assert case.method.upper() == key[0]
        assert (case.body is not NOT_SET) == has_body, f"{operation.label}: body not generated"
        # A case built from the spec's own examples.
        examples = schema.get_strategies_from_examples(operation)
        assert examples, f"{operation.label}: no example to build a case from"
        case = _draw_one(st.one_of(examples))
        assert (case.body is not NOT_SET) == has_body, f"{operation.label}: example has no body"
    assert seen == set(expected)


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


@pytest.mark.parametrize("path", SPEC_FILES, ids=lambda p: p.stem)
def test_every_ref_resolves(path: Path) -> None:
    """Neither the 3.1 validator nor schemathesis reports a dangling local ``$ref``."""
    raw = _load(path)
    for ref in _refs(raw):
        assert ref.startswith("#/"), f"{path.name}: only local references: {ref}"
        target: Any = raw
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            assert isinstance(target, dict) and part in target, f"{path.name}: dangling {ref}"
            target = target[part]


@pytest.mark.parametrize("path", SPEC_FILES, ids=lambda p: p.stem)
def test_every_response_declares_the_headers_and_codes(path: Path) -> None:
    raw = _load(path)
    has_codes = bool((raw.get("x-bulkbench-error-envelope") or {}).get("code", "/code"))
    # a spec naming its own rate-limit headers declares those (HubSpot: X-HubSpot-*, no
    # reset, no X-Request-ID, NOTES H10); its 429 and 5xx bodies carry no code (H10, H11)
    named = (raw.get("x-bulkbench-rate-limit") or {}).get("headers")
    expected = (tuple(h for h in named.values() if h) if named else RESPONSE_HEADERS)
    without_codes = {"429", "500", "5XX"} if named else set()
    for p, method, op in _operations(raw):
        where = f"{method.upper()} {p}"
        assert op.get("operationId"), where
        for status, response in op["responses"].items():
            resolved = resolve_refs(response, raw)
            headers = resolved.get("headers", {})
            missing = [h for h in expected if h not in headers]
            assert not missing, f"{where} {status}: missing headers {missing}"
            if status == "429":
                assert "Retry-After" in headers, f"{where} 429: no Retry-After"
            if has_codes and str(status).isdigit() and int(status) >= 400 \
                    and status not in without_codes:
                assert resolved.get("x-error-codes"), f"{where} {status}: no x-error-codes"


def _examples(node: Any) -> Iterator[tuple[dict[str, Any], Any]]:
    """(schema, example value) for every media type or parameter that has both."""
    if isinstance(node, dict):
        if isinstance(node.get("schema"), dict):
            if "example" in node:
                yield node["schema"], node["example"]
            for ex in (node.get("examples") or {}).values():
                if isinstance(ex, dict) and "value" in ex:
                    yield node["schema"], ex["value"]
        for value in node.values():
            yield from _examples(value)
    elif isinstance(node, list):
        for value in node:
            yield from _examples(value)


@pytest.mark.parametrize("path", SPEC_FILES, ids=lambda p: p.stem)
def test_examples_match_their_schemas(path: Path) -> None:
    raw = _load(path)
    resolved = resolve_refs({k: raw[k] for k in ("paths", "webhooks") if k in raw}, raw)
    pairs = list(_examples(resolved))
    assert pairs
    checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
    for schema, value in pairs:
        jsonschema.Draft202012Validator(schema, format_checker=checker).validate(value)
