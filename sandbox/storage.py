"""SQLite storage: one file in the data folder, WAL mode, one connection, one writer.

Every database call runs as one transaction (``BEGIN IMMEDIATE`` … ``COMMIT``, rolled
back on any exception) under one lock, so calls never interleave:

- ``await storage.run(fn, ...)`` runs ``fn(conn, ...)`` right there on the event loop's
  thread. This is the fast path and the one handlers use: a request's insert is a few
  milliseconds (a 10,000-contact batch ~0.1 s), and handing it to another thread costs
  more than it saves (measured: ~15% more CPU per contact and a third less throughput,
  because ``executemany`` takes the GIL back for every row while the loop is parsing).
- ``await storage.run_in_thread(fn, ...)`` runs it on the storage's own thread, for long
  work that should not hold up the event loop (a background job's big chunk).
- ``storage.run_sync(fn, ...)`` blocks the caller; for start-up and non-async code.

The tables are shared by every provider (a ``provider`` column tells them apart):

- ``meta``          key/value facts of this data folder (the admin key, secrets)
- ``workspaces``    (provider, id, name)
- ``api_keys``      key → provider, workspace, role, scopes
- ``contacts``      one row per contact: ``id`` (a UUID), ``name``, ``email`` (lower-cased,
                    for matching), ``phone`` (as the provider normalises it), ``data`` (the
                    stored contact as JSON) and timestamps
- ``lists``         (provider, id) → workspace, name, contact_count (kept exact)
- ``list_members``  (provider, list_id, contact_id)

A provider module adds its own tables or indexes (for example a unique index on its
identity key) with ``ProviderPlugin.schema(...)``; they are created after these.
The benchmark in ``bench/`` inserts raw rows with :data:`INSERT_CONTACT_SQL` into a
database made by :func:`create_schema`, so both sides use the same schema.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

__all__ = [
    "CORE_SCHEMA",
    "DB_FILENAME",
    "INSERT_CONTACT_SQL",
    "PRAGMAS",
    "ContactRow",
    "ListRow",
    "Storage",
    "add_list_members",
    "contact_counts",
    "create_list",
    "create_schema",
    "existing_contact_ids",
    "get_list",
    "insert_contacts",
    "list_member_ids",
    "lists_of",
    "norm_email",
    "open_connection",
]

P = ParamSpec("P")
T = TypeVar("T")

DB_FILENAME = "sandbox.db"

PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA temp_store=MEMORY",
    "PRAGMA cache_size=-16000",
    "PRAGMA busy_timeout=5000",
)

CORE_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS workspaces (
        provider TEXT NOT NULL,
        id TEXT NOT NULL,
        name TEXT NOT NULL,
        PRIMARY KEY (provider, id)
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS api_keys (
        key TEXT PRIMARY KEY,
        provider TEXT NOT NULL,
        workspace TEXT NOT NULL,
        role TEXT NOT NULL,
        scopes TEXT NOT NULL,
        created_at REAL NOT NULL
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS contacts (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL,
        provider TEXT NOT NULL,
        workspace TEXT NOT NULL,
        name TEXT,
        email TEXT,
        phone TEXT,
        data BLOB NOT NULL,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    )""",
    "CREATE UNIQUE INDEX IF NOT EXISTS contacts_id ON contacts (id)",
    "CREATE INDEX IF NOT EXISTS contacts_email ON contacts (provider, workspace, email)",
    "CREATE INDEX IF NOT EXISTS contacts_phone ON contacts (provider, workspace, phone)",
    """CREATE TABLE IF NOT EXISTS lists (
        provider TEXT NOT NULL,
        id TEXT NOT NULL,
        workspace TEXT NOT NULL,
        name TEXT NOT NULL,
        contact_count INTEGER NOT NULL DEFAULT 0,
        created_at REAL NOT NULL,
        PRIMARY KEY (provider, id)
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS list_members (
        provider TEXT NOT NULL,
        list_id TEXT NOT NULL,
        contact_id TEXT NOT NULL,
        added_at REAL NOT NULL,
        PRIMARY KEY (provider, list_id, contact_id)
    ) WITHOUT ROWID""",
)

