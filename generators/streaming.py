"""Large outputs as iterators of byte chunks, never the whole body in memory.

* :func:`stream_batch` — ``size`` valid items as a JSON body, NDJSON (one item a line) or
  CSV (a header line, then one item a line), in chunks of about ``chunk_bytes``.
* :func:`stream_sized_body` — a valid JSON body of *exactly* ``total_bytes`` bytes: as many
  items as fit (never more than the endpoint's ``max_batch``), then insignificant JSON
  whitespace before the closing bracket to make up the rest. This is how a body just
  under, at and just over ``max_body_bytes`` is made.

Every chunk but the last is exactly ``chunk_bytes`` long, whatever the total size; at most
one block of items (a few thousand) is built at a time.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Literal

from bulkbench.core.catalog import Endpoint
from bulkbench.generators.contact_batches import body_envelope
from bulkbench.generators.contact_templates import (
    ContactTemplates,
    check_run_tag,
    default_run_tag,
    templates_for,
)
from bulkbench.generators.errors import GeneratorError, UnsupportedFormat
from bulkbench.generators.item_shapes import Profile

__all__ = ["CHUNK_BYTES", "FORMATS", "Format", "stream_batch", "stream_sized_body"]

#: default size of the chunks the streams yield.
CHUNK_BYTES = 64 * 1024
#: items built per step while streaming.
_BLOCK = 2048

Format = Literal["json", "ndjson", "csv"]
FORMATS: tuple[Format, ...] = ("json", "ndjson", "csv")


def _setup(
    endpoint: Endpoint, seed: int, run_tag: int | None, profile: Profile
) -> tuple[ContactTemplates, int]:
    tag = check_run_tag(default_run_tag(seed) if run_tag is None else run_tag)
    return templates_for(endpoint, seed, profile), tag


def stream_batch(
    endpoint: Endpoint,
    size: int,
    fmt: Format = "json",
    seed: int = 0,
    *,
    start: int = 0,
    run_tag: int | None = None,
    extras: Mapping[str, Any] | None = None,
    profile: Profile = "full",
    chunk_bytes: int = CHUNK_BYTES,
    csv_lineterminator: str = "\n",
) -> Iterator[bytes]:
    """``size`` valid items of ``endpoint`` in ``fmt``, chunk by chunk.

    ``json`` gives the same bytes as :func:`~generators.contact_batches.valid_body_bytes`;
    ``extras`` apply to ``json`` only.
    """
    if fmt not in FORMATS:
        raise UnsupportedFormat(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
    if size < 0:
        raise GeneratorError(f"a batch size cannot be negative ({size})")
    templates, tag = _setup(endpoint, seed, run_tag, profile)
    if fmt == "csv":
        yield from _chunked(
            _csv_pieces(templates, size, start, tag, csv_lineterminator), chunk_bytes
        )
    elif fmt == "ndjson":
        yield from _chunked(_ndjson_pieces(templates, size, start, tag), chunk_bytes)
    else:
        prefix, suffix = body_envelope(endpoint, extras)
        yield from _chunked(_json_pieces(templates, size, start, tag, prefix, suffix), chunk_bytes)


def _json_pieces(
    templates: ContactTemplates, size: int, start: int, tag: int, prefix: bytes, suffix: bytes
) -> Iterator[bytes]:
    yield prefix + b"["
    for first in range(start, start + size, _BLOCK):
        block = templates.item_bytes(first, min(_BLOCK, start + size - first), tag)
        yield (b"," if first > start else b"") + b",".join(block)
    yield b"]" + suffix


def _ndjson_pieces(templates: ContactTemplates, size: int, start: int, tag: int) -> Iterator[bytes]:
    for first in range(start, start + size, _BLOCK):
        block = templates.item_bytes(first, min(_BLOCK, start + size - first), tag)
        yield b"\n".join(block) + b"\n"


def _csv_pieces(
    templates: ContactTemplates, size: int, start: int, tag: int, lineterminator: str
) -> Iterator[bytes]:
    yield (",".join(templates.csv_columns()) + lineterminator).encode()
    for first in range(start, start + size, _BLOCK):
        count = min(_BLOCK, start + size - first)
        yield templates.csv_rows(first, count, tag, lineterminator=lineterminator).encode()


def _chunked(pieces: Iterator[bytes], chunk_bytes: int) -> Iterator[bytes]:
    """Re-cut ``pieces`` into chunks of ``chunk_bytes`` (the last one shorter)."""
    if chunk_bytes < 1:
        raise GeneratorError(f"chunk size must be positive ({chunk_bytes})")
    buf = bytearray()
    for piece in pieces:
        buf += piece
        if len(buf) < chunk_bytes:
            continue
        cut = len(buf) - len(buf) % chunk_bytes
        with memoryview(buf) as view:
            for offset in range(0, cut, chunk_bytes):
                yield bytes(view[offset : offset + chunk_bytes])
        del buf[:cut]
    if buf:
        yield bytes(buf)


def stream_sized_body(
    endpoint: Endpoint,
    total_bytes: int,
    seed: int = 0,
    *,
    start: int = 0,
    run_tag: int | None = None,
    extras: Mapping[str, Any] | None = None,
    profile: Profile = "full",
    max_items: int | None = None,
    chunk_bytes: int = CHUNK_BYTES,
) -> Iterator[bytes]:
    """A valid JSON body of exactly ``total_bytes`` bytes, chunk by chunk.

    It holds as many unique items as fit, at most ``max_items`` (default: the endpoint's
    ``max_batch``, none when the spec sets no maximum) and at least the endpoint's
    ``min_batch``; spaces before the closing ``]`` make up the exact length.
    """
    templates, tag = _setup(endpoint, seed, run_tag, profile)
    prefix, suffix = body_envelope(endpoint, extras)
    limit = endpoint.max_batch if max_items is None else max_items
    fewest = endpoint.min_batch or 0
    head, tail = prefix + b"[", b"]" + suffix
    budget = total_bytes - len(head) - len(tail)
    if budget < fewest * (templates.max_item_bytes() + 1):
        raise GeneratorError(
            f"{endpoint.key}: {total_bytes} bytes cannot hold the {fewest} item(s) a batch needs"
        )
    return _chunked(_sized_pieces(templates, tag, start, head, tail, budget, limit), chunk_bytes)


def _sized_pieces(
    templates: ContactTemplates,
    tag: int,
    start: int,
    head: bytes,
    tail: bytes,
    budget: int,
    limit: int | None,
) -> Iterator[bytes]:
    yield head
    used = count = 0
    index = start
    full = False
    while not full and (limit is None or count < limit):
        want = _BLOCK if limit is None else min(_BLOCK, limit - count)
        taken = []
        for item in templates.item_bytes(index, want, tag):
            cost = len(item) + (1 if count else 0)
            if used + cost > budget:
                full = True
                break
            taken.append(item)
            used += cost
            count += 1
        if taken:
            yield (b"," if index > start else b"") + b",".join(taken)
        index += want
    pad = budget - used
    while pad > 0:
        step = min(pad, _BLOCK * 32)
        yield b" " * step
        pad -= step
    yield tail
