"""Datananas: bulk create with WebSocket progress (seed 002).

``POST /datananas/contacts/bulk`` takes 1..10,000 contacts (limits from the catalog) and
creates them, or updates the existing contact of the account with the same email
(case-insensitive; only the fields sent are changed). An email repeated within one batch
updates the contact the batch created. The batch is atomic: a 400 or 402 writes nothing.

- ``list.id`` names a list of the account (else 400 ``validation_error``); every contact
  of the batch is added to it. With ``moveExistingToList=true`` the contacts that existed
  before the request also leave the account's other lists; without it they keep them.
- ``replaceOwner=true``: an existing contact's ``ownerEmail`` becomes the one sent (when
  one is sent); otherwise an existing contact keeps its owner.
- Quotas, per account (workspace): a total number of contacts and a daily number of
  contacts created from ``connect`` (``source: connect``, counted per UTC day). A batch
  whose new contacts would pass the total → 402 ``contact_total_quotas``; past the daily
  quota → 402 ``contact_connect_quotas`` (the total is checked first). The defaults
  (:data:`DEFAULT_TOTAL_QUOTA`, :data:`DEFAULT_DAILY_CONNECT_QUOTA`) never trigger in
  normal use; ``PUT /_sandbox/datananas/quotas`` lowers them (and ``POST /_sandbox/reset``
  restores them).
- Success is 200 ``{uuid, listId}``.

Progress: the WebSocket ``ws://HOST:PORT/datananas/ws?access_token=<token>`` (the spec's
``x-bulkbench-websocket`` URL under the provider's prefix). An unknown or missing token:
the handshake is accepted and the socket closed at once with 1008 (policy violation).
Every connection of the account (any token of the workspace) gets each request's events
as JSON text frames ``{"event", "data"}``:
``contact_bulk_create_starting {listId, uuid}``, one ``contact_bulk_create_running
{uuid, i, total}`` per contact with ``i`` = 1..total, then ``contact_bulk_create_ending
{uuid, created, updated}``. The order against the HTTP response is guaranteed, not left
to luck: the handler commits, then waits until *starting* has been written to every
listening connection (``ProgressChannel.deliver``; a connection that cannot take it in
time is dropped), then returns the response; *running* and *ending* are queued by a
Starlette background task, which runs only after the response's last byte was handed to
the transport. A request with no listening connection builds no frames at all.
"""

from __future__ import annotations

import logging
import sqlite3
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import orjson
from starlette.background import BackgroundTask
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from contract.catalog import default_catalog
from sandbox import faults
from sandbox.errors import SandboxHTTPError
from sandbox.ids import uuid7_batch
from sandbox.plugin import Call, ProviderPlugin, json_response
from sandbox.progress_channel import ProgressChannel, Subscriber
from sandbox.storage import add_list_members, get_list, lists_of, norm_email

if TYPE_CHECKING:
    from sandbox.runtime import Sandbox

__all__ = [
    "DEFAULT_DAILY_CONNECT_QUOTA",
    "DEFAULT_TOTAL_QUOTA",
    "MOVE_FLAG",
    "OWNER_FLAG",
    "WS_PATH",
    "plugin",
    "progress_channel_of",
]

log = logging.getLogger("sandbox")

PROVIDER = "datananas"
plugin = ProviderPlugin(PROVIDER)
BULK = f"{PROVIDER}.bulk_create"

#: the query flags (names assumed by the spec, see NOTES.md D3).
MOVE_FLAG = "moveExistingToList"
OWNER_FLAG = "replaceOwner"

DEFAULT_TOTAL_QUOTA = 1_000_000_000
DEFAULT_DAILY_CONNECT_QUOTA = 1_000_000_000
CLOSE_POLICY_VIOLATION = 1008

STARTING = "contact_bulk_create_starting"
RUNNING = "contact_bulk_create_running"
ENDING = "contact_bulk_create_ending"

_STATE_KEY = "datananas.progress"
_CHUNK = 500  # emails per IN (...) lookup


def _websocket_path() -> str:
    """The path of the spec's WebSocket URL relative to the provider's server URL."""
    provider = default_catalog().provider(PROVIDER)
    ws = provider.endpoint("bulk_create").websocket or {}
    path = urlsplit(str(ws.get("url", "/ws"))).path or "/ws"
    base = urlsplit(provider.server_url).path.rstrip("/")
    return path.removeprefix(base) if base and path.startswith(base + "/") else path


