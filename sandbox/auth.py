"""API keys: per provider, each with a workspace, a role and scopes.

At first start-up (an empty data folder) the sandbox creates, for every provider, three
keys: ``full`` (every scope, workspace ``main``), ``read_only`` (no write scope, workspace
``main``) and ``other_workspace`` (every scope, workspace ``other``). They are kept in the
database, so a restart on the same folder keeps them. With a seed the keys are the same
on every fresh folder.

A key's form follows the provider's auth scheme from the catalog: a bearer scheme with a
``bearerFormat`` prefix (LeadLex ``wbk_…``) gets that prefix; an OAuth2 bearer token and an
``apikey`` header value are random strings. The scopes come from the catalog too: the
``x-required-scope`` of the provider's endpoints are the write scopes, and each has a read
counterpart (``contacts:write`` → ``contacts:read``).
"""

from __future__ import annotations

import random
import secrets
import sqlite3
import string
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from bulkbench.core.catalog import AuthScheme, Provider

__all__ = [
    "KEY_ROLES",
    "WORKSPACES",
    "ApiKey",
    "KeyRing",
    "credential_from_headers",
    "provider_scopes",
]

#: role → workspace of the keys created per provider.
WORKSPACES = {"full": "main", "read_only": "main", "other_workspace": "other"}
KEY_ROLES = tuple(WORKSPACES)

_ALPHABET = string.ascii_lowercase + string.digits

#: a provider → (every scope, the read-only scopes) of its keys.
ScopesOf = Callable[[Provider], tuple[frozenset[str], frozenset[str]]]


@dataclass(frozen=True)
class ApiKey:
    key: str
    provider: str
    workspace: str
    role: str
    scopes: frozenset[str]

    def allows(self, scope: str | None) -> bool:
        return scope is None or scope in self.scopes

    def describe(self) -> dict[str, object]:
        return {"key": self.key, "role": self.role, "scopes": sorted(self.scopes),
                "workspace": self.workspace}


def provider_scopes(provider: Provider, write_scopes: Iterable[str] | None = None
                    ) -> tuple[frozenset[str], frozenset[str]]:
    """(every scope, the read-only scopes) of a provider, from its endpoints' required scopes
    (or ``write_scopes``: the names the sandbox serves, ``Sandbox.required_scope``)."""
    write = (set(write_scopes) if write_scopes is not None else
             {ep.required_scope for ep in provider.endpoints if ep.required_scope})
    if not write:
        write = {"write"}
    read = {s.replace("write", "read") if "write" in s else f"{s}:read" for s in write}
    read -= write
    return frozenset(write | read), frozenset(read)


def credential_from_headers(scheme: AuthScheme, headers: Mapping[str, str]) -> str | None:
    """The key or token a request presents in ``scheme`` (None when absent or malformed)."""
    if scheme.style == "apikey-header":
        value = headers.get(scheme.header_name.lower(), "").strip()
        return value or None
    auth = headers.get("authorization", "")
    kind, _, token = auth.partition(" ")
    if kind.lower() != "bearer":
        return None
    token = token.strip()
    return token or None


def _new_key(scheme: AuthScheme | None, rng: random.Random | None) -> str:
    length = 40 if scheme is not None and scheme.style == "oauth2" else 32
    if rng is None:
        body = "".join(secrets.choice(_ALPHABET) for _ in range(length))
    else:
        body = "".join(rng.choice(_ALPHABET) for _ in range(length))
    prefix = scheme.key_prefix if scheme is not None and scheme.key_prefix else ""
    return prefix + body


class KeyRing:
    """Every key the sandbox knows, looked up per provider in memory."""

    def __init__(self, keys: Iterable[ApiKey] = ()) -> None:
        self._by_key: dict[tuple[str, str], ApiKey] = {}
        for k in keys:
            self.add(k)

    def add(self, key: ApiKey) -> None:
        self._by_key[(key.provider, key.key)] = key

    def get(self, provider: str, credential: str | None) -> ApiKey | None:
        if credential is None:
            return None
        return self._by_key.get((provider, credential))

    def of(self, provider: str) -> list[ApiKey]:
        """The provider's keys in role order."""
        keys = [k for (p, _), k in self._by_key.items() if p == provider]
        order = {r: i for i, r in enumerate(KEY_ROLES)}
        return sorted(keys, key=lambda k: (order.get(k.role, 99), k.key))

    # ------------------------------------------------------------------ persistence

    @classmethod
    def load_or_create(cls, conn: sqlite3.Connection, providers: Iterable[Provider],
                       seed: int | None, scopes_of: ScopesOf = provider_scopes) -> KeyRing:
        """The keys stored in the database; providers without keys get their three now.

        A key's scopes follow its role and ``scopes_of`` (the scope names served): a data
        folder reopened with another ``required_scope`` has its keys' scopes renamed."""
        providers = list(providers)
        by_provider = {p.name: scopes_of(p) for p in providers}
        ring = cls()
        for key, prov, ws, role, stored in conn.execute(
                "SELECT key, provider, workspace, role, scopes FROM api_keys").fetchall():
            have = frozenset(filter(None, stored.split(" ")))
            if prov in by_provider and role in WORKSPACES:
                want = by_provider[prov][1 if role == "read_only" else 0]
                if want != have:
                    conn.execute("UPDATE api_keys SET scopes = ? WHERE key = ?",
                                 (" ".join(sorted(want)), key))
                    have = want
            ring.add(ApiKey(key, prov, ws, role, have))
        now = time.time()
        for provider in providers:
            if ring.of(provider.name):
                continue
            scheme = provider.auth_schemes[0] if provider.auth_schemes else None
            every, read_only = by_provider[provider.name]
            for role, workspace in WORKSPACES.items():
                rng = random.Random(f"{seed}:{provider.name}:{role}") if seed is not None else None
                scopes = read_only if role == "read_only" else every
                key = ApiKey(_new_key(scheme, rng), provider.name, workspace, role, scopes)
                conn.execute("INSERT OR IGNORE INTO workspaces (provider, id, name)"
                             " VALUES (?, ?, ?)", (provider.name, workspace, workspace))
                conn.execute("INSERT INTO api_keys (key, provider, workspace, role, scopes,"
                             " created_at) VALUES (?, ?, ?, ?, ?, ?)",
                             (key.key, key.provider, key.workspace, key.role,
                              " ".join(sorted(key.scopes)), now))
                ring.add(key)
        return ring
