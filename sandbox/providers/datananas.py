"""Datananas: bulk create with WebSocket progress (seed 002).

``POST /datananas/contacts/bulk`` takes 1..10,000 contacts (limits from the catalog) and
creates them, or updates the existing contact of the account with the same email
(case-insensitive; only the fields sent are changed). An email repeated within one batch
updates the contact the batch created. The batch is atomic: a 400 or 402 writes nothing.

- ``list.id`` names a list of the account (else 400 ``validation_error``, or the status
  ``unknown_list_status`` says); every contact
  of the batch is added to it. With ``moveExistingToList=true`` the contacts that existed
  before the request also leave the account's other lists; without it they keep them.
- ``replaceOwner=true``: an existing contact's ``ownerEmail`` becomes the one sent (when
  one is sent); otherwise an existing contact keeps its owner.
- A flag is exactly ``true`` or ``false``; anything else (``?replaceOwner=``, ``1``) is a
  400 ``validation_error`` (``sandbox/query_flags.py``).
- Quotas, per account (workspace): ``sandbox/datananas_quotas.py`` (402
  ``contact_total_quotas`` / ``contact_connect_quotas``).
- Success is 200 ``{uuid, listId}`` (or the status ``success_status`` says).

Progress (``sandbox/datananas_progress.py``): the WebSocket
``ws://HOST:PORT/datananas/ws?access_token=<token>`` (path and auth as ``websocket_url`` and
``websocket_auth`` say) carries each request's events to every
connection of the account. The order against the HTTP response is guaranteed, not left
to luck: the handler commits, then waits until *starting* has been written to every
listening connection (``ProgressChannel.deliver``; a connection that cannot take it in
time is dropped), then returns the response; *running* and *ending* are queued by a
Starlette background task, which runs only after the response's last byte was handed to
the transport. A request with no listening connection builds no frames at all.

Inspection routes: ``sandbox/datananas_inspection.py``.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson
from starlette.background import BackgroundTask

from bulkbench.core import json_pointer
from bulkbench.sandbox import datananas_inspection, datananas_progress, faults
from bulkbench.sandbox import datananas_quotas as quotas
from bulkbench.sandbox.datananas_progress import WS_PATH, Progress, progress_channel_of
from bulkbench.sandbox.datananas_quotas import DEFAULT_DAILY_CONNECT_QUOTA, DEFAULT_TOTAL_QUOTA
from bulkbench.sandbox.errors import SandboxHTTPError, error_body
from bulkbench.sandbox.ids import uuid7_batch
from bulkbench.sandbox.plugin import Call, ProviderPlugin
from bulkbench.sandbox.query_flags import flag
from bulkbench.sandbox.storage import add_list_members, get_list, lists_of

if TYPE_CHECKING:
    from bulkbench.sandbox.runtime import Sandbox

__all__ = [
    "DEFAULT_DAILY_CONNECT_QUOTA",
    "DEFAULT_TOTAL_QUOTA",
    "MOVE_FLAG",
    "OWNER_FLAG",
    "WS_PATH",
    "plugin",
    "progress_channel_of",
]

PROVIDER = "datananas"
plugin = ProviderPlugin(PROVIDER)
BULK = f"{PROVIDER}.bulk_create"

#: the query flags (names assumed by the spec, see NOTES.md D3).
MOVE_FLAG = "moveExistingToList"
OWNER_FLAG = "replaceOwner"

_CHUNK = 500  # emails per IN (...) lookup

faults.register_all([
    ("datananas_bulk_max_off_by_one", BULK,
     "bulk create accepts one contact more than the maximum"),
    ("datananas_bulk_min_zero", BULK, "bulk create accepts an empty contacts array"),
    ("datananas_ws_ending_before_response", BULK,
     "every progress event, ending included, is sent before the HTTP response"),
    ("datananas_ws_starting_after_response", BULK,
     "contact_bulk_create_starting is sent after the HTTP response"),
    ("datananas_ws_running_missing_one", BULK,
     "the last contact_bulk_create_running event is never sent"),
    ("datananas_ws_index_zero_based", BULK, "running events count i from 0 (0..total-1)"),
    ("datananas_ws_running_out_of_order", BULK,
     "the first two running events are sent in the wrong order (i=2 before i=1)"),
    ("datananas_ws_counts_swapped", BULK, "the ending event swaps created and updated"),
    ("datananas_ws_uuid_mismatch", BULK,
     "the events carry another uuid than the one the HTTP response returns"),
    ("datananas_402_without_reason", BULK, "quota errors (402) carry no reason field"),
    ("datananas_402_undocumented_reason", BULK,
     "quota errors (402) carry the undocumented reason quota_exceeded"),
    ("datananas_update_creates_duplicate", BULK,
     "existing contacts are not matched by email: every contact is created again"),
    ("datananas_move_flag_ignored", BULK,
     "moveExistingToList=true is ignored: existing contacts keep their other lists"),
    ("datananas_replace_owner_ignored", BULK,
     "replaceOwner=true is ignored: existing contacts keep their owner"),
    ("datananas_ws_events_to_every_workspace", BULK,
     "progress events go to every connection, other workspaces' included"),
])

plugin.schema(*quotas.SCHEMA)


# --------------------------------------------------------------------------- bulk create


@dataclass(frozen=True)
class _Outcome:
    created: int
    updated: int


def _name_of(data: Mapping[str, Any]) -> str | None:
    first, last = data.get("firstName"), data.get("lastName")
    if first and last:
        return f"{first} {last}"
    return first or last or None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _apply_update(data: dict[str, Any], contact: Mapping[str, Any], replace_owner: bool) -> None:
    """``data`` (a stored contact) updated with the fields sent; the owner per the flag."""
    owner = data.get("ownerEmail")
    data.update(contact)
    if not (replace_owner and "ownerEmail" in contact):
        if owner is None:
            data.pop("ownerEmail", None)
        else:
            data["ownerEmail"] = owner


def _existing(conn: sqlite3.Connection, workspace: str, emails: Sequence[str]
              ) -> dict[str, tuple[str, bytes]]:
    """email → (id, data) of the account's stored contacts (one per email)."""
    found: dict[str, tuple[str, bytes]] = {}
    for start in range(0, len(emails), _CHUNK):
        chunk = emails[start:start + _CHUNK]
        marks = ",".join("?" * len(chunk))
        for email, cid, data in conn.execute(
                f"SELECT email, id, data FROM contacts WHERE provider = ? AND workspace = ?"
                f" AND email IN ({marks})", (PROVIDER, workspace, *chunk)):
            found.setdefault(email, (cid, data))
    return found


