"""Helpers of the generator tests: which endpoints take batches, and what identifies items."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from bulkbench.core.catalog import Catalog, Endpoint, default_catalog


def batch_endpoints(catalog: Catalog) -> list[Endpoint]:
    return [ep for ep in catalog.endpoints() if ep.batch_field is not None]


BATCH_KEYS = [ep.key for ep in batch_endpoints(default_catalog())]
OBJECT_KEYS = [ep.key for ep in batch_endpoints(default_catalog()) if ep.item_fields]


def unique_values(items: Iterable[Any]) -> Iterator[str]:
    """What must be unique in generated items: ids, emails, phone numbers, profile URLs."""
    for item in items:
        if isinstance(item, str):
            yield item
            continue
        contact = item.get("properties") if isinstance(item.get("properties"), dict) else {}
        for key in ("email", "phone", "phone_number", "linkedin_url", "linkedinUrl", "mobilePhone"):
            if isinstance(item.get(key), str):
                yield f"{key}={item[key]}"
            elif isinstance(contact.get(key), str):  # HubSpot: x-bulkbench-item-fields
                yield f"{key}={contact[key]}"
