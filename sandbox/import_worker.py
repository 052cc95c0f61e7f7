"""The LeadLex import worker: runs queued import jobs, oldest first, one at a time.

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
is slow at its jobs too (and tests can catch a job half done). The job tables are
``sandbox/import_jobs.py``'s.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import orjson

from bulkbench.core import json_pointer
from bulkbench.sandbox import faults, webhooks
from bulkbench.sandbox.import_jobs import (
    EVENT,
    ChunkOutcome,
    errors_of,
    insert_errors,
    iso_time,
    read_body,
)
from bulkbench.sandbox.queue_worker import QueueWorker

if TYPE_CHECKING:
    from bulkbench.sandbox.runtime import Sandbox

__all__ = ["CHUNK_ROWS", "ImportPlan", "ImportWorker", "Prepare"]

log = logging.getLogger("sandbox.import_jobs")

#: rows imported per transaction by the worker.
CHUNK_ROWS = 1000
_ENDPOINT = "leadlex.import_contacts"

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


class ImportPlan(Protocol):
    """The rows of one import and how to apply some of them (``sandbox/import_rows.py``)."""

    def iter_rows(self, start: int = 0) -> Iterator[Any]:
        """The rows from the ``start``-th (0-based) on, built as they are consumed."""
        ...

    def apply(self, conn: sqlite3.Connection, workspace: str, first_index: int,
              rows: Sequence[Any], now: float) -> ChunkOutcome: ...


#: stored raw request body → its plan (pure CPU; run in a thread by the worker).
Prepare = Callable[[bytes], ImportPlan]


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


def _payload(pointer: str, head: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """The import.completed body (NOTES L14): ``head`` with the job's ``data`` where
    ``webhook_data_pointer`` puts it ('' : beside the event, at the top level)."""
    if not pointer:
        return {**head, **data}
    nested: dict[str, Any] = json_pointer.nest(pointer, data)
    return {**head, **nested}


class ImportWorker(QueueWorker):
    """Runs queued import jobs, oldest first, one at a time."""

    task_name = "leadlex-import-worker"

    def __init__(self, sandbox: Sandbox, prepare: Prepare,
                 on_webhook: Callable[[], None] | None = None) -> None:
        super().__init__()
        self.sandbox = sandbox
        self.prepare = prepare
        self.on_webhook = on_webhook

    async def start(self) -> None:
        if self.sandbox.fault("leadlex_import_resume_reimports"):
            await self.sandbox.storage.run(_restart_unfinished)
        self._start_task()

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
        insert_errors(conn, job.id, outcome.errors)
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
        data = {"job_id": job.id, "status": status, "created_count": created,
                "updated_count": updated, "skipped_count": skipped,
                "errors": errors_of(conn, job.id)}
        body = orjson.dumps(_payload(str(sandbox.assumed("leadlex", "webhook_data_pointer")),
                                     {"event": EVENT, "created_at": iso_time(now)}, data))
        webhooks.enqueue(conn, event=EVENT, workspace=job.workspace, url=url, body=body,
                         now=now, job_id=job.id)