#: the progress socket's path under the provider's prefix (``/ws``).
WS_PATH = _websocket_path()

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
])

plugin.schema(
    """CREATE TABLE IF NOT EXISTS datananas_accounts (
        workspace TEXT PRIMARY KEY,
        total_quota INTEGER,
        daily_connect_quota INTEGER,
        contact_count INTEGER NOT NULL DEFAULT 0,
        connect_day TEXT NOT NULL DEFAULT '',
        connect_created INTEGER NOT NULL DEFAULT 0
    ) WITHOUT ROWID""",
)


# --------------------------------------------------------------------------- accounts


@dataclass(frozen=True)
class Account:
    """An account's quotas (None: the default) and what it has used."""

    workspace: str
    total_quota: int | None
    daily_connect_quota: int | None
    contact_count: int
    connect_day: str
    connect_created: int

    def connect_used(self, day: str) -> int:
        return self.connect_created if self.connect_day == day else 0


def _default_quota(settings_extra: Mapping[str, str], name: str, fallback: int) -> int:
    raw = settings_extra.get(f"datananas_{name}")
    return int(raw) if raw is not None and raw.isdigit() else fallback


def _account(conn: sqlite3.Connection, workspace: str) -> Account:
    """The account row, created (with the exact contact count) on first use."""
    row = conn.execute("SELECT total_quota, daily_connect_quota, contact_count, connect_day,"
                       " connect_created FROM datananas_accounts WHERE workspace = ?",
                       (workspace,)).fetchone()
    if row is None:
        count = conn.execute("SELECT count(*) FROM contacts WHERE provider = ? AND"
                             " workspace = ?", (PROVIDER, workspace)).fetchone()[0]
        conn.execute("INSERT INTO datananas_accounts (workspace, contact_count) VALUES (?, ?)",
                     (workspace, count))
        return Account(workspace, None, None, count, "", 0)
    return Account(workspace, *row)


def _today(now: float) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(now))


@plugin.on_reset
def _reset_accounts(conn: sqlite3.Connection) -> None:
    conn.execute("DELETE FROM datananas_accounts")


# --------------------------------------------------------------------------- bulk create


@dataclass(frozen=True)
class _Outcome:
    created: int
    updated: int


def _flag(request: Request, name: str) -> bool:
    raw = request.query_params.get(name)
    if raw is None:
        return False
    value = raw.strip().lower()
    if value in ("true", "1"):
        return True
    if value in ("false", "0", ""):
        return False
    raise SandboxHTTPError(400, "validation_error", f"{name} must be true or false",
                           {"field": name})


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


def _quota_error(reason: str, message: str) -> SandboxHTTPError:
    return SandboxHTTPError(402, reason, message)


def _write_batch(conn: sqlite3.Connection, *, workspace: str, contacts: list[dict[str, Any]],
                 list_id: str | None, move: bool, replace_owner: bool, duplicates: bool,
                 defaults: tuple[int, int], now: float) -> _Outcome:
    """The whole request in one transaction: check, plan, quota, write."""
    if list_id is not None:
        lst = get_list(conn, PROVIDER, list_id)
        if lst is None or lst.workspace != workspace:
            raise SandboxHTTPError(400, "validation_error",
                                   f"list.id {list_id!r} is not a list of the account",
                                   {"field": "list.id"})
    # email is required and a string (the schema was checked): its matching form
    keys = [c["email"].strip().lower() for c in contacts]
    created_data: dict[str, dict[str, Any]] = {}  # email → data, contacts this batch creates
    changed: dict[str, tuple[str, dict[str, Any]]] = {}  # email → (id, data), stored before
    updated = 0
    account = _account(conn, workspace)
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

    total_quota = account.total_quota if account.total_quota is not None else defaults[0]
    daily_quota = (account.daily_connect_quota if account.daily_connect_quota is not None
                   else defaults[1])
    day = _today(now)
    if account.contact_count + created > total_quota:
        raise _quota_error("contact_total_quotas",
                           f"The user cannot add more contacts to its account (quota"
                           f" {total_quota}, {account.contact_count} used, {created} new)")
    used = account.connect_used(day)
    if used + connect_new > daily_quota:
        raise _quota_error("contact_connect_quotas",
                           f"The user cannot create more contacts from connect for the day"
                           f" (quota {daily_quota}, {used} used, {connect_new} new)")

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

    conn.execute("UPDATE datananas_accounts SET contact_count = contact_count + ?,"
                 " connect_day = ?, connect_created = ? WHERE workspace = ?",
                 (created, day, used + connect_new, workspace))
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


