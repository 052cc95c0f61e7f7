"""The boundary batches of an endpoint, read from the catalog: sizes and body lengths.

For a batch endpoint: ``minItems - 1`` (when the minimum is at least 1), ``minItems``,
``maxItems - 1``, ``maxItems`` and ``maxItems + 1``; without ``maxItems`` (the LeadLex
import's rows), ``x-sync-max-rows`` and one more (synchronous, then queued); with
``x-max-body-bytes``, bodies of exactly one byte under, at and one byte over the limit.
Nothing here knows a number: change the spec and the boundaries follow.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from bulkbench.core.catalog import Endpoint
from bulkbench.generators.contact_batches import valid_body_bytes
from bulkbench.generators.errors import GeneratorError, NotABatchEndpoint
from bulkbench.generators.item_shapes import Profile
from bulkbench.generators.streaming import CHUNK_BYTES, stream_sized_body

__all__ = ["Boundary", "boundaries"]


@dataclass(frozen=True)
class Boundary:
    """One boundary of an endpoint: ``size`` items, or a body of exactly ``body_bytes``.

    ``limit`` names the spec keyword it probes (``minItems``, ``maxItems``,
    ``x-sync-max-rows``, ``x-max-body-bytes``); ``within`` says whether the spec accepts it
    (for ``x-sync-max-rows``: whether it is processed synchronously).
    """

    name: str
    endpoint: str
    limit: str
    within: bool
    size: int | None = None
    body_bytes: int | None = None

    @property
    def title(self) -> str:
        if self.size is not None:
            return f"{self.size} items ({self.limit})"
        return f"a body of exactly {self.body_bytes} bytes ({self.limit})"

    def chunks(
        self,
        endpoint: Endpoint,
        seed: int = 0,
        *,
        start: int = 0,
        run_tag: int | None = None,
        extras: Mapping[str, Any] | None = None,
        profile: Profile = "full",
        chunk_bytes: int = CHUNK_BYTES,
    ) -> Iterator[bytes]:
        """The boundary's body, in chunks (a size boundary is one chunk)."""
        if endpoint.key != self.endpoint:
            raise GeneratorError(f"boundary {self.name} is of {self.endpoint}, not {endpoint.key}")
        if self.body_bytes is not None:
            return stream_sized_body(
                endpoint,
                self.body_bytes,
                seed,
                start=start,
                run_tag=run_tag,
                extras=extras,
                profile=profile,
                chunk_bytes=chunk_bytes,
            )
        assert self.size is not None
        return iter(
            [
                valid_body_bytes(
                    endpoint,
                    self.size,
                    seed,
                    start=start,
                    run_tag=run_tag,
                    extras=extras,
                    profile=profile,
                )
            ]
        )


def boundaries(endpoint: Endpoint) -> tuple[Boundary, ...]:
    """Every boundary of ``endpoint``, smallest first; sizes that coincide appear once."""
    if endpoint.batch_field is None:
        raise NotABatchEndpoint(endpoint.key)
    key = endpoint.key
    found: list[Boundary] = []
    lowest = endpoint.min_batch or 0
    if lowest >= 1:
        found.append(Boundary("size_min_minus_1", key, "minItems", False, size=lowest - 1))
    found.append(Boundary("size_min", key, "minItems", True, size=lowest))
    if endpoint.max_batch is not None:
        top = endpoint.max_batch
        if top - 1 > lowest:
            found.append(Boundary("size_max_minus_1", key, "maxItems", True, size=top - 1))
        if top > lowest:
            found.append(Boundary("size_max", key, "maxItems", True, size=top))
        found.append(Boundary("size_max_plus_1", key, "maxItems", False, size=top + 1))
    elif endpoint.sync_max_rows is not None:
        sync = endpoint.sync_max_rows
        found.append(Boundary("size_sync_max", key, "x-sync-max-rows", True, size=sync))
        found.append(Boundary("size_sync_max_plus_1", key, "x-sync-max-rows", False, size=sync + 1))
    if endpoint.max_body_bytes is not None:
        limit = endpoint.max_body_bytes
        for name, size, within in (
            ("body_under_limit", limit - 1, True),
            ("body_at_limit", limit, True),
            ("body_over_limit", limit + 1, False),
        ):
            found.append(Boundary(name, key, "x-max-body-bytes", within, body_bytes=size))
    return tuple(found)
