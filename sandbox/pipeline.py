"""The request pipeline every provider endpoint goes through before its handler.

``endpoint_route(sandbox, spec)`` turns a plugin's :class:`EndpointSpec` into a Starlette
route at the catalog's method and path (or the assumed path where the docs leave it open,
``Sandbox.endpoint_path``). Its steps, in order: latency → rate limit → authentication →
scope (the assumed name, ``Sandbox.required_scope``) → boolean query flags
(``sandbox/query_flags.py``) → content type → body size → JSON → the endpoint's
``prepare`` (the body as the provider reads it) → batch limits → schema → handler. A
successful answer gets ``Sandbox.success_status``; the Reset style of the rate-limit
headers is the assumed one (``rate_limit_reset``). Any :class:`SandboxHTTPError` becomes
an error in the provider's envelope; any other exception is logged and answered 500
``internal_error`` as a last resort. The rate-limit headers go on every answer, error or
not: with ``--rate-limit``, on every endpoint; without it, on the endpoints whose page
documents them (from an unenforced limiter with the spec's numbers, ``sandbox/rate_limit.py``).
The core's faults are consulted here. ``format: email`` is checked the variant's way
(``format strictness``, NOTES L28: ``body.IDN_EMAIL_FORMATS``).

For an endpoint with ``chunked_batch``, a large body's JSON, batch limits and schema are
checked a chunk of the batch array at a time (``sandbox/batch_chunks.py``); a body that
fails any of them there is checked again the whole-body way, which gives the answer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bulkbench.core.assumptions import ASSUMED_ERROR_CODES, ASSUMPTIONS
from bulkbench.core.catalog import Endpoint, Provider
from bulkbench.sandbox.auth import ApiKey, credential_from_headers
from bulkbench.sandbox.batch_chunks import MIN_BODY_BYTES, ArrayChunks, split_body
from bulkbench.sandbox.body import (
    IDN_EMAIL_FORMATS,
    BodyValidator,
    Problem,
    check_content_type,
    items_validator,
    parse_json,
    read_body,
)
from bulkbench.sandbox.errors import GENERIC_CODES, SandboxHTTPError, render_error
from bulkbench.sandbox.plugin import Call, EndpointSpec, json_response
from bulkbench.sandbox.query_flags import boolean_query_params, check_flags
from bulkbench.sandbox.runtime import Sandbox

__all__ = ["endpoint_route", "error_response", "generic_problem_error"]

log = logging.getLogger("sandbox")

#: how much larger than the documented body limit a body may be under ``body_limit_off``.
_FAULT_BODY_FACTOR = 4


def error_response(sandbox: Sandbox, provider: Provider, endpoint: Endpoint | None,
                   exc: SandboxHTTPError, extra_headers: Mapping[str, str] | None = None
                   ) -> Response:
    """``exc`` rendered in the provider's envelope, with the core's error faults applied."""
    status, code = exc.status, exc.code
    if endpoint is not None and code == GENERIC_CODES.get(status):
        documented = endpoint.error_codes(status)
        if documented and code not in documented:
            code = documented[0]
    if status == 400 and sandbox.fault("bad_request_as_422"):
        status = 422
    if code == "validation_error" and sandbox.fault("wrong_validation_code"):
        code = "bad_request"
    code = _served_code(sandbox, provider, status, code)
    headers = {**exc.headers, **(extra_headers or {})}
    return render_error(provider.error_envelope, status, code, exc.message, exc.details,
                        headers, with_message=not sandbox.fault("error_envelope_missing_message"),
                        pointers=sandbox.error_pointers(provider.name))


def _served_code(sandbox: Sandbox, provider: Provider, status: int, code: str) -> str:
    """The code served for ``status`` where the spec assumed ``code`` (``error_codes``,
    NOTES L24, D8): the variant's own, else ``code``."""
    if not ASSUMPTIONS["error_codes"].applies_to(provider.name):
        return code
    if ASSUMED_ERROR_CODES.get(provider.name, {}).get(str(status)) != code:
        return code
    served = sandbox.assumed(provider.name, "error_codes") or {}
    return str(served.get(str(status), code))


def generic_problem_error(problems: list[Problem]) -> SandboxHTTPError:
    """A 400 listing schema problems by JSON pointer (for endpoints without their own form)."""
    first = problems[0]
    where = first.pointer or "the body"
    return SandboxHTTPError(
        400, "validation_error", f"{where}: {first.message}",
        {"errors": [{"path": p.pointer, "message": p.message} for p in problems]})


