"""The sandbox's errors and the one function that renders an error in a provider's envelope.

Two kinds of error, on purpose unrelated::

    BulkbenchError
    └── SandboxError            the sandbox cannot start as asked (bad option, unknown fault)

    Exception
    └── SandboxHTTPError        a handler's answer to a bad request: status, code, message,
                                details; rendered centrally in the provider's envelope

Handlers raise :class:`SandboxHTTPError`; the request pipeline catches it and calls
:func:`render_error`. Codes are the generic names of ``GENERIC_CODES``; when a provider's
spec documents other codes for that status on that endpoint, the documented one is used.

An envelope is the one the provider's spec describes (``x-bulkbench-error-envelope``: JSON
pointers to the code, message and details, and fixed fields: LeadLex's
``{error: {code, message, details}}``, Datananas' ``{reason, message}``, Sociocs'
``{status: error, errors: [{msg}]}``; a spec that names none gets the generic
``{code, message, details}``), or, when the sandbox serves other error pointers (the
``error_*_pointer`` assumptions, ``sandbox/assumed.py``), the object those JSON pointers
describe (:class:`ErrorPointers`): ``/reason`` and ``/error_description`` give
``{"reason": code, "error_description": message}``. No provider's shape is written here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.responses import Response

from bulkbench.core import json_pointer
from bulkbench.core.catalog import ErrorEnvelope
from bulkbench.core.errors import BulkbenchError

__all__ = [
    "GENERIC_CODES",
    "ErrorPointers",
    "SandboxError",
    "SandboxHTTPError",
    "error_body",
    "render_error",
]

#: the code the core uses for each status it can answer by itself.
GENERIC_CODES = {
    400: "validation_error",
    401: "invalid_key",
    403: "insufficient_permissions",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    429: "rate_limited",
    500: "internal_error",
}


class SandboxError(BulkbenchError):
    """The sandbox cannot start as asked (one line, exit 2)."""


class SandboxHTTPError(Exception):
    """An error answer: raised by a handler, rendered in the provider's envelope."""

    def __init__(self, status: int, code: str, message: str,
                 details: Mapping[str, Any] | None = None,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = dict(details) if details else None
        self.headers = dict(headers) if headers else {}


@dataclass(frozen=True)
class ErrorPointers:
    """Where an error body holds its code, message and details (JSON pointers; '' none)."""

    code: str
    message: str
    details: str


def _put(body: dict[str, Any], pointer: str, value: Any) -> None:
    """Set ``value`` at ``pointer`` in ``body``, making the objects and arrays on the way
    (a step followed by a numeric one makes an array)."""
    parts = json_pointer.parts(pointer)
    here: Any = body
    for i, step in enumerate(parts):
        last = i == len(parts) - 1
        make: Any = None if last else ([] if parts[i + 1].isdigit() else {})
        if isinstance(here, list):
            index = int(step) if step.isdigit() else len(here)
            while len(here) <= index:
                here.append(None)
            if last:
                here[index] = value
            elif not isinstance(here[index], dict | list):
                here[index] = make
            here = here[index]
        else:
            if last:
                here[step] = value
            elif not isinstance(here.get(step), dict | list):
                here[step] = make
            here = here[step]


def _detail_messages(details: Mapping[str, Any] | None) -> list[str]:
    """The messages of ``details["errors"]`` (``path: message`` where a path is given)."""
    messages = []
    for item in (details or {}).get("errors", ()):
        if isinstance(item, Mapping) and "message" in item:
            where = item.get("path") or item.get("field") or ""
            messages.append(f"{where}: {item['message']}" if where else str(item["message"]))
    return messages


def error_body(envelope: ErrorEnvelope, code: str, message: str,
               details: Mapping[str, Any] | None = None, *, with_message: bool = True,
               with_code: bool = True, pointers: ErrorPointers | None = None
               ) -> dict[str, Any]:
    """The JSON body of an error in ``envelope`` (the spec's ``x-bulkbench-error-envelope``),
    or in the shape ``pointers`` describe when given (then without the fixed fields).

    A part whose pointer is '' is left out. A message kept in an array's first element
    (``/errors/0/msg``) where the envelope has no details is followed by one element per
    detail error (``/errors/1/msg`` …). ``with_message=False`` drops the message (the
    ``error_envelope_missing_message`` fault), ``with_code=False`` the code (a fault's error
    without its reason).
    """
    if pointers is not None:
        envelope = ErrorEnvelope(pointers.code, pointers.message, pointers.details)
    body: dict[str, Any] = {}
    for pointer, value in envelope.fixed.items():
        _put(body, pointer, value)
    if envelope.code and with_code:
        _put(body, envelope.code, code)
    if envelope.message and with_message:
        _put(body, envelope.message, message)
        in_array = re.fullmatch(r"(.*)/0(/.*)?", envelope.message)
        if in_array is not None and not envelope.details and pointers is None:
            for n, text in enumerate(_detail_messages(details), start=1):
                _put(body, f"{in_array[1]}/{n}{in_array[2] or ''}", text)
    if envelope.details and details:
        _put(body, envelope.details, dict(details))
    return body


def render_error(envelope: ErrorEnvelope, status: int, code: str, message: str,
                 details: Mapping[str, Any] | None = None,
                 headers: Mapping[str, str] | None = None, *, with_message: bool = True,
                 pointers: ErrorPointers | None = None) -> Response:
    """A complete JSON error response in the provider's envelope (or ``pointers``' shape)."""
    body = orjson.dumps(error_body(envelope, code, message, details, with_message=with_message,
                                   pointers=pointers))
    return Response(body, status_code=status, headers=dict(headers or {}),
                    media_type="application/json")
