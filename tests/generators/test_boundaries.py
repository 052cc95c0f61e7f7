"""Boundaries come from the catalog: edit a limit in a copy of the specs, and they follow."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
import pytest

from bulkbench.core.catalog import Catalog
from bulkbench.generators import NotABatchEndpoint, boundaries, edge_cases, find_case
from tests.generators.helpers import BATCH_KEYS

EditCatalog = Callable[[str, Callable[[dict[str, Any]], None]], Catalog]


@pytest.mark.parametrize("key", BATCH_KEYS)
def test_boundary_sizes_are_the_catalog_limits(catalog: Catalog, key: str) -> None:
    ep = catalog.endpoint(key)
    found = {b.name: b for b in boundaries(ep)}
    assert ep.min_batch is not None
    assert found["size_min"].size == ep.min_batch
    assert found["size_min_minus_1"].size == ep.min_batch - 1
    if ep.max_batch is not None:
        assert [found[n].size for n in ("size_max_minus_1", "size_max", "size_max_plus_1")] == [
            ep.max_batch - 1,
            ep.max_batch,
            ep.max_batch + 1,
        ]
        assert not found["size_max_plus_1"].within
    else:
        assert ep.sync_max_rows is not None
        assert found["size_sync_max"].size == ep.sync_max_rows
        assert found["size_sync_max_plus_1"].size == ep.sync_max_rows + 1
    if ep.max_body_bytes is not None:
        assert [
            found[n].body_bytes for n in ("body_under_limit", "body_at_limit", "body_over_limit")
        ] == [ep.max_body_bytes - 1, ep.max_body_bytes, ep.max_body_bytes + 1]


def test_size_boundaries_build_batches_of_their_size(catalog: Catalog) -> None:
    ep = catalog.endpoint("leadlex.bulk_create")
    for b in boundaries(ep):
        if b.size is not None:
            body = orjson.loads(b"".join(b.chunks(ep, seed=1)))
            assert len(body[ep.batch_field]) == b.size


def test_no_boundaries_without_a_batch(catalog: Catalog) -> None:
    with pytest.raises(NotABatchEndpoint):
        boundaries(catalog.endpoint("leadlex.import_job_status"))


def _set_max_items(new: int) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        doc["components"]["schemas"]["BulkCreateRequest"]["properties"]["contacts"]["maxItems"] = (
            new
        )

    return change


def test_a_changed_max_items_changes_the_batches(
    catalog: Catalog, edited_catalog: EditCatalog
) -> None:
    old = catalog.endpoint("leadlex.bulk_create").max_batch
    assert old is not None
    new = old // 10 + 3
    changed = edited_catalog("leadlex", _set_max_items(new))
    ep = changed.endpoint("leadlex.bulk_create")
    assert ep.max_batch == new
    sizes = {b.name: b.size for b in boundaries(ep)}
    assert (sizes["size_max"], sizes["size_max_plus_1"]) == (new, new + 1)

    case = find_case("leadlex.bulk_create.size_max_plus_1", changed)
    body = case.request(seed=3).json()
    assert len(body["contacts"]) == new + 1
    assert case.expected.status == 400
    at_max = find_case("leadlex.bulk_create.size_max", changed)
    assert at_max.expected.counts == {"created": new}
    assert len(at_max.request(seed=3).json()["contacts"]) == new
    assert (
        len(find_case("leadlex.bulk_create.size_max", catalog).request(3).json()["contacts"]) == old
    )


def test_a_changed_body_limit_and_sync_threshold_change_the_bodies(
    edited_catalog: EditCatalog,
) -> None:
    def change(doc: dict[str, Any]) -> None:
        op = doc["paths"]["/v1/import/contacts"]["post"]
        op["x-max-body-bytes"] = 60_000
        op["x-sync-max-rows"] = 7

    changed = edited_catalog("leadlex", change)
    ep = changed.endpoint("leadlex.import_contacts")
    at_limit = find_case("leadlex.import_contacts.body_at_limit", changed)
    assert len(at_limit.request(seed=1).content()) == 60_000
    over = find_case("leadlex.import_contacts.body_over_limit", changed)
    assert len(over.request(seed=1).content()) == 60_001
    assert over.expected.status == 413
    sizes = {b.name: b.size for b in boundaries(ep)}
    assert (sizes["size_sync_max"], sizes["size_sync_max_plus_1"]) == (7, 8)
    assert find_case("leadlex.import_contacts.size_sync_max_plus_1", changed).expected.data == {
        "status": "queued"
    }
    names = {c.name for c in edge_cases(changed)}
    assert "leadlex.import_contacts.csv_sync_max_rows_plus_1" in names
