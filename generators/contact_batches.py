"""Valid request bodies of any size for any batch endpoint, as dicts or as JSON bytes.

The body is ``{<batch field>: [items...], **extras}``: the batch field comes from the
catalog, the extras (``update_existing``, ``list_id``, ...) from the caller. Both paths
give the same body: ``orjson.dumps(valid_body(...)) == valid_body_bytes(...)``.

:class:`ContactRun` hands out consecutive index ranges, so that every batch of one run,
whatever the endpoint, holds contacts no other batch of the run holds. The plain
functions take an explicit ``start`` instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from bulkbench.core.catalog import Endpoint
from bulkbench.generators.contact_templates import (
    MAX_INDEX,
    check_run_tag,
    default_run_tag,
    templates_for,
)
from bulkbench.generators.errors import GeneratorError, NotABatchEndpoint
from bulkbench.generators.item_shapes import Profile

__all__ = [
    "ContactRun",
    "body_envelope",
    "valid_body",
    "valid_body_bytes",
    "valid_item_bytes",
    "valid_items",
]

_SLOT = "~~BATCH~~"


def _batch_field(endpoint: Endpoint, extras: Mapping[str, Any] | None = None) -> str:
    if endpoint.batch_field is None:
        raise NotABatchEndpoint(endpoint.key)
    if extras and endpoint.batch_field in extras:
        raise GeneratorError(f"extras may not set the batch field {endpoint.batch_field!r}")
    return endpoint.batch_field


def body_envelope(
    endpoint: Endpoint, extras: Mapping[str, Any] | None = None
) -> tuple[bytes, bytes]:
    """The JSON bytes before and after the batch array (``{"rows":`` and ``,"tags":[..]}``)."""
    field = _batch_field(endpoint, extras)
    raw = orjson.dumps({field: _SLOT, **(extras or {})})
    prefix, _, suffix = raw.partition(orjson.dumps(_SLOT))
    return prefix, suffix


def valid_items(
    endpoint: Endpoint,
    size: int,
    seed: int = 0,
    *,
    start: int = 0,
    run_tag: int | None = None,
    profile: Profile = "full",
    names: Mapping[str, str] | None = None,
) -> list[Any]:
    """``size`` valid, unique items (contacts, records or ids) as Python objects; ``names``
    renames fields the page leaves unnamed (``field_names``: spec name → provider name)."""
    tag = check_run_tag(default_run_tag(seed) if run_tag is None else run_tag)
    return templates_for(endpoint, seed, profile, names).item_dicts(start, size, tag)


def valid_item_bytes(
    endpoint: Endpoint,
    size: int,
    seed: int = 0,
    *,
    start: int = 0,
    run_tag: int | None = None,
    profile: Profile = "full",
    names: Mapping[str, str] | None = None,
) -> list[bytes]:
    """The same items as :func:`valid_items`, each already serialised to JSON bytes."""
    tag = check_run_tag(default_run_tag(seed) if run_tag is None else run_tag)
    return templates_for(endpoint, seed, profile, names).item_bytes(start, size, tag)


def valid_body(
    endpoint: Endpoint,
    size: int,
    seed: int = 0,
    *,
    start: int = 0,
    run_tag: int | None = None,
    extras: Mapping[str, Any] | None = None,
    profile: Profile = "full",
    names: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """A request body holding ``size`` valid, unique items (any size: limits are not checked,
    so boundary batches can go past them)."""
    field = _batch_field(endpoint, extras)
    items = valid_items(endpoint, size, seed, start=start, run_tag=run_tag, profile=profile,
                        names=names)
    return {field: items, **(extras or {})}


def valid_body_bytes(
    endpoint: Endpoint,
    size: int,
    seed: int = 0,
    *,
    start: int = 0,
    run_tag: int | None = None,
    extras: Mapping[str, Any] | None = None,
    profile: Profile = "full",
    names: Mapping[str, str] | None = None,
) -> bytes:
    """:func:`valid_body` serialised, built straight from the templates (the fast path)."""
    prefix, suffix = body_envelope(endpoint, extras)
    items = valid_item_bytes(endpoint, size, seed, start=start, run_tag=run_tag,
                             profile=profile, names=names)
    if not items:
        return prefix + b"[]" + suffix
    items[0] = prefix + b"[" + items[0]  # one join, one copy of the body
    items[-1] += b"]" + suffix
    return b",".join(items)


class ContactRun:
    """Unique items for one run: each batch takes the next indexes, whatever the endpoint.

    A load-test worker or a contract run makes one ``ContactRun`` and asks it for every
    batch; two runs that share a target's data use different ``run_tag`` values.
    """

    def __init__(
        self,
        seed: int = 0,
        *,
        run_tag: int | None = None,
        start: int = 0,
        profile: Profile = "full",
        names: Mapping[str, str] | None = None,
    ) -> None:
        self.seed = seed
        self.run_tag = check_run_tag(default_run_tag(seed) if run_tag is None else run_tag)
        self.profile: Profile = profile
        #: the provider's own names of fields the page leaves unnamed (``field_names``).
        self.names = dict(names or {})
        self.next_index = start

    def take(self, size: int) -> int:
        """Reserve ``size`` indexes; return the first."""
        if size < 0:
            raise GeneratorError(f"a batch size cannot be negative ({size})")
        first = self.next_index
        if first + size > MAX_INDEX:
            raise GeneratorError(f"run {self.run_tag} has used all {MAX_INDEX} item indexes")
        self.next_index += size
        return first

    def items(self, endpoint: Endpoint, size: int) -> list[Any]:
        return valid_items(
            endpoint,
            size,
            self.seed,
            start=self.take(size),
            run_tag=self.run_tag,
            profile=self.profile,
            names=self.names,
        )

    def item_bytes(self, endpoint: Endpoint, size: int) -> list[bytes]:
        return valid_item_bytes(
            endpoint,
            size,
            self.seed,
            start=self.take(size),
            run_tag=self.run_tag,
            profile=self.profile,
            names=self.names,
        )

    def body(
        self, endpoint: Endpoint, size: int, extras: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        return valid_body(
            endpoint,
            size,
            self.seed,
            start=self.take(size),
            run_tag=self.run_tag,
            extras=extras,
            profile=self.profile,
            names=self.names,
        )

    def body_bytes(
        self, endpoint: Endpoint, size: int, extras: Mapping[str, Any] | None = None
    ) -> bytes:
        return valid_body_bytes(
            endpoint,
            size,
            self.seed,
            start=self.take(size),
            run_tag=self.run_tag,
            extras=extras,
            profile=self.profile,
            names=self.names,
        )
