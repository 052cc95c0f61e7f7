"""Boundary cases: every :func:`~generators.boundaries.boundaries` entry of every batch
endpoint as a case with its expected outcome.

Sizes inside the limits are created (an import above ``x-sync-max-rows`` is queued);
sizes outside are 400; a body over ``x-max-body-bytes`` is 413. Ids for id-list
endpoints are setup contacts (:func:`~generators.edge_cases.list_cases.id_batch`); huge
bodies are streamed, never built whole.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping

from bulkbench.core.catalog import Catalog, Endpoint
from bulkbench.generators.boundaries import Boundary, boundaries
from bulkbench.generators.contact_templates import templates_for
from bulkbench.generators.edge_cases.building import (
    BAND,
    CaseContext,
    Draft,
    doc,
    queued,
    rejected,
    spec_implied,
    success,
)
from bulkbench.generators.edge_cases.list_cases import ID_SOURCES, id_batch
from bulkbench.generators.edge_cases.model import Basis, CaseRequest, Expected, Outcome
from bulkbench.generators.errors import GeneratorError
from bulkbench.generators.streaming import stream_sized_body

__all__ = ["boundary_cases"]

#: the documentation sentence (a fragment of it) that states each endpoint's limits.
_WITHIN: Mapping[str, str] = {
    "leadlex.bulk_create": "in a single request",
    "leadlex.import_contacts": "processed synchronously",
    "leadlex.add_to_list": "You can add up to",
    "datananas.bulk_create": "length between",
    "sociocs.bulk_upsert": "supposed to be an array of",
}
_ABOVE: Mapping[str, tuple[str, ...]] = {
    "leadlex.bulk_create": ("More than",),
    "datananas.bulk_create": ("length between",),
    "leadlex.add_to_list": ("will be rejected with a validation error",),
    "sociocs.bulk_upsert": ("supposed to be an array of", "Validation error"),
}
_BELOW: Mapping[str, tuple[str, ...]] = {
    "leadlex.bulk_create": ("Missing or invalid `contacts` array",),
    "datananas.bulk_create": ("length between",),
}
_TOO_LARGE: Mapping[str, tuple[str, ...]] = {
    "leadlex.import_contacts": ("Payload exceeds",),
}


def _limit_sentence(ep: Endpoint) -> str | None:
    """A documentation sentence the spec quotes that names the batch maximum (a batch up to
    it is then documented as accepted): ``… limited to 100 contacts or fewer``."""
    if ep.max_batch is None:
        return None
    numbers = {str(ep.max_batch), f"{ep.max_batch:,}"}
    return next((s for s in ep.doc_sentences
                 if numbers & set(re.findall(r"\d[\d,]*", s))), None)


def _source(ep: Endpoint, table: Mapping[str, tuple[str, ...]], reason: str) -> tuple[str, Basis]:
    if ep.key in table:
        return doc(ep, *table[ep.key]), Basis.DOCUMENTED
    return spec_implied(reason), Basis.SPEC_IMPLIED


def _created(ep: Endpoint, count: int, source: str, basis: Basis) -> Expected:
    if ep.sync_max_rows is not None and count > ep.sync_max_rows:
        return queued(ep, source, basis)
    if ep.key in ID_SOURCES:
        return success(
            ep, Outcome.ACCEPTED, source, basis, added=count, data={"contact_count": count}
        )
    return success(ep, Outcome.ACCEPTED, source, basis, created=count)


def _size_expected(ep: Endpoint, b: Boundary) -> Expected:
    assert b.size is not None
    if b.limit == "minItems" and not b.within:
        return rejected(
            ep,
            *_source(
                ep, _BELOW, f"minItems {ep.min_batch}: a smaller batch breaks the request schema"
            ),
        )
    if b.limit == "maxItems" and not b.within:
        return rejected(
            ep,
            *_source(
                ep, _ABOVE, f"maxItems {ep.max_batch}: a larger batch breaks the request schema"
            ),
        )
    limit = _limit_sentence(ep)
    within = (
        (doc(ep, _WITHIN[ep.key]), Basis.DOCUMENTED)
        if ep.key in _WITHIN
        else (limit, Basis.DOCUMENTED) if limit is not None
        else (spec_implied("the batch is within the request schema's limits"), Basis.SPEC_IMPLIED)
    )
    return _created(ep, b.size, *within)


def _body_expected(ep: Endpoint, b: Boundary) -> Expected:
    assert b.body_bytes is not None
    if not b.within:
        return rejected(
            ep,
            *_source(ep, _TOO_LARGE, f"x-max-body-bytes {ep.max_body_bytes}: a larger body is 413"),
            status=413,
        )
    source = spec_implied(
        f"x-max-body-bytes {ep.max_body_bytes}: a body of at most this "
        "many bytes is not refused for its size"
    )
    templates = templates_for(ep, 0)
    # fewest items the body can hold (seed 0's longest item, with a margin for other seeds)
    fewest = b.body_bytes // (2 * (templates.max_item_bytes() + 1))
    if ep.max_batch is not None and fewest >= ep.max_batch:
        return _created(ep, ep.max_batch, source, Basis.SPEC_IMPLIED)
    if ep.sync_max_rows is not None and fewest > ep.sync_max_rows:
        return queued(ep, source, Basis.SPEC_IMPLIED)
    return success(ep, Outcome.ACCEPTED, source, Basis.SPEC_IMPLIED)


def _size_builder(ep: Endpoint, size: int) -> Callable[[CaseContext], CaseRequest]:
    def build(ctx: CaseContext) -> CaseRequest:
        if ep.key in ID_SOURCES:
            return id_batch(ctx, ep.key, size)
        return CaseRequest(
            body={ep.batch_field: ctx.contacts(ep.key, size)}, batch_field=ep.batch_field
        )

    return build


def _body_builder(ep: Endpoint, total: int) -> Callable[[CaseContext], CaseRequest]:
    def build(ctx: CaseContext) -> CaseRequest:
        templates = templates_for(ep, ctx.seed)
        most = total // templates.min_item_bytes() + 1
        if ep.max_batch is not None:
            most = min(most, ep.max_batch)
        if most > BAND:
            raise GeneratorError(f"{ep.key}: a {total}-byte body needs more than {BAND} items")
        first, seed, tag = ctx.reserve(most), ctx.seed, ctx.run_tag
        return CaseRequest(
            stream=lambda: stream_sized_body(ep, total, seed, start=first, run_tag=tag),
            batch_field=ep.batch_field,
        )

    return build


def boundary_cases(catalog: Catalog) -> Iterator[Draft]:
    """The boundary cases of every batch endpoint of the catalog."""
    for ep in catalog.endpoints():
        if ep.batch_field is None:
            continue
        for b in boundaries(ep):
            if b.size is not None:
                yield Draft(
                    b.name,
                    ep.key,
                    b.title,
                    _size_expected(ep, b),
                    _size_builder(ep, b.size),
                    frozenset({"boundary", "size"}),
                )
            elif b.body_bytes is not None:
                yield Draft(
                    b.name,
                    ep.key,
                    b.title,
                    _body_expected(ep, b),
                    _body_builder(ep, b.body_bytes),
                    frozenset({"boundary", "body_size", "large"}),
                )
