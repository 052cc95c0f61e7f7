"""The generators' one notion of "valid": the spec's JSON Schema, formats included.

Validation uses jsonschema_rs (draft 2020-12, the dialect of OpenAPI 3.1) with
``validate_formats=True``, so ``format: email``, ``uri``, ``uuid`` and ``date`` are
checked. Where the documentation says nothing about a value, the edge-case catalog calls
the outcome this validator gives "spec-implied". Validators are compiled once per schema.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import jsonschema_rs
import orjson

from bulkbench.core.catalog import Endpoint

__all__ = ["request_errors", "request_is_valid", "schema_accepts"]


@lru_cache(maxsize=256)
def _validator(schema_json: bytes) -> Any:
    return jsonschema_rs.validator_for(orjson.loads(schema_json), validate_formats=True)


def _compiled(schema: Mapping[str, Any]) -> Any:
    return _validator(orjson.dumps(schema, option=orjson.OPT_SORT_KEYS))


def schema_accepts(schema: Mapping[str, Any], value: Any) -> bool:
    """Whether ``value`` is valid against ``schema``, formats included."""
    return bool(_compiled(schema).is_valid(value))


def request_is_valid(endpoint: Endpoint, body: Any) -> bool:
    """Whether ``body`` is valid against ``endpoint``'s request-body schema."""
    return schema_accepts(endpoint.request_schema, body)


def request_errors(endpoint: Endpoint, body: Any, limit: int = 5) -> list[str]:
    """Up to ``limit`` messages saying why ``body`` breaks ``endpoint``'s request schema."""
    errors = []
    for err in _compiled(endpoint.request_schema).iter_errors(body):
        where = "/" + "/".join(str(p) for p in err.instance_path)
        errors.append(f"{where}: {err.message}")
        if len(errors) >= limit:
            break
    return errors
