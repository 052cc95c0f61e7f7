"""The package's public surface is what the other stages are told to use."""

from __future__ import annotations

from bulkbench import generators
from bulkbench.generators import edge_cases, strategies  # noqa: F401

EXPECTED = {
    "CHUNK_BYTES",
    "FORMATS",
    "MAX_INDEX",
    "Basis",
    "Boundary",
    "Case",
    "CaseRequest",
    "ContactRun",
    "Expected",
    "GeneratorError",
    "ItemRef",
    "NotABatchEndpoint",
    "Outcome",
    "Ref",
    "RowError",
    "Setup",
    "StoredContact",
    "UnknownCase",
    "UnsupportedFormat",
    "body_envelope",
    "boundaries",
    "default_run_tag",
    "edge_cases",
    "find_case",
    "request_errors",
    "request_is_valid",
    "resolve_refs",
    "schema_accepts",
    "stream_batch",
    "stream_sized_body",
    "valid_body",
    "valid_body_bytes",
    "valid_item_bytes",
    "valid_items",
}


def test_public_names() -> None:
    assert set(generators.__all__) == EXPECTED
    assert all(hasattr(generators, name) for name in generators.__all__)
    assert set(generators.strategies.__all__) == {
        "invalid_bodies",
        "invalid_items",
        "name_text",
        "valid_bodies",
        "valid_items_of",
    }


def test_errors_are_bulkbench_errors() -> None:
    from bulkbench.core.errors import BulkbenchError

    for error in (
        generators.GeneratorError,
        generators.NotABatchEndpoint,
        generators.UnknownCase,
        generators.UnsupportedFormat,
    ):
        assert issubclass(error, BulkbenchError)
