"""Deterministic, fast contact batches for every endpoint of the spec catalog.

* Valid batches of any size, unique within a run, the same bytes for the same seed:
  :func:`valid_body` / :func:`valid_body_bytes` (and the items alone), or a
  :class:`ContactRun` that hands out fresh contacts batch after batch.
* Large outputs as chunks: :func:`stream_batch` (JSON, NDJSON, CSV) and
  :func:`stream_sized_body` (a body of exactly N bytes).
* The boundaries the spec sets: :func:`boundaries`.
* The edge-case catalog: :func:`edge_cases` / :func:`find_case`, each :class:`Case` with
  its request builder and its :class:`Expected` outcome.
* Hypothesis strategies from the same pieces: :mod:`bulkbench.generators.strategies`.

Every limit comes from the catalog (``bulkbench.core.catalog``); nothing here writes one down.
"""

from bulkbench.generators.boundaries import Boundary, boundaries
from bulkbench.generators.contact_batches import (
    ContactRun,
    body_envelope,
    valid_body,
    valid_body_bytes,
    valid_item_bytes,
    valid_items,
)
from bulkbench.generators.contact_templates import MAX_INDEX, default_run_tag
from bulkbench.generators.edge_cases import (
    Basis,
    Case,
    CaseRequest,
    Expected,
    ItemRef,
    Outcome,
    Ref,
    RowError,
    Setup,
    StoredContact,
    edge_cases,
    find_case,
    resolve_refs,
)
from bulkbench.generators.errors import (
    GeneratorError,
    NotABatchEndpoint,
    UnknownCase,
    UnsupportedFormat,
)
from bulkbench.generators.schema_validation import request_errors, request_is_valid, schema_accepts
from bulkbench.generators.streaming import CHUNK_BYTES, FORMATS, stream_batch, stream_sized_body

__all__ = [
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
]
