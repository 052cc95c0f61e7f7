"""LeadLex import jobs: the job table, its row errors, and the worker that runs queued jobs.

Every import gets a job (NOTES.md L8): a synchronous one is stored ``completed`` in the
transaction that imported its rows (:func:`record_completed`); a queued one is stored
``queued`` with the raw request body (:func:`insert_queued`), which is all the worker
needs to rebuild its rows, so nothing of a queued import lives only in memory.

:class:`ImportWorker` is one asyncio task. It takes the oldest unfinished job, rebuilds its
rows from the stored body (``prepare``, in a thread), and imports them in chunks of
:data:`CHUNK_ROWS`: each chunk's contacts, its row errors and the job's progress
(``processed_rows`` and the counts) are committed in ONE transaction, guarded by the
progress it started from. A restart, even after kill -9, resumes every unfinished job at
its ``processed_rows``: a chunk is either wholly committed with its progress or not at all,
so no row is imported twice and none is lost. When the last chunk is in, the job is marked
``completed`` and its ``import.completed`` webhook delivery is stored in the same
transaction (``sandbox/webhooks.py`` sends it). A job whose rows cannot be rebuilt or
applied ends ``failed`` (and its webhook says so).

With ``--latency MS`` the worker also waits that long before each chunk: a slow provider
is slow at its jobs too (and tests can catch a job half done).

Tables: ``leadlex_import_jobs``, ``leadlex_import_errors``, ``leadlex_import_bodies`` (a
queued job's raw body until the job ends).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

import orjson

from sandbox import faults, webhooks
from sandbox.ids import uuid7

if TYPE_CHECKING:
    from sandbox.runtime import Sandbox

__all__ = [
    "CHUNK_ROWS",
    "EVENT",
    "SCHEMA",
    "ChunkOutcome",
    "ImportPlan",
    "ImportWorker",
    "get_job",
    "insert_queued",
    "iso_time",
    "job_view",
    "list_jobs",
    "new_job_id",
    "read_body",
    "record_completed",
    "reset",
]

log = logging.getLogger("sandbox.import_jobs")

#: rows imported per transaction by the worker.
CHUNK_ROWS = 1000
EVENT = "import.completed"
_ENDPOINT = "leadlex.import_contacts"

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS leadlex_import_jobs (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        workspace TEXT NOT NULL,
        status TEXT NOT NULL,
        total_rows INTEGER NOT NULL,
        processed_rows INTEGER NOT NULL DEFAULT 0,
        created_count INTEGER NOT NULL DEFAULT 0,
        updated_count INTEGER NOT NULL DEFAULT 0,
        skipped_count INTEGER NOT NULL DEFAULT 0,
        body BLOB,
        created_at REAL NOT NULL,
        completed_at REAL
    )""",
    "CREATE INDEX IF NOT EXISTS leadlex_import_jobs_unfinished"
    " ON leadlex_import_jobs (status, seq)",
    """CREATE TABLE IF NOT EXISTS leadlex_import_errors (
        seq INTEGER PRIMARY KEY,
        job_id TEXT NOT NULL,
        row_number INTEGER NOT NULL,
        code TEXT NOT NULL,
        message TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS leadlex_import_errors_job ON leadlex_import_errors (job_id, seq)",
    # a queued job's raw body, apart from the job row: every chunk updates the job's
    # progress, and SQLite rewrites a whole row (a 20 MB blob too) on any UPDATE
    """CREATE TABLE IF NOT EXISTS leadlex_import_bodies (
        seq INTEGER PRIMARY KEY,
        body BLOB NOT NULL
    )""",
)

faults.register_all([
    ("leadlex_import_job_never_completes", _ENDPOINT,
     "a queued job imports every row but stays `running` forever (no webhook)"),
    ("leadlex_import_resume_reimports", _ENDPOINT,
     "after a restart an unfinished job starts over from its first row (rows imported twice)"),
    ("leadlex_webhook_not_sent", _ENDPOINT,
     "no import.completed webhook is sent when a queued job ends"),
    ("leadlex_webhook_counts_wrong", _ENDPOINT,
     "the import.completed webhook reports every row as created"),
])


def new_job_id() -> str:
    """``imp_`` and a UUIDv7 without dashes (time-ordered)."""
    return "imp_" + uuid7().replace("-", "")


def iso_time(ts: float | None) -> str | None:
    """``2024-05-01T10:00:00.000Z`` (UTC, milliseconds) or None."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z")


