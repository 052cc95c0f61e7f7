"""LeadLex import (seed 001): ``POST /v1/import/contacts`` and ``GET /v1/import/jobs/{job_id}``.

The endpoint glues four parts together, each in its own module:

- the rows, their checks, matching and storage: ``sandbox/import_rows.py`` (NOTES.md
  L7-L19, L26);
- jobs: up to ``sync_max_rows`` (catalog) rows are imported in the request, in one
  transaction with their job (``completed``); more are queued (``sandbox/import_jobs.py``),
  answered with the same success status (``success_status``; the job status route is at
  ``import_job_status_path``),
  answered ``{job_id, status: queued}`` and run by ``sandbox/import_worker.py``;
  ``import.completed`` is then POSTed by ``sandbox/webhooks.py``;
- ``Idempotency-Key``: ``sandbox/idempotency.py`` (NOTES.md L15).

A body's schema problems are a 400 (``_import_invalid``), except where the variant takes
the other reading (``Sandbox.takes_other_reading``): "rows and csv" (NOTES L17: both given,
the rows are imported and the csv ignored) and "malformed import row" (NOTES L11: a row
that breaks the row schema is a row error, ``ImportRows``).

A large body's ``rows`` are never parsed whole (``chunked_batch``, ``sandbox/batch_chunks.py``):
the pipeline checks them a chunk at a time, a synchronous import reads its few hundred, and
a queued import stores the raw body as read, from which the worker re-reads the rows a
chunk at a time. Peak memory stays a small multiple of the body (``bench/sandbox_ingest.py``).

Inspection: ``GET /_sandbox/leadlex/import-jobs`` (``?workspace=``) and
``GET /_sandbox/leadlex/webhooks`` (``?job_id=``; every delivery with its attempts).
"""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bulkbench.core.catalog import Endpoint
from bulkbench.sandbox import faults, idempotency, import_jobs, import_worker, webhooks
from bulkbench.sandbox.body import BodyValidator, Problem
from bulkbench.sandbox.errors import SandboxHTTPError
from bulkbench.sandbox.import_rows import ImportRows
from bulkbench.sandbox.pipeline import generic_problem_error
from bulkbench.sandbox.plugin import Call, ProviderPlugin, json_response

if TYPE_CHECKING:
    from bulkbench.sandbox.runtime import Sandbox

__all__ = ["IDEMPOTENCY_TTL_SECONDS", "ImportRows", "plugin"]

PROVIDER = "leadlex"
IMPORT = f"{PROVIDER}.import_contacts"
STATUS = f"{PROVIDER}.import_job_status"
IDEMPOTENCY_TTL_SECONDS = idempotency.IDEMPOTENCY_TTL_SECONDS
_STATE_KEY = "leadlex_import"

plugin = ProviderPlugin(PROVIDER)
plugin.schema(*import_jobs.SCHEMA, *webhooks.SCHEMA, *idempotency.SCHEMA)

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
    ("leadlex_import_job_other_workspace_visible", STATUS,
     "the job status of another workspace's import is answered 200 instead of 404"),
])


@dataclass
class _Runtime:
    """Per-sandbox state: the endpoint, the worker, the sender, the Idempotency-Key locks."""

    endpoint: Endpoint
    #: the body's schema, to check the rest of a body whose rows' problems were let through
    validator: BodyValidator
    worker: import_worker.ImportWorker | None = None
    sender: webhooks.WebhookSender | None = None
    locks: idempotency.KeyLocks = field(default_factory=idempotency.KeyLocks)


def _runtime(sandbox: Sandbox) -> _Runtime:
    rt = sandbox.state.get(_STATE_KEY)
    if not isinstance(rt, _Runtime):
        endpoint = sandbox.catalog.provider(PROVIDER).endpoint("import_contacts")
        rt = sandbox.state[_STATE_KEY] = _Runtime(endpoint, BodyValidator(endpoint))
    return rt


def _prepare(sandbox: Sandbox) -> import_worker.Prepare:
    """The worker's way back from a stored raw body to the import's rows."""
    def prepare(raw: bytes) -> ImportRows:
        return ImportRows.from_raw(sandbox, raw)
    return prepare


# --------------------------------------------------------------------------- import