# --------------------------------------------------------------------------- progress events


def progress_channel_of(sandbox: Sandbox) -> ProgressChannel:
    """The sandbox's Datananas progress channel (made on first use)."""
    channel = sandbox.state.get(_STATE_KEY)
    if not isinstance(channel, ProgressChannel):
        channel = sandbox.state[_STATE_KEY] = ProgressChannel()
    return channel


def _frame(event: str, data: Mapping[str, Any]) -> str:
    return orjson.dumps({"event": event, "data": data}).decode()


@dataclass(frozen=True)
class _Progress:
    """The events of one transaction, built on demand (with the event faults applied)."""

    txn: str
    list_id: str | None
    total: int
    created: int
    updated: int
    zero_based: bool = False
    missing_one: bool = False
    out_of_order: bool = False
    swapped: bool = False

    def starting(self) -> str:
        return _frame(STARTING, {"listId": self.list_id, "uuid": self.txn})

    def running(self) -> list[str]:
        # The uuid is a canonical UUID (hex and dashes): safe to splice into JSON text.
        head = f'{{"event":"{RUNNING}","data":{{"uuid":"{self.txn}","i":'
        tail = f',"total":{self.total}}}}}'
        first = 0 if self.zero_based else 1
        frames = [f"{head}{i}{tail}" for i in range(first, first + self.total)]
        if self.out_of_order and len(frames) >= 2:
            frames[0], frames[1] = frames[1], frames[0]
        if self.missing_one and frames:
            frames.pop()
        return frames

    def ending(self) -> str:
        created, updated = ((self.updated, self.created) if self.swapped
                            else (self.created, self.updated))
        return _frame(ENDING, {"uuid": self.txn, "created": created, "updated": updated})


async def _send_after_response(channel: ProgressChannel, recipients: tuple[Subscriber, ...],
                               progress: _Progress, with_starting: bool) -> None:
    """The background part: runs once the HTTP response has been sent."""
    try:
        if with_starting:
            await channel.deliver(recipients, [progress.starting()])
        channel.publish(recipients, [*progress.running(), progress.ending()])
    except Exception:  # never let a progress problem surface as a server error
        log.exception("sending the progress of %s failed", progress.txn)


# --------------------------------------------------------------------------- the endpoint


@plugin.endpoint("bulk_create", max_fault="datananas_bulk_max_off_by_one",
                 min_fault="datananas_bulk_min_zero")
