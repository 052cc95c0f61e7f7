"""LeadLex import (seed 001): ``POST /v1/import/contacts`` and ``GET /v1/import/jobs/{job_id}``.

The decisions are the spec's (``leadlex.yaml``) and NOTES.md L7-L19:

- Rows: ``rows`` (JSON objects with the Contact fields) or ``csv`` (``sandbox/csv_rows.py``:
  ``has_header``, ``mapping``). A JSON row that breaks the row schema was refused with 400 by
  the pipeline; a row without ``full_name`` is a row error ``missing_required_field``; a CSV
  row is checked against the same row schema here and reported per row (``invalid_field``,
  ``invalid_row``). ``row_number`` is the 1-based position among the data rows.
- ``tags`` are added to every row's own tags (union). ``update_existing``: a row whose email
  (case-insensitive) or else phone matches a contact of the workspace, the first one stored
  winning, updates it (fields replaced, tags and custom_fields merged) or, when false, is
  skipped. Rows of one import see the contacts created by the rows before them.
  ``skipped_count`` counts matched-and-not-updated rows and rows in ``errors``, so
  created + updated + skipped = rows.
- Up to ``sync_max_rows`` (catalog) rows are imported in the request, in one transaction
  with their job (``completed``); more are queued (``sandbox/import_jobs.py``) and answered
  ``{job_id, status: queued}``; ``import.completed`` is then POSTed by
  ``sandbox/webhooks.py``.
- ``Idempotency-Key`` (1..255 characters, per workspace, 24 h): the same key and the same
  raw body → the stored response, byte for byte, and nothing imported again; the same key
  with another body → 409 ``idempotency_key_reused``; only a 200 is stored, in the same
  transaction as the import it answers. Requests sharing a key are serialized by a per-key
  lock, and the stored-or-import decision is taken inside the import's transaction.
- Imported contacts are rows of the shared ``contacts`` table, like bulk create's, so
  add-to-list and ``/_sandbox/leadlex/contacts`` see them.

Inspection: ``GET /_sandbox/leadlex/import-jobs`` (``?workspace=``) and
``GET /_sandbox/leadlex/webhooks`` (``?job_id=``; every delivery with its attempts).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import sqlite3
import time
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import jsonschema_rs
import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from contract.catalog import Endpoint
from sandbox import faults, import_jobs, webhooks
from sandbox.body import Problem
from sandbox.csv_rows import CsvHeaderError, Row, RowProblem, iter_csv_rows
from sandbox.errors import SandboxHTTPError
from sandbox.ids import uuid7, uuid7_batch
from sandbox.pipeline import generic_problem_error
from sandbox.plugin import Call, ProviderPlugin, json_response
from sandbox.storage import INSERT_CONTACT_SQL, ContactRow, norm_email

if TYPE_CHECKING:
    from sandbox.runtime import Sandbox

__all__ = ["IDEMPOTENCY_TTL_SECONDS", "ImportRows", "plugin"]

PROVIDER = "leadlex"
IMPORT = f"{PROVIDER}.import_contacts"
STATUS = f"{PROVIDER}.import_job_status"
IDEMPOTENCY_TTL_SECONDS = 24 * 3600
IDEMPOTENCY_KEY_MAX = 255
_LOOKUP_CHUNK = 500
_STATE_KEY = "leadlex_import"

plugin = ProviderPlugin(PROVIDER)
plugin.schema(
    *import_jobs.SCHEMA,
    *webhooks.SCHEMA,
    """CREATE TABLE IF NOT EXISTS leadlex_idempotency (
        workspace TEXT NOT NULL,
        key TEXT NOT NULL,
        body_sha256 TEXT NOT NULL,
        response BLOB NOT NULL,
        job_id TEXT NOT NULL,
        created_at REAL NOT NULL,
        PRIMARY KEY (workspace, key)
    ) WITHOUT ROWID""",
)

faults.register_all([
    ("leadlex_import_sync_threshold_off_by_one", IMPORT,
     "one row more than the documented maximum is still imported synchronously"),
    ("leadlex_import_update_existing_ignored", IMPORT,
     "matched rows are always skipped, even with update_existing true"),
    ("leadlex_import_always_updates", IMPORT,
     "matched rows are always updated, even with update_existing false"),
    ("leadlex_import_email_match_case_sensitive", IMPORT,
     "emails are matched case-sensitively (Jane@x.com is a new contact beside jane@x.com)"),
    ("leadlex_import_tags_not_applied", IMPORT, "the request's tags are not added to the rows"),
    ("leadlex_import_row_number_zero_based", IMPORT, "row errors count rows from 0"),
    ("leadlex_import_csv_header_counted", IMPORT,
     "CSV row errors count the header line as row 1"),
    ("leadlex_import_skipped_excludes_errors", IMPORT,
     "skipped_count leaves out the rows listed in errors"),
    ("leadlex_import_idempotency_ignored", IMPORT,
     "Idempotency-Key is ignored: a replay imports the rows again (new job)"),
    ("leadlex_import_replay_new_job_id", IMPORT,
     "a replay with the same Idempotency-Key answers the stored result with a new job_id"),
    ("leadlex_import_idempotency_body_not_checked", IMPORT,
     "the same Idempotency-Key with another body answers the stored result instead of 409"),
    ("leadlex_import_job_other_workspace_visible", STATUS,
     "the job status of another workspace's import is answered 200 instead of 404"),
])


# --------------------------------------------------------------------------- rows


def _union(*lists: Any) -> list[Any]:
    out: dict[Any, None] = {}
    for items in lists:
        if isinstance(items, list):
            out.update(dict.fromkeys(t for t in items if isinstance(t, str)))
    return list(out)


def _merge(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """An existing contact updated by a row: fields replaced, tags and custom_fields merged."""
    merged = {**old, **new}
    if "tags" in old and "tags" in new:
        merged["tags"] = _union(old["tags"], new["tags"])
    old_cf, new_cf = old.get("custom_fields"), new.get("custom_fields")
    if isinstance(old_cf, dict) and isinstance(new_cf, dict):
        merged["custom_fields"] = {**old_cf, **new_cf}
    return merged


def _exact_email(value: object) -> str | None:
    """The email as sent (trimmed): the matching key of the case-sensitive fault."""
    return (value.strip() or None) if isinstance(value, str) else None


def _phone_key(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


@dataclass
class _Known:
    """A contact a row may match: stored (``pending`` False) or created by this chunk."""

    id: str
    data: dict[str, Any] | None
    pending: bool


@dataclass
class _Runtime:
    """Per-sandbox state: the CSV row validator, the worker, the sender, the key locks."""

    endpoint: Endpoint
    validator: Any
    fields: tuple[str, ...]
    worker: import_jobs.ImportWorker | None = None
    sender: webhooks.WebhookSender | None = None
    locks: dict[tuple[str, str], list[Any]] = field(default_factory=dict)

    @contextlib.asynccontextmanager
    async def key_lock(self, workspace: str, key: str) -> AsyncIterator[None]:
        """Serialize the requests of one workspace that share an Idempotency-Key."""
        entry = self.locks.setdefault((workspace, key), [asyncio.Lock(), 0])
        entry[1] += 1
        try:
            async with entry[0]:
                yield
        finally:
            entry[1] -= 1
            if entry[1] == 0:
                del self.locks[(workspace, key)]


def _runtime(sandbox: Sandbox) -> _Runtime:
    rt = sandbox.state.get(_STATE_KEY)
    if rt is None:
        endpoint = sandbox.catalog.provider(PROVIDER).endpoint("import_contacts")
        mapping = endpoint.request_schema.get("properties", {}).get("mapping", {})
        fields = tuple(mapping.get("additionalProperties", {}).get("enum", ()))
        validator = jsonschema_rs.validator_for(dict(endpoint.item_schema or {}),
                                                validate_formats=True)
        rt = sandbox.state[_STATE_KEY] = _Runtime(endpoint, validator, fields)
    assert isinstance(rt, _Runtime)
    return rt


class ImportRows:
    """The rows of one import, checked as they are read, and how to import some of them.

    Rows are built lazily from the body (a CSV is parsed as its rows are consumed), so a
    queued import never holds all its rows at once; see ``import_jobs.ImportPlan``.
    """

    def __init__(self, sandbox: Sandbox, body: Mapping[str, Any]) -> None:
        self.sandbox = sandbox
        self.rt = _runtime(sandbox)
        self.body = body
        self.is_csv = "rows" not in body
        self.update_existing = bool(body.get("update_existing", False))
        self.tags: list[str] = ([] if sandbox.fault("leadlex_import_tags_not_applied")
                                else list(body.get("tags", [])))

    def _source(self) -> Iterator[Any]:
        body = self.body
        if not self.is_csv:
            return iter(body["rows"])
        try:
            return iter_csv_rows(body["csv"], has_header=body.get("has_header", True),
                                 mapping=body.get("mapping"), fields=self.rt.fields)
        except CsvHeaderError as exc:
            raise SandboxHTTPError(400, "validation_error", str(exc), {"field": "csv"}) from None

    def count(self) -> int:
        """The number of rows (a CSV's data records)."""
        if not self.is_csv:
            return len(self.body["rows"])
        return sum(1 for _ in self._source())

    def iter_rows(self, start: int = 0) -> Iterator[Row]:
        return (self._check(row) for row in itertools.islice(self._source(), start, None))

    def _check(self, row: Any) -> Row:
        if isinstance(row, RowProblem):
            return row
        if not isinstance(row.get("full_name"), str) or not row["full_name"]:
            return RowProblem("missing_required_field", "full_name is required")
        if self.is_csv:
            for error in self.rt.validator.iter_errors(row):
                where = ".".join(str(p) for p in error.instance_path) or "row"
                return RowProblem("invalid_field", f"{where}: {error.message}")
        contact = dict(row)
        if self.tags:
            contact["tags"] = _union(row.get("tags"), self.tags)
        return contact

    # ------------------------------------------------------------------ applying

    def _row_number(self, index: int) -> int:
        number = index + 1
        if self.sandbox.fault("leadlex_import_row_number_zero_based"):
            number -= 1
        if self.is_csv and self.sandbox.fault("leadlex_import_csv_header_counted"):
            number += 1
        return number

    def _lookup(self, conn: sqlite3.Connection, workspace: str, column: str,
                values: Sequence[str], with_data: bool) -> dict[str, _Known]:
        """``{value: first stored contact with it}``: indexed lookups, 500 values a query."""
        found: dict[str, _Known] = {}
        select = "id, data" if with_data else "id, NULL"
        for start in range(0, len(values), _LOOKUP_CHUNK):
            chunk = values[start:start + _LOOKUP_CHUNK]
            marks = ",".join("?" * len(chunk))
            first = dict(conn.execute(  # the covering index answers this one
                f"SELECT min(seq), {column} FROM contacts WHERE provider = ? AND workspace = ?"
                f" AND {column} IN ({marks}) GROUP BY {column}", (PROVIDER, workspace, *chunk)))
            if not first:
                continue
            marks = ",".join("?" * len(first))
            for seq, cid, data in conn.execute(
                    f"SELECT seq, {select} FROM contacts WHERE seq IN ({marks})", tuple(first)):
                found[first[seq]] = _Known(cid, orjson.loads(data) if with_data else None, False)
        return found

    def apply(self, conn: sqlite3.Connection, workspace: str, first_index: int,
              rows: Sequence[Any], now: float) -> import_jobs.ChunkOutcome:
        """Import ``rows`` (rows ``first_index …`` of the import) in the caller's transaction."""
        sandbox = self.sandbox
        update = self.update_existing
        if sandbox.fault("leadlex_import_update_existing_ignored"):
            update = False
        if sandbox.fault("leadlex_import_always_updates"):
            update = True
        errors_skip = 0 if sandbox.fault("leadlex_import_skipped_excludes_errors") else 1
        email_key = (_exact_email if sandbox.fault("leadlex_import_email_match_case_sensitive")
                     else norm_email)
        contacts = [r for r in rows if isinstance(r, dict)]
        keys = [(email_key(r.get("email")), _phone_key(r.get("phone"))) for r in contacts]
        by_email = self._lookup(conn, workspace, "email",
                                list({e for e, _ in keys if e is not None}), update)
        by_phone = self._lookup(conn, workspace, "phone",
                                list({p for _, p in keys if p is not None}), update)
        ids = iter(uuid7_batch(len(contacts)))
        next_keys = iter(keys).__next__
        inserts: dict[str, dict[str, Any]] = {}
        updates: dict[str, dict[str, Any]] = {}
        out = import_jobs.ChunkOutcome()

        for offset, row in enumerate(rows):
            if isinstance(row, RowProblem):
                out.errors.append({"row_number": self._row_number(first_index + offset),
                                   "code": row.code, "message": row.message})
                out.skipped += errors_skip
                continue
            email, phone = next_keys()
            known = by_email.get(email) if email is not None else None
            if known is None and phone is not None:
                known = by_phone.get(phone)
            if known is None:  # a new contact, which the rows after this one may match
                known = _Known(next(ids), row, True)
                inserts[known.id] = row
                if email is not None:
                    by_email[email] = known
                if phone is not None:
                    by_phone[phone] = known
                out.created += 1
            elif update:
                known.data = _merge(known.data or {}, row)
                (inserts if known.pending else updates)[known.id] = known.data
                if (new_email := email_key(known.data.get("email"))) is not None:
                    by_email.setdefault(new_email, known)
                if (new_phone := _phone_key(known.data.get("phone"))) is not None:
                    by_phone.setdefault(new_phone, known)
                out.updated += 1
            else:
                out.skipped += 1

        def stored(cid: str, data: Mapping[str, Any]) -> ContactRow:
            return (cid, PROVIDER, workspace, data.get("full_name"), norm_email(data.get("email")),
                    _phone_key(data.get("phone")), orjson.dumps(data), now, now)

        if inserts:
            conn.executemany(INSERT_CONTACT_SQL, [stored(c, d) for c, d in inserts.items()])
        if updates:
            conn.executemany(
                "UPDATE contacts SET name = ?, email = ?, phone = ?, data = ?, updated_at = ?"
                " WHERE id = ?",
                [(d.get("full_name"), norm_email(d.get("email")), _phone_key(d.get("phone")),
                  orjson.dumps(d), now, c) for c, d in updates.items()])
        return out


def _prepare(sandbox: Sandbox) -> import_jobs.Prepare:
    """The worker's way back from a stored raw body to the import's rows."""
    def prepare(raw: bytes) -> ImportRows:
        return ImportRows(sandbox, orjson.loads(raw))
    return prepare


# --------------------------------------------------------------------------- import


def _import_invalid(problems: list[Problem], sandbox: Sandbox) -> SandboxHTTPError:
    if any(not p.path and p.keyword.startswith("OneOf") for p in problems):
        return SandboxHTTPError(400, "validation_error",
                                "Provide either rows or csv (exactly one of them)",
                                {"fields": ["rows", "csv"]})
    return generic_problem_error(problems)


@dataclass(frozen=True)
class _Stored:
    body_sha256: str
    response: bytes
    job_id: str


def _stored(conn: sqlite3.Connection, workspace: str, key: str, now: float) -> _Stored | None:
    """The live stored answer for the key (an expired one is deleted)."""
    row = conn.execute("SELECT body_sha256, response, job_id, created_at FROM leadlex_idempotency"
                       " WHERE workspace = ? AND key = ?", (workspace, key)).fetchone()
    if row is None:
        return None
    if row[3] + IDEMPOTENCY_TTL_SECONDS <= now:
        conn.execute("DELETE FROM leadlex_idempotency WHERE workspace = ? AND key = ?",
                     (workspace, key))
        return None
    return _Stored(row[0], bytes(row[1]), row[2])


def _idempotency_key(call: Call) -> str | None:
    key = call.request.headers.get("idempotency-key")
    if key is None or call.fault("leadlex_import_idempotency_ignored"):
        return None
    if not 1 <= len(key) <= IDEMPOTENCY_KEY_MAX:
        raise call.error(400, f"Idempotency-Key must be 1 to {IDEMPOTENCY_KEY_MAX} characters",
                         {"header": "Idempotency-Key"})
    return key


def _replay(call: Call, stored: _Stored, body_sha256: str) -> Response:
    if stored.body_sha256 != body_sha256 and not call.fault(
            "leadlex_import_idempotency_body_not_checked"):
        raise call.error(409, "Idempotency-Key was already used with a different request body",
                         {"header": "Idempotency-Key"}, code="idempotency_key_reused")
    response = stored.response
    if call.fault("leadlex_import_replay_new_job_id"):
        data = orjson.loads(response)
        data["data"]["job_id"] = _new_job_id()
        response = orjson.dumps(data)
    return Response(response, 200, media_type="application/json")


def _new_job_id() -> str:
    return "imp_" + uuid7().replace("-", "")


@plugin.endpoint("import_contacts", keep_raw=True, invalid=_import_invalid)
async def import_contacts(call: Call) -> Any:
    rt = _runtime(call.sandbox)
    key = _idempotency_key(call)
    if key is None:
        return await _import(call, rt, None, "")
    body_sha256 = hashlib.sha256(call.raw or b"").hexdigest()
    async with rt.key_lock(call.workspace, key):
        stored = await call.storage.run(_stored, call.workspace, key, time.time())
        if stored is not None:
            return _replay(call, stored, body_sha256)
        return await _import(call, rt, key, body_sha256)


async def _import(call: Call, rt: _Runtime, key: str | None, body_sha256: str) -> Response:
    plan = ImportRows(call.sandbox, call.body)
    sync_max = rt.endpoint.sync_max_rows or 0
    if call.fault("leadlex_import_sync_threshold_off_by_one"):
        sync_max += 1
    rows = list(itertools.islice(plan.iter_rows(), sync_max + 1))
    queued = len(rows) > sync_max
    # counting a large CSV parses all of it: off the event loop
    total = await asyncio.to_thread(plan.count) if queued else len(rows)
    workspace = call.workspace
    job_id = _new_job_id()

    def work(conn: sqlite3.Connection) -> bytes | _Stored:
        now = time.time()
        if key is not None and (stored := _stored(conn, workspace, key, now)) is not None:
            return stored
        if queued:
            import_jobs.insert_queued(conn, job_id, workspace, total, call.raw or b"", now)
            data: dict[str, Any] = {"job_id": job_id, "status": "queued"}
        else:
            outcome = plan.apply(conn, workspace, 0, rows, now)
            import_jobs.record_completed(conn, job_id, workspace, total, outcome, now)
            data = {"job_id": job_id, "status": "completed", "created_count": outcome.created,
                    "updated_count": outcome.updated, "skipped_count": outcome.skipped,
                    "errors": outcome.errors}
        response = orjson.dumps({"data": data})
        if key is not None:
            conn.execute("INSERT INTO leadlex_idempotency (workspace, key, body_sha256, response,"
                         " job_id, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                         (workspace, key, body_sha256, response, job_id, now))
        return response

    result = await call.storage.run(work)
    if isinstance(result, _Stored):
        return _replay(call, result, body_sha256)
    if queued and rt.worker is not None:
        rt.worker.notify()
    return Response(result, 200, media_type="application/json")


# --------------------------------------------------------------------------- job status


@plugin.endpoint("import_job_status")
async def import_job_status(call: Call) -> Any:
    job_id = call.request.path_params["job_id"]
    job = await call.storage.run(import_jobs.get_job, job_id)
    if job is None or (job["workspace"] != call.workspace
                       and not call.fault("leadlex_import_job_other_workspace_visible")):
        raise call.error(404, "Import job not found", {"job_id": job_id})
    return {"data": import_jobs.job_view(job)}


# --------------------------------------------------------------------------- lifecycle


@plugin.on_startup
async def _start(sandbox: Sandbox) -> None:
    rt = _runtime(sandbox)
    provider = sandbox.catalog.provider(PROVIDER)
    rt.sender = webhooks.WebhookSender(sandbox, {
        import_jobs.EVENT: webhooks.webhook_headers(provider, import_jobs.EVENT)})
    rt.worker = import_jobs.ImportWorker(sandbox, _prepare(sandbox), rt.sender.notify)
    rt.sender.start()
    await rt.worker.start()


@plugin.on_shutdown
async def _stop(sandbox: Sandbox) -> None:
    rt = _runtime(sandbox)
    if rt.worker is not None:
        await rt.worker.stop()
    if rt.sender is not None:
        await rt.sender.stop()


@plugin.on_reset
def _reset(conn: sqlite3.Connection) -> None:
    import_jobs.reset(conn)
    conn.execute("DELETE FROM leadlex_idempotency")
    conn.execute("DELETE FROM leadlex_webhook_attempts")
    conn.execute("DELETE FROM leadlex_webhook_deliveries")


@plugin.on_describe
def _describe(sandbox: Sandbox) -> Mapping[str, Any]:
    names = webhooks.webhook_headers(sandbox.catalog.provider(PROVIDER), import_jobs.EVENT)
    return {"webhooks": {import_jobs.EVENT: {
        "url": sandbox.settings.webhook_url, "secret": sandbox.webhook_secret,
        "signature_header": names.signature, "event_header": names.event,
        "max_attempts": sandbox.settings.webhook_max_attempts}}}


# --------------------------------------------------------------------------- inspection


def _sandbox_of(request: Request) -> Sandbox:
    sandbox: Sandbox = request.app.state.sandbox
    return sandbox


async def _admin_jobs(request: Request) -> Response:
    workspace = request.query_params.get("workspace")
    jobs = await _sandbox_of(request).storage.run(import_jobs.list_jobs, workspace)
    return json_response({"jobs": jobs})


async def _admin_webhooks(request: Request) -> Response:
    job_id = request.query_params.get("job_id")
    found = await _sandbox_of(request).storage.run(webhooks.deliveries, job_id)
    return json_response({"deliveries": found})


plugin.admin_route(Route("/import-jobs", _admin_jobs, methods=["GET"]))
plugin.admin_route(Route("/webhooks", _admin_webhooks, methods=["GET"]))
