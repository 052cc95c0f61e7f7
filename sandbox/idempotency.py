"""The LeadLex import's ``Idempotency-Key`` (NOTES.md L15).

- The key is 1..255 characters, scoped to the workspace, kept 24 hours
  (:data:`IDEMPOTENCY_TTL_SECONDS`); a longer or empty one is a 400.
- The same key and the same raw body (compared by SHA-256) → the stored response, byte for
  byte, and nothing imported again; the same key with another body → 409
  ``idempotency_key_reused`` (the status ``idempotency_conflict_status`` says), or the
  stored response too where ``idempotency_reuse`` is ``original``.
- Only a 200 is stored, with :func:`store`, in the same transaction as the import it
  answers. Requests sharing a key are serialized by :class:`KeyLocks`, and the caller takes
  the stored-or-import decision again inside the import's transaction (:func:`lookup`).

Table: ``leadlex_idempotency``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import orjson
from starlette.responses import Response

from bulkbench.sandbox import faults
from bulkbench.sandbox.import_jobs import new_job_id
from bulkbench.sandbox.plugin import Call

__all__ = [
    "IDEMPOTENCY_KEY_MAX",
    "IDEMPOTENCY_TTL_SECONDS",
    "SCHEMA",
    "KeyLocks",
    "Stored",
    "body_digest",
    "key_of",
    "lookup",
    "replay",
    "reset",
    "store",
]

IDEMPOTENCY_TTL_SECONDS = 24 * 3600
IDEMPOTENCY_KEY_MAX = 255
_ENDPOINT = "leadlex.import_contacts"

SCHEMA = (
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
    ("leadlex_import_idempotency_ignored", _ENDPOINT,
     "Idempotency-Key is ignored: a replay imports the rows again (new job)"),
    ("leadlex_import_replay_new_job_id", _ENDPOINT,
     "a replay with the same Idempotency-Key answers the stored result with a new job_id"),
    ("leadlex_import_idempotency_body_not_checked", _ENDPOINT,
     "the same Idempotency-Key with another body answers the stored result instead of 409"),
])


@dataclass(frozen=True)
class Stored:
    """A stored answer: the body's digest, the response bytes, the job it named."""

    body_sha256: str
    response: bytes
    job_id: str


def body_digest(raw: bytes | bytearray | None) -> str:
    return hashlib.sha256(raw or b"").hexdigest()


def key_of(call: Call) -> str | None:
    """The request's Idempotency-Key (None without one, or under the ignoring fault)."""
    key = call.request.headers.get("idempotency-key")
    if key is None or call.fault("leadlex_import_idempotency_ignored"):
        return None
    if not 1 <= len(key) <= IDEMPOTENCY_KEY_MAX:
        raise call.error(400, f"Idempotency-Key must be 1 to {IDEMPOTENCY_KEY_MAX} characters",
                         {"header": "Idempotency-Key"})
    return key


def lookup(conn: sqlite3.Connection, workspace: str, key: str, now: float) -> Stored | None:
    """The live stored answer for the key (an expired one is deleted)."""
    row = conn.execute("SELECT body_sha256, response, job_id, created_at FROM leadlex_idempotency"
                       " WHERE workspace = ? AND key = ?", (workspace, key)).fetchone()
    if row is None:
        return None
    if row[3] + IDEMPOTENCY_TTL_SECONDS <= now:
        conn.execute("DELETE FROM leadlex_idempotency WHERE workspace = ? AND key = ?",
                     (workspace, key))
        return None
    return Stored(row[0], bytes(row[1]), row[2])


def store(conn: sqlite3.Connection, workspace: str, key: str, body_sha256: str,
          response: bytes, job_id: str, now: float) -> None:
    """Keep a 200 answer (call inside the transaction of the import it answers)."""
    conn.execute("INSERT INTO leadlex_idempotency (workspace, key, body_sha256, response,"
                 " job_id, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                 (workspace, key, body_sha256, response, job_id, now))


def replay(call: Call, stored: Stored, body_sha256: str) -> Response:
    """The stored answer again, or a conflict (409) when the body differs from the stored
    one's and ``idempotency_reuse`` is ``conflict``."""
    if stored.body_sha256 != body_sha256 and call.assumed("idempotency_reuse") == "conflict" \
            and not call.fault("leadlex_import_idempotency_body_not_checked"):
        raise call.error(int(call.assumed("idempotency_conflict_status")),
                         "Idempotency-Key was already used with a different request body",
                         {"header": "Idempotency-Key"}, code="idempotency_key_reused")
    response = stored.response
    if call.fault("leadlex_import_replay_new_job_id"):
        data = orjson.loads(response)
        data["data"]["job_id"] = new_job_id()
        response = orjson.dumps(data)
    return Response(response, call.success_status, media_type="application/json")


def reset(conn: sqlite3.Connection) -> None:
    """Forget every stored answer (the admin reset of the provider)."""
    conn.execute("DELETE FROM leadlex_idempotency")


@dataclass
class KeyLocks:
    """One asyncio lock per (workspace, key) in use, dropped when its last user leaves."""

    _locks: dict[tuple[str, str], list[Any]] = field(default_factory=dict)

    @contextlib.asynccontextmanager
    async def hold(self, workspace: str, key: str) -> AsyncIterator[None]:
        """Serialize the requests of one workspace that share an Idempotency-Key."""
        entry = self._locks.setdefault((workspace, key), [asyncio.Lock(), 0])
        entry[1] += 1
        try:
            async with entry[0]:
                yield
        finally:
            entry[1] -= 1
            if entry[1] == 0:
                del self._locks[(workspace, key)]

    def __len__(self) -> int:
        return len(self._locks)
