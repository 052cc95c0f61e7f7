"""Fixtures for the sandbox's tests.

- ``make_env``: an app on a fresh data folder with its lifespan running, and an
  ``httpx.AsyncClient`` talking to it through ``httpx.ASGITransport`` (fast, in-process).
  Async tests use ``@pytest.mark.anyio``.
- ``server``: one real sandbox subprocess (``bulkbench.sandbox.process``) on a free loopback port,
  shared by a module; tests that need special settings start their own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from bulkbench.core.catalog import Endpoint, default_catalog
from bulkbench.sandbox.app import create_app, sandbox_of
from bulkbench.sandbox.process import SandboxProcess, start_sandbox
from bulkbench.sandbox.runtime import Sandbox
from bulkbench.sandbox.settings import SandboxSettings

BASE = "http://sandbox.test"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def endpoint(key: str) -> Endpoint:
    return default_catalog().endpoint(key)


@dataclass
class Env:
    """A running app and a client; helpers for the LeadLex keys and lists."""

    client: httpx.AsyncClient
    sandbox: Sandbox

    def key(self, provider: str = "leadlex", role: str = "full") -> str:
        return next(k.key for k in self.sandbox.keys.of(provider) if k.role == role)

    def auth(self, provider: str = "leadlex", role: str = "full") -> dict[str, str]:
        scheme = default_catalog().provider(provider).auth_schemes[0]
        return scheme.headers(self.key(provider, role))

    def lists(self, provider: str = "leadlex", workspace: str = "main") -> list[str]:
        info = self.sandbox.describe(BASE)
        return [lst["id"] for lst in info["providers"][provider]["lists"]
                if lst["workspace"] == workspace]

    @property
    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.sandbox.admin_key}"}

    async def post(self, path: str, body: Any = None, *, role: str = "full",
                   provider: str = "leadlex", content: bytes | None = None,
                   headers: dict[str, str] | None = None) -> httpx.Response:
        h = {**self.auth(provider, role), **(headers or {})}
        if content is not None:
            h.setdefault("Content-Type", "application/json")
            return await self.client.post(path, content=content, headers=h)
        return await self.client.post(path, json=body, headers=h)

    async def create(self, n: int, *, role: str = "full", start: int = 0) -> list[str]:
        """Create ``n`` LeadLex contacts; their ids."""
        ids: list[str] = []
        size = endpoint("leadlex.bulk_create").max_batch or n
        for first in range(start, start + n, size):
            batch = [{"full_name": f"Person {i}", "email": f"p{i}@example.com"}
                     for i in range(first, min(first + size, start + n))]
            r = await self.post("/leadlex/v1/contacts/bulk", {"contacts": batch}, role=role)
            assert r.status_code == 200, r.text
            ids += [c["id"] for c in r.json()["data"]["contacts"]]
        return ids

    async def count(self, provider: str = "leadlex", workspace: str = "main") -> int:
        r = await self.client.get("/_sandbox/counts", headers=self.admin)
        assert r.status_code == 200, r.text
        return int(r.json()["contacts"].get(provider, {}).get(workspace, 0))


MakeEnv = Callable[..., AbstractAsyncContextManager[Env]]


@pytest.fixture
def make_env(tmp_path: Path) -> MakeEnv:
    """``async with make_env(faults=..., rate_limit=...) as env``: a fresh app per call."""
    counter = 0

    @asynccontextmanager
    async def factory(**settings: Any) -> AsyncIterator[Env]:
        nonlocal counter
        counter += 1
        settings.setdefault("data_dir", tmp_path / f"app{counter}")
        settings.setdefault("seed", 7)
        if "faults" in settings:
            settings["faults"] = frozenset(settings["faults"])
        app = create_app(SandboxSettings(**settings))
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
                yield Env(client, sandbox_of(app))

    return factory


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    """A real sandbox subprocess shared by the tests of one module."""
    with start_sandbox(tmp_path_factory.mktemp("server"), seed=11) as sb:
        yield sb