@dataclass
class ChunkOutcome:
    """What importing some rows did; ``errors`` are ``{row_number, code, message}``."""

    created: int = 0
    updated: int = 0
    skipped: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)


class ImportPlan(Protocol):
    """The rows of one import and how to apply some of them (see ``leadlex_import``)."""

    def iter_rows(self, start: int = 0) -> Iterator[Any]:
        """The rows from the ``start``-th (0-based) on, built as they are consumed."""
        ...

    def apply(self, conn: sqlite3.Connection, workspace: str, first_index: int,
              rows: Sequence[Any], now: float) -> ChunkOutcome: ...


#: stored raw request body → its plan (pure CPU; run in a thread by the worker).
Prepare = Callable[[bytes], ImportPlan]


# --------------------------------------------------------------------------- queries


def _insert_errors(conn: sqlite3.Connection, job_id: str,
                   errors: Sequence[dict[str, Any]]) -> None:
    if errors:
        conn.executemany("INSERT INTO leadlex_import_errors (job_id, row_number, code, message)"
                         " VALUES (?, ?, ?, ?)",
                         [(job_id, e["row_number"], e["code"], e["message"]) for e in errors])


def record_completed(conn: sqlite3.Connection, job_id: str, workspace: str, total_rows: int,
                     outcome: ChunkOutcome, now: float) -> None:
    """Store a synchronous import's job, already completed (inside its transaction)."""
    conn.execute(
        "INSERT INTO leadlex_import_jobs (id, workspace, status, total_rows, processed_rows,"
        " created_count, updated_count, skipped_count, created_at, completed_at)"
        " VALUES (?, ?, 'completed', ?, ?, ?, ?, ?, ?, ?)",
        (job_id, workspace, total_rows, total_rows, outcome.created, outcome.updated,
         outcome.skipped, now, now))
    _insert_errors(conn, job_id, outcome.errors)


def insert_queued(conn: sqlite3.Connection, job_id: str, workspace: str, total_rows: int,
                  body: bytes | bytearray, now: float) -> None:
    """Store a queued job with the raw body its rows are rebuilt from.

    The body goes to ``leadlex_import_bodies`` under the job's ``seq``, written into a
    ``zeroblob`` through SQLite's incremental blob I/O: bound as a parameter, it would be
    copied by SQLite first.
    """
    seq = conn.execute("INSERT INTO leadlex_import_jobs (id, workspace, status, total_rows,"
                       " created_at) VALUES (?, ?, 'queued', ?, ?)",
                       (job_id, workspace, total_rows, now)).lastrowid
    assert seq is not None
    conn.execute("INSERT INTO leadlex_import_bodies (seq, body) VALUES (?, zeroblob(?))",
                 (seq, len(body)))
    if body:
        with conn.blobopen("leadlex_import_bodies", "body", seq) as blob:
            blob.write(body)


def read_body(conn: sqlite3.Connection, seq: int) -> bytes:
    """The stored raw body of job ``seq``, read in one copy (empty when there is none;
    a data folder of an earlier version kept it in the job row)."""
    if conn.execute("SELECT 1 FROM leadlex_import_bodies WHERE seq = ?",
                    (seq,)).fetchone() is not None:
        with conn.blobopen("leadlex_import_bodies", "body", seq, readonly=True) as blob:
            return blob.read()
    row = conn.execute("SELECT body FROM leadlex_import_jobs WHERE seq = ?", (seq,)).fetchone()
    return bytes(row[0]) if row and row[0] else b""


_JOB_COLUMNS = ("id, workspace, status, total_rows, processed_rows, created_count,"
                " updated_count, skipped_count, created_at, completed_at")


def _errors_of(conn: sqlite3.Connection, job_id: str) -> list[dict[str, Any]]:
    return [{"row_number": n, "code": c, "message": m} for n, c, m in conn.execute(
        "SELECT row_number, code, message FROM leadlex_import_errors WHERE job_id = ?"
        " ORDER BY seq", (job_id,))]


