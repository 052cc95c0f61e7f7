"""Sociocs: bulk upsert by phone number (seed 004).

``POST /sociocs/contacts/bulk`` takes 1..10,000 ``records`` (limits from the catalog),
authenticated by the ``apikey`` header. The batch is atomic: the pipeline has checked the
whole body against the schema (a missing or malformed ``phone_number`` → 400) before the
handler writes anything.

- ``phone_number`` is normalised: the leading ``+`` is removed, then ``phone_number_cc``
  (when given) is prefixed unless the number already starts with it. ``+16175551212``,
  ``16175551212`` and, with ``phone_number_cc: "1"``, ``6175551212`` are one contact.
- Upsert by the normalised phone within the account (workspace): an existing contact is
  overwritten entirely: ``name`` cleared when absent, ``extra_fields`` replaced, not
  merged. A phone repeated within one batch: the last record wins. It is one
  ``INSERT … ON CONFLICT DO UPDATE`` over a unique index, by ``executemany`` in one
  transaction.
- ``list_id``: 0 (the default) is "All Contacts", which every contact belongs to; another
  id must be a list of the account (else 404, or the status ``unknown_list_status`` says;
  nothing written); the batch's contacts are added to it (membership is added to, never
  taken away).
- ``phone_separators`` (NOTES.md S6): ``reject`` (the spec's pattern: a number with spaces,
  dashes or parentheses is a 400), or ``normalise``: those separators are dropped before
  the schema is checked (``+1 (617) 555-1212`` is read as ``+16175551212``, the leading
  plus kept) and the number is then treated as any other.
- 200 ``{"status": "success"}``; every error is ``{"status": "error", "errors": [{msg}]}``
  (the core renders the envelope).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import orjson
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.routing import Route

from bulkbench.sandbox import faults
from bulkbench.sandbox.body import Problem
from bulkbench.sandbox.errors import SandboxHTTPError
from bulkbench.sandbox.ids import uuid7_batch
from bulkbench.sandbox.plugin import Call, ProviderPlugin, json_response
from bulkbench.sandbox.storage import get_list

if TYPE_CHECKING:
    from bulkbench.sandbox.runtime import Sandbox

__all__ = ["normalise_phone", "plugin"]

PROVIDER = "sociocs"
plugin = ProviderPlugin(PROVIDER, list_ids="int")
UPSERT = f"{PROVIDER}.bulk_upsert"
ALL_CONTACTS = 0

faults.register_all([
    ("sociocs_records_max_off_by_one", UPSERT,
     "bulk upsert accepts one record more than the maximum"),
    ("sociocs_records_min_zero", UPSERT, "bulk upsert accepts an empty records array"),
    ("sociocs_extra_fields_merged", UPSERT,
     "an update merges extra_fields into the stored ones instead of replacing them"),
    ("sociocs_name_kept_on_update", UPSERT,
     "an update without name keeps the stored name instead of clearing it"),
    ("sociocs_plus_phone_duplicates", UPSERT,
     "+16175551212 and 16175551212 are stored as two contacts (the plus is kept)"),
    ("sociocs_phone_cc_ignored", UPSERT, "phone_number_cc is ignored"),
    ("sociocs_first_record_wins", UPSERT,
     "a phone repeated within one batch keeps its first record instead of its last"),
    ("sociocs_unknown_list_200", UPSERT,
     "an unknown list_id is answered 200 (contacts stored, no list) instead of 404"),
    ("sociocs_foreign_list_accepted", UPSERT,
     "a list_id of another account is accepted and the contacts are added to that list"),
    ("sociocs_status_ok", UPSERT, 'success is answered {"status": "ok"} instead of "success"'),
    ("sociocs_error_without_errors", UPSERT,
     "errors the handler answers (unknown list) carry no errors array"),
    ("sociocs_missing_phone_accepted", UPSERT,
     "a record without phone_number is accepted (200) and stored with an empty phone"),
])

plugin.schema(
    "CREATE UNIQUE INDEX IF NOT EXISTS contacts_sociocs_phone ON contacts (workspace, phone)"
    " WHERE provider = 'sociocs'",
)

_UPSERT_SQL = (
    "INSERT INTO contacts (id, provider, workspace, name, email, phone, data, created_at,"
    " updated_at) VALUES (?, 'sociocs', ?, ?, NULL, ?, ?, ?, ?)"
    " ON CONFLICT (workspace, phone) WHERE provider = 'sociocs' DO UPDATE SET"
    " name = excluded.name, data = excluded.data, updated_at = excluded.updated_at"
)
_ADD_TO_LIST_SQL = (
    "INSERT OR IGNORE INTO list_members (provider, list_id, contact_id, added_at)"
    " SELECT 'sociocs', ?, id, ? FROM contacts"
    " WHERE provider = 'sociocs' AND workspace = ? AND phone = ?"
)
_CHUNK = 500


def normalise_phone(raw: str, cc: str | None, *, keep_plus: bool = False) -> str:
    """The stored form of a phone number: no leading plus, ``cc`` prefixed when missing."""
    plus = raw.startswith("+")
    digits = raw[1:] if plus else raw
    if cc and not digits.startswith(cc):
        digits = cc + digits
    return "+" + digits if keep_plus and plus else digits


# --------------------------------------------------------------------------- errors


def _where(path: Sequence[str | int]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "the body"


def _problem_message(problem: Problem) -> str:
    where = _where(problem.path)
    if problem.keyword == "Required" and problem.field:
        prefix = f"{where}." if problem.path else ""
        return f"{prefix}{problem.field} is required"
    if problem.path[-1:] == ("phone_number",) and problem.keyword == "Pattern":
        return (f"{where} must be a phone number starting with the country code, digits only,"
                " with or without a leading plus (7 to 15 digits)")
    return f"{where}: {problem.message}"


def _missing_phone(problem: Problem) -> bool:
    """A record without ``phone_number`` (``records[i]`` lacks the required field)."""
    return (problem.keyword == "Required" and problem.field == "phone_number"
            and len(problem.path) == 2 and problem.path[0] == "records")


def _invalid(problems: list[Problem], sandbox: Sandbox) -> SandboxHTTPError | None:
    if sandbox.fault("sociocs_missing_phone_accepted") and all(
            _missing_phone(p) for p in problems):
        return None
    messages = list(dict.fromkeys(_problem_message(p) for p in problems))
    return SandboxHTTPError(400, "validation_error", messages[0],
                            {"errors": [{"message": m} for m in messages[1:]]})


#: what ``phone_separators = "normalise"`` drops from a phone_number.
_SEPARATORS = str.maketrans("", "", " -()")


def _prepare(body: Any, sandbox: Sandbox) -> Any:
    """The body as read: phone numbers without separators where ``phone_separators`` is
    ``normalise`` (the schema then checks what is left)."""
    if sandbox.assumed(PROVIDER, "phone_separators") != "normalise" or \
            not isinstance(body, dict) or not isinstance(body.get("records"), list):
        return body
    for record in body["records"]:
        if isinstance(record, dict) and isinstance(phone := record.get("phone_number"), str):
            record["phone_number"] = phone.translate(_SEPARATORS)
    return body


class _Answer(Exception):
    """An error decided inside the transaction, answered by the handler."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


