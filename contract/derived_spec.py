"""The copy of a spec schemathesis generates from: same contract, sizes it can afford.

Schemathesis builds every batch from the schema; a ``maxItems`` of 10,000 makes that slow
and its "max + 1" negative arrays would be judged wrongly. So the derived copy:

- positive mode: caps every batch array at :data:`POSITIVE_BATCH_CAP` items (the import's
  rows too, which keeps every generated import synchronous: nothing eventual is read);
- negative mode: drops the batch arrays' ``maxItems`` (size violations are the limit
  checks' job, with the generators' boundary batches);
- pins identifiers the provider must know to the ones the target has: the path's list id
  and the contact ids of add-to-list, Datananas' ``list.id``, Sociocs' ``list_id``;
- states Datananas' OAuth2 scheme as the bearer token it is on the wire (the harness is
  given a ready access token);
- reads what the provider config settles (``bulkbench.core.assumptions``): the success status
  of the batch requests, and an error envelope of the provider's own (error bodies are
  then any JSON object here; their shape is the envelope checks' job, through the
  configured pointers).

Everything else (fields, formats, required, errors, headers) is the spec's own.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from bulkbench.contract.error_bodies import ENVELOPE_KEYS
from bulkbench.core.assumptions import ASSUMPTIONS
from bulkbench.core.catalog import Provider

#: the assumption keys a provider config sets, with their values.
Settled = Mapping[str, Any]

__all__ = ["POSITIVE_BATCH_CAP", "Pins", "derived_document"]

POSITIVE_BATCH_CAP = 3


class Pins:
    """Known identifiers of the target (empty when unknown)."""

    def __init__(self, lists: Sequence[str] = (), contact_ids: Sequence[str] = ()) -> None:
        self.lists = tuple(lists)
        self.contact_ids = tuple(contact_ids)


def _component(doc: dict[str, Any], node: Mapping[str, Any]) -> dict[str, Any]:
    """The schema ``node`` refers to (following local ``$ref``s), inside ``doc``."""
    seen = 0
    current: Any = node
    while isinstance(current, dict) and "$ref" in current and seen < 20:
        target: Any = doc
        for part in str(current["$ref"]).lstrip("#/").split("/"):
            target = target[part]
        current = target
        seen += 1
    assert isinstance(current, dict)
    return current


def _body_schema(doc: dict[str, Any], op: dict[str, Any]) -> dict[str, Any] | None:
    body = op.get("requestBody")
    if not isinstance(body, dict):
        return None
    body = _component(doc, body)
    media = body.get("content", {}).get("application/json")
    if not isinstance(media, dict) or "schema" not in media:
        return None
    return _component(doc, media["schema"])


def _rename(doc: dict[str, Any], provider: Provider, settled: Settled) -> None:
    """The provider's own names of item fields and query flags (``field_names``,
    ``query_names``) in place of the spec's."""
    fields: Mapping[str, str] = settled.get("field_names") or {}
    flags: Mapping[str, str] = settled.get("query_names") or {}
    renamed: set[int] = set()
    for ep in provider.endpoints:
        op = doc["paths"][ep.path][ep.method.lower()]
        for param in op.get("parameters", ()):
            param = _component(doc, param)
            if param.get("in") == "query" and param.get("name") in flags:
                param["name"] = flags[param["name"]]
        schema = _body_schema(doc, op)
        if not fields or schema is None or ep.batch_field is None:
            continue
        body = _component(doc, op["requestBody"])
        for media in body.get("content", {}).values():  # examples speak the spec's names
            media.pop("examples", None)
            media.pop("example", None)
        array = _component(doc, schema["properties"][ep.batch_field])
        item = _component(doc, array.get("items", {}))
        if id(item) in renamed:
            continue
        renamed.add(id(item))
        item["properties"] = {fields.get(k, k): v
                              for k, v in item.get("properties", {}).items()}
        if "required" in item:
            item["required"] = [fields.get(k, k) for k in item["required"]]
        for key in ("example", "examples"):
            item.pop(key, None)