def _write_batch(conn: sqlite3.Connection, *, workspace: str, contacts: list[dict[str, Any]],
                 list_id: str | None, move: bool, replace_owner: bool, duplicates: bool,
                 defaults: quotas.Quotas, now: float, unknown_list_status: int = 400
                 ) -> _Outcome:
    """The whole request in one transaction: check, plan, quota, write."""
    if list_id is not None:
        lst = get_list(conn, PROVIDER, list_id)
        if lst is None or lst.workspace != workspace:
            # the one reason Datananas has for a wrong request, whatever the status
            raise SandboxHTTPError(unknown_list_status, "validation_error",
                                   f"list.id {list_id!r} is not a list of the account",
                                   {"field": "list.id"})
    # email is required and a string (the schema was checked): its matching form
    keys = [c["email"].strip().lower() for c in contacts]
    created_data: dict[str, dict[str, Any]] = {}  # email → data, contacts this batch creates
    changed: dict[str, tuple[str, dict[str, Any]]] = {}  # email → (id, data), stored before
    updated = 0
    account = quotas.account(conn, workspace)
    if duplicates:
        new_items = [{"source": "manual", "language": "en", **c} for c in contacts]
    else:
        existing = (_existing(conn, workspace, list(dict.fromkeys(keys)))
                    if account.contact_count else {})
        for contact, key in zip(contacts, keys, strict=True):
            data = created_data.get(key)
            if data is None:
                hit = changed.get(key)
                if hit is None:
                    stored = existing.get(key)
                    if stored is None:
                        created_data[key] = {"source": "manual", "language": "en", **contact}
                        continue
                    hit = changed[key] = (stored[0], orjson.loads(stored[1]))
                data = hit[1]
            _apply_update(data, contact, replace_owner)
            updated += 1
        new_items = list(created_data.values())
    created = len(new_items)
    connect_new = sum(1 for d in new_items if d.get("source") == "connect")

    day = quotas.today(now)
    quotas.check(account, defaults, day, created, connect_new)

    new_ids = uuid7_batch(created)
    conn.executemany(
        "INSERT INTO contacts (id, provider, workspace, name, email, phone, data, created_at,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(cid, PROVIDER, workspace, _name_of(d), d["email"].strip().lower(),
          _text(d.get("phone")), orjson.dumps(d), now, now)
         for cid, d in zip(new_ids, new_items, strict=True)])
    if changed:
        conn.executemany(
            "UPDATE contacts SET name = ?, phone = ?, data = ?, updated_at = ? WHERE id = ?",
            [(_name_of(d), _text(d.get("phone")), orjson.dumps(d), now, cid)
             for cid, d in changed.values()])

    if list_id is not None:
        add_list_members(conn, PROVIDER, list_id, [*new_ids, *(c[0] for c in changed.values())],
                         now)
        if move and changed:
            _leave_other_lists(conn, workspace, list_id, [c[0] for c in changed.values()])

    quotas.record_usage(conn, account, day, created, connect_new)
    return _Outcome(created, updated)


