"""``create_app(settings)``: the sandbox as one Starlette application.

Each provider of the catalog is mounted at ``/<provider>`` (``/leadlex``, ``/datananas``,
``/sociocs``): its base URL is ``http://HOST:PORT/<provider>`` and the spec's paths hang
below it. The inspection API is at ``/_sandbox`` (``sandbox/inspect.py``). Anything not
found (404), or a method a path does not serve (405 with ``Allow``; or 404 like an unknown
path where ``unsupported_method_status`` says so), is answered in the provider's envelope
with a code its spec allows (NOTES.md X5); every response carries
``X-Request-ID`` (the client's, when it sent a sane one).
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bulkbench.core.catalog import GENERIC_ENVELOPE, Catalog, Provider, default_catalog
from bulkbench.sandbox.errors import GENERIC_CODES, SandboxHTTPError, render_error
from bulkbench.sandbox.inspect import admin_app
from bulkbench.sandbox.pipeline import endpoint_route, error_response
from bulkbench.sandbox.plugin import ProviderPlugin
from bulkbench.sandbox.providers import load_plugins
from bulkbench.sandbox.runtime import ADMIN_PREFIX, Sandbox
from bulkbench.sandbox.settings import SandboxSettings

__all__ = ["create_app", "sandbox_of"]

log = logging.getLogger("sandbox")

_REQUEST_ID = re.compile(rb"^[\x21-\x7e]{1,128}$")


class RequestIdMiddleware:
    """Sets ``scope["state"]["request_id"]`` and the ``X-Request-ID`` response header."""

    def __init__(self, app: ASGIApp, sandbox: Sandbox) -> None:
        self.app = app
        self.sandbox = sandbox

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = b""
        for name, value in scope["headers"]:
            if name == b"x-request-id" and _REQUEST_ID.match(value):
                rid = value
        if not rid:
            rid = uuid.uuid4().hex.encode()
        scope.setdefault("state", {})["request_id"] = rid.decode()
        omit = self.sandbox.fault("request_id_missing")

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start" and not omit:
                message["headers"] = [*message.get("headers", ()), (b"x-request-id", rid)]
            await send(message)

        await self.app(scope, receive, send_with_id)


def _no_operation_code(provider: Provider) -> str:
    """The code of a 404 (no such path) or 405 (a method the path does not serve, with
    ``Allow``): one the provider's spec allows (NOTES.md X5): ``not_found`` where the
    provider has it, else ``validation_error`` (the request is wrong, not a resource)."""
    codes = {code for ep in provider.endpoints for code in ep.all_error_codes()}
    for code in ("not_found", "validation_error"):
        if code in codes or not codes:
            return code
    return GENERIC_CODES[404]


def sandbox_of(app: Starlette) -> Sandbox:
    """The :class:`Sandbox` behind an app made by :func:`create_app`."""
    sandbox: Sandbox = app.state.sandbox
    return sandbox


def create_app(settings: SandboxSettings | None = None, *, catalog: Catalog | None = None,
               plugins: Sequence[ProviderPlugin] | None = None) -> Starlette:
    """The sandbox app; the database is open and seeded when this returns.

    The app's lifespan starts the plugins' hooks and closes the database at the end.
    """
    settings = settings or SandboxSettings()
    catalog = catalog or default_catalog()
    sandbox = Sandbox(settings, catalog,
                      load_plugins(catalog) if plugins is None else plugins)

    routes: list[BaseRoute] = []
    for provider in catalog.providers:
        provider_routes: list[BaseRoute] = []
        for plugin in sandbox.plugins_of(provider.name):
            provider_routes.extend(endpoint_route(sandbox, spec) for spec in plugin.endpoints)
            provider_routes.extend(plugin.routes)
            provider_routes.extend(make(sandbox) for make in plugin.route_factories)
        routes.append(Mount(f"/{provider.name}",
                            app=Router(provider_routes, redirect_slashes=False)))
    routes.append(Mount(ADMIN_PREFIX, app=admin_app(sandbox)))

    async def http_error(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        headers = dict(exc.headers or {}) if isinstance(exc, HTTPException) else {}
        code = GENERIC_CODES.get(status, "error")
        message = {404: "Not found"}.get(
            status, exc.detail if isinstance(exc, HTTPException) else "internal error")
        if status == 405:
            message = (f"Method {request.method} is not allowed here"
                       f" (Allow: {headers.get('Allow', '')})")
        first = request.url.path.strip("/").split("/", 1)[0]
        provider = next((p for p in catalog.providers if p.name == first), None)
        if provider is None:
            return render_error(GENERIC_ENVELOPE, status, code, message, None, headers)
        if status == 405 and sandbox.assumed(provider.name, "unsupported_method_status") == 404:
            # answered like an unknown path: no Allow (NOTES X5, unsupported_method_status)
            status, message = 404, "Not found"
            headers.pop("Allow", None)
        if status in (404, 405):
            code = _no_operation_code(provider)
        return error_response(sandbox, provider, None,
                              SandboxHTTPError(status, code, message), headers)

    async def internal_error(request: Request, exc: Exception) -> Response:
        log.error("unexpected error: %r", exc)
        return await http_error(request, exc)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await sandbox.start()
        try:
            yield
        finally:
            await sandbox.stop()

    app = _SandboxApp(routes=routes, lifespan=lifespan,
                      exception_handlers={HTTPException: http_error, Exception: internal_error})
    app.router.redirect_slashes = False
    app.state.sandbox = sandbox
    return app


class _SandboxApp(Starlette):
    """Starlette with :class:`RequestIdMiddleware` outside all of its stack: a 500 that
    Starlette's outermost ``ServerErrorMiddleware`` answers (an exception in a raw or
    inspection route, or in a middleware) carries ``X-Request-ID`` too."""

    def build_middleware_stack(self) -> ASGIApp:
        return RequestIdMiddleware(super().build_middleware_stack(), self.state.sandbox)
