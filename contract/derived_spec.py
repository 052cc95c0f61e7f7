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
  of the batch requests, an error envelope of the provider's own (error bodies are
  then any JSON object here; their shape is the envelope checks' job, through the
  configured pointers), the codes of statuses the pages give none (``error_codes``), the
  import job status path (``import_job_status_path``: the operation moves there), where
  the success body keeps the transaction id (``transaction_id_pointer``: that body is
  then any JSON object);
- an enum the spec assumed and the checks tolerate (``x-bulkbench-tolerant`` beside a
  ``default``, e.g. Datananas' ``source``, NOTES D2): positive requests send only the
  documented default, negative ones no value outside the enum (any value may be served).

Everything else (fields, formats, required, errors, headers) is the spec's own.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from bulkbench.contract.error_bodies import ENVELOPE_KEYS
from bulkbench.core.assumptions import ASSUMED_ERROR_CODES, ASSUMPTIONS
from bulkbench.core.catalog import Endpoint, Provider

#: the assumption keys a provider config sets, with their values.
Settled = Mapping[str, Any]

__all__ = ["POSITIVE_BATCH_CAP", "Pins", "derived_document", "served_path"]

POSITIVE_BATCH_CAP = 3


class Pins:
    """Known identifiers of the target (empty when unknown)."""

    def __init__(self, lists: Sequence[str] = (), contact_ids: Sequence[str] = (),
                 job_ids: Sequence[str] = (), list_id_type: str = "string") -> None:
        self.lists = tuple(lists)
        self.contact_ids = tuple(contact_ids)
        #: ids of import jobs of the workspace (the job status operation reads them).
        self.job_ids = tuple(job_ids)
        #: how the provider types its list ids (``list_id_type``): a JSON body sends an
        #: ``integer`` list id as a number.
        self.list_id_type = list_id_type

    def list_values(self) -> list[Any]:
        """The pinned list ids as a JSON body carries them."""
        if self.list_id_type == "integer":
            return [int(i) for i in self.lists if str(i).isdigit()]
        return list(self.lists)


def served_path(endpoint: Endpoint, settled: Settled | None) -> str:
    """Where ``endpoint`` is served: the spec's path, or the configured import job status
    path (``import_job_status_path``, NOTES L8) for the operation the docs leave out."""
    if endpoint.name == "import_job_status" and settled:
        path = settled.get("import_job_status_path")
        if isinstance(path, str) and path:
            return path
    return endpoint.path


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


def _add_to_enums(node: Any, old: str, new: str) -> None:
    """``new`` joins every ``enum`` of ``node`` that holds ``old``."""
    if isinstance(node, dict):
        enum = node.get("enum")
        if isinstance(enum, list) and old in enum and new not in enum:
            enum.append(new)
        for value in node.values():
            _add_to_enums(value, old, new)
    elif isinstance(node, list):
        for value in node:
            _add_to_enums(value, old, new)


def _tolerant_enums(node: Any, positive: bool) -> None:
    """Enums the spec assumed and the checks tolerate (see module docstring)."""
    if isinstance(node, dict):
        if "enum" in node and "default" in node and "x-bulkbench-tolerant" in node:
            if positive:
                node["enum"] = [node["default"]]
            else:
                node.pop("enum")
        for value in node.values():
            _tolerant_enums(value, positive)
    elif isinstance(node, list):
        for value in node:
            _tolerant_enums(value, positive)


def _move_job_path(doc: dict[str, Any], provider: Provider, settled: Settled) -> None:
    for ep in provider.endpoints:
        path = served_path(ep, settled)
        if path != ep.path and path not in doc["paths"]:
            doc["paths"][path] = doc["paths"].pop(ep.path)


def _settled_codes(doc: dict[str, Any], provider: Provider, settled: Settled) -> None:
    assumed = ASSUMED_ERROR_CODES.get(provider.name, {})
    for status, code in (settled.get("error_codes") or {}).items():
        old = assumed.get(str(status))
        if old and old != code:
            _add_to_enums(doc, old, str(code))


def _transaction_body(doc: dict[str, Any], provider: Provider, settled: Settled) -> None:
    pointer = settled.get("transaction_id_pointer")
    if pointer is None or pointer == ASSUMPTIONS["transaction_id_pointer"].default(provider):
        return
    for ep in provider.endpoints:
        if ep.batch_field is None or not ep.websocket:
            continue
        for code, response in doc["paths"][ep.path][ep.method.lower()].get(
                "responses", {}).items():
            if code.startswith("2"):
                response = _component(doc, response)
                for media in response.get("content", {}).values():
                    media["schema"] = {"type": "object"}
                    media.pop("examples", None)
                    media.pop("example", None)


def _settled(doc: dict[str, Any], provider: Provider, settled: Settled) -> None:
    _rename(doc, provider, settled)
    _settled_codes(doc, provider, settled)
    _transaction_body(doc, provider, settled)
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
    _tolerant_enums(doc, positive)
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
    _move_job_path(doc, provider, settled or {})
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
            kind = "integer" if pins.list_id_type == "integer" else "string"
            lst["properties"] = {**lst.get("properties", {}),
                                 "id": {"type": kind, "enum": pins.list_values()}}
            lst["required"] = ["id"]
        else:
            schema["properties"].pop("list", None)
    elif provider == "leadlex" and name == "import_job_status" and pins.job_ids:
        for param in op.get("parameters", ()):
            param = _component(doc, param)
            if param.get("in") == "path":
                param["schema"] = {"type": "string", "enum": list(pins.job_ids)}
                param.pop("example", None)
    elif provider == "sociocs" and name == "bulk_upsert" and schema is not None:
        ids: list[int] = [0, *(int(i) for i in pins.lists if str(i).isdigit())]
        schema["properties"]["list_id"] = {"type": "integer", "enum": ids}
