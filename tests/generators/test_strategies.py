"""Property tests: the strategies' valid bodies validate against the spec, invalid ones do not."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bulkbench.core.catalog import default_catalog
from bulkbench.generators import request_errors, request_is_valid, schema_accepts
from bulkbench.generators.strategies import (
    invalid_bodies,
    invalid_items,
    valid_bodies,
    valid_items_of,
)
from tests.generators.helpers import BATCH_KEYS, unique_values

CATALOG = default_catalog()
FAST = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.parametrize("key", BATCH_KEYS)
def test_valid_bodies_validate_and_hold_unique_items(key: str) -> None:
    ep = CATALOG.endpoint(key)

    @FAST
    @given(valid_bodies(ep))
    def check(body: dict[str, Any]) -> None:
        assert request_errors(ep, body) == []
        values = list(unique_values(body[ep.batch_field]))
        assert len(values) == len(set(values))

    check()


@pytest.mark.parametrize("key", BATCH_KEYS)
def test_invalid_bodies_do_not_validate(key: str) -> None:
    ep = CATALOG.endpoint(key)

    @FAST
    @given(invalid_bodies(ep))
    def check(body: dict[str, Any]) -> None:
        assert not request_is_valid(ep, body)

    check()


@pytest.mark.parametrize("key", BATCH_KEYS)
def test_items_valid_and_invalid_against_the_item_schema(key: str) -> None:
    ep = CATALOG.endpoint(key)
    assert ep.item_schema is not None
    schema = ep.item_schema

    @FAST
    @given(valid_items_of(ep), invalid_items(ep))
    def check(good: Any, bad: Any) -> None:
        assert schema_accepts(schema, good)
        assert not schema_accepts(schema, bad)

    check()


def test_strategies_compose_like_any_other() -> None:
    ep = CATALOG.endpoint("sociocs.bulk_upsert")

    @FAST
    @given(st.lists(valid_items_of(ep), min_size=2, max_size=4))
    def check(records: list[dict[str, Any]]) -> None:
        assert request_is_valid(ep, {"records": records, "list_id": 0})

    check()