def _replace_enum(node: Any, old: list[Any], new: list[Any]) -> None:
    """Every ``enum`` equal to ``old`` in ``node`` becomes ``new``."""
    if isinstance(node, dict):
        if node.get("enum") == old:
            node["enum"] = list(new)
        for value in node.values():
            _replace_enum(value, old, new)
    elif isinstance(node, list):
        for value in node:
            _replace_enum(value, old, new)


def _settled(doc: dict[str, Any], provider: Provider, settled: Settled) -> None:
    _rename(doc, provider, settled)
    if "row_error_codes" in settled:  # the spec's enum of row error codes is its guess
        _replace_enum(doc, list(ASSUMPTIONS["row_error_codes"].default(provider)),
                      list(settled["row_error_codes"]))
    status = settled.get("success_status")
    envelope = any(key in settled and settled[key] != ASSUMPTIONS[key].default(provider)
                   for key in ENVELOPE_KEYS)
    for ep in provider.endpoints:
        responses = doc["paths"][ep.path][ep.method.lower()].get("responses", {})
        if status is not None and ep.batch_field is not None and str(status) not in responses:
            success = responses.pop(str(ep.success_status), None)
            if success is not None:
                responses[str(status)] = success
        if envelope:
            for code, response in list(responses.items()):
                if code[0] in "45":
                    response = copy.deepcopy(_component(doc, response))
                    for media in response.get("content", {}).values():
                        media["schema"] = {"type": "object"}
                        media.pop("examples", None)
                        media.pop("example", None)
                    responses[code] = response


def derived_document(provider: Provider, *, positive: bool, pins: Pins,
                     settled: Settled | None = None) -> dict[str, Any]:
    """The provider's document, derived for one generation mode (see module docstring);
    ``settled`` are the assumption keys the provider config sets."""
    doc: dict[str, Any] = copy.deepcopy(dict(provider.document))
    _settled(doc, provider, settled or {})
    for ep in provider.endpoints:
        op = doc["paths"][ep.path][ep.method.lower()]
        schema = _body_schema(doc, op)
        if schema is not None and ep.batch_field is not None:
            array = _component(doc, schema["properties"][ep.batch_field])
            if positive:
                array["maxItems"] = min(array.get("maxItems", POSITIVE_BATCH_CAP),
                                        POSITIVE_BATCH_CAP)
            else:
                array.pop("maxItems", None)
        _pin(doc, ep.provider, ep.name, op, schema, pins)
    for name, scheme in list(doc.get("components", {}).get("securitySchemes", {}).items()):
        if scheme.get("type") == "oauth2":
            doc["components"]["securitySchemes"][name] = {
                "type": "http", "scheme": "bearer",
                "description": "the OAuth2 access token, sent as a bearer token"}
    return doc


def _pin(doc: dict[str, Any], provider: str, name: str, op: dict[str, Any],
         schema: dict[str, Any] | None, pins: Pins) -> None:
    if provider == "leadlex" and name == "add_to_list":
        for param in op.get("parameters", ()):
            param = _component(doc, param)
            if param.get("in") == "path" and pins.lists:
                param["schema"] = {"type": "string", "enum": list(pins.lists)}
                param.pop("example", None)
        if schema is not None and pins.contact_ids:
            array = _component(doc, schema["properties"]["contact_ids"])
            array["items"] = {"type": "string", "enum": list(pins.contact_ids)}
    elif provider == "datananas" and name == "bulk_create" and schema is not None:
        lst = _component(doc, schema["properties"]["list"])
        if pins.lists:
            lst["properties"] = {**lst.get("properties", {}),
                                 "id": {"type": "string", "enum": list(pins.lists)}}
            lst["required"] = ["id"]
        else:
            schema["properties"].pop("list", None)
    elif provider == "sociocs" and name == "bulk_upsert" and schema is not None:
        ids: list[int] = [0, *(int(i) for i in pins.lists if str(i).isdigit())]
        schema["properties"]["list_id"] = {"type": "integer", "enum": ids}
