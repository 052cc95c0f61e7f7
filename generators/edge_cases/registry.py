"""The edge-case catalog: every case of every endpoint, named, numbered, looked up by name.

Cases are built from the spec catalog (limits, required fields, doc sentences), so a
changed spec gives changed cases. The order is fixed (field, batch, CSV, list, boundary,
identity cases); case number ``k`` draws its contacts from item indexes ``k * BAND`` on, which
keeps every case's contacts apart from every other's within one run.
"""

from __future__ import annotations

import importlib
import random
from collections.abc import Callable, Iterable

from bulkbench.core import providers
from bulkbench.core.catalog import Catalog, default_catalog
from bulkbench.generators.contact_templates import MAX_INDEX, check_run_tag, default_run_tag
from bulkbench.generators.edge_cases.boundary_cases import boundary_cases
from bulkbench.generators.edge_cases.building import BAND, CaseContext, Draft
from bulkbench.generators.edge_cases.csv_cases import csv_cases
from bulkbench.generators.edge_cases.field_cases import field_cases
from bulkbench.generators.edge_cases.identity_cases import identity_cases
from bulkbench.generators.edge_cases.list_cases import list_cases
from bulkbench.generators.edge_cases.model import Case, CaseRequest
from bulkbench.generators.errors import GeneratorError, UnknownCase

__all__ = ["edge_cases", "find_case", "provider_cases"]

#: a provider folder's edge cases: the catalog → its drafts.
ProviderCases = Callable[[Catalog], Iterable[Draft]]


def provider_cases(catalog: Catalog) -> list[ProviderCases]:
    """The edge-case builders of the catalog's providers' folders (``core/providers.py``:
    ``edge_cases = ["module:function", …]``), in the catalog's provider order."""
    makers: list[ProviderCases] = []
    for provider in catalog.providers:
        folder = providers.folder(provider.name)
        for name in folder.edge_cases if folder is not None else ():
            module, _, attr = name.partition(":")
            try:
                make = getattr(importlib.import_module(module), attr or "edge_cases")
            except (ImportError, AttributeError) as exc:
                raise GeneratorError(f"{provider.name}: edge cases {name!r}: {exc}") from exc
            makers.append(make)
    return makers

_BUILT: dict[int, tuple[Catalog, tuple[Case, ...]]] = {}


def _bind(catalog: Catalog, draft: Draft, name: str, number: int) -> Case:
    def build(seed: int, run_tag: int | None) -> CaseRequest:
        tag = check_run_tag(default_run_tag(seed) if run_tag is None else run_tag)
        ctx = CaseContext(catalog, seed, tag, number * BAND, random.Random(f"{seed}:{name}"))
        return draft.builder(ctx)

    return Case(
        name=name,
        endpoint=draft.endpoint,
        title=draft.title,
        expected=draft.expected,
        build=build,
        tags=draft.tags,
    )


def _number(catalog: Catalog, drafts: Iterable[Draft]) -> tuple[Case, ...]:
    cases: list[Case] = []
    seen: set[str] = set()
    for number, draft in enumerate(drafts):
        name = f"{draft.endpoint}.{draft.suffix}"
        if name in seen:
            raise GeneratorError(f"edge case {name!r} is defined twice")
        if (number + 1) * BAND > MAX_INDEX:
            raise GeneratorError(f"more than {MAX_INDEX // BAND} edge cases")
        seen.add(name)
        cases.append(_bind(catalog, draft, name, number))
    return tuple(cases)


def edge_cases(catalog: Catalog | None = None) -> tuple[Case, ...]:
    """Every edge case for ``catalog`` (default: the bundled specs), in a fixed order."""
    catalog = catalog if catalog is not None else default_catalog()
    built = _BUILT.get(id(catalog))
    if built is None or built[0] is not catalog:
        drafts = (
            *field_cases(catalog),
            *(draft for make in provider_cases(catalog) for draft in make(catalog)),
            *csv_cases(catalog),
            *list_cases(catalog),
            *boundary_cases(catalog),
            *identity_cases(catalog),  # last: the cases above keep their numbers
        )
        built = _BUILT[id(catalog)] = (catalog, _number(catalog, drafts))
    return built[1]


def find_case(name: str, catalog: Catalog | None = None, *, endpoint: str | None = None) -> Case:
    """The case called ``name`` (``leadlex.bulk_create.missing_full_name``), or with
    ``endpoint`` given, also its short name (``missing_full_name``)."""
    cases = edge_cases(catalog)
    for case in cases:
        if case.name == name or (endpoint and case.name == f"{endpoint}.{name}"):
            if endpoint and case.endpoint != endpoint:
                raise UnknownCase(name, f"it is a case of {case.endpoint}, not {endpoint}")
            return case
    hint = ""
    if endpoint:
        near = [c.name.removeprefix(endpoint + ".") for c in cases if c.endpoint == endpoint]
        hint = f"{endpoint} has {len(near)} cases" if near else f"{endpoint} has no cases"
    raise UnknownCase(name, hint)
