"""LeadLex import jobs: the job table, its row errors and its stored bodies.

Every import gets a job (NOTES.md L8): a synchronous one is stored ``completed`` in the
transaction that imported its rows (:func:`record_completed`); a queued one is stored
``queued`` with the raw request body (:func:`insert_queued`), which is all the worker
(``sandbox/import_worker.py``) needs to rebuild its rows, so nothing of a queued import
lives only in memory. :func:`get_job` / :func:`job_view` are what the status endpoint shows.

Tables: ``leadlex_import_jobs``, ``leadlex_import_errors``, ``leadlex_import_bodies`` (a
queued job's raw body until the job ends).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bulkbench.sandbox.ids import uuid7

__all__ = [
    "EVENT",
    "SCHEMA",
    "ChunkOutcome",
    "errors_of",
    "get_job",
    "insert_errors",
    "insert_queued",
    "iso_time",
    "job_view",
    "list_jobs",
    "new_job_id",
    "read_body",
    "record_completed",
    "reset",
]

#: the webhook event a queued job's end sends.
EVENT = "import.completed"

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


# --------------------------------------------------------------------------- queries


def insert_errors(conn: sqlite3.Connection, job_id: str,
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
    insert_errors(conn, job_id, outcome.errors)


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


def errors_of(conn: sqlite3.Connection, job_id: str) -> list[dict[str, Any]]:
    return [{"row_number": n, "code": c, "message": m} for n, c, m in conn.execute(
        "SELECT row_number, code, message FROM leadlex_import_errors WHERE job_id = ?"
        " ORDER BY seq", (job_id,))]


def _view(conn: sqlite3.Connection, row: Sequence[Any]) -> dict[str, Any]:
    (job_id, workspace, status, total, processed, created, updated, skipped, created_at,
     completed_at) = row
    return {"job_id": job_id, "status": status, "total_rows": total,
            "processed_rows": processed, "created_count": created, "updated_count": updated,
            "skipped_count": skipped, "errors": errors_of(conn, job_id),
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
