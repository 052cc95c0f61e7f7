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

from bulkbench.core.assumptions import ASSUMPTIONS, settle
from bulkbench.core.catalog import Catalog, Endpoint, Provider
from bulkbench.sandbox import faults
from bulkbench.sandbox.auth import WORKSPACES, KeyRing, provider_scopes
from bulkbench.sandbox.errors import ErrorPointers
from bulkbench.sandbox.ids import uuid7
from bulkbench.sandbox.plugin import ProviderPlugin
from bulkbench.sandbox.rate_limit import FixedWindowLimiter
from bulkbench.sandbox.settings import SandboxSettings
from bulkbench.sandbox.storage import ListRow, Storage, create_list, lists_of

__all__ = ["ADMIN_PREFIX", "LISTS_PER_WORKSPACE", "Sandbox"]

log = logging.getLogger("sandbox")

ADMIN_PREFIX = "/_sandbox"
LISTS_PER_WORKSPACE = 2

#: endpoints whose path the documentation leaves open → the assumption key that settles it.
_PATH_KEYS = {"import_job_status": "import_job_status_path"}
_POINTER_KEYS = ("error_code_pointer", "error_message_pointer", "error_details_pointer")


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
        self._pointers: dict[str, ErrorPointers | None] = {}
        schema = [s for p in self.plugins for s in p.schema_statements]
        self.storage = Storage(self.data_dir, schema)
        rng = random.Random(f"{settings.seed}:sandbox") if settings.seed is not None else None
        self.admin_key = self.storage.run_sync(
            _meta, "admin_key", "sbx_admin_" + (f"{rng.getrandbits(128):032x}" if rng
                                                else secrets.token_hex(16)))
        self.webhook_secret = settings.webhook_secret or self.storage.run_sync(
            _meta, "webhook_secret", "whsec_" + (f"{rng.getrandbits(128):032x}" if rng
                                                 else secrets.token_hex(16)))
        self.keys: KeyRing = self.storage.run_sync(
            KeyRing.load_or_create, catalog.providers, settings.seed,
            lambda p: provider_scopes(p, self.write_scopes(p)))
        self.storage.run_sync(self._seed_lists)
        #: ``--rate-limit N/SECONDS``: enforced, with these numbers, for every provider (the
        #: command line wins over ``rate_limit_requests`` / ``rate_limit_window_seconds``).
        self.limiter = (FixedWindowLimiter(*settings.rate_limit)
                        if settings.rate_limit is not None else None)
        #: with ``--rate-limit`` off: per provider, an unenforced limiter with the assumed
        #: numbers (the spec's unless settled otherwise), for the endpoints that document
        #: X-RateLimit-* (``sandbox/rate_limit.py``).
        self.meters: dict[str, FixedWindowLimiter] = {} if self.limiter is not None else {
            p.name: FixedWindowLimiter(int(self.assumed(p.name, "rate_limit_requests")),
                                       float(self.assumed(p.name, "rate_limit_window_seconds")),
                                       enforce=False)
            for p in catalog.providers}

    # ------------------------------------------------------------------ queries

    def fault(self, name: str) -> bool:
        return faults.active(self.settings, name)

    def assumed(self, provider: str, key: str) -> Any:
        """The reading of an open point the sandbox serves for ``provider`` (an assumption
        key of ``contract/assumptions.py``): ``SandboxSettings.assumed``."""
        return self.settings.assumed(self.catalog.provider(provider), key)

    def takes_other_reading(self, open_point: str) -> bool:
        """Whether the variant served takes the other behaviour at ``open_point`` (a name
        of ``bulkbench.sandbox.assumed.OPEN_READINGS``): ``SandboxSettings.takes_other_reading``."""
        return self.settings.takes_other_reading(open_point)

    def success_status(self, endpoint: Endpoint) -> int:
        """The status of a successful request: for a batch endpoint the assumed one
        (``success_status``, NOTES L3), else the spec's."""
        return self.settings.success_status(endpoint)

    def required_scope(self, endpoint: Endpoint) -> str | None:
        """The scope an endpoint needs: the assumed name (``required_scope``, NOTES L1) where
        the provider has that key, else the spec's ``x-required-scope``."""
        if endpoint.required_scope is None or not ASSUMPTIONS["required_scope"].applies_to(
                endpoint.provider):
            return endpoint.required_scope
        return str(self.assumed(endpoint.provider, "required_scope"))

    def write_scopes(self, provider: Provider) -> list[str]:
        """The scopes the provider's endpoints require, as served."""
        return [s for ep in provider.endpoints if (s := self.required_scope(ep))]

    def endpoint_path(self, endpoint: Endpoint) -> str:
        """Where the endpoint is served under the provider's prefix: the spec's path, or the
        assumed one for a path the docs leave open (``import_job_status_path``, NOTES L8)."""
        key = _PATH_KEYS.get(endpoint.name)
        if key is None or not ASSUMPTIONS[key].applies_to(endpoint.provider):
            return endpoint.path
        return str(self.assumed(endpoint.provider, key))

    def error_pointers(self, provider: str) -> ErrorPointers | None:
        """The error shape served for ``provider`` when the ``error_*_pointer`` assumptions
        differ from the spec's (None: the provider's own envelope, ``sandbox/errors.py``)."""
        if provider in self._pointers:
            return self._pointers[provider]
        prov = self.catalog.provider(provider)
        served = tuple(str(self.assumed(provider, k)) for k in _POINTER_KEYS)
        spec = tuple(str(settle(None, prov, k)) for k in _POINTER_KEYS)
        result = ErrorPointers(*served) if served != spec else None
        self._pointers[provider] = result
        return result

    def assumptions_of(self, provider: str) -> dict[str, Any]:
        """Every assumption key of ``provider`` with the value served (for sandbox.json)."""
        return {key: self.assumed(provider, key) for key, entry in ASSUMPTIONS.items()
                if entry.applies_to(provider)}

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
            if ASSUMPTIONS["list_id_type"].applies_to(provider) and \
                    self.assumed(provider, "list_id_type") == "integer":  # NOTES L20, D4
                style = "int"
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
            limiter = self.limiter or self.meters.get(provider.name)
            entry: dict[str, Any] = {
                "base_url": f"{origin}/{provider.name}",
                "auth": ({"style": scheme.style, "header": scheme.header_name}
                         if scheme else None),
                "keys": [k.describe() for k in self.keys.of(provider.name)],
                "lists": [{"id": lst.id, "workspace": lst.workspace, "name": lst.name}
                          for lst in lists if lst.provider == provider.name],
                "endpoints": [spec.name for p in self.plugins_of(provider.name)
                              for spec in p.endpoints],
                # the readings of the open points served (contract/assumptions.py keys)
                "assumptions": self.assumptions_of(provider.name),
                "paths": {ep.name: self.endpoint_path(ep) for ep in provider.endpoints},
                "rate_limit": ({"requests": limiter.limit, "window_seconds": limiter.window,
                                "reset": self.assumed(provider.name, "rate_limit_reset"),
                                "enforced": limiter.enforce} if limiter else None),
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
            "connection_limits": {"header_timeout_seconds": self.settings.header_timeout_seconds,
                                  "body_timeout_seconds": self.settings.body_timeout_seconds,
                                  "max_connections": self.settings.max_connections},
            "faults": sorted(self.settings.faults),
            "variant": self.settings.variant,
            "assumption_files": list(self.settings.assumption_files),
            "endpoints": self.served_endpoints(),
            "webhook": {"url": self.settings.webhook_url, "secret": self.webhook_secret,
                        "max_attempts": self.settings.webhook_max_attempts},
            "providers": providers,
        }

    @property
    def db_path(self) -> Path:
        return self.storage.path