def _view(conn: sqlite3.Connection, row: Sequence[Any]) -> dict[str, Any]:
    (job_id, workspace, status, total, processed, created, updated, skipped, created_at,
     completed_at) = row
    return {"job_id": job_id, "status": status, "total_rows": total,
            "processed_rows": processed, "created_count": created, "updated_count": updated,
            "skipped_count": skipped, "errors": _errors_of(conn, job_id),
            "created_at": iso_time(created_at), "completed_at": iso_time(completed_at),
            "workspace": workspace}


def get_job(conn: sqlite3.Connection, job_id: str) -> dict[str, Any] | None:
    """The job as the status endpoint shows it, plus its ``workspace``; None if unknown."""
    row = conn.execute(f"SELECT {_JOB_COLUMNS} FROM leadlex_import_jobs WHERE id = ?",
                       (job_id,)).fetchone()
    return _view(conn, row) if row else None


def job_view(job: dict[str, Any]) -> dict[str, Any]:
    """A job of :func:`get_job` without the internal ``workspace``."""
    return {k: v for k, v in job.items() if k != "workspace"}


def list_jobs(conn: sqlite3.Connection, workspace: str | None = None,
              limit: int = 100) -> list[dict[str, Any]]:
    sql = f"SELECT {_JOB_COLUMNS} FROM leadlex_import_jobs"
    rows = (conn.execute(sql + " WHERE workspace = ? ORDER BY seq DESC LIMIT ?",
                         (workspace, limit)) if workspace is not None
            else conn.execute(sql + " ORDER BY seq DESC LIMIT ?", (limit,)))
    return [_view(conn, r) for r in rows.fetchall()]


def reset(conn: sqlite3.Connection) -> None:
    """Forget every job (the admin reset of the provider)."""
    conn.execute("DELETE FROM leadlex_import_errors")
    conn.execute("DELETE FROM leadlex_import_bodies")
    conn.execute("DELETE FROM leadlex_import_jobs")


# --------------------------------------------------------------------------- the worker


@dataclass(frozen=True)
class _Job:
    seq: int
    id: str
    workspace: str
    status: str
    total_rows: int
    processed_rows: int


class _JobChanged(Exception):
    """The job is gone or was moved on by someone else (a reset): leave it."""


def _next_job(conn: sqlite3.Connection, skip: Sequence[str] = ()) -> _Job | None:
    marks = ",".join("?" * len(skip))
    row = conn.execute("SELECT seq, id, workspace, status, total_rows, processed_rows"
                       " FROM leadlex_import_jobs WHERE status IN ('queued', 'running')"
                       f" AND id NOT IN ({marks}) ORDER BY seq LIMIT 1", tuple(skip)).fetchone()
    return _Job(*row) if row else None


def _take(rows: Iterator[Any], n: int) -> list[Any]:
    return list(itertools.islice(rows, n))


def _restart_unfinished(conn: sqlite3.Connection) -> int:
    """The resume_reimports fault: unfinished jobs forget their progress (not their rows)."""
    ids = [r[0] for r in conn.execute(
        "SELECT id FROM leadlex_import_jobs WHERE status = 'running'")]
    for job_id in ids:
        conn.execute("UPDATE leadlex_import_jobs SET processed_rows = 0, created_count = 0,"
                     " updated_count = 0, skipped_count = 0 WHERE id = ?", (job_id,))
        conn.execute("DELETE FROM leadlex_import_errors WHERE job_id = ?", (job_id,))
    return len(ids)


