"""Valid batches: schema-valid, unique within a run, the same bytes for the same seed."""

from __future__ import annotations

from collections import Counter

import orjson
import pytest

from bulkbench.core.catalog import Catalog
from bulkbench.generators import (
    MAX_INDEX,
    ContactRun,
    GeneratorError,
    NotABatchEndpoint,
    request_errors,
    valid_body,
    valid_body_bytes,
    valid_item_bytes,
    valid_items,
)
from bulkbench.generators.value_pools import LOCALES, personas
from tests.generators.helpers import BATCH_KEYS, OBJECT_KEYS, unique_values


@pytest.mark.parametrize("key", BATCH_KEYS)
def test_same_seed_same_bytes_other_seed_other_bytes(catalog: Catalog, key: str) -> None:
    ep = catalog.endpoint(key)
    first = valid_body_bytes(ep, 50, seed=11)
    assert valid_body_bytes(ep, 50, seed=11) == first
    assert valid_body_bytes(ep, 50, seed=12) != first
    assert valid_body_bytes(ep, 50, seed=11, run_tag=555) != first


@pytest.mark.parametrize("key", BATCH_KEYS)
def test_dict_path_and_bytes_path_agree(catalog: Catalog, key: str) -> None:
    ep = catalog.endpoint(key)
    extras = {"update_existing": True} if key == "leadlex.import_contacts" else None
    body = valid_body(ep, 40, seed=3, start=977, extras=extras)
    assert orjson.dumps(body) == valid_body_bytes(ep, 40, seed=3, start=977, extras=extras)
    assert [orjson.dumps(i) for i in valid_items(ep, 5, 3)] == valid_item_bytes(ep, 5, 3)


@pytest.mark.parametrize("key", BATCH_KEYS)
def test_batches_up_to_the_catalog_limit_are_valid(catalog: Catalog, key: str) -> None:
    ep = catalog.endpoint(key)
    largest = ep.max_batch if ep.max_batch is not None else ep.sync_max_rows
    assert largest is not None
    for size in sorted({ep.min_batch or 1, 17, largest}):
        body = orjson.loads(valid_body_bytes(ep, size, seed=size))
        assert len(body[ep.batch_field]) == size
        assert request_errors(ep, body) == []


@pytest.mark.parametrize("key", BATCH_KEYS)
def test_items_are_unique_within_a_batch(catalog: Catalog, key: str) -> None:
    ep = catalog.endpoint(key)
    size = ep.max_batch or 10_000
    values = Counter(unique_values(valid_items(ep, size, seed=5)))
    assert values and values.most_common(1)[0][1] == 1


def test_one_run_never_repeats_a_contact_across_batches_and_endpoints(catalog: Catalog) -> None:
    run = ContactRun(seed=9)
    seen: Counter[str] = Counter()
    for key in BATCH_KEYS * 3:
        ep = catalog.endpoint(key)
        seen.update(v.split("=", 1)[-1] for v in unique_values(run.items(ep, 300)))
    assert seen.most_common(1)[0][1] == 1
    assert run.next_index == 300 * 3 * len(BATCH_KEYS)


def test_runs_with_other_tags_do_not_collide(catalog: Catalog) -> None:
    ep = catalog.endpoint("sociocs.bulk_upsert")
    a = {r["phone_number"] for r in ContactRun(1, run_tag=101).items(ep, 2_000)}
    b = {r["phone_number"] for r in ContactRun(1, run_tag=102).items(ep, 2_000)}
    assert not a & b


def test_run_bytes_continue_where_the_last_batch_stopped(catalog: Catalog) -> None:
    ep = catalog.endpoint("datananas.bulk_create")
    run = ContactRun(seed=4)
    assert run.body_bytes(ep, 10) == valid_body_bytes(ep, 10, 4)
    assert run.body(ep, 10) == valid_body(ep, 10, 4, start=10)
    assert run.item_bytes(ep, 1) == valid_item_bytes(ep, 1, 4, start=20)


@pytest.mark.parametrize("key", OBJECT_KEYS)
def test_contacts_look_real_and_fill_the_fields_the_schema_has(catalog: Catalog, key: str) -> None:
    ep = catalog.endpoint(key)
    items = valid_items(ep, 60, seed=2)
    filled = set().union(*items)
    assert set(ep.item_required) <= filled <= set(ep.item_fields)
    contact = set().union(*(ep.contact_of(i) or {} for i in items)) if ep.fields_at else filled
    assert len(contact) >= 3
    minimal = valid_items(ep, 3, seed=2, profile="minimal")[0]
    assert set(minimal) == set(ep.item_required) | set(ep.identity_keys)


def test_personas_span_several_locales() -> None:
    people = personas(0)
    assert {p.locale for p in people} == {loc.code for loc in LOCALES}
    assert len({p.full_name for p in people}) > len(people) // 2
    assert any(not p.full_name.isascii() for p in people)
    assert all(p.email_local.isascii() for p in people)


def test_not_a_batch_endpoint_and_bad_arguments_are_errors(catalog: Catalog) -> None:
    ep = catalog.endpoint("leadlex.bulk_create")
    with pytest.raises(NotABatchEndpoint):
        valid_items(catalog.endpoint("leadlex.import_job_status"), 1)
    with pytest.raises(GeneratorError, match="three-digit"):
        valid_items(ep, 1, run_tag=7)
    with pytest.raises(GeneratorError, match="outside"):
        valid_items(ep, 2, start=MAX_INDEX - 1)
    with pytest.raises(GeneratorError, match="batch field"):
        valid_body(ep, 1, extras={"contacts": []})
