"""The running sandbox: settings, catalog, storage, keys, rate limiter and plugins together.

One :class:`Sandbox` exists per app; handlers reach it as ``call.sandbox``. It is built
synchronously by ``create_app`` (the database is open and seeded when the app exists) and
``start()``/``close()`` run the plugins' hooks from the app's lifespan.
"""

from __future__ import annotations

import logging
import os
import random
import secrets
import sqlite3
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from contract.catalog import Catalog, Provider
from sandbox import faults
from sandbox.auth import WORKSPACES, KeyRing
from sandbox.ids import uuid7
from sandbox.plugin import ProviderPlugin
from sandbox.rate_limit import FixedWindowLimiter
from sandbox.settings import SandboxSettings
from sandbox.storage import ListRow, Storage, create_list, lists_of

__all__ = ["ADMIN_PREFIX", "LISTS_PER_WORKSPACE", "Sandbox"]

log = logging.getLogger("sandbox")

ADMIN_PREFIX = "/_sandbox"
LISTS_PER_WORKSPACE = 2


def _meta(conn: sqlite3.Connection, key: str, make: str) -> str:
    """The stored value of ``key``, storing ``make`` first when there is none."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    if row:
        return str(row[0])
    conn.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (key, make))
    return make


class Sandbox:
    """Everything a request handler may need, for one app."""

    def __init__(self, settings: SandboxSettings, catalog: Catalog,
                 plugins: Sequence[ProviderPlugin]) -> None:
        self.settings = settings
        self.catalog = catalog
        self.plugins = [p for p in plugins if p.provider in {q.name for q in catalog.providers}]
        self.data_dir = settings.resolved_data_dir()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.started_at = time.time()
        #: free-form per-plugin runtime state (a worker task, a connection registry, …).
        self.state: dict[str, Any] = {}
        schema = [s for p in self.plugins for s in p.schema_statements]
        self.storage = Storage(self.data_dir, schema)
        rng = random.Random(f"{settings.seed}:sandbox") if settings.seed is not None else None
        self.admin_key = self.storage.run_sync(
            _meta, "admin_key", "sbx_admin_" + (f"{rng.getrandbits(128):032x}" if rng
                                                else secrets.token_hex(16)))
        self.webhook_secret = settings.webhook_secret or self.storage.run_sync(
            _meta, "webhook_secret", "whsec_" + (f"{rng.getrandbits(128):032x}" if rng
                                                 else secrets.token_hex(16)))
        self.keys: KeyRing = self.storage.run_sync(KeyRing.load_or_create, catalog.providers,
                                                   settings.seed)
        self.storage.run_sync(self._seed_lists)
        self.limiter = (FixedWindowLimiter(*settings.rate_limit)
                        if settings.rate_limit is not None else None)
        #: with ``--rate-limit`` off: per provider, an unenforced limiter with the spec's
        #: numbers, for the endpoints that document X-RateLimit-* (``sandbox/rate_limit.py``).
        self.meters: dict[str, FixedWindowLimiter] = {} if self.limiter is not None else {
            p.name: FixedWindowLimiter(p.rate_limit.requests, p.rate_limit.window_seconds,
                                       enforce=False)
            for p in catalog.providers if p.rate_limit is not None}

    # ------------------------------------------------------------------ queries

    def fault(self, name: str) -> bool:
        return faults.active(self.settings, name)

    def provider(self, name: str) -> Provider:
        return self.catalog.provider(name)

    def served_providers(self) -> list[str]:
        return sorted({p.provider for p in self.plugins})

    def served_endpoints(self) -> list[str]:
        return sorted(spec.key for p in self.plugins for spec in p.endpoints)

    def plugins_of(self, provider: str) -> list[ProviderPlugin]:
        return [p for p in self.plugins if p.provider == provider]

    # ------------------------------------------------------------------ seeding

    def _seed_lists(self, conn: sqlite3.Connection) -> None:
        """At first start-up, a few lists per workspace of every served provider."""
        rng = (random.Random(f"{self.settings.seed}:lists")
               if self.settings.seed is not None else None)
        now = time.time()
        for provider in self.served_providers():
            if lists_of(conn, provider):
                continue
            style = self.plugins_of(provider)[0].list_ids
            number = 0
            for workspace in dict.fromkeys(WORKSPACES.values()):
                for i in range(1, LISTS_PER_WORKSPACE + 1):
                    number += 1
                    if style == "int":
                        list_id = str(number)
                    elif rng is not None:
                        list_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
                    else:
                        list_id = uuid7()
                    create_list(conn, provider, list_id, workspace, f"{workspace} list {i}", now)

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        for plugin in self.plugins:
            for hook in plugin.startup_hooks:
                await hook(self)

    async def stop(self) -> None:
        for plugin in reversed(self.plugins):
            for hook in reversed(plugin.shutdown_hooks):
                try:
                    await hook(self)
                except Exception:
                    log.exception("shutdown hook of %s failed", plugin.provider)
        self.storage.close()

    def close(self) -> None:
        """Close the database without running hooks (for code that never started)."""
        self.storage.close()

    # ------------------------------------------------------------------ sandbox.json

    def describe(self, origin: str) -> dict[str, Any]:
        """The content of ``sandbox.json`` for a server reachable at ``origin``."""
        lists: list[ListRow] = self.storage.run_sync(lists_of)
        providers: dict[str, Any] = {}
        for provider in self.catalog.providers:
            scheme = provider.auth_schemes[0] if provider.auth_schemes else None
            entry: dict[str, Any] = {
                "base_url": f"{origin}/{provider.name}",
                "auth": ({"style": scheme.style, "header": scheme.header_name}
                         if scheme else None),
                "keys": [k.describe() for k in self.keys.of(provider.name)],
                "lists": [{"id": lst.id, "workspace": lst.workspace, "name": lst.name}
                          for lst in lists if lst.provider == provider.name],
                "endpoints": [spec.name for p in self.plugins_of(provider.name)
                              for spec in p.endpoints],
            }
            for plugin in self.plugins_of(provider.name):
                for hook in plugin.describe_hooks:
                    entry.update(hook(self, origin))
            providers[provider.name] = entry
        return {
            "pid": os.getpid(),
            "started_at": self.started_at,
            "data_dir": str(self.data_dir),
            "database": str(self.storage.path),
            "origin": origin,
            "base_urls": {name: entry["base_url"] for name, entry in providers.items()},
            "admin_url": f"{origin}{ADMIN_PREFIX}",
            "admin_key": self.admin_key,
            "rate_limit": ({"requests": self.settings.rate_limit[0],
                            "window_seconds": self.settings.rate_limit[1]}
                           if self.settings.rate_limit else None),
            "latency_ms": self.settings.latency_ms,
            "faults": sorted(self.settings.faults),
            "endpoints": self.served_endpoints(),
            "webhook": {"url": self.settings.webhook_url, "secret": self.webhook_secret,
                        "max_attempts": self.settings.webhook_max_attempts},
            "providers": providers,
        }

    @property
    def db_path(self) -> Path:
        return self.storage.path