async def bulk_create(call: Call) -> Any:
    move = _flag(call.request, MOVE_FLAG) and not call.fault("datananas_move_flag_ignored")
    replace_owner = (_flag(call.request, OWNER_FLAG)
                     and not call.fault("datananas_replace_owner_ignored"))
    body: dict[str, Any] = call.body
    contacts: list[dict[str, Any]] = body["contacts"]
    lst = body.get("list")
    list_id = lst.get("id") if isinstance(lst, dict) else None
    workspace = call.workspace
    extra = call.settings.extra
    defaults = (_default_quota(extra, "total_quota", DEFAULT_TOTAL_QUOTA),
                _default_quota(extra, "daily_connect_quota", DEFAULT_DAILY_CONNECT_QUOTA))
    try:
        outcome = await call.storage.run(
            _write_batch, workspace=workspace, contacts=contacts, list_id=list_id, move=move,
            replace_owner=replace_owner,
            duplicates=call.fault("datananas_update_creates_duplicate"),
            defaults=defaults, now=time.time())
    except SandboxHTTPError as exc:
        if exc.status != 402:
            raise
        if call.fault("datananas_402_without_reason"):
            return call.reply({"message": exc.message}, 402)
        if call.fault("datananas_402_undocumented_reason"):
            raise SandboxHTTPError(402, "quota_exceeded", exc.message) from None
        raise

    txn = str(uuid.uuid4())
    response = call.reply({"uuid": txn, "listId": list_id})
    channel = progress_channel_of(call.sandbox)
    recipients = channel.subscribers(workspace)
    if not recipients:
        return response
    progress = _Progress(
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
    response.background = BackgroundTask(_send_after_response, channel, recipients, progress,
                                         late_start)
    return response


# --------------------------------------------------------------------------- the socket


def _sandbox_of(conn: HTTPConnection) -> Sandbox:
    """The Sandbox behind the app serving ``conn`` (raw routes get no Call)."""
    sandbox: Sandbox = conn.app.state.sandbox
    return sandbox


async def progress_socket(websocket: WebSocket) -> None:
    sandbox = _sandbox_of(websocket)
    token = websocket.query_params.get("access_token")
    key = sandbox.keys.get(PROVIDER, token or None)
    if key is None:
        await websocket.accept()
        await websocket.close(CLOSE_POLICY_VIOLATION, "missing access_token" if not token
                              else "invalid access_token")
        return
    channel = progress_channel_of(sandbox)
    sub = channel.subscribe(key.workspace, websocket)
    try:
        await websocket.accept()
        await sub.serve()
    finally:
        channel.unsubscribe(sub)


plugin.route(WebSocketRoute(WS_PATH, progress_socket, name="datananas.progress"))


@plugin.on_shutdown
async def _close_sockets(sandbox: Sandbox) -> None:
    channel = sandbox.state.get(_STATE_KEY)
    if isinstance(channel, ProgressChannel):
        await channel.close_all()


@plugin.on_describe
def _describe(sandbox: Sandbox) -> Mapping[str, Any]:
    return {"websocket": {"path": f"/{PROVIDER}{WS_PATH}", "auth": "access_token query parameter",
                          "framing": "JSON text frames {event, data}",
                          "audience": "every connection of the token's workspace"},
            "quotas_path": f"/_sandbox/{PROVIDER}/quotas"}


# --------------------------------------------------------------------------- inspection


def _admin_error(status: int, message: str) -> Response:
    return json_response({"error": {"code": "validation_error" if status == 400
                                    else "not_found", "message": message}}, status)


def _account_view(account: Account, defaults: tuple[int, int], day: str) -> dict[str, Any]:
    return {"workspace": account.workspace,
            "total_quota": (account.total_quota if account.total_quota is not None
                            else defaults[0]),
            "daily_connect_quota": (account.daily_connect_quota
                                    if account.daily_connect_quota is not None
                                    else defaults[1]),
            "contacts": account.contact_count,
            "connect_created_today": account.connect_used(day),
            "day": day}


def _workspaces(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT id FROM workspaces WHERE provider = ?"
                                       " ORDER BY id", (PROVIDER,))]


async def quotas(request: Request) -> Response:
    """GET: every account's quotas and usage. PUT/POST ``{workspace, total_quota?,
    daily_connect_quota?}``: set them (an integer >= 0, or null for the default)."""
    sandbox = _sandbox_of(request)
    extra = sandbox.settings.extra
    defaults = (_default_quota(extra, "total_quota", DEFAULT_TOTAL_QUOTA),
                _default_quota(extra, "daily_connect_quota", DEFAULT_DAILY_CONNECT_QUOTA))
    day = _today(time.time())
    if request.method == "GET":
        def read(conn: sqlite3.Connection) -> list[dict[str, Any]]:
            return [_account_view(_account(conn, ws), defaults, day) for ws in _workspaces(conn)]
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
        if workspace not in _workspaces(conn):
            return None
        _account(conn, workspace)
        for name, value in changes.items():
            conn.execute(f"UPDATE datananas_accounts SET {name} = ? WHERE workspace = ?",
                         (value, workspace))
        return _account_view(_account(conn, workspace), defaults, day)

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


plugin.admin_route(Route("/quotas", quotas, methods=["GET", "PUT", "POST"]))
plugin.admin_route(Route("/contacts/by-email", contacts_by_email, methods=["GET"]))
plugin.admin_route(Route("/counts", counts, methods=["GET"]))
