"""The pieces every case module builds with: the build context, drafts, and expectations.

A case module returns :class:`Draft` objects; the registry numbers them and turns each
into a :class:`~generators.edge_cases.model.Case`. Case number ``k`` draws its contacts
from item indexes ``k * BAND`` onwards, so no two cases of one run share a contact unless
a case asks for a collision.

Expectations are made with :func:`success` and :func:`rejected` (which read each
endpoint's counter names, status codes and error codes from the catalog), and
their sources with :func:`doc` (a sentence the spec quotes from the documentation — a
missing sentence is an error, so a spec edit cannot leave a stale quote) or
:func:`spec_implied`.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bulkbench.core.catalog import Catalog, Endpoint
from bulkbench.generators.contact_batches import valid_items
from bulkbench.generators.edge_cases.model import (
    Basis,
    CaseRequest,
    Expected,
    Outcome,
    Ref,
    RowError,
    StoredContact,
)
from bulkbench.generators.errors import GeneratorError
from bulkbench.generators.item_shapes import Profile
from bulkbench.generators.schema_validation import request_errors

__all__ = [
    "BAND",
    "Builder",
    "CaseContext",
    "Draft",
    "doc",
    "placeholder_ids",
    "probe",
    "queued",
    "rejected",
    "schema_verdict",
    "spec_implied",
    "success",
]

#: item indexes reserved for each case (a 20 MiB body of the smallest items fits).
BAND = 1 << 18

@dataclass
class CaseContext:
    """What a builder gets: the catalog, the seed, and unique contacts from the case's band."""

    catalog: Catalog
    seed: int
    run_tag: int
    first_index: int
    rng: random.Random
    used: int = 0

    def endpoint(self, key: str) -> Endpoint:
        return self.catalog.endpoint(key)

    def reserve(self, count: int) -> int:
        """Reserve ``count`` item indexes of the case's band; return the first."""
        if self.used + count > BAND:
            raise GeneratorError(f"a case may use at most {BAND} items")
        first = self.first_index + self.used
        self.used += count
        return first

    def contacts(self, key: str, count: int, profile: Profile = "full") -> list[Any]:
        """``count`` valid, unique items of endpoint ``key`` (each call gives new ones)."""
        return valid_items(
            self.endpoint(key),
            count,
            self.seed,
            start=self.reserve(count),
            run_tag=self.run_tag,
            profile=profile,
        )


Builder = Callable[[CaseContext], CaseRequest]


@dataclass(frozen=True)
class Draft:
    """A case before the registry names and numbers it: ``<endpoint>.<suffix>``."""

    suffix: str
    endpoint: str
    title: str
    expected: Expected
    builder: Builder
    tags: frozenset[str] = field(default_factory=frozenset)


def doc(endpoint: Endpoint, *fragments: str) -> str:
    """The documentation sentences (as the spec quotes them) containing each fragment."""
    found = []
    for fragment in fragments:
        match = next((s for s in endpoint.doc_sentences if fragment in s), None)
        if match is None:
            raise GeneratorError(
                f"{endpoint.key}: the spec quotes no documentation sentence containing {fragment!r}"
            )
        found.append(match)
    return " / ".join(found)


def spec_implied(reason: str) -> str:
    return f"spec-implied: {reason}"


def success(
    endpoint: Endpoint,
    outcome: Outcome,
    source: str,
    basis: Basis,
    *,
    created: int = 0,
    updated: int = 0,
    skipped: int = 0,
    added: int = 0,
    data: Mapping[str, Any] | None = None,
    row_errors: Sequence[RowError] = (),
    stored: Sequence[StoredContact] = (),
) -> Expected:
    """A success of ``endpoint`` with the counters it reports, by the provider's names
    (the spec's ``x-bulkbench-counters``; none: the success is judged without counts) and
    the fields it always carries (``x-bulkbench-success-fields``)."""
    values = {"created": created, "updated": updated, "skipped": skipped, "added": added}
    counts = {name: values[kind] for kind, name in endpoint.counters.items()}
    return Expected(
        outcome=outcome,
        status=endpoint.success_status,
        source=source,
        basis=basis,
        counts=counts,
        data={**endpoint.success_fields, **(data or {})},
        row_errors=tuple(row_errors),
        stored=tuple(stored),
    )


def queued(endpoint: Endpoint, source: str, basis: Basis) -> Expected:
    """A queued import: success with ``status: queued``; the counts come later."""
    return Expected(
        outcome=Outcome.QUEUED,
        status=endpoint.success_status,
        source=source,
        basis=basis,
        data={"status": "queued"},
    )


def rejected(
    endpoint: Endpoint,
    source: str,
    basis: Basis,
    *,
    status: int = 400,
    details: Mapping[str, Any] | None = None,
) -> Expected:
    """An error response of ``endpoint``; the code is the one the spec gives ``status``."""
    if status not in endpoint.statuses:
        raise GeneratorError(f"{endpoint.key}: the spec documents no {status} response")
    codes = endpoint.error_codes(status)
    return Expected(
        outcome=Outcome.REJECTED,
        status=status,
        source=source,
        basis=basis,
        code=codes[0] if codes else None,
        details=dict(details or {}),
    )


def probe(catalog: Catalog, builder: Builder) -> CaseRequest:
    """The request ``builder`` makes for seed 0: what seed-independent expectations are
    decided on."""
    return builder(CaseContext(catalog, 0, 100, 0, random.Random(0)))


def schema_verdict(catalog: Catalog, endpoint: Endpoint, builder: Builder) -> list[str]:
    """Why the spec's request schema rejects the case's body for seed 0 ([] if it accepts).

    Placeholders are filled with well-formed UUIDs: only the literal values are judged.
    """
    request = probe(catalog, builder)
    return request_errors(endpoint, request.json(placeholder_ids(request.refs())))


def placeholder_ids(refs: Sequence[Ref]) -> dict[Ref, str]:
    """Well-formed stand-in ids for ``refs`` (for validating a body before a run)."""
    return {ref: f"00000000-0000-4000-8000-{n:012d}" for n, ref in enumerate(refs)}