# --------------------------------------------------------------------------- upsert


def _replace_partially(conn: sqlite3.Connection, workspace: str,
                       rows: list[tuple[str, str, str | None, str, bytes, float, float]],
                       merge_extra: bool, keep_name: bool) -> list[
                           tuple[str, str, str | None, str, bytes, float, float]]:
    """The rows with the stored contact's fields folded in (only under faults)."""
    phones = list(dict.fromkeys(r[3] for r in rows))
    stored: dict[str, dict[str, Any]] = {}
    for start in range(0, len(phones), _CHUNK):
        chunk = phones[start:start + _CHUNK]
        marks = ",".join("?" * len(chunk))
        for phone, data in conn.execute(
                f"SELECT phone, data FROM contacts WHERE provider = 'sociocs' AND workspace = ?"
                f" AND phone IN ({marks})", (workspace, *chunk)):
            stored[phone] = orjson.loads(data)
    out = []
    for cid, ws, name, phone, data, created, updated in rows:
        old = stored.get(phone)
        if old is None:
            out.append((cid, ws, name, phone, data, created, updated))
            continue
        new = orjson.loads(data)
        if merge_extra and isinstance(old.get("extra_fields"), dict):
            new["extra_fields"] = {**old["extra_fields"], **new.get("extra_fields", {})}
        if keep_name and "name" not in new and "name" in old:
            new["name"] = old["name"]
        stored[phone] = new
        out.append((cid, ws, new.get("name"), phone, orjson.dumps(new), created, updated))
    return out


@plugin.endpoint("bulk_upsert", max_fault="sociocs_records_max_off_by_one",
                 min_fault="sociocs_records_min_zero", invalid=_invalid, prepare=_prepare)
