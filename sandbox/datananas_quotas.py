"""Datananas accounts and their quotas (seed 002's 402 ``reason``s).

An account is a workspace. It has a total number of contacts and a daily number of
contacts created from ``connect`` (``source: connect``, counted per UTC day). A batch whose
new contacts would pass the total → 402 ``contact_total_quotas``; past the daily quota →
402 ``contact_connect_quotas`` (the total is checked first): :func:`check`.

The defaults (:data:`DEFAULT_TOTAL_QUOTA`, :data:`DEFAULT_DAILY_CONNECT_QUOTA`, or
``--option datananas_total_quota=N`` / ``datananas_daily_connect_quota=N``) never trigger in
normal use; ``PUT /_sandbox/datananas/quotas`` sets an account's own (stored here, None
meaning the default) and ``POST /_sandbox/reset`` forgets them.

Table: ``datananas_accounts`` (quotas, the exact contact count, today's connect count).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bulkbench.sandbox.errors import SandboxHTTPError

__all__ = [
    "DEFAULT_DAILY_CONNECT_QUOTA",
    "DEFAULT_TOTAL_QUOTA",
    "SCHEMA",
    "Account",
    "Quotas",
    "account",
    "account_view",
    "check",
    "default_quotas",
    "record_usage",
    "reset",
    "set_quotas",
    "today",
    "workspaces",
]

PROVIDER = "datananas"
DEFAULT_TOTAL_QUOTA = 1_000_000_000
DEFAULT_DAILY_CONNECT_QUOTA = 1_000_000_000

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS datananas_accounts (
        workspace TEXT PRIMARY KEY,
        total_quota INTEGER,
        daily_connect_quota INTEGER,
        contact_count INTEGER NOT NULL DEFAULT 0,
        connect_day TEXT NOT NULL DEFAULT '',
        connect_created INTEGER NOT NULL DEFAULT 0
    ) WITHOUT ROWID""",
)


@dataclass(frozen=True)
class Quotas:
    """The quotas that apply where an account has none of its own."""

    total: int
    daily_connect: int


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

    def total(self, defaults: Quotas) -> int:
        return self.total_quota if self.total_quota is not None else defaults.total

    def daily_connect(self, defaults: Quotas) -> int:
        return (self.daily_connect_quota if self.daily_connect_quota is not None
                else defaults.daily_connect)


def _default_quota(settings_extra: Mapping[str, str], name: str, fallback: int) -> int:
    raw = settings_extra.get(f"datananas_{name}")
    return int(raw) if raw is not None and raw.isdigit() else fallback


def default_quotas(settings_extra: Mapping[str, str]) -> Quotas:
    """The defaults, from ``--option`` or the built-in ones."""
    return Quotas(_default_quota(settings_extra, "total_quota", DEFAULT_TOTAL_QUOTA),
                  _default_quota(settings_extra, "daily_connect_quota",
                                 DEFAULT_DAILY_CONNECT_QUOTA))


def today(now: float) -> str:
    """The UTC day of ``now`` (the connect quota's period)."""
    return time.strftime("%Y-%m-%d", time.gmtime(now))


def account(conn: sqlite3.Connection, workspace: str) -> Account:
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


def check(acct: Account, defaults: Quotas, day: str, created: int, connect_new: int) -> None:
    """402 when ``created`` new contacts (``connect_new`` of them from connect) would pass
    the account's total quota, or its daily connect quota."""
    total_quota = acct.total(defaults)
    if acct.contact_count + created > total_quota:
        raise SandboxHTTPError(
            402, "contact_total_quotas",
            f"The user cannot add more contacts to its account (quota {total_quota},"
            f" {acct.contact_count} used, {created} new)")
    used = acct.connect_used(day)
    daily_quota = acct.daily_connect(defaults)
    if used + connect_new > daily_quota:
        raise SandboxHTTPError(
            402, "contact_connect_quotas",
            f"The user cannot create more contacts from connect for the day (quota"
            f" {daily_quota}, {used} used, {connect_new} new)")


def record_usage(conn: sqlite3.Connection, acct: Account, day: str, created: int,
                 connect_new: int) -> None:
    """Count a batch's new contacts (inside its transaction)."""
    conn.execute("UPDATE datananas_accounts SET contact_count = contact_count + ?,"
                 " connect_day = ?, connect_created = ? WHERE workspace = ?",
                 (created, day, acct.connect_used(day) + connect_new, acct.workspace))


def workspaces(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT id FROM workspaces WHERE provider = ?"
                                       " ORDER BY id", (PROVIDER,))]


def set_quotas(conn: sqlite3.Connection, workspace: str,
               changes: Mapping[str, int | None]) -> Account | None:
    """Set ``total_quota`` / ``daily_connect_quota`` (None: the default); None when the
    workspace is not one of Datananas'."""
    if workspace not in workspaces(conn):
        return None
    account(conn, workspace)
    for name, value in changes.items():
        if name not in ("total_quota", "daily_connect_quota"):
            raise ValueError(f"no quota {name!r}")
        conn.execute(f"UPDATE datananas_accounts SET {name} = ? WHERE workspace = ?",
                     (value, workspace))
    return account(conn, workspace)


def account_view(acct: Account, defaults: Quotas, day: str) -> dict[str, Any]:
    """An account as the inspection API shows it."""
    return {"workspace": acct.workspace,
            "total_quota": acct.total(defaults),
            "daily_connect_quota": acct.daily_connect(defaults),
            "contacts": acct.contact_count,
            "connect_created_today": acct.connect_used(day),
            "day": day}


def reset(conn: sqlite3.Connection) -> None:
    """Forget every account (quotas and usage; recounted on next use)."""
    conn.execute("DELETE FROM datananas_accounts")