def _leave_other_lists(conn: sqlite3.Connection, workspace: str, keep: str,
                       contact_ids: Sequence[str]) -> None:
    """Remove ``contact_ids`` from the account's lists other than ``keep`` (counts exact)."""
    for lst in lists_of(conn, PROVIDER):
        if lst.workspace != workspace or lst.id == keep:
            continue
        before = conn.total_changes
        conn.executemany("DELETE FROM list_members WHERE provider = ? AND list_id = ?"
                         " AND contact_id = ?", [(PROVIDER, lst.id, cid) for cid in contact_ids])
        removed = conn.total_changes - before
        if removed:
            conn.execute("UPDATE lists SET contact_count = contact_count - ?"
                         " WHERE provider = ? AND id = ?", (removed, PROVIDER, lst.id))


# --------------------------------------------------------------------------- the endpoint


def _read_names(body: Any, sandbox: Sandbox) -> Any:
    """The body as this provider reads it: the contact fields under the names it serves
    (``field_names``: spec name → its name; NOTES D1) are read as the spec's; a spec name
    it does not serve is a field it does not know, ignored like any other."""
    lst = body.get("list") if isinstance(body, dict) else None
    if isinstance(lst, dict) and sandbox.assumed(PROVIDER, "list_id_type") == "integer":
        # NOTES D4: integer list ids; stored (and matched) as their decimal string
        list_id = lst.get("id")
        if isinstance(list_id, int) and not isinstance(list_id, bool):
            lst["id"] = str(list_id)
    names: dict[str, str] = sandbox.assumed(PROVIDER, "field_names") or {}
    if not names or not isinstance(body, dict) or not isinstance(body.get("contacts"), list):
        return body
    back = {served: spec for spec, served in names.items()}
    body["contacts"] = [
        {back.get(k, k): v for k, v in contact.items() if k in back or k not in names}
        if isinstance(contact, dict) else contact for contact in body["contacts"]]
    return body


def _success_body(pointer: str, txn: str, list_id: Any) -> dict[str, Any]:
    """``{uuid, listId}`` (NOTES D7), the transaction id where ``transaction_id_pointer``
    puts it (``/transactionId``, ``/transaction/id``, …)."""
    body: dict[str, Any] = json_pointer.nest(pointer or "/uuid", txn)
    body.setdefault("listId", list_id)
    return body


