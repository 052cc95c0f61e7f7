"""The inspection API's guard: only the exact ``/_sandbox/health`` route is open without
the admin key; any other path, one that merely ends in ``/health`` included, needs it."""

from __future__ import annotations

import pytest

from tests.sandbox.conftest import MakeEnv


@pytest.mark.anyio
async def test_only_the_exact_health_route_is_open(make_env: MakeEnv) -> None:
    async with make_env() as env:
        r = await env.client.get("/_sandbox/health")
        assert r.status_code == 200 and r.json() == {"status": "ok"}
        # a list named "health" is a real route: without the key it must not be reached
        for path in ("/_sandbox/leadlex/lists/health", "/_sandbox/sociocs/lists/health",
                     "/_sandbox/leadlex/health", "/_sandbox/nothing/health",
                     "/_sandbox/health/", "/_sandbox//health", "/_sandbox/info/health"):
            r = await env.client.get(path)
            assert r.status_code == 401, (path, r.status_code, r.text)
            assert r.json()["error"]["code"] == "invalid_key"
            wrong = await env.client.get(path, headers=env.auth())  # a provider key
            assert wrong.status_code == 401, path
        r = await env.client.get("/_sandbox/leadlex/lists/health", headers=env.admin)
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
