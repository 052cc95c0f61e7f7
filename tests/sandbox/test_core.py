"""The core's pieces on their own: settings, fault registry, envelopes, rate limiter, ids,
plugin registration, and the rate-limit faults through the app."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bulkbench.contract.error_bodies import resolve
from bulkbench.core.catalog import GENERIC_ENVELOPE, default_catalog
from bulkbench.sandbox import faults
from bulkbench.sandbox.app import create_app, sandbox_of
from bulkbench.sandbox.auth import credential_from_headers, provider_scopes
from bulkbench.sandbox.errors import SandboxError, error_body
from bulkbench.sandbox.ids import is_uuid, uuid7_batch
from bulkbench.sandbox.plugin import Call, ProviderPlugin
from bulkbench.sandbox.providers import load_plugins
from bulkbench.sandbox.rate_limit import FixedWindowLimiter
from bulkbench.sandbox.settings import SandboxSettings, parse_rate_limit
from tests.sandbox.conftest import MakeEnv

CATALOG = default_catalog()


@pytest.mark.parametrize(("text", "expected"), [
    ("120/60", (120, 60.0)), ("5/1.5", (5, 1.5)), (" 3 / 2 ", (3, 2.0)), (None, None)])
def test_rate_limit_option(text: str | None, expected: tuple[int, float] | None) -> None:
    assert parse_rate_limit(text) == expected


@pytest.mark.parametrize("text", ["120", "0/60", "-1/60", "a/b", "5/0", "5/-1", "5/inf", "/"])
def test_bad_rate_limit_option(text: str) -> None:
    with pytest.raises(SandboxError, match="--rate-limit"):
        parse_rate_limit(text)


def test_settings_refuse_bad_values() -> None:
    with pytest.raises(SandboxError):
        SandboxSettings(latency_ms=-1)
    with pytest.raises(SandboxError):
        SandboxSettings(port=70000)


def test_fault_registry_refuses_duplicates_and_unknown_names() -> None:
    with pytest.raises(ValueError, match="twice"):
        faults.register("request_id_missing", None, "again")
    with pytest.raises(ValueError, match="snake"):
        faults.register("Bad Name", None, "x")
    with pytest.raises(SandboxError, match="nope"):
        faults.check_names(["request_id_missing", "nope"])
    with pytest.raises(KeyError):
        faults.active(SandboxSettings(), "never_registered")
    assert faults.active(SandboxSettings(faults=frozenset({"request_id_missing"})),
                         "request_id_missing")
    assert len(faults.FAULTS) >= 12
    for fault in faults.FAULTS.values():
        assert fault.description
        if fault.endpoint_key is not None:
            CATALOG.endpoint(fault.endpoint_key)  # names a real endpoint


def test_error_envelopes() -> None:
    """Each bundled spec's envelope (x-bulkbench-error-envelope) renders its own shape; a
    spec that names none gets the generic one."""
    leadlex, datananas, sociocs = (CATALOG.provider(n).error_envelope
                                   for n in ("leadlex", "datananas", "sociocs"))
    assert error_body(leadlex, "not_found", "gone", {"a": 1}) == {
        "error": {"code": "not_found", "message": "gone", "details": {"a": 1}}}
    assert error_body(datananas, "unauthorized", "no") == {"reason": "unauthorized",
                                                            "message": "no"}
    body = error_body(sociocs, "validation_error", "bad",
                      {"errors": [{"path": "/records/0", "message": "x"}]})
    assert body == {"status": "error", "errors": [{"msg": "bad"}, {"msg": "/records/0: x"}]}
    assert error_body(leadlex, "x", "m", with_message=False) == {"error": {"code": "x"}}
    assert error_body(GENERIC_ENVELOPE, "x", "m", {"a": 1}) == {
        "code": "x", "message": "m", "details": {"a": 1}}


def test_fixed_window_limiter() -> None:
    limiter = FixedWindowLimiter(3, 10)
    now = 1_000.2
    decisions = [limiter.hit("k", now=now + i) for i in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.remaining for d in decisions] == [2, 1, 0, 0]
    assert {d.reset for d in decisions} == {1011}  # epoch seconds, rounded up
    assert decisions[3].retry_after == 8
    assert limiter.hit("other", now=now).remaining == 2
    assert limiter.hit("k", now=now + 10.2).remaining == 2  # a new window
    assert limiter.hit("d", reset_style="delta-seconds", now=now).reset == 10


def test_uuid7_ids_are_uuids_and_increase() -> None:
    ids = uuid7_batch(2000) + uuid7_batch(3)
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert all(is_uuid(i) and uuid.UUID(i).version == 7 for i in ids)
    assert not is_uuid("abc-123") and not is_uuid(42) and is_uuid(str(uuid.uuid4()).upper())


def test_scopes_and_credentials_follow_the_catalog() -> None:
    leadlex = CATALOG.provider("leadlex")
    every, read_only = provider_scopes(leadlex)
    required = {ep.required_scope for ep in leadlex.endpoints if ep.required_scope}
    assert required <= every and not required & read_only
    bearer = leadlex.auth_schemes[0]
    assert credential_from_headers(bearer, {"authorization": "bearer  k1 "}) == "k1"
    assert credential_from_headers(bearer, {"authorization": "Basic k1"}) is None
    sociocs = CATALOG.provider("sociocs").auth_schemes[0]
    assert credential_from_headers(sociocs, {sociocs.header_name.lower(): "k2"}) == "k2"


def test_a_plugin_cannot_serve_an_endpoint_twice() -> None:
    plugin = ProviderPlugin("leadlex")

    async def handler(call: Call) -> None:
        return None

    plugin.endpoint("bulk_create")(handler)
    with pytest.raises(ValueError, match="twice"):
        plugin.endpoint("bulk_create")(handler)


# --------------------------------------------------------------------------- through the app

BULK = "/leadlex/v1/contacts/bulk"
ONE = {"contacts": [{"full_name": "Rate"}]}


@pytest.mark.anyio
async def test_rate_limit_through_the_app(make_env: MakeEnv) -> None:
    async with make_env(rate_limit=(2, 3600)) as env:
        a, b, c = [await env.post(BULK, ONE) for _ in range(3)]
        assert [r.status_code for r in (a, b, c)] == [200, 200, 429]
        assert [r.headers["x-ratelimit-remaining"] for r in (a, b, c)] == ["1", "0", "0"]
        assert int(a.headers["x-ratelimit-reset"]) >= int(time.time()) + 3599
        assert c.headers["retry-after"] and c.json()["error"]["code"] == "rate_limited"
    async with make_env() as env:  # off unless set
        r = await env.post(BULK, ONE)
        assert r.status_code == 200 and "x-ratelimit-limit" not in r.headers


@pytest.mark.anyio
async def test_rate_limit_faults(make_env: MakeEnv) -> None:
    async with make_env(rate_limit=(1, 3600), faults={"rate_limit_remaining_stuck",
                                                      "rate_limit_not_enforced"}) as env:
        a, b = [await env.post(BULK, ONE) for _ in range(2)]
        assert [r.status_code for r in (a, b)] == [200, 200]
        assert a.headers["x-ratelimit-remaining"] == b.headers["x-ratelimit-remaining"] == "1"
    async with make_env(rate_limit=(1, 3600), faults={"rate_limit_headers_missing",
                                                      "retry_after_missing"}) as env:
        a, b = [await env.post(BULK, ONE) for _ in range(2)]
        assert b.status_code == 429
        assert not any(h.startswith("x-ratelimit") or h == "retry-after"
                       for r in (a, b) for h in r.headers)


@pytest.mark.anyio
async def test_body_limit_fault_and_latency_setting(make_env: MakeEnv) -> None:
    limit = CATALOG.endpoint("leadlex.bulk_create").max_body_bytes
    assert limit
    body = b'{"contacts": [{"full_name": "big", "custom_fields": {"n": "' + b"x" * limit + b'"}}]}'
    async with make_env() as env:
        assert (await env.post(BULK, content=body)).status_code == 413
    async with make_env(faults={"body_limit_off"}, latency_ms=1) as env:
        r = await env.post(BULK, content=body)
        assert r.status_code == 200 and r.json()["data"]["created"] == 1
        assert env.sandbox.describe("http://x")["latency_ms"] == 1


def test_provider_options() -> None:
    from bulkbench.sandbox.settings import parse_options

    assert parse_options(["total_quota=5", " daily_connect_quota = 2 "]) == {
        "total_quota": "5", "daily_connect_quota": "2"}
    for bad in ("nokey", "=1", "a b=1"):
        with pytest.raises(SandboxError, match="--option"):
            parse_options([bad])


def _codes(provider_name: str) -> set[str]:
    provider = CATALOG.provider(provider_name)
    return {code for ep in provider.endpoints for code in ep.all_error_codes()}


def _code_of(provider_name: str, body: dict[str, object]) -> object:
    envelope = CATALOG.provider(provider_name).error_envelope
    for pointer, value in envelope.fixed.items():
        assert resolve(body, pointer) == value, body
    assert isinstance(resolve(body, envelope.message), str), body
    return resolve(body, envelope.code) if envelope.code else None


@pytest.mark.anyio
async def test_undocumented_methods_and_paths_get_405_and_404_with_an_enum_code(
        make_env: MakeEnv) -> None:
    """NOTES.md X5: 405 with Allow (404 for an unknown path), in the provider's envelope,
    with a code the provider's spec allows; decided before authentication."""
    # a spec that documents no 404 or 405 (HubSpot) cannot name their codes
    documented = {p.name for p in CATALOG.providers
                  if any(e.status in (404, 405) for ep in p.endpoints for e in ep.errors)}
    async with make_env() as env:
        for ep in CATALOG.endpoints():
            path = f"/{ep.provider}" + ep.path.replace("{id}", env.lists(ep.provider)[0]
                                                        if ep.provider == "leadlex" else "x")
            path = path.replace("{job_id}", "imp_x")
            for method in ("DELETE", "PUT", "PATCH", "POST"):
                if method == ep.method:
                    continue
                r = await env.client.request(method, path)
                assert r.status_code == 405, (method, path, r.text)
                assert ep.method in r.headers["allow"].split(", ")
                code = _code_of(ep.provider, r.json())
                assert code is None or code in _codes(ep.provider) \
                    or ep.provider not in documented, (ep.key, code)
        for provider in CATALOG.providers:
            r = await env.client.get(f"/{provider.name}/no/such/path")
            assert r.status_code == 404
            code = _code_of(provider.name, r.json())
            assert code is None or code in _codes(provider.name) \
                or provider.name not in documented, (provider.name, code)


@pytest.mark.anyio
async def test_a_500_outside_the_pipeline_carries_the_request_id(tmp_path: Path) -> None:
    boom = ProviderPlugin("leadlex")

    async def explode(request: Request) -> Response:
        raise RuntimeError("a raw route's bug (this test's)")

    boom.route(Route("/v1/explode", explode))
    boom.admin_route(Route("/explode", explode))
    app = create_app(SandboxSettings(data_dir=tmp_path, seed=1),
                     plugins=[*load_plugins(), boom])
    admin = {"Authorization": f"Bearer {sandbox_of(app).admin_key}"}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as client:
            r = await client.get("/leadlex/v1/explode", headers={"X-Request-ID": "trace-500"})
            assert r.status_code == 500 and r.headers["x-request-id"] == "trace-500"
            assert r.json()["error"]["code"] == "internal_error"
            r = await client.get("/_sandbox/leadlex/explode", headers=admin)
            assert r.status_code == 500 and len(r.headers["x-request-id"]) == 32