INSERT_CONTACT_SQL = (
    "INSERT INTO contacts (id, provider, workspace, name, email, phone, data, created_at,"
    " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)

#: (id, provider, workspace, name, email, phone, data, created_at, updated_at)
ContactRow = tuple[str, str, str, str | None, str | None, str | None, bytes, float, float]


@dataclass(frozen=True)
class ListRow:
    provider: str
    id: str
    workspace: str
    name: str
    contact_count: int


def norm_email(value: object) -> str | None:
    """The matching form of an email: trimmed and lower-cased; None when not a string."""
    if not isinstance(value, str):
        return None
    value = value.strip().lower()
    return value or None


def open_connection(path: Path | str) -> sqlite3.Connection:
    """A connection with the sandbox's pragmas, in autocommit mode (we BEGIN ourselves)."""
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    for pragma in PRAGMAS:
        conn.execute(pragma)
    return conn


def create_schema(conn: sqlite3.Connection, extra: Iterable[str] = ()) -> None:
    """Create the core tables, then ``extra`` statements (the plugins' tables and indexes)."""
    for statement in (*CORE_SCHEMA, *extra):
        conn.execute(statement)


class Storage:
    """The sandbox database: a connection owned by one thread; calls run there in order."""

    def __init__(self, data_dir: Path, extra_schema: Sequence[str] = ()) -> None:
        self.path = Path(data_dir) / DB_FILENAME
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sandbox-db")
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._conn = open_connection(self.path)
        self.run_sync(create_schema, extra_schema)

    def _transaction(self, fn: Callable[..., T], args: tuple[Any, ...],
                     kwargs: dict[str, Any]) -> T:
        with self._lock:
            if self._closed.is_set():
                raise RuntimeError("the sandbox storage is closed")
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                result = fn(conn, *args, **kwargs)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            return result

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``fn(conn, *args, **kwargs)`` in one transaction, on the event loop's thread."""
        return self._transaction(fn, args, kwargs)

    async def run_in_thread(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """The same on the storage's thread: the event loop keeps serving meanwhile."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._transaction, fn, args, kwargs)

    def run_sync(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """The same, blocking the caller: for start-up and for code outside the loop."""
        return self._transaction(fn, args, kwargs)

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    def close(self) -> None:
        """Checkpoint the WAL and close (after any transaction in progress); idempotent."""
        with self._lock:
            if self._closed.is_set():
                return
            self._closed.set()
            try:
                self._conn.execute("PRAGMA optimize")
            finally:
                self._conn.close()
        self._executor.shutdown(wait=True)


# --------------------------------------------------------------------------- shared queries
# Each takes the connection first, so that it runs through ``Storage.run``.


def insert_contacts(conn: sqlite3.Connection, rows: Sequence[ContactRow]) -> int:
    conn.executemany(INSERT_CONTACT_SQL, rows)
    return len(rows)


def contact_counts(conn: sqlite3.Connection, provider: str | None = None
                   ) -> dict[str, dict[str, int]]:
    """``{provider: {workspace: number of contacts}}``."""
    sql = "SELECT provider, workspace, count(*) FROM contacts"
    params: tuple[str, ...] = ()
    if provider is not None:
        sql += " WHERE provider = ?"
        params = (provider,)
    out: dict[str, dict[str, int]] = {}
    for prov, ws, n in conn.execute(sql + " GROUP BY provider, workspace", params):
        out.setdefault(prov, {})[ws] = n
    return out


def existing_contact_ids(conn: sqlite3.Connection, provider: str, workspace: str,
                         ids: Sequence[str]) -> set[str]:
    """Those of ``ids`` that are contacts of ``workspace``."""
    found: set[str] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        found.update(row[0] for row in conn.execute(
            f"SELECT id FROM contacts WHERE id IN ({marks}) AND provider = ? AND workspace = ?",
            (*chunk, provider, workspace)))
    return found


def create_list(conn: sqlite3.Connection, provider: str, list_id: str, workspace: str,
                name: str, now: float) -> None:
    conn.execute("INSERT INTO lists (provider, id, workspace, name, contact_count, created_at)"
                 " VALUES (?, ?, ?, ?, 0, ?)", (provider, list_id, workspace, name, now))


def get_list(conn: sqlite3.Connection, provider: str, list_id: str) -> ListRow | None:
    row = conn.execute("SELECT provider, id, workspace, name, contact_count FROM lists"
                       " WHERE provider = ? AND id = ?", (provider, list_id)).fetchone()
    return ListRow(*row) if row else None


def lists_of(conn: sqlite3.Connection, provider: str | None = None) -> list[ListRow]:
    sql = "SELECT provider, id, workspace, name, contact_count FROM lists"
    if provider is None:
        rows = conn.execute(sql + " ORDER BY provider, created_at, workspace, name")
    else:
        rows = conn.execute(sql + " WHERE provider = ?"
                            " ORDER BY created_at, workspace, name", (provider,))
    return [ListRow(*r) for r in rows]


def add_list_members(conn: sqlite3.Connection, provider: str, list_id: str,
                     contact_ids: Iterable[str], now: float) -> int:
    """Add the ids not yet in the list; returns how many were new (the rest are skipped)."""
    before = conn.total_changes
    conn.executemany("INSERT OR IGNORE INTO list_members (provider, list_id, contact_id,"
                     " added_at) VALUES (?, ?, ?, ?)",
                     [(provider, list_id, cid, now) for cid in contact_ids])
    added = conn.total_changes - before
    if added:
        conn.execute("UPDATE lists SET contact_count = contact_count + ?"
                     " WHERE provider = ? AND id = ?", (added, provider, list_id))
    return added


def list_member_ids(conn: sqlite3.Connection, provider: str, list_id: str,
                    limit: int = 1000, offset: int = 0) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT contact_id FROM list_members WHERE provider = ? AND list_id = ?"
        " ORDER BY added_at, contact_id LIMIT ? OFFSET ?", (provider, list_id, limit, offset))]
