"""Streams: the same bytes as the whole-body builders, in bounded chunks, exact sizes."""

from __future__ import annotations

import csv
import io
import tracemalloc

import orjson
import pytest

from bulkbench.core.catalog import Catalog
from bulkbench.generators import (
    GeneratorError,
    UnsupportedFormat,
    request_errors,
    stream_batch,
    stream_sized_body,
    valid_body_bytes,
    valid_items,
)
from bulkbench.generators.contact_templates import templates_for
from tests.generators.helpers import BATCH_KEYS


@pytest.mark.parametrize("key", BATCH_KEYS)
def test_json_stream_is_the_body_in_fixed_chunks(catalog: Catalog, key: str) -> None:
    ep = catalog.endpoint(key)
    chunks = list(stream_batch(ep, 5_000, "json", seed=8, chunk_bytes=4096))
    assert b"".join(chunks) == valid_body_bytes(ep, 5_000, seed=8)
    assert {len(c) for c in chunks[:-1]} == {4096}
    assert 0 < len(chunks[-1]) <= 4096


@pytest.mark.parametrize("key", BATCH_KEYS)
def test_ndjson_is_one_item_a_line(catalog: Catalog, key: str) -> None:
    ep = catalog.endpoint(key)
    text = b"".join(stream_batch(ep, 3_000, "ndjson", seed=1, start=40))
    lines = text.splitlines()
    assert [orjson.loads(line) for line in lines] == valid_items(ep, 3_000, 1, start=40)


@pytest.mark.parametrize("key", BATCH_KEYS)
def test_csv_has_a_header_and_one_record_per_item(catalog: Catalog, key: str) -> None:
    ep = catalog.endpoint(key)
    text = b"".join(stream_batch(ep, 2_500, "csv", seed=6)).decode()
    records = list(csv.reader(io.StringIO(text, newline="")))
    items = valid_items(ep, 2_500, 6)
    columns = templates_for(ep, 6).csv_columns()
    assert tuple(records[0]) == columns
    assert len(records) == 1 + len(items)
    if isinstance(items[0], dict):
        first = dict(zip(columns, records[1], strict=True))
        name = "email" if "email" in first else columns[0]
        assert first[name] == ep.field_of(items[0], name)
    else:
        assert [r[0] for r in records[1:]] == items


def test_unknown_format_and_negative_size_are_errors(catalog: Catalog) -> None:
    ep = catalog.endpoint("sociocs.bulk_upsert")
    with pytest.raises(UnsupportedFormat):
        list(stream_batch(ep, 1, "xml"))  # type: ignore[arg-type]
    with pytest.raises(GeneratorError):
        list(stream_batch(ep, -1))


@pytest.mark.parametrize("key", [k for k in BATCH_KEYS if k != "leadlex.add_to_list"])
def test_sized_body_hits_the_limit_exactly_and_stays_valid(catalog: Catalog, key: str) -> None:
    ep = catalog.endpoint(key)
    if ep.max_body_bytes is None:
        pytest.skip(f"{key} documents no body limit (HubSpot, NOTES H13)")
    for total in (ep.max_body_bytes - 1, ep.max_body_bytes + 1):
        chunks = list(stream_sized_body(ep, total, seed=2, chunk_bytes=1 << 16))
        assert sum(map(len, chunks)) == total
        assert max(map(len, chunks)) == 1 << 16
    body = orjson.loads(b"".join(chunks))
    items = body[ep.batch_field]
    assert len(items) == len({orjson.dumps(i) for i in items})
    if ep.max_batch is not None:
        assert len(items) <= ep.max_batch
    assert request_errors(ep, {**body, ep.batch_field: items[:50]}) == []


def test_a_20_mib_body_is_made_in_bounded_memory(catalog: Catalog) -> None:
    ep = catalog.endpoint("leadlex.import_contacts")
    assert ep.max_body_bytes is not None
    list(stream_sized_body(ep, 100_000, seed=0))  # personas and templates built beforehand
    tracemalloc.start()
    total = largest = 0
    for chunk in stream_sized_body(ep, ep.max_body_bytes, seed=0):
        total += len(chunk)
        largest = max(largest, len(chunk))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert total == ep.max_body_bytes
    assert largest <= 1 << 16
    assert peak < ep.max_body_bytes // 4


def test_a_body_too_small_for_one_item_is_an_error(catalog: Catalog) -> None:
    ep = catalog.endpoint("sociocs.bulk_upsert")
    with pytest.raises(GeneratorError, match="cannot hold"):
        stream_sized_body(ep, 30)
