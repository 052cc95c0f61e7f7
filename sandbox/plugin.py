"""How a provider module plugs into the sandbox.

A provider module (``sandbox/providers/<name>.py``) creates one :class:`ProviderPlugin`
at module level, named ``plugin``, and declares on it what it serves::

    plugin = ProviderPlugin("leadlex")

    @plugin.endpoint("bulk_create", max_fault="leadlex_bulk_max_off_by_one")
    async def bulk_create(call: Call) -> Any:
        ...                       # call.body is parsed, size-checked and schema-valid
        return {"data": ...}      # rendered as JSON with the success status

and names the module in its provider's folder (``sandbox`` of the folder in
``bulkbench.core.providers``: the bundled table, or a ``bulkbench.providers`` entry point).
Several modules may serve one provider; a batch endpoint no module serves is served from
the spec (``sandbox/generic.py``). The endpoint's method and path come from the catalog
(``x-bulkbench-endpoint``), never from the module.

Before a handler runs, the core has done, in this order: the request id, the configured
latency, the rate limit, authentication (the endpoint's auth scheme → ``call.key``), the
required scope, the content type, the body size (413), JSON parsing and schema validation
with the batch limits (400). A handler raises :class:`~sandbox.errors.SandboxHTTPError`
(``call.error(...)`` builds one) for any error answer; the core renders it in the
provider's envelope and adds the rate-limit headers.

A handler reaches everything through ``call``: ``call.body`` (parsed, valid),
``call.key`` / ``call.workspace``, ``call.storage`` (``await call.storage.run(fn, ...)``
runs ``fn(conn, ...)`` as one transaction on the loop's thread; ``run_in_thread`` for long
work), ``call.settings`` (``settings.extra`` holds ``--option KEY=VALUE``),
``call.fault(name)``, ``call.sandbox.state`` (per-app runtime state of a plugin) and
``call.raw`` (the body bytes, with ``keep_raw=True``). Store parts of the body with
``bulkbench.sandbox.body.dump_json`` (400 for JSON nested too deeply to serialise). With
``chunked_batch=True`` a large body's batch array reaches the handler unparsed, as an
iterable with a length (``sandbox/batch_chunks.py``), so that a 20 MB body of small items
is never held as Python objects all at once.

A handler's success answer gets ``call.success_status`` (for a batch endpoint the assumed
``success_status``, else the spec's). Where the documentation is silent, a handler reads
the reading it serves with ``call.assumed(KEY)`` (a key of ``contract/assumptions.py``; the
spec's assumption unless a variant or ``--assumptions`` file settles it otherwise).
``prepare=`` on ``plugin.endpoint`` gives the parsed body as the provider reads it, before
the schema (e.g. phone numbers normalised).

Other hooks: ``plugin.route(...)`` for raw Starlette routes under the provider's prefix
(``plugin.route_factory(fn)``: one built per sandbox, ``fn(sandbox)``, when its path is an
assumption, like the progress WebSocket's), ``plugin.admin_route(...)`` for inspection routes under
``/_sandbox/<provider>/``, ``plugin.schema(...)`` for tables and indexes,
``plugin.on_startup`` / ``on_shutdown`` (async, given the :class:`Sandbox`),
``plugin.on_reset`` (sync, given the connection, inside the reset transaction) and
``plugin.on_describe`` (extra keys for the provider in ``sandbox.json``; given the
:class:`Sandbox` and the server's origin, ``http://HOST:PORT``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from bulkbench.core.catalog import Endpoint, Provider
from bulkbench.sandbox.auth import ApiKey
from bulkbench.sandbox.body import Problem
from bulkbench.sandbox.errors import GENERIC_CODES, SandboxHTTPError

if TYPE_CHECKING:
    from bulkbench.sandbox.runtime import Sandbox
    from bulkbench.sandbox.settings import SandboxSettings
    from bulkbench.sandbox.storage import Storage

__all__ = ["Call", "DescribeHook", "EndpointSpec", "Handler", "InvalidHook", "PrepareHook",
           "ProviderPlugin", "RouteFactory", "json_response"]

Handler = Callable[["Call"], Awaitable[Any]]
Hook = Callable[["Sandbox"], Awaitable[None]]
#: (the sandbox, the server's origin ``http://HOST:PORT``) → extra keys of the provider's
#: entry in ``sandbox.json``.
DescribeHook = Callable[["Sandbox", str], Mapping[str, Any]]
#: (the schema problems of a body, the sandbox) → the error to answer, or None to accept
#: the body anyway (only a fault does that: the handler then gets a schema-invalid body).
InvalidHook = Callable[[list[Problem], "Sandbox"], SandboxHTTPError | None]
#: (the parsed body, the sandbox) → the body the checks and the handler see.
PrepareHook = Callable[[Any, "Sandbox"], Any]
#: the sandbox → a raw route whose path or behaviour depends on its settings.
RouteFactory = Callable[["Sandbox"], BaseRoute]


def json_response(data: Any, status: int = 200,
                  headers: Mapping[str, str] | None = None) -> Response:
    return Response(orjson.dumps(data), status_code=status, headers=dict(headers or {}),
                    media_type="application/json")


@dataclass(frozen=True)
class EndpointSpec:
    """One catalog endpoint served by a handler, and how the core prepares its calls."""

    provider: str
    name: str
    handler: Handler
    #: validate ``format`` keywords (email, uri, uuid, …) of the request schema.
    formats: bool = True
    #: fault names that widen the batch limits (accept max+1 / accept an empty batch).
    max_fault: str | None = None
    min_fault: str | None = None
    #: keep the raw body bytes on ``call.raw`` (e.g. to hash it for idempotency).
    keep_raw: bool = False
    #: a large body's batch array is parsed a chunk at a time and never whole: for such a
    #: body, ``call.body[batch_field]`` is a
    #: ``bulkbench.sandbox.batch_chunks.ArrayChunks`` (``len()`` and iteration, which parses
    #: the items again), not a list.
    chunked_batch: bool = False
    #: turns schema problems into the endpoint's own 400 (default: a generic one); None
    #: from it lets the body through (a fault that accepts a schema-invalid body).
    invalid: InvalidHook | None = None
    #: the parsed body as the provider reads it, before the batch limits and the schema
    #: (e.g. phone numbers with separators normalised); not with ``chunked_batch``.
    prepare: PrepareHook | None = None

    @property
    def key(self) -> str:
        return f"{self.provider}.{self.name}"


@dataclass
class Call:
    """One request to an endpoint, after the core's checks."""

    sandbox: Sandbox
    provider: Provider
    endpoint: Endpoint
    request: Request
    key: ApiKey | None
    body: Any = None
    raw: bytes | bytearray | None = None

    @property
    def settings(self) -> SandboxSettings:
        return self.sandbox.settings

    @property
    def storage(self) -> Storage:
        return self.sandbox.storage

    @property
    def workspace(self) -> str:
        """The workspace of the calling key (endpoints without auth have none)."""
        if self.key is None:
            raise RuntimeError(f"{self.endpoint.key} has no auth: no workspace")
        return self.key.workspace

    @property
    def request_id(self) -> str:
        return str(self.request.scope.get("state", {}).get("request_id", ""))

    def fault(self, name: str) -> bool:
        return self.sandbox.fault(name)

    def error(self, status: int, message: str, details: Mapping[str, Any] | None = None,
              *, code: str | None = None,
              headers: Mapping[str, str] | None = None) -> SandboxHTTPError:
        """An error to raise; the code defaults to the generic one for the status."""
        return SandboxHTTPError(status, code or GENERIC_CODES.get(status, "error"), message,
                                details, headers)

    @property
    def success_status(self) -> int:
        """The status of a successful answer (the assumed one for a batch endpoint)."""
        return self.sandbox.success_status(self.endpoint)

    def assumed(self, key: str) -> Any:
        """The reading of an open point served for this provider (``Sandbox.assumed``)."""
        return self.sandbox.assumed(self.provider.name, key)

    def reply(self, data: Any, status: int | None = None,
              headers: Mapping[str, str] | None = None) -> Response:
        """A JSON answer with the success status unless told otherwise."""
        return json_response(data, status or self.success_status, headers)


