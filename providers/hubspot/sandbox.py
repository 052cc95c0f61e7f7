"""HubSpot's batch create and batch upsert (``POST /crm/v3/objects/contacts/batch/…``).

The core pipeline has checked the token, the scope, the rate limit and the body against
the spec (1..100 ``inputs``, string property values, an email ``id`` on upsert) before a
handler runs; the batch is atomic (NOTES H3: without ``objectWriteTraceId`` one bad input
refuses the whole batch). Then:

- **create** (201): every input is a new contact with the properties sent; an email
  already stored in the account, compared case-insensitively, or one given twice in the
  batch, is a 409 ``CONFLICT`` ("Contact already exists. Existing ID: <id>") and nothing
  is created (NOTES H6);
- **upsert** (200): ``id`` is an email (``idProperty: email``); a stored contact with that
  email is updated with the properties sent only (a property left out keeps its value, an
  empty string clears it), otherwise a contact is created with the email taken from
  ``id``; each result says which by ``new`` (NOTES H7). The same id twice in one batch is a
  400 ``VALIDATION_ERROR`` (the spec's reading; NOTES H7).

Each answer is ``{status: COMPLETE, results: [{id, properties, createdAt, updatedAt,
archived, new?}], startedAt, completedAt}``. The inspection route
``GET /_sandbox/hubspot/contacts/by-identity?email=E`` (or ``?id=E``) lists the contacts
stored under that email, each with ``data = {"id": email, "properties": {...}}``.
"""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bulkbench.sandbox import faults
from bulkbench.sandbox.plugin import Call, ProviderPlugin, json_response

__all__ = ["plugin"]

PROVIDER = "hubspot"
plugin = ProviderPlugin(PROVIDER)
CREATE = f"{PROVIDER}.batch_create"
UPSERT = f"{PROVIDER}.batch_upsert"

faults.register_all([
    ("hubspot_conflict_creates_the_rest", CREATE,
     "a batch create meeting an existing email answers 409 but creates the other inputs"),
    ("hubspot_upsert_clears_left_out", UPSERT,
     "an upsert replaces all properties: a property left out of the update is cleared"),
    ("hubspot_upsert_new_always_true", UPSERT,
     "every upsert result says new: true, also for a contact that was updated"),
])

plugin.schema(
    """CREATE TABLE IF NOT EXISTS hubspot_contacts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        workspace TEXT NOT NULL,
        email TEXT,
        properties BLOB NOT NULL,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    )""",
    "CREATE UNIQUE INDEX IF NOT EXISTS hubspot_contacts_email ON hubspot_contacts"
    " (workspace, email) WHERE email IS NOT NULL",
)


@plugin.on_reset
def _reset(conn: sqlite3.Connection) -> None:
    conn.execute("DELETE FROM hubspot_contacts")


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z")


def _key(email: Any) -> str | None:
    """How an email is matched: case-insensitively (NOTES H6, H7)."""
    return email.strip().lower() if isinstance(email, str) and email.strip() else None


class _Refused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _result(row: tuple[Any, ...], new: bool | None = None) -> dict[str, Any]:
    cid, _email, properties, created_at, updated_at = row
    out = {"id": str(cid), "properties": orjson.loads(properties),
           "createdAt": _iso(created_at), "updatedAt": _iso(updated_at), "archived": False}
    if new is not None:
        out["new"] = new
    return out


def _find(conn: sqlite3.Connection, workspace: str, email: str) -> tuple[Any, ...] | None:
    row: tuple[Any, ...] | None = conn.execute(
        "SELECT id, email, properties, created_at, updated_at FROM hubspot_contacts"
        " WHERE workspace = ? AND email = ?", (workspace, email)).fetchone()
    return row


