"""Property test: generated garbage to every served endpoint never gets a 5xx, and every
4xx is in the provider's error envelope (seeded, so a failure reproduces)."""

from __future__ import annotations

import asyncio
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from bulkbench.contract.error_bodies import MISSING, resolve
from bulkbench.core.catalog import Endpoint, Provider, default_catalog
from bulkbench.sandbox.app import create_app, sandbox_of
from bulkbench.sandbox.runtime import Sandbox
from bulkbench.sandbox.settings import SandboxSettings

CATALOG = default_catalog()


class Harness:
    """One app with its lifespan running on a private event loop, driven synchronously."""

    def __init__(self, data_dir: Path) -> None:
        self.loop = asyncio.new_event_loop()
        self.app = create_app(SandboxSettings(data_dir=data_dir, seed=3))
        self.sandbox: Sandbox = sandbox_of(self.app)
        self._lifespan = self.app.router.lifespan_context(self.app)
        self.loop.run_until_complete(self._lifespan.__aenter__())
        self.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app),
                                        base_url="http://garbage.test")

    def request(self, method: str, url: str, headers: dict[str, str],
                content: bytes | None) -> httpx.Response:
        return self.loop.run_until_complete(
            self.client.request(method, url, headers=headers, content=content))

    def close(self) -> None:
        self.loop.run_until_complete(self.client.aclose())
        self.loop.run_until_complete(self._lifespan.__aexit__(None, None, None))
        self.loop.run_until_complete(self.loop.shutdown_asyncgens())
        self.loop.close()


@pytest.fixture(scope="module")
def harness() -> Iterator[Harness]:
    with tempfile.TemporaryDirectory() as tmp:
        h = Harness(Path(tmp))
        try:
            yield h
        finally:
            h.close()


def served() -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(SandboxSettings(data_dir=Path(tmp)))
        sandbox = sandbox_of(app)
        try:
            return sandbox.served_endpoints()
        finally:
            sandbox.close()


def assert_envelope(provider: Provider, response: httpx.Response) -> None:
    """The error body is in the spec's envelope: its code and message where the pointers
    say, its fixed fields, details an object."""
    body = response.json()
    envelope = provider.error_envelope
    for pointer, value in envelope.fixed.items():
        assert resolve(body, pointer) == value, body
    if envelope.code:
        code = resolve(body, envelope.code)
        assert isinstance(code, str) and code, body
    if envelope.message:
        message = resolve(body, envelope.message)
        assert isinstance(message, str) and message, body
    if envelope.details:
        details = resolve(body, envelope.details)
        assert details is MISSING or isinstance(details, dict), body


_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                  max_size=4),
    max_leaves=12)
_header_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40)


@st.composite
def garbage_body(draw: st.DrawFn, ep: Endpoint) -> bytes | None:
    """Bytes, broken JSON, wrong JSON, or a nearly right batch with broken items."""
    kind = draw(st.sampled_from(["none", "bytes", "json", "batch", "truncated"]))
    if kind == "none":
        return None
    if kind == "bytes":
        return draw(st.binary(max_size=200))
    field = ep.batch_field or "x"
    known = list(ep.item_fields) or ["name"]
    item = st.dictionaries(st.sampled_from(known) | st.text(max_size=6), _json, max_size=5)
    if kind == "batch":
        items = draw(st.lists(item | _json, max_size=6))
        extra = draw(st.dictionaries(st.text(max_size=10), _json, max_size=3))
        return json.dumps({**extra, field: items}).encode()
    value = draw(_json)
    text = json.dumps({field: value} if draw(st.booleans()) else value).encode()
    if kind == "truncated":
        return text[: draw(st.integers(0, max(0, len(text) - 1)))]
    return text


@st.composite
def garbage_headers(draw: st.DrawFn, sandbox: Sandbox, provider: Provider) -> dict[str, str]:
    headers: dict[str, str] = {}
    scheme = provider.auth_schemes[0] if provider.auth_schemes else None
    keys = [k.key for k in sandbox.keys.of(provider.name)]
    credential = draw(st.sampled_from(keys) | _header_text | st.none())
    if scheme is not None and credential is not None:
        style = draw(st.sampled_from(["scheme", "raw", "other"]))
        if style == "scheme":
            headers.update(scheme.headers(credential))
        elif style == "raw":
            headers["Authorization"] = credential
        else:
            headers["apikey"] = credential
    content_type = draw(st.sampled_from(["application/json", "application/json; charset=utf-8",
                                         "text/plain", "", "application/json; charset=x"])
                        | _header_text)
    if content_type:
        headers["Content-Type"] = content_type
    if draw(st.booleans()):
        headers["X-Request-ID"] = draw(_header_text)
    if draw(st.booleans()):
        headers["Idempotency-Key"] = draw(_header_text)
    return headers


@pytest.mark.parametrize("key", served())
@seed(20240501)
@settings(max_examples=80, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_garbage_never_5xx_and_4xx_in_envelope(harness: Harness, key: str,
                                               data: Any) -> None:
    ep = CATALOG.endpoint(key)
    provider = CATALOG.provider(ep.provider)
    lists = [lst["id"] for lst in harness.sandbox.describe("http://x")["providers"][
        provider.name]["lists"]]
    path = ep.path
    for name in ("id", "job_id", "list_id"):
        if "{" + name + "}" in path:
            value = data.draw(st.sampled_from(lists or ["1"]) | st.text(
                st.characters(min_codepoint=0x30, max_codepoint=0x7A), min_size=1, max_size=40))
            path = path.replace("{" + name + "}", value)
    method = data.draw(st.sampled_from([ep.method, ep.method, ep.method, "PUT", "DELETE"]))
    headers = data.draw(garbage_headers(harness.sandbox, provider))
    body = data.draw(garbage_body(ep))
    response = harness.request(method, f"/{provider.name}{path}", headers, body)
    assert response.status_code < 500, (response.status_code, response.text)
    assert response.headers.get("x-request-id")
    if 400 <= response.status_code < 500:
        assert_envelope(provider, response)