class ImportWorker:
    """Runs queued import jobs, oldest first, one at a time."""

    def __init__(self, sandbox: Sandbox, prepare: Prepare,
                 on_webhook: Callable[[], None] | None = None) -> None:
        self.sandbox = sandbox
        self.prepare = prepare
        self.on_webhook = on_webhook
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self.sandbox.fault("leadlex_import_resume_reimports"):
            await self.sandbox.storage.run(_restart_unfinished)
        self._task = asyncio.create_task(self._run(), name="leadlex-import-worker")

    def notify(self) -> None:
        """A job was queued: look at the queue now."""
        self._wake.set()

    async def stop(self) -> None:
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def _run(self) -> None:
        storage = self.sandbox.storage
        stuck: set[str] = set()
        while True:
            self._wake.clear()
            try:
                job = await storage.run(_next_job, sorted(stuck))
                if job is not None:
                    if not await self._process(job):
                        stuck.add(job.id)
                    continue
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("the import worker failed; retrying in a second")
                await asyncio.sleep(1.0)
                continue
            await self._wake.wait()

    async def _process(self, job: _Job) -> bool:
        """Run ``job`` to its end; False when it stays unfinished (never_completes fault)."""
        storage = self.sandbox.storage
        try:
            # the plan alone keeps the raw body (a CSV's is dropped once parsed)
            plan = await asyncio.to_thread(
                self.prepare, await storage.run_in_thread(read_body, job.seq))
            rows = plan.iter_rows(job.processed_rows)
            delay = self.sandbox.settings.latency_ms / 1000
            done = job.processed_rows
            while done < job.total_rows:
                if delay:
                    await asyncio.sleep(delay)
                size = min(CHUNK_ROWS, job.total_rows - done)
                chunk = await asyncio.to_thread(_take, rows, size)
                if len(chunk) != size:
                    raise RuntimeError(f"the body has fewer rows than the job's {job.total_rows}")
                done = await storage.run(self._commit_chunk, job, done, plan, chunk)
        except _JobChanged:
            return True
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("import job %s failed", job.id)
            await storage.run(self._finish, job, "failed", f"{type(exc).__name__}")
            self._webhook_stored()
            return True
        if self.sandbox.fault("leadlex_import_job_never_completes"):
            return False
        await storage.run(self._finish, job, "completed", None)
        self._webhook_stored()
        return True

    def _webhook_stored(self) -> None:
        if self.on_webhook is not None:
            self.on_webhook()

    def _commit_chunk(self, conn: sqlite3.Connection, job: _Job, start: int,
                      plan: ImportPlan, chunk: Sequence[Any]) -> int:
        """Import ``chunk`` (rows ``start …`` of ``job``) with the job's progress, in the
        caller's transaction."""
        row = conn.execute("SELECT processed_rows, status FROM leadlex_import_jobs"
                           " WHERE id = ?", (job.id,)).fetchone()
        if row is None or row[0] != start or row[1] not in ("queued", "running"):
            raise _JobChanged(job.id)
        end = start + len(chunk)
        outcome = plan.apply(conn, job.workspace, start, chunk, time.time())
        conn.execute("UPDATE leadlex_import_jobs SET status = 'running', processed_rows = ?,"
                     " created_count = created_count + ?, updated_count = updated_count + ?,"
                     " skipped_count = skipped_count + ? WHERE id = ?",
                     (end, outcome.created, outcome.updated, outcome.skipped, job.id))
        _insert_errors(conn, job.id, outcome.errors)
        return end

    def _finish(self, conn: sqlite3.Connection, job: _Job, status: str,
                reason: str | None) -> None:
        """Mark ``job`` ended and store its webhook delivery, in one transaction."""
        now = time.time()
        row = conn.execute("SELECT status, total_rows, created_count, updated_count,"
                           " skipped_count FROM leadlex_import_jobs WHERE id = ?",
                           (job.id,)).fetchone()
        if row is None or row[0] not in ("queued", "running"):
            return
        _, total, created, updated, skipped = row
        conn.execute("UPDATE leadlex_import_jobs SET status = ?, completed_at = ?, body = NULL"
                     " WHERE id = ?", (status, now, job.id))
        conn.execute("DELETE FROM leadlex_import_bodies WHERE seq = ?", (job.seq,))
        if reason is not None:
            log.warning("import job %s ended %s (%s)", job.id, status, reason)
        sandbox = self.sandbox
        url = sandbox.settings.webhook_url
        if not url or sandbox.fault("leadlex_webhook_not_sent"):
            return
        if sandbox.fault("leadlex_webhook_counts_wrong"):
            created, updated, skipped = total, 0, 0
        body = orjson.dumps({
            "event": EVENT, "created_at": iso_time(now),
            "data": {"job_id": job.id, "status": status, "created_count": created,
                     "updated_count": updated, "skipped_count": skipped,
                     "errors": _errors_of(conn, job.id)}})
        webhooks.enqueue(conn, event=EVENT, workspace=job.workspace, url=url, body=body,
                         now=now, job_id=job.id)
