"""The inspection API under ``/_sandbox/``: what the sandbox holds, for checks and people.

Every route but ``/_sandbox/health`` (that exact path: not ``/_sandbox/x/health``, not
``/_sandbox/health/``) needs ``Authorization: Bearer <admin_key>`` (the ``admin_key`` of
``sandbox.json``); the provider keys do not open it. Routes:

- ``GET  /_sandbox/health``                         ``{"status": "ok"}``
- ``GET  /_sandbox/info``                           the content of ``sandbox.json``
- ``GET  /_sandbox/faults``                         active and available faults
- ``GET  /_sandbox/counts``                         contacts per provider and workspace, lists
- ``GET  /_sandbox/{provider}/contacts``            stored contacts (``workspace``, ``limit``,
                                                    ``offset``, ``email``, ``phone`` filters)
- ``GET  /_sandbox/{provider}/lists/{list_id}``     one list: ``contact_count`` as stored and
                                                    ``member_count`` recounted, member ids
- ``POST /_sandbox/reset``                          delete contacts and list members (and the
                                                    plugins' data) of ``?provider=`` or all

Plugins add their own under ``/_sandbox/{provider}/`` with ``plugin.admin_route``.
"""

from __future__ import annotations

import secrets
import sqlite3
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from bulkbench.sandbox.faults import FAULTS
from bulkbench.sandbox.plugin import json_response
from bulkbench.sandbox.runtime import Sandbox
from bulkbench.sandbox.storage import contact_counts, get_list, list_member_ids, lists_of

__all__ = ["admin_app"]


def _error(status: int, code: str, message: str) -> Response:
    return json_response({"error": {"code": code, "message": message}}, status)


