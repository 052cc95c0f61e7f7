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
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from starlette.responses import Response

from bulkbench.errors import BulkbenchError

__all__ = [
    "GENERIC_CODES",
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


def error_body(envelope: str, code: str, message: str,
               details: Mapping[str, Any] | None = None, *, with_message: bool = True
               ) -> dict[str, Any]:
    """The JSON body of an error in ``envelope`` (``leadlex``, ``datananas``, ``sociocs``).

    ``with_message=False`` drops the message (the ``envelope_missing_message`` fault).
    """
    if envelope == "datananas":
        body: dict[str, Any] = {"reason": code}
        if with_message:
            body["message"] = message
        return body
    if envelope == "sociocs":
        msgs = [message] if with_message else []
        for item in (details or {}).get("errors", ()) if with_message else ():
            if isinstance(item, Mapping) and "message" in item:
                where = item.get("path") or item.get("field") or ""
                msgs.append(f"{where}: {item['message']}" if where else str(item["message"]))
        return {"status": "error", "errors": [{"msg": m} for m in msgs] or [{}]}
    inner: dict[str, Any] = {"code": code}
    if with_message:
        inner["message"] = message
    if details:
        inner["details"] = dict(details)
    return {"error": inner}


def render_error(envelope: str, status: int, code: str, message: str,
                 details: Mapping[str, Any] | None = None,
                 headers: Mapping[str, str] | None = None, *, with_message: bool = True
                 ) -> Response:
    """A complete JSON error response in the provider's envelope."""
    body = orjson.dumps(error_body(envelope, code, message, details, with_message=with_message))
    return Response(body, status_code=status, headers=dict(headers or {}),
                    media_type="application/json")