def _row_problem(problem: Problem) -> bool:
    """A problem inside one of the ``rows`` (``/rows/3/email``, ``/rows/3``)."""
    return len(problem.path) >= 2 and problem.path[0] == "rows" and \
        isinstance(problem.path[1], int)


def _import_invalid(problems: list[Problem], sandbox: Sandbox) -> SandboxHTTPError | None:
    if sandbox.takes_other_reading("rows and csv"):  # NOTES L17: rows win, csv is ignored
        problems = [p for p in problems if p.path or p.keyword != "OneOfMultipleValid"]
    if sandbox.takes_other_reading("malformed import row"):  # NOTES L11: row errors
        problems = [p for p in problems if not _row_problem(p)]
    if not problems:
        return None  # the rows' own problems are reported per row (ImportRows)
    if any(not p.path and p.keyword.startswith("OneOf") for p in problems):
        return SandboxHTTPError(400, "validation_error",
                                "Provide either rows or csv (exactly one of them)",
                                {"fields": ["rows", "csv"]})
    return generic_problem_error(problems)


@plugin.endpoint("import_contacts", keep_raw=True, chunked_batch=True, invalid=_import_invalid)
async def import_contacts(call: Call) -> Any:
    rt = _runtime(call.sandbox)
    key = idempotency.key_of(call)
    if key is None:
        return await _import(call, rt, None, "")
    body_sha256 = idempotency.body_digest(call.raw)
    async with rt.locks.hold(call.workspace, key):
        stored = await call.storage.run(idempotency.lookup, call.workspace, key, time.time())
        if stored is not None:
            return idempotency.replay(call, stored, body_sha256)
        return await _import(call, rt, key, body_sha256)


def _check_beside_rows(call: Call, rt: _Runtime) -> None:
    """The body but its rows against the schema: ``_import_invalid`` let the rows' problems
    through (NOTES L11, the variant's reading) and may have seen only the first of many."""
    rows = call.body.get("rows")
    if isinstance(rows, list) and rows:
        problems = rt.validator.problems({**call.body, "rows": [{}]})
        if problems and (error := _import_invalid(problems, call.sandbox)) is not None:
            raise error


async def _import(call: Call, rt: _Runtime, key: str | None, body_sha256: str) -> Response:
    if call.sandbox.takes_other_reading("malformed import row"):
        _check_beside_rows(call, rt)
    plan = ImportRows(call.sandbox, call.body)
    sync_max = rt.endpoint.sync_max_rows or 0
    if call.fault("leadlex_import_sync_threshold_off_by_one"):
        sync_max += 1
    rows = list(itertools.islice(plan.iter_rows(), sync_max + 1))
    queued = len(rows) > sync_max
    # counting a large CSV parses all of it: off the event loop
    total = await asyncio.to_thread(plan.count) if queued else len(rows)
    workspace = call.workspace
    job_id = import_jobs.new_job_id()

    def work(conn: sqlite3.Connection) -> bytes | idempotency.Stored:
        now = time.time()
        if key is not None and (
                stored := idempotency.lookup(conn, workspace, key, now)) is not None:
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
            idempotency.store(conn, workspace, key, body_sha256, response, job_id, now)
        return response

    result = await call.storage.run(work)
    if isinstance(result, idempotency.Stored):
        return idempotency.replay(call, result, body_sha256)
    if queued and rt.worker is not None:
        rt.worker.notify()
    return Response(result, call.success_status, media_type="application/json")


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
    rt.worker = import_worker.ImportWorker(sandbox, _prepare(sandbox), rt.sender.notify)
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
    idempotency.reset(conn)
    conn.execute("DELETE FROM leadlex_webhook_attempts")
    conn.execute("DELETE FROM leadlex_webhook_deliveries")


@plugin.on_describe
def _describe(sandbox: Sandbox, origin: str) -> Mapping[str, Any]:
    names = webhooks.webhook_headers(sandbox.catalog.provider(PROVIDER), import_jobs.EVENT)
    return {"webhooks": {import_jobs.EVENT: {
        "url": sandbox.settings.webhook_url, "secret": sandbox.webhook_secret,
        "signature_header": webhooks.signature_header(sandbox, names),
        "signature_format": sandbox.assumed(PROVIDER, "webhook_signature_format"),
        "event_header": names.event,
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
