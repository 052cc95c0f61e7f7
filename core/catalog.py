"""The spec catalog: the OpenAPI documents in ``specs/`` as typed objects.

This is the only place limits come from. ``load_catalog()`` reads every spec, checks
that it is a valid OpenAPI 3.1 document and that the bulkbench extensions it relies on
are present and well-typed, and returns a :class:`Catalog` of :class:`Provider` and
:class:`Endpoint` objects. A malformed spec raises :class:`CatalogError` naming the file
and the place (a JSON pointer) that is wrong.

The extensions are described in ``specs/README.md``.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml

from bulkbench.core import json_pointer
from bulkbench.core.errors import BulkbenchError

__all__ = [
    "SPECS_DIR",
    "AuthScheme",
    "Catalog",
    "CatalogError",
    "Endpoint",
    "ErrorEnvelope",
    "ErrorResponse",
    "Provider",
    "RateHeaders",
    "RateLimit",
    "default_catalog",
    "load_catalog",
    "load_provider",
]

#: the bundled specs: the package resource ``bulkbench/specs`` (``specs/`` in the repository).
SPECS_DIR = Path(str(files("bulkbench") / "specs"))

RESET_STYLES = ("epoch-seconds", "delta-seconds")
HTTP_METHODS = ("get", "put", "post", "delete", "patch")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class CatalogError(BulkbenchError):
    """A spec file is missing, malformed, or lacks what the catalog needs."""

    def __init__(self, file: Path | str, where: str, problem: str) -> None:
        self.file = str(file)
        self.where = where
        self.problem = problem
        super().__init__(f"{self.file}: at {where or '/'}: {problem}")


@dataclass(frozen=True)
class AuthScheme:
    """How a request authenticates.

    ``style`` is ``bearer`` (``Authorization: Bearer <key>``), ``apikey-header``
    (``<header_name>: <key>``) or ``oauth2`` (``Authorization: Bearer <token>``).
    """

    name: str
    style: str
    header_name: str
    key_prefix: str | None = None
    description: str = ""

    def headers(self, key: str) -> dict[str, str]:
        """The request headers that carry ``key`` in this scheme."""
        if self.style == "apikey-header":
            return {self.header_name: key}
        return {"Authorization": f"Bearer {key}"}


@dataclass(frozen=True)
class ErrorEnvelope:
    """Where a provider's error bodies keep their parts (``x-bulkbench-error-envelope``):
    JSON pointers (RFC 6901; '' when the errors carry no such part), the fields every error
    body carries with a fixed value (by pointer), and whether the documentation shows the
    message (its absence is then a contract failure, not an assumption mismatch)."""

    code: str = "/code"
    message: str = "/message"
    details: str = "/details"
    fixed: Mapping[str, Any] = field(default_factory=dict)
    message_documented: bool = False


#: the envelope of a spec that names none: ``{code, message, details}`` at the top.
GENERIC_ENVELOPE = ErrorEnvelope()
#: the batch endpoint kinds the sandbox serves from the spec alone (``x-bulkbench-kind``).
ENDPOINT_KINDS = ("bulk_create", "bulk_upsert")
#: the counters a success may report (``x-bulkbench-counters``: kind → response field).
COUNTER_KINDS = ("created", "updated", "skipped", "added")


@dataclass(frozen=True)
class ErrorResponse:
    """One documented non-2xx status of an endpoint and the codes it may carry."""

    status: int
    codes: tuple[str, ...]
    description: str


@dataclass(frozen=True)
class RateLimit:
    """The assumed rate limit: ``requests`` per ``window_seconds``; how Reset is expressed."""

    requests: int
    window_seconds: float
    reset: str


@dataclass(frozen=True)
class RateHeaders:
    """The response headers that carry the rate limit (``x-bulkbench-rate-limit.headers``):
    their names, '' for one the provider does not send."""

    limit: str = "X-RateLimit-Limit"
    remaining: str = "X-RateLimit-Remaining"
    reset: str = "X-RateLimit-Reset"

    @property
    def names(self) -> tuple[str, ...]:
        """The headers sent, in the order limit, remaining, reset."""
        return tuple(n for n in (self.limit, self.remaining, self.reset) if n)


#: the ``X-RateLimit-Limit/Remaining/Reset`` headers of a spec that names none.
DEFAULT_RATE_HEADERS = RateHeaders()


@dataclass(frozen=True)
class Endpoint:
    """One operation of a provider, with everything the stages need to know about it."""

    provider: str
    name: str
    method: str
    path: str
    summary: str
    documented: bool
    batch_field: str | None
    min_batch: int | None
    max_batch: int | None
    sync_max_rows: int | None
    max_body_bytes: int | None
    item_required: tuple[str, ...]
    item_fields: tuple[str, ...]
    identity_keys: tuple[str, ...]
    required_scope: str | None
    auth: AuthScheme | None
    success_status: int
    errors: tuple[ErrorResponse, ...]
    request_headers: tuple[str, ...]
    response_headers: tuple[str, ...]
    query_params: tuple[str, ...]
    doc_seed: str | None
    doc_url: str | None
    doc_sentences: tuple[str, ...]
    assumptions: tuple[str, ...]
    #: ``x-bulkbench-websocket``: the progress channel of the operation, when it has one.
    websocket: Mapping[str, Any] | None
    #: the success response's headers the spec marks ``required: true``.
    required_response_headers: tuple[str, ...]
    request_schema: Mapping[str, Any] = field(repr=False, compare=False)
    item_schema: Mapping[str, Any] | None = field(repr=False, compare=False)
    #: ``x-bulkbench-counters``: the counters a success reports, kind → response field.
    counters: Mapping[str, str] = field(default_factory=dict, compare=False)
    #: ``x-bulkbench-success-fields``: response fields a success carries with a fixed value.
    success_fields: Mapping[str, Any] = field(default_factory=dict, compare=False)
    #: ``x-bulkbench-kind`` (batch endpoints): what the endpoint does, ``bulk_create`` or
    #: ``bulk_upsert`` (default: upsert when it has identity keys); None when not a batch.
    kind: str | None = None
    #: ``x-bulkbench-item-fields``: the JSON pointer, within a batch item, of the object
    #: holding the contact's fields ('' when they sit at the item's top level, ``/properties``
    #: for ``{"properties": {"email": …}}``).
    fields_at: str = ""
    #: the names of the contact's fields (the properties of the schema at ``fields_at``).
    contact_fields: tuple[str, ...] = ()
    #: the schema of the object at ``fields_at`` (the item schema when '').
    contact_schema: Mapping[str, Any] | None = field(default=None, repr=False, compare=False)

    def contact_of(self, item: Any) -> Any:
        """The object holding ``item``'s contact fields (``fields_at``), or None."""
        found = json_pointer.resolve(item, self.fields_at, None)
        return found if isinstance(found, dict) else None

    def field_of(self, item: Any, name: str) -> Any:
        """The value of field ``name`` of ``item``: a top-level item field, else a contact
        field (at ``fields_at``); None when absent."""
        if isinstance(item, dict) and name in item:
            return item[name]
        contact = self.contact_of(item)
        return contact.get(name) if contact is not None else None

    @property
    def key(self) -> str:
        """``provider.name``: how the CLI and reports name the endpoint."""
        return f"{self.provider}.{self.name}"

    @property
    def statuses(self) -> tuple[int, ...]:
        return (self.success_status, *(e.status for e in self.errors))

    def error_codes(self, status: int) -> tuple[str, ...]:
        """The documented codes for ``status`` (empty when the status has none)."""
        for err in self.errors:
            if err.status == status:
                return err.codes
        return ()

    def all_error_codes(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for err in self.errors:
            for code in err.codes:
                seen.setdefault(code)
        return tuple(seen)


@dataclass(frozen=True)
class Provider:
    """One provider: its spec file, servers, auth, error envelope and endpoints."""

    name: str
    title: str
    spec_path: Path
    server_url: str
    error_envelope: ErrorEnvelope
    rate_limit: RateLimit | None
    auth_schemes: tuple[AuthScheme, ...]
    endpoints: tuple[Endpoint, ...]
    #: the OpenAPI ``webhooks`` the provider sends, by event name, with ``$ref``s resolved.
    webhooks: Mapping[str, Mapping[str, Any]] = field(repr=False, compare=False)
    document: Mapping[str, Any] = field(repr=False, compare=False)
    #: ``x-bulkbench-key-env``: the environment variable of the main key (default
    #: ``<NAME>_API_KEY``); the provider config may name another.
    key_env: str = ""
    #: ``x-bulkbench-rate-limit.headers``: the names of the rate-limit response headers.
    rate_headers: RateHeaders = DEFAULT_RATE_HEADERS

    def endpoint(self, name: str) -> Endpoint:
        for ep in self.endpoints:
            if ep.name == name:
                return ep
        known = ", ".join(ep.name for ep in self.endpoints)
        raise CatalogError(self.spec_path, "", f"no endpoint {name!r} (known: {known})")

    @property
    def documented_endpoints(self) -> tuple[Endpoint, ...]:
        return tuple(ep for ep in self.endpoints if ep.documented)


@dataclass(frozen=True)
class Catalog:
    """Every provider the specs describe."""

    providers: tuple[Provider, ...]

    def provider(self, name: str) -> Provider:
        for p in self.providers:
            if p.name == name:
                return p
        known = ", ".join(p.name for p in self.providers)
        raise CatalogError(SPECS_DIR, "", f"no provider {name!r} (known: {known}; a spec of "
                           "your own is added with --spec FILE)")

    def endpoint(self, key: str) -> Endpoint:
        """An endpoint by ``provider.name``."""
        provider, sep, name = key.partition(".")
        if not sep:
            raise CatalogError(SPECS_DIR, "", f"endpoint {key!r} is not of the form provider.name")
        return self.provider(provider).endpoint(name)

    def endpoints(self, documented_only: bool = False) -> Iterator[Endpoint]:
        for p in self.providers:
            yield from (p.documented_endpoints if documented_only else p.endpoints)


# --------------------------------------------------------------------------- loading


def load_catalog(specs_dir: Path | str | None = None,
                 added: Sequence[Path | str] = ()) -> Catalog:
    """Load every ``*.yaml`` spec in ``specs_dir`` (default: the bundled specs) and the
    spec files ``added`` (after the folder's, by provider name)."""
    directory = Path(specs_dir) if specs_dir is not None else SPECS_DIR
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise CatalogError(directory, "", "no *.yaml spec files found")
    extra = [Path(f) for f in added if Path(f) not in files]
    files += extra
    providers = [load_provider(f) for f in files]
    seen: dict[str, Path] = {}
    for p in providers:
        if p.name in seen:
            raise CatalogError(p.spec_path, "/x-bulkbench-provider",
                               f"provider {p.name!r} is named twice (also in {seen[p.name]})")
        seen[p.name] = p.spec_path
    bundled = providers[:len(providers) - len(extra)]
    return Catalog((*bundled, *sorted(providers[len(bundled):], key=lambda p: p.name)))


@cache
def default_catalog() -> Catalog:
    """The bundled specs and the added ones (``--spec``, the config's ``specs``: the
    ``BULKBENCH_SPECS`` environment variable, ``core/providers.py``), loaded once per
    process (``use_specs`` loads them again)."""
    from bulkbench.core.providers import added_specs

    return load_catalog(added=added_specs())


def load_provider(path: Path | str) -> Provider:
    """Load and check one spec file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogError(path, "", f"cannot read: {exc.strerror or exc}") from exc
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise CatalogError(path, where, f"not valid YAML: {getattr(exc, 'problem', exc)}") from exc
    _validate_openapi(path, raw)
    try:
        return _Reader(path, raw).provider()
    except DanglingRef as exc:
        raise CatalogError(path, str(exc.args[0]), "this $ref points at nothing") from exc


def _validate_openapi(path: Path, raw: Any) -> None:
    if not isinstance(raw, dict):
        raise CatalogError(path, "", "the document is not a mapping")
    if not str(raw.get("openapi", "")).startswith("3.1"):
        raise CatalogError(path, "/openapi", "must be an OpenAPI 3.1 document")
    from openapi_spec_validator import validate
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError
    from referencing.exceptions import Unresolvable

    try:
        validate(raw)
    except Unresolvable as exc:  # the validator's resolver met a $ref that points at nothing
        ref = getattr(exc, "ref", "")
        ref = f"#{ref}" if isinstance(ref, str) and ref.startswith("/") else ref
        raise CatalogError(path, str(ref), "this $ref points at nothing") from exc
    except OpenAPIValidationError as exc:
        where = "/" + "/".join(str(p) for p in getattr(exc, "path", ()) or ())
        raise CatalogError(path, where, f"not a valid OpenAPI 3.1 document: {exc.message}") from exc


def resolve_refs(node: Any, root: Mapping[str, Any], _seen: tuple[str, ...] = ()) -> Any:
    """``node`` with every local ``$ref`` replaced by a copy of its target."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            if ref in _seen:  # recursive schema: keep the reference
                return dict(node)
            target: Any = root
            for step in json_pointer.parts(ref[1:]):
                if not isinstance(target, dict) or step not in target:
                    raise DanglingRef(ref)
                target = target[step]
            merged = {**copy.deepcopy(target), **{k: v for k, v in node.items() if k != "$ref"}}
            return resolve_refs(merged, root, (*_seen, ref))
        return {k: resolve_refs(v, root, _seen) for k, v in node.items()}
    if isinstance(node, list):
        return [resolve_refs(v, root, _seen) for v in node]
    return node


class DanglingRef(LookupError):
    """A ``$ref`` that points at nothing (turned into a CatalogError by the reader)."""


class _Reader:
    """Reads one validated document into typed objects, naming the place of any problem."""

    def __init__(self, path: Path, raw: dict[str, Any]) -> None:
        self.path = path
        self.raw = raw

    def fail(self, where: str, problem: str) -> CatalogError:
        return CatalogError(self.path, where, problem)

    def get(
        self,
        node: Mapping[str, Any],
        key: str,
        kind: type | tuple[type, ...],
        where: str,
        required: bool = True,
    ) -> Any:
        if key not in node:
            if required:
                raise self.fail(where, f"missing {key!r}")
            return None
        value = node[key]
        if isinstance(value, bool) and kind in (int, (int, float)):
            raise self.fail(f"{where}/{key}", f"expected {_kind_name(kind)}, got a boolean")
        if not isinstance(value, kind):
            raise self.fail(
                f"{where}/{key}", f"expected {_kind_name(kind)}, got {type(value).__name__}"
            )
        return value

    def provider(self) -> Provider:
        raw = self.raw
        name = self.get(raw, "x-bulkbench-provider", str, "")
        if not _NAME.match(name):
            raise self.fail("/x-bulkbench-provider",
                            f"{name!r}: expected a short name of lowercase letters, digits "
                            "and underscores, starting with a letter")
        envelope = self.error_envelope()
        key_env = self.get(raw, "x-bulkbench-key-env", str, "", required=False)
        servers = self.get(raw, "servers", list, "")
        if not servers or not isinstance(servers[0], dict) or "url" not in servers[0]:
            raise self.fail("/servers", "needs at least one server with a url")
        schemes = self.auth_schemes()
        default_security = raw.get("security")
        endpoints = []
        for path, item in self.get(raw, "paths", dict, "").items():
            for method, op in item.items():
                if method in HTTP_METHODS:
                    where = f"/paths/{_escape(path)}/{method}"
                    endpoints.append(
                        self.endpoint(
                            name, path, method, op, item, where, schemes, default_security
                        )
                    )
        seen = [ep.name for ep in endpoints]
        for ep_name in seen:
            if seen.count(ep_name) > 1:
                raise self.fail("/paths", f"x-bulkbench-endpoint {ep_name!r} is used twice")
        return Provider(
            name=name,
            title=str(raw.get("info", {}).get("title", name)),
            spec_path=self.path,
            server_url=str(servers[0]["url"]),
            error_envelope=envelope,
            rate_limit=self.rate_limit(),
            rate_headers=self.rate_headers(),
            auth_schemes=tuple(schemes.values()),
            endpoints=tuple(endpoints),
            webhooks={k: resolve_refs(v, raw) for k, v in (raw.get("webhooks") or {}).items()},
            document=raw,
            key_env=key_env or f"{name.upper()}_API_KEY",
        )

    def error_envelope(self) -> ErrorEnvelope:
        where = "/x-bulkbench-error-envelope"
        if isinstance(self.raw.get("x-bulkbench-error-envelope"), str):
            raise self.fail(where, "expected the JSON pointers of the error's parts, e.g. "
                            "{code: /error/code, message: /error/message, details: '' } "
                            "(specs/README.md)")
        node = self.get(self.raw, "x-bulkbench-error-envelope", dict, "", required=False)
        if node is None:
            return GENERIC_ENVELOPE
        known = {"code", "message", "details", "fixed", "message-documented"}
        for key in node:
            if key not in known:
                raise self.fail(f"{where}/{key}",
                                f"unknown key (known: {', '.join(sorted(known))})")
        pointers = {}
        for part in ("code", "message", "details"):
            value = self.get(node, part, str, where, required=False)
            value = "" if value is None else value
            if value and not value.startswith("/"):
                raise self.fail(f"{where}/{part}", f"{value!r} is not a JSON pointer ('' or /…)")
            pointers[part] = value
        if not pointers["code"] and not pointers["message"]:
            raise self.fail(where, "an error needs a code or a message pointer")
        fixed = self.get(node, "fixed", dict, where, required=False) or {}
        for pointer in fixed:
            if not str(pointer).startswith("/"):
                raise self.fail(f"{where}/fixed", f"{pointer!r} is not a JSON pointer")
        documented = self.get(node, "message-documented", bool, where, required=False)
        return ErrorEnvelope(pointers["code"], pointers["message"], pointers["details"],
                             dict(fixed), bool(documented))

    def rate_limit(self) -> RateLimit | None:
        node = self.get(self.raw, "x-bulkbench-rate-limit", dict, "", required=False)
        if node is None:
            return None
        where = "/x-bulkbench-rate-limit"
        reset = self.get(node, "reset", str, where)
        if reset not in RESET_STYLES:
            raise self.fail(f"{where}/reset", f"{reset!r} is not one of {', '.join(RESET_STYLES)}")
        return RateLimit(
            requests=self.get(node, "requests", int, where),
            window_seconds=float(self.get(node, "window_seconds", (int, float), where)),
            reset=reset,
        )

    def rate_headers(self) -> RateHeaders:
        node = self.get(self.raw, "x-bulkbench-rate-limit", dict, "", required=False) or {}
        where = "/x-bulkbench-rate-limit"
        names = self.get(node, "headers", dict, where, required=False)
        if names is None:
            return DEFAULT_RATE_HEADERS
        known = ("limit", "remaining", "reset")
        for key in names:
            if key not in known:
                raise self.fail(f"{where}/headers/{key}",
                                f"unknown key (known: {', '.join(known)})")
        found = {k: self.get(names, k, str, f"{where}/headers", required=False)
                 for k in known}
        return RateHeaders(**{k: getattr(DEFAULT_RATE_HEADERS, k) if v is None else v
                              for k, v in found.items()})

    def auth_schemes(self) -> dict[str, AuthScheme]:
        comps = self.raw.get("components", {}) or {}
        schemes: dict[str, AuthScheme] = {}
        for sname, node in (comps.get("securitySchemes") or {}).items():
            where = f"/components/securitySchemes/{sname}"
            kind = node.get("type")
            if kind == "http" and str(node.get("scheme", "")).lower() == "bearer":
                fmt = node.get("bearerFormat")
                prefix = str(fmt).split("…")[0].split("...")[0] if fmt else None
                schemes[sname] = AuthScheme(
                    sname,
                    "bearer",
                    "Authorization",
                    prefix or None,
                    str(node.get("description", "")),
                )
            elif kind == "apiKey" and node.get("in") == "header":
                schemes[sname] = AuthScheme(
                    sname,
                    "apikey-header",
                    str(node["name"]),
                    None,
                    str(node.get("description", "")),
                )
            elif kind == "oauth2":
                schemes[sname] = AuthScheme(
                    sname, "oauth2", "Authorization", None, str(node.get("description", ""))
                )
            else:
                raise self.fail(where, f"unsupported security scheme type {kind!r}")
        return schemes

    def endpoint(
        self,
        provider: str,
        path: str,
        method: str,
        op: Any,
        path_item: Mapping[str, Any],
        where: str,
        schemes: Mapping[str, AuthScheme],
        default_security: Any,
    ) -> Endpoint:
        if not isinstance(op, dict):
            raise self.fail(where, "operation is not a mapping")
        name = self.get(op, "x-bulkbench-endpoint", str, where)
        doc = self.get(op, "x-bulkbench-doc", dict, where, required=False) or {}
        documented = self.get(op, "x-documented", bool, where, required=False)
        documented = True if documented is None else documented
        if documented and not doc.get("seed"):
            raise self.fail(f"{where}/x-bulkbench-doc", "a documented operation names its seed")

        body_schema: dict[str, Any] = {}
        if "requestBody" in op:
            content = resolve_refs(op["requestBody"], self.raw).get("content", {})
            json_media = content.get("application/json")
            if json_media is None:
                raise self.fail(f"{where}/requestBody/content", "no application/json body")
            body_schema = json_media.get("schema", {})

        batch_field = self.get(op, "x-batch-field", str, where, required=False)
        min_batch = max_batch = None
        item_schema: dict[str, Any] | None = None
        if batch_field is not None:
            props = body_schema.get("properties", {})
            if batch_field not in props:
                raise self.fail(
                    f"{where}/requestBody",
                    f"x-batch-field {batch_field!r} is not a property of the body",
                )
            arr = props[batch_field]
            if arr.get("type") != "array":
                raise self.fail(
                    f"{where}/requestBody/.../{batch_field}", "batch field is not an array"
                )
            min_batch = arr.get("minItems")
            max_batch = arr.get("maxItems")
            if min_batch is None:
                raise self.fail(
                    f"{where}/requestBody/.../{batch_field}", "batch array needs minItems"
                )
            if max_batch is not None and max_batch < min_batch:
                raise self.fail(f"{where}/requestBody/.../{batch_field}", "maxItems < minItems")
            item_schema = arr.get("items")

        item_required: tuple[str, ...] = ()
        item_fields: tuple[str, ...] = ()
        if item_schema is not None:
            item_required = tuple(item_schema.get("required", ()))
            item_fields = tuple((item_schema.get("properties") or {}).keys())
        fields_at = self.get(op, "x-bulkbench-item-fields", str, where, required=False) or ""
        contact_schema, contact_fields = item_schema, item_fields
        if fields_at:
            if batch_field is None or not fields_at.startswith("/"):
                raise self.fail(f"{where}/x-bulkbench-item-fields",
                                f"{fields_at!r}: expected a JSON pointer into a batch item")
            contact_schema = item_schema
            for part in json_pointer.parts(fields_at):
                props = (contact_schema or {}).get("properties") or {}
                contact_schema = props.get(part)
            if not isinstance(contact_schema, dict) or contact_schema.get("type") != "object":
                raise self.fail(f"{where}/x-bulkbench-item-fields",
                                f"{fields_at!r} is not an object property of the items")
            contact_fields = tuple((contact_schema.get("properties") or {}).keys())

        identity = self.get(op, "x-identity-keys", list, where, required=False) or []
        for key in identity:
            if item_fields and key not in item_fields and key not in contact_fields:
                raise self.fail(f"{where}/x-identity-keys", f"{key!r} is not a field of the items")

        security = op.get("security", default_security)
        auth = None
        if security:
            sname = next(iter(security[0]), None)
            if sname is not None:
                if sname not in schemes:
                    raise self.fail(f"{where}/security", f"unknown security scheme {sname!r}")
                auth = schemes[sname]

        success, errors, response_headers, required_headers = self.responses(op, where)
        params = [
            resolve_refs(p, self.raw)
            for p in (*path_item.get("parameters", ()), *op.get("parameters", ()))
        ]
        sync_max = self.get(op, "x-sync-max-rows", int, where, required=False)
        max_body = self.get(op, "x-max-body-bytes", int, where, required=False)
        assumptions = tuple(dict.fromkeys(_collect_assumptions(resolve_refs(op, self.raw))))
        websocket = self.get(op, "x-bulkbench-websocket", dict, where, required=False)
        counters = self.get(op, "x-bulkbench-counters", dict, where, required=False) or {}
        for kind_name, counter in counters.items():
            if kind_name not in COUNTER_KINDS or not isinstance(counter, str):
                raise self.fail(f"{where}/x-bulkbench-counters/{kind_name}",
                                f"expected one of {', '.join(COUNTER_KINDS)} naming a "
                                "response field")
        fixed = self.get(op, "x-bulkbench-success-fields", dict, where, required=False) or {}
        kind = self.get(op, "x-bulkbench-kind", str, where, required=False)
        if kind is not None and kind not in ENDPOINT_KINDS:
            raise self.fail(f"{where}/x-bulkbench-kind",
                            f"{kind!r} is not one of {', '.join(ENDPOINT_KINDS)}")
        if kind is not None and batch_field is None:
            raise self.fail(f"{where}/x-bulkbench-kind", "only a batch operation has a kind")
        if kind is None and batch_field is not None:
            kind = "bulk_upsert" if identity else "bulk_create"
        return Endpoint(
            provider=provider,
            name=name,
            method=method.upper(),
            path=path,
            summary=str(op.get("summary", "")),
            documented=documented,
            batch_field=batch_field,
            min_batch=min_batch,
            max_batch=max_batch,
            sync_max_rows=sync_max,
            max_body_bytes=max_body,
            item_required=item_required,
            item_fields=item_fields,
            identity_keys=tuple(identity),
            required_scope=self.get(op, "x-required-scope", str, where, required=False),
            auth=auth,
            success_status=success,
            errors=errors,
            request_headers=tuple(p["name"] for p in params if p.get("in") == "header"),
            response_headers=response_headers,
            query_params=tuple(p["name"] for p in params if p.get("in") == "query"),
            doc_seed=doc.get("seed"),
            doc_url=doc.get("url"),
            doc_sentences=tuple(doc.get("sentences", ())),
            assumptions=assumptions,
            websocket=websocket,
            required_response_headers=required_headers,
            request_schema=body_schema,
            item_schema=item_schema,
            counters=dict(counters),
            success_fields=dict(fixed),
            kind=kind,
            fields_at=fields_at,
            contact_fields=contact_fields,
            contact_schema=contact_schema,
        )

    def responses(
        self, op: Mapping[str, Any], where: str
    ) -> tuple[int, tuple[ErrorResponse, ...], tuple[str, ...], tuple[str, ...]]:
        responses = self.get(op, "responses", dict, where)
        success: int | None = None
        errors: list[ErrorResponse] = []
        headers: dict[str, Any] = {}
        for status_text, resp in responses.items():
            rwhere = f"{where}/responses/{status_text}"
            if not str(status_text).isdigit():
                continue  # "default" or a range such as "5XX": no single status to check
            status = int(status_text)
            resp = resolve_refs(resp, self.raw)
            if 200 <= status < 300:
                if success is None:
                    success = status
                    headers = dict(resp.get("headers") or {})
                continue
            codes = self.get(resp, "x-error-codes", list, rwhere, required=False) or []
            errors.append(
                ErrorResponse(
                    status, tuple(str(c) for c in codes), str(resp.get("description", ""))
                )
            )
        if success is None:
            raise self.fail(f"{where}/responses", "no 2xx response")
        required = tuple(name for name, h in headers.items() if h.get("required"))
        return success, tuple(sorted(errors, key=lambda e: e.status)), tuple(headers), required


def _collect_assumptions(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "x-bulkbench-assumption" and isinstance(v, str):
                yield v.strip()
            else:
                yield from _collect_assumptions(v)
    elif isinstance(node, list):
        for v in node:
            yield from _collect_assumptions(v)


def _escape(path: str) -> str:
    return path.replace("~", "~0").replace("/", "~1")


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {
        str: "a string",
        int: "an integer",
        float: "a number",
        dict: "a mapping",
        list: "a list",
        bool: "a boolean",
    }
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(names.get(k, k.__name__) for k in kinds)
