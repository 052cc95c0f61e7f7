"""Webhook deliveries: stored with the event that causes them, sent with retries, signed.

A delivery is written by :func:`enqueue` inside the transaction that produces the event (a
job's completion), so an event is never lost and never sent for something that did not
happen. :class:`WebhookSender` (one asyncio task) POSTs every pending delivery with
``httpx.AsyncClient``; a 2xx acknowledges it; anything else (another status, a timeout, a
refused connection) is an attempt that failed and is retried after a backoff
(:data:`BACKOFF_BASE_SECONDS`, doubling each time, at most :data:`BACKOFF_MAX_SECONDS`) until
``settings.webhook_max_attempts`` attempts were made; then the delivery is ``failed``.
Pending deliveries survive a restart (even a kill -9) and are sent after it: delivery is
at least once.

The body is serialized once, when the delivery is stored, so every attempt sends the same
bytes. The signature header carries ``sha256=<lowercase hex HMAC-SHA256 of the raw body,
keyed with the webhook secret>`` (NOTES.md L14); the header names come from the spec's
``webhooks`` (the catalog), not from here. Both are assumptions: the header is
``webhook_signature_header`` and the HMAC is written as ``webhook_signature_format`` says
(``sha256=hex``, bare ``hex`` or ``base64``).

Tables: ``leadlex_webhook_deliveries`` (one row per event and URL) and
``leadlex_webhook_attempts`` (one row per POST, for the inspection API).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import logging
import sqlite3
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx
import orjson

from bulkbench.core.catalog import Provider
from bulkbench.sandbox import faults
from bulkbench.sandbox.ids import uuid7
from bulkbench.sandbox.queue_worker import QueueWorker

if TYPE_CHECKING:
    from bulkbench.sandbox.runtime import Sandbox

__all__ = [
    "BACKOFF_BASE_SECONDS",
    "BACKOFF_MAX_SECONDS",
    "SCHEMA",
    "WebhookHeaders",
    "WebhookSender",
    "deliveries",
    "enqueue",
    "sign",
    "signature_header",
    "webhook_headers",
    "write_digest",
]

log = logging.getLogger("sandbox.webhooks")

BACKOFF_BASE_SECONDS = 0.25
BACKOFF_MAX_SECONDS = 60.0

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS leadlex_webhook_deliveries (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        event TEXT NOT NULL,
        workspace TEXT NOT NULL,
        job_id TEXT,
        url TEXT NOT NULL,
        body BLOB NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at REAL NOT NULL,
        created_at REAL NOT NULL,
        delivered_at REAL
    )""",
    "CREATE INDEX IF NOT EXISTS leadlex_webhook_pending"
    " ON leadlex_webhook_deliveries (status, next_attempt_at)",
    """CREATE TABLE IF NOT EXISTS leadlex_webhook_attempts (
        delivery_id TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        started_at REAL NOT NULL,
        duration_ms REAL NOT NULL,
        status_code INTEGER,
        error TEXT,
        signature TEXT NOT NULL,
        PRIMARY KEY (delivery_id, attempt)
    ) WITHOUT ROWID""",
)

faults.register_all([
    ("leadlex_webhook_bad_signature", "leadlex.import_contacts",
     "the import.completed signature is a plain SHA-256 of the body, not the keyed HMAC"),
])


@dataclass(frozen=True)
class WebhookHeaders:
    """The header names of one webhook event, as the spec declares them."""

    signature: str
    event: str


def webhook_headers(provider: Provider, event: str) -> WebhookHeaders:
    """The signature header (the one whose pattern starts ``^sha256=``) and the event header
    (the one whose value is the event's name) of ``event`` in the provider's spec."""
    params = provider.webhooks[event]["post"].get("parameters", ())
    signature = next(p["name"] for p in params
                     if str(p.get("schema", {}).get("pattern", "")).startswith("^sha256="))
    event_header = next(p["name"] for p in params if p.get("schema", {}).get("const") == event)
    return WebhookHeaders(signature, event_header)


def signature_header(sandbox: Sandbox, names: WebhookHeaders) -> str:
    """The header that carries the signature as served (``webhook_signature_header``)."""
    return str(sandbox.assumed("leadlex", "webhook_signature_header") or names.signature)


def write_digest(digest: bytes, fmt: str = "sha256=hex") -> str:
    """A digest as ``webhook_signature_format`` writes it: ``sha256=<hex>``, ``<hex>`` or
    ``<base64>``."""
    if fmt == "base64":
        return base64.b64encode(digest).decode()
    return ("sha256=" if fmt == "sha256=hex" else "") + digest.hex()


def sign(secret: str, body: bytes, fmt: str = "sha256=hex") -> str:
    """The HMAC-SHA256 of ``body`` keyed with ``secret``, written as ``fmt`` says
    (default ``sha256=<hex>``)."""
    return write_digest(hmac.new(secret.encode(), body, hashlib.sha256).digest(), fmt)


def enqueue(conn: sqlite3.Connection, *, event: str, workspace: str, url: str,
            body: bytes, now: float, job_id: str | None = None) -> str:
    """Store a pending delivery (call inside the transaction that produced the event)."""
    delivery_id = "whd_" + uuid7().replace("-", "")
    conn.execute(
        "INSERT INTO leadlex_webhook_deliveries (id, event, workspace, job_id, url, body,"
        " status, attempts, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, 'pending',"
        " 0, ?, ?)", (delivery_id, event, workspace, job_id, url, body, now, now))
    return delivery_id