def _int_param(request: Request, name: str, default: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not raw.isdigit():
        raise ValueError(f"{name} must be a non-negative integer")
    return min(int(raw), high)


#: the one route open without the admin key, as a path below ``/_sandbox``.
_OPEN_PATH = "/health"


def _route_path(scope: Scope) -> str:
    """The request's path below the mount (``/_sandbox``): the path the router matches."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root):] if root and path.startswith(root) else path


class _AdminAuth:
    """Pure ASGI guard: the admin key, except for the exact health route."""

    def __init__(self, app: ASGIApp, sandbox: Sandbox) -> None:
        self.app = app
        self.sandbox = sandbox

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _route_path(scope) != _OPEN_PATH:
            auth = ""
            for name, value in scope["headers"]:
                if name == b"authorization":
                    auth = value.decode("latin-1")
            kind, _, token = auth.partition(" ")
            if kind.lower() != "bearer" or not secrets.compare_digest(
                    token.strip().encode(), self.sandbox.admin_key.encode()):
                await _error(401, "invalid_key", "the admin key of sandbox.json is needed")(
                    scope, receive, send)
                return
        await self.app(scope, receive, send)


def _provider_routes(sandbox: Sandbox, provider: str) -> list[BaseRoute]:
    async def contacts(request: Request) -> Response:
        try:
            limit = _int_param(request, "limit", 100, 10_000)
            offset = _int_param(request, "offset", 0, 1 << 62)
        except ValueError as exc:
            return _error(400, "validation_error", str(exc))
        q = request.query_params
        where, params = ["provider = ?"], [provider]
        for column in ("workspace", "email", "phone"):
            if column in q:
                where.append(f"{column} = ?")
                params.append(q[column].lower() if column == "email" else q[column])

        def fetch(conn: sqlite3.Connection) -> dict[str, Any]:
            cond = " AND ".join(where)
            total = conn.execute(f"SELECT count(*) FROM contacts WHERE {cond}",
                                 params).fetchone()[0]
            rows = conn.execute(
                "SELECT id, workspace, name, email, phone, data, created_at, updated_at"
                f" FROM contacts WHERE {cond} ORDER BY seq LIMIT ? OFFSET ?",
                (*params, limit, offset)).fetchall()
            return {"total": total, "contacts": [
                {"id": r[0], "workspace": r[1], "name": r[2], "email": r[3], "phone": r[4],
                 "data": orjson.loads(r[5]), "created_at": r[6], "updated_at": r[7]}
                for r in rows]}

        return json_response(await sandbox.storage.run(fetch))

    async def one_list(request: Request) -> Response:
        list_id = request.path_params["list_id"]
        try:
            limit = _int_param(request, "limit", 1000, 100_000)
        except ValueError as exc:
            return _error(400, "validation_error", str(exc))

        def fetch(conn: sqlite3.Connection) -> dict[str, Any] | None:
            row = get_list(conn, provider, list_id)
            if row is None:
                return None
            members = conn.execute("SELECT count(*) FROM list_members WHERE provider = ?"
                                   " AND list_id = ?", (provider, list_id)).fetchone()[0]
            return {"id": row.id, "workspace": row.workspace, "name": row.name,
                    "contact_count": row.contact_count, "member_count": members,
                    "contact_ids": list_member_ids(conn, provider, list_id, limit)}

        found = await sandbox.storage.run(fetch)
        if found is None:
            return _error(404, "not_found", f"no list {list_id!r} of {provider}")
        return json_response(found)

    return [Route("/contacts", contacts, methods=["GET"]),
            Route("/lists/{list_id}", one_list, methods=["GET"])]


def admin_app(sandbox: Sandbox) -> ASGIApp:
    """The ``/_sandbox`` application (to mount at ``ADMIN_PREFIX``)."""

    async def health(request: Request) -> Response:
        return json_response({"status": "ok"})

    async def info(request: Request) -> Response:
        origin = str(request.base_url).rstrip("/")
        origin = origin.removesuffix("/_sandbox")
        return json_response(sandbox.describe(origin))

    async def faults(request: Request) -> Response:
        return json_response({
            "active": sorted(sandbox.settings.faults),
            "available": [{"name": f.name, "endpoint": f.endpoint_key,
                           "description": f.description} for f in FAULTS.values()]})

    async def counts(request: Request) -> Response:
        def fetch(conn: sqlite3.Connection) -> dict[str, Any]:
            return {"contacts": contact_counts(conn), "lists": {
                p: [{"id": lst.id, "workspace": lst.workspace, "contact_count": lst.contact_count}
                    for lst in lists_of(conn, p)] for p in sandbox.served_providers()}}
        return json_response(await sandbox.storage.run(fetch))

    async def reset(request: Request) -> Response:
        provider = request.query_params.get("provider")
        known = [p.name for p in sandbox.catalog.providers]
        if provider is not None and provider not in known:
            return _error(404, "not_found", f"no provider {provider!r}")
        chosen = [provider] if provider else known

        def wipe(conn: sqlite3.Connection) -> int:
            deleted = 0
            for name in chosen:
                deleted += conn.execute("DELETE FROM contacts WHERE provider = ?",
                                        (name,)).rowcount
                conn.execute("DELETE FROM list_members WHERE provider = ?", (name,))
                conn.execute("UPDATE lists SET contact_count = 0 WHERE provider = ?", (name,))
                for plugin in sandbox.plugins_of(name):
                    for hook in plugin.reset_hooks:
                        hook(conn)
            return deleted

        deleted = await sandbox.storage.run(wipe)
        return json_response({"reset": chosen, "contacts_deleted": deleted})

    routes: list[BaseRoute] = [
        Route("/health", health, methods=["GET"]),
        Route("/info", info, methods=["GET"]),
        Route("/faults", faults, methods=["GET"]),
        Route("/counts", counts, methods=["GET"]),
        Route("/reset", reset, methods=["POST"]),
    ]
    for provider in sandbox.catalog.providers:
        extra = [r for p in sandbox.plugins_of(provider.name) for r in p.admin_routes]
        routes.append(Mount(f"/{provider.name}", app=Router(
            [*_provider_routes(sandbox, provider.name), *extra], redirect_slashes=False)))
    return _AdminAuth(Router(routes, redirect_slashes=False), sandbox)