def _page_documents_rate_headers(provider: Provider, endpoint: Endpoint) -> bool:
    """Whether the endpoint's documentation page promises ``X-RateLimit-*`` on every
    response: the spec requires them on an operation of the same page (NOTES.md X1)."""
    if endpoint.doc_seed is None:
        return False
    limit = provider.rate_headers.limit.lower()
    return any(limit and limit in (h.lower() for h in ep.required_response_headers)
               for ep in provider.endpoints if ep.doc_seed == endpoint.doc_seed)


class _EndpointRunner:
    """The compiled pipeline of one endpoint (schema compiled once, limits resolved)."""

    def __init__(self, sandbox: Sandbox, spec: EndpointSpec) -> None:
        self.sandbox = sandbox
        self.spec = spec
        self.provider = sandbox.catalog.provider(spec.provider)
        self.endpoint = self.provider.endpoint(spec.name)
        self.scheme = self.endpoint.auth
        self.scope = sandbox.required_scope(self.endpoint)
        self.success_status = sandbox.success_status(self.endpoint)
        self.reset_style = str(sandbox.assumed(self.provider.name, "rate_limit_reset"))
        self.flags = boolean_query_params(self.provider, self.endpoint)
        self.meter = (sandbox.meters.get(self.provider.name)
                      if _page_documents_rate_headers(self.provider, self.endpoint) else None)
        self.has_body = bool(self.endpoint.request_schema)
        # NOTES L28: the variant's reading accepts internationalised email addresses
        checkers = (IDN_EMAIL_FORMATS if sandbox.takes_other_reading("format strictness")
                    else None)
        self.validator = (BodyValidator(self.endpoint, formats=spec.formats, checkers=checkers)
                          if self.has_body else None)
        self.chunk_validator = (items_validator(self.endpoint, formats=spec.formats,
                                                checkers=checkers)
                                if self.has_body and spec.chunked_batch else None)
        limits = [ep.max_body_bytes for ep in sandbox.catalog.endpoints() if ep.max_body_bytes]
        self.max_body = (self.endpoint.max_body_bytes or max(limits, default=0)
                         or sandbox.settings.fallback_max_body_bytes)
        self.body_required_batch = (self.endpoint.batch_field is not None and
                                    self.endpoint.batch_field in
                                    self.endpoint.request_schema.get("required", ()))

    async def __call__(self, request: Request) -> Response:
        sandbox = self.sandbox
        limit_headers: dict[str, str] = {}
        try:
            if sandbox.settings.latency_ms:
                await asyncio.sleep(sandbox.settings.latency_ms / 1000)
            credential = (credential_from_headers(self.scheme, request.headers)
                          if self.scheme is not None else None)
            limit_headers = self._rate_limit(request, credential)
            key = self._authenticate(credential)
            if self.flags:
                check_flags(request, self.flags)
            body, raw = await self._body(request)
            call = Call(sandbox, self.provider, self.endpoint, request, key, body, raw)
            result = await self.spec.handler(call)
            response = (result if isinstance(result, Response)
                        else json_response(result, self.success_status))
        except SandboxHTTPError as exc:
            response = error_response(sandbox, self.provider, self.endpoint, exc)
        except orjson.JSONEncodeError:
            # a handler stored a part of the body with orjson.dumps instead of
            # body.dump_json: the only way parsed JSON fails to serialise is nesting
            response = error_response(sandbox, self.provider, self.endpoint, SandboxHTTPError(
                400, "validation_error", "the body is nested too deeply"))
        except Exception:
            log.exception("unexpected error in %s", self.endpoint.key)
            response = error_response(sandbox, self.provider, self.endpoint, SandboxHTTPError(
                500, "internal_error", "internal error (a bug of the sandbox; see its log)"))
        if limit_headers:
            response.headers.update(limit_headers)
        return response

    # ------------------------------------------------------------------ steps

    def _rate_limit(self, request: Request, credential: str | None) -> dict[str, str]:
        sandbox = self.sandbox
        limiter = sandbox.limiter or self.meter
        if limiter is None:
            return {}
        client = request.client.host if request.client else "?"
        bucket = f"{self.provider.name}:{credential or 'anonymous@' + client}"
        decision = limiter.hit(bucket, reset_style=self.reset_style)
        names = self.provider.rate_headers
        headers = decision.headers(names)
        if sandbox.fault("rate_limit_remaining_stuck") and names.remaining:
            headers[names.remaining] = str(decision.limit)
        if sandbox.fault("rate_limit_headers_missing"):
            headers = {}
        if not decision.allowed and not sandbox.fault("rate_limit_not_enforced"):
            retry = ({} if sandbox.fault("retry_after_missing")
                     else {"Retry-After": str(decision.retry_after)})
            raise SandboxHTTPError(429, "rate_limited", "Rate limit exceeded",
                                   {"retry_after_seconds": decision.retry_after},
                                   {**retry, **headers})
        return headers

    def _authenticate(self, credential: str | None) -> ApiKey | None:
        if self.scheme is None:
            return None
        sandbox = self.sandbox
        key = sandbox.keys.get(self.provider.name, credential)
        if key is None:
            status = 403 if sandbox.fault("unknown_key_403") else 401
            what = "Missing API key" if credential is None else "Invalid API key"
            raise SandboxHTTPError(status, GENERIC_CODES[status], what)
        scope = self.scope
        if not key.allows(scope) and not sandbox.fault("read_only_key_can_write"):
            raise SandboxHTTPError(403, "insufficient_permissions",
                                   f"Missing {scope} permission", {"required_scope": scope})
        return key

    async def _body(self, request: Request) -> tuple[Any, bytes | bytearray | None]:
        if not self.has_body or self.validator is None:
            return None, None
        sandbox = self.sandbox
        check_content_type(request)
        limit = self.max_body
        if sandbox.fault("body_limit_off"):
            limit *= _FAULT_BODY_FACTOR
        raw = await read_body(request, limit)
        body = self._chunked_body(raw)
        if body is not None:
            return body, (raw if self.spec.keep_raw else None)
        try:
            body = parse_json(raw)
        except SandboxHTTPError:
            if sandbox.fault("malformed_json_500"):
                raise RuntimeError("malformed JSON (fault malformed_json_500)") from None
            raise
        if self.spec.prepare is not None:
            body = self.spec.prepare(body, sandbox)
        self._check_batch(body)
        problems = self.validator.problems(body)
        if problems:
            if self.spec.invalid is None:
                raise generic_problem_error(problems)
            error = self.spec.invalid(problems, sandbox)
            if error is not None:
                raise error
            # None: the endpoint's fault accepts this schema-invalid body
        return body, (raw if self.spec.keep_raw else None)

    def _chunked_body(self, raw: bytearray) -> dict[str, Any] | None:
        """A large body with its batch array as ``ArrayChunks``, when it splits and is valid
        in every respect; else None, and the whole body is parsed, checked and answered as
        any other (so an invalid body gets exactly the same errors either way)."""
        items_valid = self.chunk_validator
        field = self.endpoint.batch_field
        if items_valid is None or field is None or self.validator is None or \
                len(raw) < MIN_BODY_BYTES:
            return None
        body = split_body(raw, field, lambda first, items: bool(items_valid.is_valid(items)))
        if body is None:
            return None
        try:
            self._check_batch(body)
        except SandboxHTTPError:
            return None
        if self.validator.problems({**body, field: []}):
            return None
        return body

    def _check_batch(self, body: Any) -> None:
        ep = self.endpoint
        schema_type = ep.request_schema.get("type")
        if schema_type == "object" and not isinstance(body, dict):
            raise SandboxHTTPError(400, "validation_error",
                                   "the request body must be a JSON object")
        field = ep.batch_field
        if field is None or not isinstance(body, dict):
            return
        if field not in body:
            if self.body_required_batch:
                raise SandboxHTTPError(400, "validation_error", f"{field} is required",
                                       {"field": field})
            return
        items = body[field]
        if not isinstance(items, list | ArrayChunks):
            raise SandboxHTTPError(400, "validation_error", f"{field} must be an array",
                                   {"field": field})
        low = ep.min_batch if ep.min_batch is not None else 0
        high = ep.max_batch
        if self.spec.min_fault and self.sandbox.fault(self.spec.min_fault):
            low = 0
        if high is not None and self.spec.max_fault and self.sandbox.fault(self.spec.max_fault):
            high += 1
        if len(items) < low or (high is not None and len(items) > high):
            span = f"between {low} and {high}" if high is not None else f"at least {low}"
            raise SandboxHTTPError(
                400, "validation_error",
                f"{field} must contain {span} items (got {len(items)})",
                {"field": field, "min_items": low, "max_items": high, "count": len(items)})


def endpoint_route(sandbox: Sandbox, spec: EndpointSpec) -> Route:
    """The Starlette route serving ``spec`` at its catalog method and path."""
    runner = _EndpointRunner(sandbox, spec)
    return Route(sandbox.endpoint_path(runner.endpoint), runner.__call__,
                 methods=[runner.endpoint.method], name=spec.key)
