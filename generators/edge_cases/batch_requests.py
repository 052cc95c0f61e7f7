"""Requests built from generated batches, for the batch cases of every provider: a batch
with a repeated identity value, a batch with broken items, and short names for the items
a stored-contact check points at.

Existing contacts are :class:`Setup` data: the contract suite creates them first with the
named endpoint, then sends the request.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bulkbench.generators.edge_cases.building import CaseContext
from bulkbench.generators.edge_cases.model import CaseRequest, ItemRef, Setup

__all__ = [
    "batch_request",
    "mixed",
    "request_item",
    "setup_item",
    "upper_local",
    "with_duplicate",
]


def request_item(i: int) -> ItemRef:
    return ItemRef("request", i)


def setup_item(i: int) -> ItemRef:
    return ItemRef("setup", i)


def upper_local(email: str) -> str:
    """``email`` with its local part in capitals (the same address to a case-blind match)."""
    local, _, domain = email.partition("@")
    return f"{local.upper()}@{domain}"


def batch_request(
    ctx: CaseContext,
    key: str,
    items: list[Any],
    setup: Setup | None = None,
    query: Mapping[str, Any] | None = None,
    **extras: Any,
) -> CaseRequest:
    """``{<batch field>: items, **extras}`` for endpoint ``key``."""
    ep = ctx.endpoint(key)
    assert ep.batch_field is not None
    return CaseRequest(
        body={ep.batch_field: items, **extras},
        batch_field=ep.batch_field,
        setup=setup or Setup(),
        query=dict(query or {}),
    )


def with_duplicate(key: str, field: str, **extras: Any) -> Callable[[CaseContext], CaseRequest]:
    """Three new items; the third carries the first one's ``field`` (its other fields its own)."""

    def build(ctx: CaseContext) -> CaseRequest:
        first, second, other = ctx.contacts(key, 3)
        return batch_request(ctx, key, [first, second, {**other, field: first[field]}], **extras)

    return build


def mixed(
    key: str, bad: Mapping[int, Mapping[str, Any]], drop: Mapping[int, str]
) -> Callable[[CaseContext], CaseRequest]:
    """Six items; items in ``bad`` get those field values, items in ``drop`` lose a field."""

    def build(ctx: CaseContext) -> CaseRequest:
        items = ctx.contacts(key, 6)
        for index, values in bad.items():
            items[index] = {**items[index], **values}
        for index, name in drop.items():
            items[index] = {k: v for k, v in items[index].items() if k != name}
        return batch_request(ctx, key, items)

    return build