def _insert(conn: sqlite3.Connection, workspace: str, properties: dict[str, Any],
            now: float) -> tuple[Any, ...]:
    email = _key(properties.get("email"))
    cur = conn.execute("INSERT INTO hubspot_contacts (workspace, email, properties,"
                       " created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                       (workspace, email, orjson.dumps(properties), now, now))
    return (cur.lastrowid, email, orjson.dumps(properties), now, now)


def _answer(results: list[dict[str, Any]], started: float) -> dict[str, Any]:
    return {"status": "COMPLETE", "results": results, "startedAt": _iso(started),
            "completedAt": _iso(time.time())}


@plugin.endpoint("batch_create")
async def batch_create(call: Call) -> Any:
    started = time.time()
    inputs: list[dict[str, Any]] = call.body["inputs"]
    workspace = call.workspace
    rest_created = call.fault("hubspot_conflict_creates_the_rest")

    def work(conn: sqlite3.Connection) -> tuple[list[dict[str, Any]], str | None]:
        seen: set[str] = set()
        conflict: str | None = None
        fresh: list[dict[str, Any]] = []
        for item in inputs:
            properties = dict(item["properties"])
            email = _key(properties.get("email"))
            if email is not None:
                known = _find(conn, workspace, email)
                if known is not None or email in seen:
                    if conflict is None:
                        conflict = (f"Contact already exists. Existing ID: {known[0]}"
                                    if known is not None
                                    else f"Duplicate email in the batch: {email}")
                    continue
                seen.add(email)
            fresh.append(properties)
        if conflict is not None and not rest_created:
            raise _Refused(409, "CONFLICT", conflict)
        now = time.time()
        return [_result(_insert(conn, workspace, p, now)) for p in fresh], conflict

    try:
        results, conflict = await call.storage.run(work)
    except _Refused as exc:
        raise call.error(exc.status, exc.message, code=exc.code) from None
    if conflict is not None:  # the fault: the rest was written (committed) all the same
        raise call.error(409, conflict, code="CONFLICT")
    return _answer(results, started)


@plugin.endpoint("batch_upsert")
async def batch_upsert(call: Call) -> Any:
    started = time.time()
    inputs: list[dict[str, Any]] = call.body["inputs"]
    workspace = call.workspace
    replace = call.fault("hubspot_upsert_clears_left_out")
    always_new = call.fault("hubspot_upsert_new_always_true")
    emails = [_key(item["id"]) or "" for item in inputs]
    repeated = next((e for e in emails if emails.count(e) > 1), None)
    if repeated is not None:
        raise call.error(400, f"Duplicate IDs found in batch input: {repeated}",
                         code="VALIDATION_ERROR")

    def work(conn: sqlite3.Connection) -> list[dict[str, Any]]:
        now = time.time()
        results = []
        for item, email in zip(inputs, emails, strict=True):
            sent = {k: v for k, v in item["properties"].items() if k != "email"}
            known = _find(conn, workspace, email)
            if known is None:
                properties = {"email": str(item["id"]), **{k: v for k, v in sent.items()
                                                            if v != ""}}
                results.append(_result(_insert(conn, workspace, properties, now), True))
                continue
            stored = {} if replace else orjson.loads(known[2])
            merged = {**stored, **sent, "email": orjson.loads(known[2]).get("email")}
            merged = {k: v for k, v in merged.items() if v != "" and v is not None}
            conn.execute("UPDATE hubspot_contacts SET properties = ?, updated_at = ?"
                         " WHERE id = ?", (orjson.dumps(merged), now, known[0]))
            row = (known[0], email, orjson.dumps(merged), known[3], now)
            results.append(_result(row, always_new))
        return results

    return _answer(await call.storage.run(work), started)


async def _by_identity(request: Request) -> Response:
    q = request.query_params
    email = _key(q.get("email") or q.get("id"))
    if email is None:
        return json_response({"error": {"code": "validation_error",
                                        "message": "?email= (or ?id=) is needed"}}, 400)
    workspace = q.get("workspace", "main")

    def read(conn: sqlite3.Connection) -> list[dict[str, Any]]:
        row = _find(conn, workspace, email)
        if row is None:
            return []
        properties = orjson.loads(row[2])
        return [{"id": str(row[0]), "data": {"id": properties.get("email"),
                                             "properties": properties},
                 "created_at": row[3], "updated_at": row[4]}]

    found = await request.app.state.sandbox.storage.run(read)
    return json_response({"workspace": workspace, "total": len(found), "contacts": found})


plugin.admin_route(Route("/contacts/by-identity", _by_identity, methods=["GET"]))
