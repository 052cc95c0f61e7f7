"""Datananas inspection routes, under ``/_sandbox/datananas/`` (the admin key is checked by
``sandbox/inspect.py``):

- ``GET /quotas``: every account's quotas and usage; ``PUT``/``POST /quotas``
  ``{workspace, total_quota?, daily_connect_quota?}`` sets them (an integer >= 0, or null
  for the default);
- ``GET /contacts/by-email?email=`` (``workspace``, default main): every stored contact with
  that email (case-insensitive) and its lists; more than one means a duplicate;
- ``GET /counts``: per workspace, stored contacts and distinct emails (equal unless
  duplicated), and the progress socket's connections and dropped connections.
"""

from __future__ import annotations

import sqlite3
import time
from typing import TYPE_CHECKING, Any

import orjson
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bulkbench.sandbox import datananas_quotas as quotas_
from bulkbench.sandbox.datananas_progress import progress_channel_of
from bulkbench.sandbox.plugin import json_response
from bulkbench.sandbox.storage import norm_email

if TYPE_CHECKING:
    from bulkbench.sandbox.runtime import Sandbox

__all__ = ["contacts_by_email", "counts", "quotas", "routes"]

PROVIDER = "datananas"


def _sandbox_of(conn: HTTPConnection) -> Sandbox:
    """The Sandbox behind the app serving ``conn`` (raw routes get no Call)."""
    sandbox: Sandbox = conn.app.state.sandbox
    return sandbox


def _admin_error(status: int, message: str) -> Response:
    return json_response({"error": {"code": "validation_error" if status == 400
                                    else "not_found", "message": message}}, status)


async def quotas(request: Request) -> Response:
    """GET: every account's quotas and usage. PUT/POST ``{workspace, total_quota?,
    daily_connect_quota?}``: set them (an integer >= 0, or null for the default)."""
    sandbox = _sandbox_of(request)
    defaults = quotas_.default_quotas(sandbox.settings.extra)
    day = quotas_.today(time.time())
    if request.method == "GET":
        def read(conn: sqlite3.Connection) -> list[dict[str, Any]]:
            return [quotas_.account_view(quotas_.account(conn, ws), defaults, day)
                    for ws in quotas_.workspaces(conn)]
        return json_response({"accounts": await sandbox.storage.run(read)})

    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        return _admin_error(400, "the body must be a JSON object")
    if not isinstance(body, dict):
        return _admin_error(400, "the body must be a JSON object")
    workspace = body.get("workspace", "main")
    changes: dict[str, int | None] = {}
    for name in ("total_quota", "daily_connect_quota"):
        if name in body:
            value = body[name]
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                      or value < 0):
                return _admin_error(400, f"{name} must be an integer >= 0 or null")
            changes[name] = value

    def write(conn: sqlite3.Connection) -> dict[str, Any] | None:
        acct = quotas_.set_quotas(conn, workspace, changes)
        return None if acct is None else quotas_.account_view(acct, defaults, day)

    view = await sandbox.storage.run(write)
    if view is None:
        return _admin_error(404, f"no Datananas workspace {workspace!r}")
    return json_response(view)


async def contacts_by_email(request: Request) -> Response:
    """Every stored contact with ``?email=`` (case-insensitive; ``workspace``, default
    main), with the lists it belongs to; more than one means a duplicate."""
    sandbox = _sandbox_of(request)
    email = norm_email(request.query_params.get("email"))
    if email is None:
        return _admin_error(400, "?email= is required")
    workspace = request.query_params.get("workspace", "main")

    def read(conn: sqlite3.Connection) -> list[dict[str, Any]]:
        rows = conn.execute("SELECT id, name, email, data, created_at, updated_at FROM contacts"
                            " WHERE provider = ? AND workspace = ? AND email = ? ORDER BY seq",
                            (PROVIDER, workspace, email)).fetchall()
        out = []
        for cid, name, mail, data, created_at, updated_at in rows:
            lists = [r[0] for r in conn.execute(
                "SELECT m.list_id FROM list_members m JOIN lists l ON l.provider = m.provider"
                " AND l.id = m.list_id WHERE m.provider = ? AND l.workspace = ?"
                " AND m.contact_id = ? ORDER BY m.list_id", (PROVIDER, workspace, cid))]
            out.append({"id": cid, "name": name, "email": mail, "data": orjson.loads(data),
                        "lists": lists, "created_at": created_at, "updated_at": updated_at})
        return out

    found = await sandbox.storage.run(read)
    return json_response({"email": email, "workspace": workspace, "total": len(found),
                          "contacts": found})


async def counts(request: Request) -> Response:
    """Per workspace: stored contacts and distinct emails (equal unless duplicated)."""
    sandbox = _sandbox_of(request)

    def read(conn: sqlite3.Connection) -> dict[str, Any]:
        return {ws: {"contacts": n, "distinct_emails": d} for ws, n, d in conn.execute(
            "SELECT workspace, count(*), count(DISTINCT email) FROM contacts"
            " WHERE provider = ? GROUP BY workspace", (PROVIDER,))}

    return json_response({"workspaces": await sandbox.storage.run(read),
                          "progress_connections": progress_channel_of(sandbox).count(),
                          "progress_dropped": progress_channel_of(sandbox).dropped})


def routes() -> list[BaseRoute]:
    """The routes, relative to ``/_sandbox/datananas``."""
    return [Route("/quotas", quotas, methods=["GET", "PUT", "POST"]),
            Route("/contacts/by-email", contacts_by_email, methods=["GET"]),
            Route("/counts", counts, methods=["GET"])]
