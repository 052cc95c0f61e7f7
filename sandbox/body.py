"""Request bodies: content type, size limit, JSON parsing, schema validation.

The size limit is decided from ``Content-Length`` when the client sends one (the body is
not read at all when it is too large), else while streaming: no more than the limit plus
one chunk is ever held. Parsing is ``orjson`` (strict UTF-8, no NaN, no lone surrogates,
nesting deeper than 1024 refused); validation is ``jsonschema_rs``, compiled once per
endpoint from the catalog's request schema and run on the whole body in one call.
``format: email`` is jsonschema_rs's (ASCII addresses, as ``bulkbench.generators.schema_validation``
judges them), or with :data:`IDN_EMAIL_FORMATS` (a variant's reading of NOTES L28) also an
internationalised address (RFC 6531: a non-ASCII local part or domain).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import jsonschema_rs
import orjson
from starlette.requests import ClientDisconnect, Request

from bulkbench.core.catalog import Endpoint
from bulkbench.sandbox.errors import SandboxHTTPError

__all__ = [
    "IDN_EMAIL_FORMATS",
    "MAX_STORED_DEPTH",
    "PREALLOCATE_BYTES",
    "BodyValidator",
    "Problem",
    "check_content_type",
    "dump_json",
    "items_validator",
    "parse_json",
    "read_body",
]

#: the most of a declared ``Content-Length`` allocated before the bytes arrive.
PREALLOCATE_BYTES = 1024 * 1024

#: orjson parses JSON nested up to 1024 levels but serialises at most this deep.
MAX_STORED_DEPTH = 254


#: a ``format`` name → its checker, replacing jsonschema_rs's own (``formats=`` of
#: ``validator_for``).
FormatCheckers = Mapping[str, Callable[[str], bool]]

_ASCII_EMAIL = jsonschema_rs.validator_for({"format": "email"}, validate_formats=True)
_IDN_EMAIL = jsonschema_rs.validator_for({"format": "idn-email"}, validate_formats=True)


def _email_or_idn_email(value: str) -> bool:
    return bool(_ASCII_EMAIL.is_valid(value) or _IDN_EMAIL.is_valid(value))


#: ``format: email`` accepting internationalised addresses too (``josé@bücher.de``).
IDN_EMAIL_FORMATS: FormatCheckers = {"email": _email_or_idn_email}


def check_content_type(request: Request) -> None:
    """400 unless the body is declared ``application/json`` (charset, if any, UTF-8)."""
    raw = request.headers.get("content-type")
    if raw is None:
        raise SandboxHTTPError(400, "validation_error",
                               "Content-Type must be application/json (none was sent)")
    media, *params = (p.strip() for p in raw.split(";"))
    if media.lower() != "application/json":
        raise SandboxHTTPError(400, "validation_error",
                               f"Content-Type must be application/json, not {media[:80]!r}")
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in (
                "utf-8", "utf8"):
            raise SandboxHTTPError(400, "validation_error",
                                   "the JSON body must be UTF-8 (charset=utf-8)")


def _too_large(limit: int) -> SandboxHTTPError:
    mib = limit / (1024 * 1024)
    size = f"{mib:g} MB" if mib >= 1 else f"{limit} bytes"
    return SandboxHTTPError(413, "payload_too_large", f"Payload exceeds {size}",
                            {"max_body_bytes": limit})


async def read_body(request: Request, limit: int) -> bytearray:
    """The whole body, or 413 as soon as it is known to exceed ``limit`` bytes.

    With a ``Content-Length`` up to :data:`PREALLOCATE_BYTES` of it are allocated at once
    and the buffer grows past that only as the bytes arrive: a client that declares 20 MB
    and sends nothing does not make the sandbox hold 20 MB (half-sent bodies are closed by
    ``sandbox/connection_guard.py``). Without one (chunked) it grows likewise and is
    refused as soon as it passes the limit.
    """
    declared = request.headers.get("content-length")
    size: int | None = None
    if declared is not None:
        if not declared.strip().isdigit():
            raise SandboxHTTPError(400, "validation_error", "Content-Length is not a number")
        size = int(declared)
        if size > limit:
            raise _too_large(limit)
    buf = bytearray(min(size or 0, PREALLOCATE_BYTES))
    pos = 0
    try:
        async for chunk in request.stream():
            end = pos + len(chunk)
            if end > limit:
                raise _too_large(limit)
            if end > len(buf):
                buf[pos:] = chunk
            else:
                buf[pos:end] = chunk
            pos = end
    except ClientDisconnect as exc:
        raise SandboxHTTPError(400, "validation_error", "the client disconnected") from exc
    if pos < len(buf):
        del buf[pos:]
    return buf


def parse_json(data: bytes | bytearray) -> Any:
    if not data:
        raise SandboxHTTPError(400, "validation_error", "the request body is empty")
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise SandboxHTTPError(400, "validation_error",
                               f"the request body is not valid JSON: {exc}") from None


def dump_json(value: Any) -> bytes:
    """``value`` (a part of a request body) as JSON bytes for storage; 400 when it is nested
    deeper than ``MAX_STORED_DEPTH`` (orjson's serialisation limit)."""
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError as exc:
        raise SandboxHTTPError(400, "validation_error",
                               f"the body is nested too deeply (at most {MAX_STORED_DEPTH} "
                               "levels can be stored)") from exc


@dataclass(frozen=True)
class Problem:
    """One schema violation: where (a path into the body), what, and which keyword."""

    path: tuple[str | int, ...]
    message: str
    keyword: str
    field: str | None

    @property
    def pointer(self) -> str:
        return "/" + "/".join(str(p) for p in self.path) if self.path else ""


def _without_batch_limits(schema: Mapping[str, Any], batch_field: str | None) -> dict[str, Any]:
    out = copy.deepcopy(dict(schema))
    if batch_field is not None:
        arr = out.get("properties", {}).get(batch_field)
        if isinstance(arr, dict):
            arr.pop("minItems", None)
            arr.pop("maxItems", None)
    return out


#: what a batch array's schema may say for its items to be validated a chunk at a time.
_CHUNKABLE_ARRAY_KEYS = frozenset({"type", "items", "minItems", "maxItems", "description",
                                   "title", "examples", "example"})


def items_validator(endpoint: Endpoint, *, formats: bool = True,
                    checkers: FormatCheckers | None = None) -> Any | None:
    """The endpoint's batch array schema without its size limits, compiled: a run of items
    valid against it is valid wherever it sits in the array. None when the array's schema
    says more than its type, items and limits (``uniqueItems``, ``contains``, …: only the
    whole array can be checked) or the body schema is not an object with the array as a
    plain property."""
    field = endpoint.batch_field
    schema = endpoint.request_schema
    if field is None or schema.get("type") != "object":
        return None
    array = schema.get("properties", {}).get(field)
    if not isinstance(array, Mapping) or array.get("type") != "array" or any(
            not (k in _CHUNKABLE_ARRAY_KEYS or k.startswith("x-")) for k in array):
        return None
    return jsonschema_rs.validator_for(_without_batch_limits(
        {"type": "object", "properties": {field: array}}, field)["properties"][field],
        validate_formats=formats, formats=dict(checkers) if checkers else None)


class BodyValidator:
    """The endpoint's request schema, compiled once; the batch size is checked apart.

    The batch array's ``minItems``/``maxItems`` are taken out of the compiled schema: the
    pipeline checks them first (cheap, a clear message naming the limit, and the place
    where the limit faults live), so an oversized batch is never validated item by item.
    """

    def __init__(self, endpoint: Endpoint, *, formats: bool = True,
                 checkers: FormatCheckers | None = None) -> None:
        self.endpoint = endpoint
        schema = _without_batch_limits(endpoint.request_schema, endpoint.batch_field)
        self._validator = jsonschema_rs.validator_for(
            schema, validate_formats=formats, formats=dict(checkers) if checkers else None)

    def problems(self, body: Any, limit: int = 50) -> list[Problem]:
        """Up to ``limit`` violations (empty when the body is valid)."""
        try:
            if self._validator.is_valid(body):
                return []
            out: list[Problem] = []
            for err in self._validator.iter_errors(body):
                kind = err.kind
                keyword = type(kind).__name__
                path = tuple(err.instance_path)
                field: str | None = None
                if keyword == "Required":
                    field = str(getattr(kind, "property", "")) or None
                elif path and isinstance(path[-1], str):
                    field = path[-1]
                out.append(Problem(path, err.message, keyword, field))
                if len(out) >= limit:
                    break
            return out
        except (ValueError, OverflowError, RecursionError) as exc:  # values jsonschema_rs refuses
            return [Problem((), f"the body cannot be validated: {exc}", "Custom", None)]
