"""The edge-case catalog: named requests for each endpoint with the outcome the docs (or,
where they are silent, the spec) say they must get. See ``model`` for the data types and
``registry`` for the catalog itself."""

from bulkbench.generators.edge_cases.model import (
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
    resolve_refs,
)
from bulkbench.generators.edge_cases.registry import edge_cases, find_case

__all__ = [
    "Basis",
    "Case",
    "CaseRequest",
    "Expected",
    "ItemRef",
    "Outcome",
    "Ref",
    "RowError",
    "Setup",
    "StoredContact",
    "edge_cases",
    "find_case",
    "resolve_refs",
]
