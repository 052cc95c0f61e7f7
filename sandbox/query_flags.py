"""Boolean query flags: ``true`` or ``false``, spelled exactly so, or a 400.

The specs type some query parameters ``boolean`` (Datananas' ``moveExistingToList`` and
``replaceOwner``, NOTES.md D3). A flag that is sent must be exactly ``true`` or ``false``
(lower case, as JSON and the spec's examples spell them): an empty value
(``?replaceOwner=``), ``1``/``0``, ``yes``, ``True`` or a padded ``%20true`` is not a
boolean, and neither is a flag given twice (which one would count?). Each is answered 400
``validation_error`` in the provider's envelope, by the pipeline, before the body is read.
A flag left out takes the spec's default.

The flags are found in the provider's OpenAPI document (the catalog names query
parameters but does not type them), once per endpoint.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request

from bulkbench.core.catalog import Endpoint, Provider, resolve_refs
from bulkbench.sandbox.errors import SandboxHTTPError

__all__ = ["boolean_query_params", "check_flags", "flag"]

_VALUES = {"true": True, "false": False}


def boolean_query_params(provider: Provider, endpoint: Endpoint) -> dict[str, bool]:
    """The endpoint's ``in: query`` parameters typed ``boolean``, with their defaults."""
    document = provider.document
    path_item = document.get("paths", {}).get(endpoint.path, {})
    operation = path_item.get(endpoint.method.lower(), {})
    out: dict[str, bool] = {}
    for raw in (*path_item.get("parameters", ()), *operation.get("parameters", ())):
        param = resolve_refs(raw, document)
        if not isinstance(param, Mapping) or param.get("in") != "query":
            continue
        schema: Mapping[str, Any] = param.get("schema") or {}
        if schema.get("type") == "boolean":
            out[str(param["name"])] = schema.get("default") is True
    return out


def _value(request: Request, name: str, default: bool) -> bool:
    values = request.query_params.getlist(name)
    if not values:
        return default
    if len(values) > 1:
        raise SandboxHTTPError(400, "validation_error",
                               f"{name} is given {len(values)} times; give it once, true or "
                               "false", {"field": name})
    value = _VALUES.get(values[0])
    if value is None:
        raise SandboxHTTPError(400, "validation_error",
                               f"{name} must be true or false (got {values[0][:40]!r})",
                               {"field": name})
    return value


def check_flags(request: Request, flags: Mapping[str, bool]) -> None:
    """400 unless every boolean flag that was sent is exactly ``true`` or ``false``, once."""
    for name, default in flags.items():
        _value(request, name, default)


def flag(request: Request, name: str, default: bool = False) -> bool:
    """The flag's value (``default`` when it was not sent); 400 when it is not a boolean."""
    return _value(request, name, default)