@dataclass
class ProviderPlugin:
    """What one provider module serves, declared at import time (no runtime state here)."""

    provider: str
    #: how the lists seeded at first start-up are named: UUIDs or small integers.
    list_ids: Literal["uuid", "int"] = "uuid"
    endpoints: list[EndpointSpec] = field(default_factory=list)
    routes: list[BaseRoute] = field(default_factory=list)
    route_factories: list[RouteFactory] = field(default_factory=list)
    admin_routes: list[BaseRoute] = field(default_factory=list)
    schema_statements: list[str] = field(default_factory=list)
    startup_hooks: list[Hook] = field(default_factory=list)
    shutdown_hooks: list[Hook] = field(default_factory=list)
    reset_hooks: list[Callable[[sqlite3.Connection], None]] = field(default_factory=list)
    describe_hooks: list[DescribeHook] = field(default_factory=list)

    def endpoint(self, name: str, *, formats: bool = True, max_fault: str | None = None,
                 min_fault: str | None = None, keep_raw: bool = False,
                 invalid: InvalidHook | None = None, chunked_batch: bool = False,
                 prepare: PrepareHook | None = None) -> Callable[[Handler], Handler]:
        """Serve catalog endpoint ``<provider>.<name>`` with the decorated handler."""
        if prepare is not None and chunked_batch:
            raise ValueError(f"{self.provider}.{name}: prepare needs the whole body "
                             "(not with chunked_batch)")

        def decorate(fn: Handler) -> Handler:
            if any(spec.name == name for spec in self.endpoints):
                raise ValueError(f"{self.provider}.{name} is served twice")
            self.endpoints.append(EndpointSpec(
                self.provider, name, fn, formats=formats, max_fault=max_fault,
                min_fault=min_fault, keep_raw=keep_raw, chunked_batch=chunked_batch,
                invalid=invalid, prepare=prepare))
            return fn
        return decorate

    def route(self, route: BaseRoute) -> None:
        """A raw Starlette route under the provider's prefix (no core checks applied)."""
        self.routes.append(route)

    def route_factory(self, fn: RouteFactory) -> RouteFactory:
        """A raw route built per sandbox (its path may be an assumption, e.g. the progress
        WebSocket's ``websocket_url``), under the provider's prefix."""
        self.route_factories.append(fn)
        return fn

    def admin_route(self, route: BaseRoute) -> None:
        """An inspection route under ``/_sandbox/<provider>/`` (the admin key is checked)."""
        self.admin_routes.append(route)

    def schema(self, *statements: str) -> None:
        """SQL run at start-up after the core schema (use IF NOT EXISTS)."""
        self.schema_statements.extend(statements)

    def on_startup(self, fn: Hook) -> Hook:
        self.startup_hooks.append(fn)
        return fn

    def on_shutdown(self, fn: Hook) -> Hook:
        self.shutdown_hooks.append(fn)
        return fn

    def on_reset(self, fn: Callable[[sqlite3.Connection], None]
                 ) -> Callable[[sqlite3.Connection], None]:
        self.reset_hooks.append(fn)
        return fn

    def on_describe(self, fn: DescribeHook) -> DescribeHook:
        self.describe_hooks.append(fn)
        return fn
