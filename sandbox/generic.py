"""The sandbox of a provider without a folder: its batch endpoints served from the spec.

A provider whose folder serves none of its endpoints (``core/providers.py``; a provider
added with ``--spec``) gets one :class:`~bulkbench.sandbox.plugin.ProviderPlugin` built
here. Everything the core pipeline does for any endpoint applies (``sandbox/pipeline.py``):
authentication with the spec's scheme, the required scope, the rate limit, the body limit
(``x-max-body-bytes`` → 413), the batch limits (``minItems``/``maxItems``) and the
request schema (400), each error in the spec's envelope (``x-bulkbench-error-envelope``).
What is left is the endpoint's kind (``x-bulkbench-kind``):

- ``bulk_create``: every item is a new contact;
- ``bulk_upsert``: an item whose identity (the values of ``x-identity-keys``, compared
  as given) matches a stored contact of the workspace replaces it, otherwise it is
  created; an identity repeated within one batch: the last item wins.

The batch is atomic (the schema is checked before anything is written). The success
answer is the spec's ``x-bulkbench-success-fields`` with its ``x-bulkbench-counters``
(``created``, ``updated``, ``skipped``: 0, ``added``: created + updated). The inspection
route ``GET /_sandbox/<provider>/contacts/by-identity?<identity key>=VALUE[&workspace=W]``
lists the
stored contacts, each with its ``data``.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Sequence
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bulkbench.core.catalog import Endpoint, Provider
from bulkbench.sandbox import faults
from bulkbench.sandbox.plugin import Call, Handler, ProviderPlugin, json_response

__all__ = ["GENERIC_FAULTS", "generic_plugin", "identity_of"]

#: the faults of the generic sandbox (any provider it serves).
GENERIC_FAULTS = faults.register_all([
    ("generic_created_off_by_one", None,
     "a provider served from its spec alone reports one more created contact than it made"),
    ("generic_upsert_duplicates", None,
     "a provider served from its spec alone creates a second contact for a known identity"),
])

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS generic_contacts (
        provider TEXT NOT NULL,
        workspace TEXT NOT NULL,
        identity TEXT NOT NULL,
        id TEXT NOT NULL,
        data BLOB NOT NULL,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        PRIMARY KEY (provider, workspace, identity)
    ) WITHOUT ROWID""",
)


def identity_of(item: Any, endpoint: Endpoint) -> str | None:
    """The identity of an item: its identity keys' values, top-level or inside the item
    (``x-bulkbench-item-fields``); None when it has none."""
    keys = endpoint.identity_keys
    if not keys or not isinstance(item, dict):
        return None
    values = [endpoint.field_of(item, k) for k in keys]
    if all(v is None or v == "" for v in values):
        return None
    return orjson.dumps(values).decode()


def _store(conn: sqlite3.Connection, provider: str, workspace: str, endpoint: Endpoint,
           items: list[Any], duplicates: bool) -> tuple[int, int]:
    """Write the batch; (created, updated)."""
    now = time.time()
    created = updated = 0
    seen: set[str] = set()
    for item in items:
        cid = str(uuid.uuid4())
        identity = identity_of(item, endpoint)
        if identity is None or duplicates:
            identity = f"id:{cid}"
        data = orjson.dumps(item)
        known = conn.execute(
            "SELECT 1 FROM generic_contacts WHERE provider = ? AND workspace = ? AND "
            "identity = ?", (provider, workspace, identity)).fetchone()
        if known is not None:
            conn.execute("UPDATE generic_contacts SET data = ?, updated_at = ? WHERE "
                         "provider = ? AND workspace = ? AND identity = ?",
                         (data, now, provider, workspace, identity))
            if identity not in seen:
                updated += 1
        else:
            conn.execute("INSERT INTO generic_contacts VALUES (?, ?, ?, ?, ?, ?, ?)",
                         (provider, workspace, identity, cid, data, now, now))
            created += 1
        seen.add(identity)
    return created, updated


def _handler(endpoint: Endpoint) -> Handler:
    async def handle(call: Call) -> Any:
        items = list(call.body[endpoint.batch_field]) if endpoint.batch_field else []
        upsert = endpoint.kind == "bulk_upsert"
        created, updated = await call.storage.run(
            _store, call.provider.name, call.workspace, endpoint, items,
            not upsert or call.fault("generic_upsert_duplicates"))
        if call.fault("generic_created_off_by_one"):
            created += 1
        counts = {"created": created, "updated": updated, "skipped": 0,
                  "added": created + updated}
        return {**endpoint.success_fields,
                **{name: counts[kind] for kind, name in endpoint.counters.items()}}
    return handle


def _lookup(provider: Provider) -> Route:
    keys = tuple(dict.fromkeys(k for ep in provider.endpoints for k in ep.identity_keys))

    async def contacts(request: Request) -> Response:
        q = request.query_params
        workspace = q.get("workspace", "main")
        wanted = {k: q[k] for k in keys if k in q}
        if not wanted:
            return json_response({"error": {"code": "validation_error", "message":
                                            f"one of ?{', ?'.join(keys) or '…'}= is needed"}},
                                 400)
        sandbox = request.app.state.sandbox

        def read(conn: sqlite3.Connection) -> list[dict[str, Any]]:
            rows = conn.execute(
                "SELECT id, data, created_at, updated_at FROM generic_contacts WHERE "
                "provider = ? AND workspace = ? ORDER BY created_at, id",
                (provider.name, workspace)).fetchall()
            found = []
            for cid, data, created_at, updated_at in rows:
                item = orjson.loads(data)
                if all(any(str(ep.field_of(item, k)) == v for ep in provider.endpoints)
                       for k, v in wanted.items()):
                    found.append({"id": cid, "data": item, "created_at": created_at,
                                  "updated_at": updated_at})
            return found

        found = await sandbox.storage.run(read)
        return json_response({"workspace": workspace, "total": len(found),
                              "contacts": found})

    return Route("/contacts/by-identity", contacts, methods=["GET"])


def generic_plugin(provider: Provider, served: Sequence[str] = ()) -> ProviderPlugin | None:
    """A plugin serving ``provider``'s batch endpoints that ``served`` (the endpoint names
    a folder serves) leaves out; None when there is none."""
    endpoints = [ep for ep in provider.endpoints if ep.kind is not None
                 and ep.name not in served]
    if not endpoints:
        return None
    plugin = ProviderPlugin(provider.name)
    for ep in endpoints:
        plugin.endpoint(ep.name)(_handler(ep))
    plugin.schema(*_SCHEMA)
    if not served:
        plugin.admin_route(_lookup(provider))

    @plugin.on_reset
    def reset(conn: sqlite3.Connection) -> None:
        conn.execute("DELETE FROM generic_contacts WHERE provider = ?", (provider.name,))

    return plugin
