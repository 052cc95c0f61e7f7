"""Hypothesis strategies built from the same pieces as the seeded generators.

A valid item is a generated contact (``valid_items``) for a drawn seed and index, with
its name field optionally replaced by arbitrary Unicode text; an invalid item is a valid
one with one of the field-case variants applied (or a required field removed) that the
item schema rejects. Batches put them into the endpoint's envelope, sized within (or, for
:func:`invalid_bodies`, just outside) the catalog's limits. Everything is checked against
the same schemas, so the strategies follow the spec like the rest of the generators.

Seeds are drawn from a small range: each seed's Faker pools are built once and cached.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from hypothesis import strategies as st

from bulkbench.core.catalog import Endpoint
from bulkbench.generators.contact_batches import valid_items
from bulkbench.generators.contact_templates import MAX_INDEX
from bulkbench.generators.edge_cases.field_cases import VARIANTS, Variant, role_field
from bulkbench.generators.errors import NotABatchEndpoint
from bulkbench.generators.schema_validation import schema_accepts

__all__ = [
    "invalid_bodies",
    "invalid_items",
    "name_text",
    "valid_bodies",
    "valid_items_of",
]

#: seeds the strategies draw from (each costs one Faker pool build, then is cached).
SEEDS = 4
#: largest batch the strategies draw unless told otherwise (keeps examples fast).
DEFAULT_MAX_SIZE = 25

_MISSING = object()


def _item_schema(endpoint: Endpoint) -> Mapping[str, Any]:
    if endpoint.batch_field is None or endpoint.item_schema is None:
        raise NotABatchEndpoint(endpoint.key)
    return endpoint.item_schema


def name_text() -> st.SearchStrategy[str]:
    """Non-empty Unicode text: any script, emoji, combining and zero-width characters
    (surrogates excluded: they cannot be encoded as UTF-8)."""
    return st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=60)


def valid_items_of(endpoint: Endpoint, *, unicode_names: bool = True) -> st.SearchStrategy[Any]:
    """One valid item of ``endpoint``; its name field may hold arbitrary Unicode text."""
    schema = _item_schema(endpoint)
    base = st.builds(
        lambda seed, index: valid_items(endpoint, 1, seed, start=index)[0],
        st.integers(0, SEEDS - 1),
        st.integers(0, MAX_INDEX - 1),
    )
    name = role_field(endpoint, "name")
    if not unicode_names or name is None:
        return base
    prop = (schema.get("properties") or {}).get(name, {})
    renamed = st.tuples(base, name_text()).map(lambda pair: {**pair[0], name: pair[1]})
    return st.one_of(base, renamed.filter(lambda item: schema_accepts(prop, item[name])))


def _breakers(endpoint: Endpoint) -> list[tuple[str, Callable[[Any], Any]]]:
    """``(field, item → value)`` changes that make any valid item invalid for the schema."""
    schema = _item_schema(endpoint)
    props: Mapping[str, Any] = schema.get("properties") or {}
    sample = valid_items(endpoint, 1, 0)[0]
    found: list[tuple[str, Callable[[Any], Any]]] = [
        (name, lambda _item: _MISSING) for name in endpoint.item_required
    ]
    for variant in VARIANTS:
        field = role_field(endpoint, variant.role)
        if field is None:
            continue
        prop = props.get(field, {})
        if not schema_accepts(prop, variant.value(sample, prop)):
            found.append((field, _applying(variant, prop)))
    return found


def _applying(variant: Variant, prop: Mapping[str, Any]) -> Callable[[Any], Any]:
    return lambda item: variant.value(item, prop)


def _broken(item: Mapping[str, Any], field: str, value: Any) -> dict[str, Any]:
    if value is _MISSING:
        return {k: v for k, v in item.items() if k != field}
    return {**item, field: value}


def invalid_items(endpoint: Endpoint) -> st.SearchStrategy[Any]:
    """One item ``endpoint``'s item schema rejects: a valid item with one field broken
    (a required field removed, a wrong type, a malformed email, phone or URL ...)."""
    schema = _item_schema(endpoint)
    if schema.get("type") == "string":  # ids: anything that is not one
        malformed = ["not-a-real-uuid", "", "123e4567e89b42d3a456426614174000"]
        return st.one_of(st.sampled_from(malformed), st.integers(), st.none())
    breakers = _breakers(endpoint)
    return st.builds(
        lambda item, pick: _broken(item, pick[0], pick[1](item)),
        valid_items_of(endpoint, unicode_names=False),
        st.sampled_from(breakers),
    )


def _sizes(endpoint: Endpoint, max_size: int) -> tuple[int, int]:
    low = max(endpoint.min_batch or 0, 0)
    high = min(endpoint.max_batch if endpoint.max_batch is not None else max_size, max_size)
    return low, max(low, high)


def valid_bodies(
    endpoint: Endpoint, *, max_size: int = DEFAULT_MAX_SIZE, extras: Mapping[str, Any] | None = None
) -> st.SearchStrategy[dict[str, Any]]:
    """A valid request body: ``min_batch`` .. ``min(max_batch, max_size)`` unique items
    (some with Unicode names), in the endpoint's envelope."""
    low, high = _sizes(endpoint, max_size)
    field = endpoint.batch_field
    assert field is not None

    def body(seed: int, start: int, size: int, names: Sequence[str]) -> dict[str, Any]:
        items = valid_items(endpoint, size, seed, start=start)
        name = role_field(endpoint, "name")
        if name is not None:
            for i, text in zip(range(0, size, 3), names, strict=False):
                items[i] = {**items[i], name: text}
        return {field: items, **(extras or {})}

    return st.builds(
        body,
        st.integers(0, SEEDS - 1),
        st.integers(0, MAX_INDEX - high - 1),
        st.integers(low, high),
        st.lists(name_text(), max_size=high),
    )


def invalid_bodies(
    endpoint: Endpoint, *, max_size: int = DEFAULT_MAX_SIZE
) -> st.SearchStrategy[dict[str, Any]]:
    """A body the request schema rejects: a valid body with one item broken, or with a
    batch one item below the minimum (and one above the maximum when that stays small)."""
    field = endpoint.batch_field
    assert field is not None

    def with_bad(body: dict[str, Any], bad: Any, where: int) -> dict[str, Any]:
        items = list(body[field])
        if endpoint.max_batch is not None and len(items) >= endpoint.max_batch:
            items[where % len(items)] = bad
        else:
            items.insert(where % (len(items) + 1), bad)
        return {**body, field: items}

    one_bad = st.builds(
        with_bad,
        valid_bodies(endpoint, max_size=max_size),
        invalid_items(endpoint),
        st.integers(0, max_size),
    )
    options = [one_bad]
    low = endpoint.min_batch or 0
    if low >= 1:
        options.append(
            st.builds(
                lambda seed: {field: valid_items(endpoint, low - 1, seed)},
                st.integers(0, SEEDS - 1),
            )
        )
    if endpoint.max_batch is not None and endpoint.max_batch < 1000:
        top = endpoint.max_batch + 1
        options.append(
            st.builds(
                lambda seed: {field: valid_items(endpoint, top, seed)}, st.integers(0, SEEDS - 1)
            )
        )
    return st.one_of(options)