def deliveries(conn: sqlite3.Connection, job_id: str | None = None) -> list[dict[str, Any]]:
    """Every delivery (of ``job_id`` when given) with its attempts, oldest first."""
    sql = ("SELECT id, event, workspace, job_id, url, body, status, attempts, next_attempt_at,"
           " created_at, delivered_at FROM leadlex_webhook_deliveries")
    rows = (conn.execute(sql + " WHERE job_id = ? ORDER BY seq", (job_id,)) if job_id
            else conn.execute(sql + " ORDER BY seq"))
    out: list[dict[str, Any]] = []
    for (did, event, ws, jid, url, body, status, attempts, next_at, created,
         delivered) in rows.fetchall():
        tries = [{"attempt": a, "started_at": s, "duration_ms": d, "status_code": c,
                  "error": e, "signature": g} for a, s, d, c, e, g in conn.execute(
            "SELECT attempt, started_at, duration_ms, status_code, error, signature"
            " FROM leadlex_webhook_attempts WHERE delivery_id = ? ORDER BY attempt", (did,))]
        out.append({"id": did, "event": event, "workspace": ws, "job_id": jid, "url": url,
                    "status": status, "attempts": attempts,
                    "next_attempt_at": next_at if status == "pending" else None,
                    "created_at": created, "delivered_at": delivered,
                    "payload": orjson.loads(body), "attempt_log": tries})
    return out


@dataclass(frozen=True)
class _Pending:
    id: str
    event: str
    url: str
    body: bytes
    attempts: int
    next_attempt_at: float


def _pending(conn: sqlite3.Connection) -> list[_Pending]:
    return [_Pending(*row) for row in conn.execute(
        "SELECT id, event, url, body, attempts, next_attempt_at FROM leadlex_webhook_deliveries"
        " WHERE status = 'pending' ORDER BY next_attempt_at, seq")]


def _record(conn: sqlite3.Connection, delivery: _Pending, *, started: float, duration_ms: float,
            status_code: int | None, error: str | None, signature: str,
            max_attempts: int) -> None:
    attempt = delivery.attempts + 1
    if conn.execute("SELECT 1 FROM leadlex_webhook_deliveries WHERE id = ? AND status ="
                    " 'pending'", (delivery.id,)).fetchone() is None:
        return  # deleted by a reset meanwhile
    conn.execute("INSERT OR REPLACE INTO leadlex_webhook_attempts (delivery_id, attempt,"
                 " started_at, duration_ms, status_code, error, signature)"
                 " VALUES (?, ?, ?, ?, ?, ?, ?)",
                 (delivery.id, attempt, started, duration_ms, status_code, error, signature))
    now = time.time()
    if status_code is not None and 200 <= status_code < 300:
        conn.execute("UPDATE leadlex_webhook_deliveries SET status = 'delivered', attempts = ?,"
                     " delivered_at = ? WHERE id = ?", (attempt, now, delivery.id))
    elif attempt >= max_attempts:
        conn.execute("UPDATE leadlex_webhook_deliveries SET status = 'failed', attempts = ?"
                     " WHERE id = ?", (attempt, delivery.id))
    else:
        backoff = min(BACKOFF_BASE_SECONDS * 2 ** (attempt - 1), BACKOFF_MAX_SECONDS)
        conn.execute("UPDATE leadlex_webhook_deliveries SET attempts = ?, next_attempt_at = ?"
                     " WHERE id = ?", (attempt, now + backoff, delivery.id))


class WebhookSender(QueueWorker):
    """Sends the stored deliveries, one at a time, from one asyncio task."""

    task_name = "leadlex-webhooks"

    def __init__(self, sandbox: Sandbox, headers: Mapping[str, WebhookHeaders]) -> None:
        super().__init__()
        self.sandbox = sandbox
        self.headers = dict(headers)

    def start(self) -> None:
        self._start_task()

    async def _run(self) -> None:
        storage = self.sandbox.storage
        timeout = self.sandbox.settings.webhook_timeout_seconds
        async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client:
            while True:
                self._wake.clear()
                try:
                    pending = await storage.run(_pending)
                    now = time.time()
                    due = [d for d in pending if d.next_attempt_at <= now]
                    for delivery in due:
                        await self._attempt(client, delivery)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("webhook delivery loop failed; retrying in a second")
                    pending, due = [], []
                    await asyncio.sleep(1.0)
                if due:
                    continue
                wait = (max(0.0, min(d.next_attempt_at for d in pending) - time.time())
                        if pending else None)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), wait)

    async def _attempt(self, client: httpx.AsyncClient, delivery: _Pending) -> None:
        names = self.headers[delivery.event]
        fmt = str(self.sandbox.assumed("leadlex", "webhook_signature_format"))
        if self.sandbox.fault("leadlex_webhook_bad_signature"):
            signature = write_digest(hashlib.sha256(delivery.body).digest(), fmt)
        else:
            signature = sign(self.sandbox.webhook_secret, delivery.body, fmt)
        headers = {"Content-Type": "application/json", "User-Agent": "bulkbench-sandbox",
                   signature_header(self.sandbox, names): signature,
                   names.event: delivery.event}
        started = time.time()
        clock = time.perf_counter()
        status_code: int | None = None
        error: str | None = None
        try:
            response = await client.post(delivery.url, content=delivery.body, headers=headers)
            status_code = response.status_code
            if not 200 <= status_code < 300:
                error = f"HTTP {status_code}"
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        duration_ms = (time.perf_counter() - clock) * 1000
        await self.sandbox.storage.run(
            _record, delivery, started=started, duration_ms=duration_ms,
            status_code=status_code, error=error, signature=signature,
            max_attempts=max(1, self.sandbox.settings.webhook_max_attempts))