async def bulk_upsert(call: Call) -> Any:
    body: dict[str, Any] = call.body
    records: list[dict[str, Any]] = body["records"]
    list_id = int(body.get("list_id", ALL_CONTACTS))
    # NOTES S5: prefixed to a number that lacks it, or ignored (``phone_number_cc``)
    ignored = call.fault("sociocs_phone_cc_ignored") or call.assumed("phone_number_cc") == "ignore"
    cc = None if ignored else body.get("phone_number_cc")
    keep_plus = call.fault("sociocs_plus_phone_duplicates")
    workspace = call.workspace
    now = time.time()

    rows: list[tuple[str, str, str | None, str, bytes, float, float]] = []
    append = rows.append
    dumps = orjson.dumps
    for record, cid in zip(records, uuid7_batch(len(records)), strict=True):
        raw = record.get("phone_number", "")  # absent: sociocs_missing_phone_accepted
        if not raw:
            phone = ""
        elif keep_plus or cc:
            phone = normalise_phone(raw, cc, keep_plus=keep_plus)
        else:
            phone = raw[1:] if raw[:1] == "+" else raw
        name = record.get("name")
        stored: dict[str, Any] = {"phone_number": phone}
        if name is not None:
            stored["name"] = name
        if "extra_fields" in record:
            stored["extra_fields"] = record["extra_fields"]
        append((cid, workspace, name, phone, dumps(stored), now, now))
    if call.fault("sociocs_first_record_wins"):
        firsts: dict[str, tuple[str, str, str | None, str, bytes, float, float]] = {}
        for row in rows:
            firsts.setdefault(row[3], row)
        rows = list(firsts.values())
    merge_extra = call.fault("sociocs_extra_fields_merged")
    keep_name = call.fault("sociocs_name_kept_on_update")
    unknown_list_ok = call.fault("sociocs_unknown_list_200")
    unknown_list_status = int(call.assumed("unknown_list_status"))

    def work(conn: sqlite3.Connection) -> None:
        add_to = list_id if list_id != ALL_CONTACTS else None
        if add_to is not None:
            lst = get_list(conn, PROVIDER, str(add_to))
            foreign_ok = call.fault("sociocs_foreign_list_accepted")
            if lst is None or (lst.workspace != workspace and not foreign_ok):
                if not unknown_list_ok:
                    raise _Answer(unknown_list_status, f"Contact list not found: {list_id}")
                add_to = None
        batch = (_replace_partially(conn, workspace, rows, merge_extra, keep_name)
                 if merge_extra or keep_name else rows)
        conn.executemany(_UPSERT_SQL, batch)
        if add_to is not None:
            before = conn.total_changes
            conn.executemany(_ADD_TO_LIST_SQL, [(str(add_to), now, workspace, phone)
                                                for phone in dict.fromkeys(r[3] for r in batch)])
            added = conn.total_changes - before
            if added:
                conn.execute("UPDATE lists SET contact_count = contact_count + ?"
                             " WHERE provider = ? AND id = ?", (added, PROVIDER, str(add_to)))

    try:
        await call.storage.run(work)
    except _Answer as exc:
        if call.fault("sociocs_error_without_errors"):
            return call.reply({"status": "error"}, exc.status)
        raise call.error(exc.status, exc.message) from None
    return {"status": "ok" if call.fault("sociocs_status_ok") else "success"}


# --------------------------------------------------------------------------- inspection


def _sandbox_of(conn: HTTPConnection) -> Sandbox:
    sandbox: Sandbox = conn.app.state.sandbox
    return sandbox


def _contact_view(conn: sqlite3.Connection, workspace: str,
                  row: Sequence[Any]) -> dict[str, Any]:
    cid, name, phone, data, created_at, updated_at = row
    lists = [r[0] for r in conn.execute(
        "SELECT m.list_id FROM list_members m JOIN lists l ON l.provider = m.provider"
        " AND l.id = m.list_id WHERE m.provider = ? AND l.workspace = ? AND m.contact_id = ?"
        " ORDER BY CAST(m.list_id AS INTEGER)", (PROVIDER, workspace, cid))]
    return {"id": cid, "name": name, "phone": phone, "data": orjson.loads(data),
            "lists": [ALL_CONTACTS, *(int(i) for i in lists)],
            "created_at": created_at, "updated_at": updated_at}


async def contacts_by_phone(request: Request) -> Response:
    """The contacts stored for ``?phone=`` (normalised as the API does, with an optional
    ``phone_number_cc``; ``workspace``, default main). Both the plain and the plus form
    are looked up, so a duplicate shows as two contacts."""
    sandbox = _sandbox_of(request)
    q = request.query_params
    raw = q.get("phone", "").strip()
    if not raw:
        return json_response({"error": {"code": "validation_error",
                                        "message": "?phone= is required"}}, 400)
    phone = normalise_phone(raw, q.get("phone_number_cc") or None)
    workspace = q.get("workspace", "main")

    def read(conn: sqlite3.Connection) -> list[dict[str, Any]]:
        rows = conn.execute(
            "SELECT id, name, phone, data, created_at, updated_at FROM contacts"
            " WHERE provider = ? AND workspace = ? AND phone IN (?, ?) ORDER BY seq",
            (PROVIDER, workspace, phone, "+" + phone)).fetchall()
        return [_contact_view(conn, workspace, r) for r in rows]

    found = await sandbox.storage.run(read)
    return json_response({"phone": phone, "workspace": workspace, "total": len(found),
                          "contacts": found})


async def counts(request: Request) -> Response:
    """Per workspace: stored contacts and distinct phones (plus ignored); equal unless
    a phone is stored twice."""
    sandbox = _sandbox_of(request)

    def read(conn: sqlite3.Connection) -> Mapping[str, Any]:
        return {ws: {"contacts": n, "distinct_phones": d} for ws, n, d in conn.execute(
            "SELECT workspace, count(*), count(DISTINCT ltrim(phone, '+')) FROM contacts"
            " WHERE provider = ? GROUP BY workspace", (PROVIDER,))}

    return json_response({"workspaces": await sandbox.storage.run(read)})


plugin.admin_route(Route("/contacts/by-phone", contacts_by_phone, methods=["GET"]))
plugin.admin_route(Route("/counts", counts, methods=["GET"]))