def _flag_name(call: Call, spec_name: str) -> str:
    """The name this provider serves a query flag under (``query_names``, NOTES D3)."""
    names: dict[str, str] = call.assumed("query_names") or {}
    return names.get(spec_name, spec_name)


@plugin.endpoint("bulk_create", max_fault="datananas_bulk_max_off_by_one",
                 min_fault="datananas_bulk_min_zero", prepare=_read_names)
async def bulk_create(call: Call) -> Any:
    move = (flag(call.request, _flag_name(call, MOVE_FLAG))
            and not call.fault("datananas_move_flag_ignored"))
    replace_owner = (flag(call.request, _flag_name(call, OWNER_FLAG))
                     and not call.fault("datananas_replace_owner_ignored"))
    body: dict[str, Any] = call.body
    contacts: list[dict[str, Any]] = body["contacts"]
    lst = body.get("list")
    list_id = lst.get("id") if isinstance(lst, dict) else None
    workspace = call.workspace
    defaults = quotas.default_quotas(call.settings.extra)
    try:
        outcome = await call.storage.run(
            _write_batch, workspace=workspace, contacts=contacts, list_id=list_id, move=move,
            replace_owner=replace_owner,
            duplicates=call.fault("datananas_update_creates_duplicate"),
            defaults=defaults, now=time.time(),
            unknown_list_status=int(call.assumed("unknown_list_status")))
    except SandboxHTTPError as exc:
        if exc.status != 402:
            raise
        if call.fault("datananas_402_without_reason"):
            return call.reply(error_body(call.provider.error_envelope, exc.code, exc.message,
                                         with_code=False,
                                         pointers=call.sandbox.error_pointers(PROVIDER)), 402)
        if call.fault("datananas_402_undocumented_reason"):
            raise SandboxHTTPError(402, "quota_exceeded", exc.message) from None
        raise

    txn = str(uuid.uuid4())
    response = call.reply(_success_body(str(call.assumed("transaction_id_pointer")), txn,
                                        list_id))
    channel = progress_channel_of(call.sandbox)
    recipients = (channel.everyone() if call.fault("datananas_ws_events_to_every_workspace")
                  else channel.subscribers(workspace))
    if not recipients:
        return response
    progress = Progress(
        str(uuid.uuid4()) if call.fault("datananas_ws_uuid_mismatch") else txn,
        list_id, len(contacts), outcome.created, outcome.updated,
        zero_based=call.fault("datananas_ws_index_zero_based"),
        missing_one=call.fault("datananas_ws_running_missing_one"),
        out_of_order=call.fault("datananas_ws_running_out_of_order"),
        swapped=call.fault("datananas_ws_counts_swapped"))
    if call.fault("datananas_ws_ending_before_response"):
        await channel.deliver(recipients, [progress.starting(), *progress.running(),
                                           progress.ending()])
        return response
    late_start = call.fault("datananas_ws_starting_after_response")
    if not late_start:
        await channel.deliver(recipients, [progress.starting()])
    response.background = BackgroundTask(datananas_progress.send_after_response, channel,
                                         recipients, progress, late_start)
    return response


# --------------------------------------------------------------------------- plugging in


plugin.route_factory(datananas_progress.route)
for _route in datananas_inspection.routes():
    plugin.admin_route(_route)


@plugin.on_reset
def _reset_accounts(conn: sqlite3.Connection) -> None:
    quotas.reset(conn)


@plugin.on_shutdown
async def _close_sockets(sandbox: Sandbox) -> None:
    await datananas_progress.close_sockets(sandbox)


@plugin.on_describe
def _describe(sandbox: Sandbox, origin: str) -> Mapping[str, Any]:
    return {"websocket": datananas_progress.describe(sandbox, origin),
            "quotas_path": f"/_sandbox/{PROVIDER}/quotas"}
