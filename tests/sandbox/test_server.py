"""The real server: a ``python -m bulkbench.sandbox`` subprocess on a free loopback port, over
HTTP."""

from __future__ import annotations

import os
import queue
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest

from bulkbench.contract.error_bodies import resolve
from bulkbench.core.catalog import default_catalog
from bulkbench.sandbox.faults import FAULTS
from bulkbench.sandbox.process import SandboxProcess, start_sandbox
from bulkbench.sandbox.providers import load_plugins
from tests.sandbox.conftest import endpoint

load_plugins()  # registers every provider's faults in this process too
CATALOG = default_catalog()
BULK = endpoint("leadlex.bulk_create")


def bulk_url(sb: SandboxProcess) -> str:
    return sb.base_url("leadlex") + BULK.path


def auth(sb: SandboxProcess, role: str = "full") -> dict[str, str]:
    return {"Authorization": f"Bearer {sb.key('leadlex', role)}"}


def one(i: int = 0) -> dict[str, list[dict[str, str]]]:
    return {"contacts": [{"full_name": f"Wire {i}", "email": f"wire{i}@example.com"}]}


def vm_hwm_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


def test_sandbox_json_describes_every_provider(server: SandboxProcess) -> None:
    info = server.info
    path = server.data_dir / "sandbox.json"
    assert orjson.loads(path.read_bytes()) == info
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert info["pid"] == server.pid
    assert set(info["base_urls"]) == {p.name for p in CATALOG.providers}
    for provider in CATALOG.providers:
        entry = info["providers"][provider.name]
        assert entry["base_url"] == info["base_urls"][provider.name]
        assert entry["base_url"].startswith("http://127.0.0.1:")
        roles = {k["role"]: k for k in entry["keys"]}
        assert set(roles) == {"full", "read_only", "other_workspace"}
        assert roles["full"]["workspace"] == roles["read_only"]["workspace"]
        assert roles["other_workspace"]["workspace"] != roles["full"]["workspace"]
        assert len({k["key"] for k in entry["keys"]}) == 3
        prefix = provider.auth_schemes[0].key_prefix
        if prefix:
            assert all(k["key"].startswith(prefix) for k in entry["keys"])
        for ep in provider.endpoints:
            if ep.required_scope:
                assert ep.required_scope in roles["full"]["scopes"]
                assert ep.required_scope not in roles["read_only"]["scopes"]
    lists = info["providers"]["leadlex"]["lists"]
    assert {lst["workspace"] for lst in lists} == {"main", "other"}
    assert all(str(uuid.UUID(lst["id"])) == lst["id"] for lst in lists)
    assert {"leadlex.bulk_create", "leadlex.add_to_list"} <= set(info["endpoints"])
    assert info["admin_key"] and info["rate_limit"] is None and info["faults"] == []
    socket_ = info["providers"]["datananas"]["websocket"]
    assert socket_["path"] == "/datananas/ws"
    assert socket_["url"] == info["origin"].replace("http://", "ws://") + "/datananas/ws"


def test_admin_api_needs_its_own_key(server: SandboxProcess) -> None:
    url = server.admin_url
    assert httpx.get(f"{url}/health").json() == {"status": "ok"}
    assert httpx.get(f"{url}/counts").status_code == 401
    assert httpx.get(f"{url}/counts", headers=auth(server)).status_code == 401
    r = httpx.get(f"{url}/counts", headers=server.admin_headers)
    assert r.status_code == 200 and "contacts" in r.json()
    faults = httpx.get(f"{url}/faults", headers=server.admin_headers).json()
    assert {f["name"] for f in faults["available"]} == set(FAULTS)


def test_create_add_and_verify_over_the_wire(server: SandboxProcess) -> None:
    with httpx.Client(headers=auth(server)) as client:
        before = httpx.get(server.admin_url + "/counts", headers=server.admin_headers).json()
        n = before["contacts"].get("leadlex", {}).get("main", 0)
        r = client.post(bulk_url(server), json={"contacts": [
            {"full_name": f"W {i}"} for i in range(BULK.max_batch or 1)]})
        assert r.status_code == 200
        ids = [c["id"] for c in r.json()["data"]["contacts"]]
        lst = server.lists("leadlex")[0]
        add = endpoint("leadlex.add_to_list")
        url = server.base_url("leadlex") + add.path.replace("{id}", lst)
        r = client.post(url, json={"contact_ids": ids[: add.max_batch]})
        assert r.status_code == 200 and r.json()["data"]["added"] == len(ids[: add.max_batch])
    after = httpx.get(server.admin_url + "/counts", headers=server.admin_headers).json()
    assert after["contacts"]["leadlex"]["main"] == n + len(ids)


@pytest.mark.parametrize("provider", [p.name for p in CATALOG.providers])
def test_401_in_each_providers_envelope(server: SandboxProcess, provider: str) -> None:
    prov = CATALOG.provider(provider)
    ep = next(e for e in prov.endpoints if e.batch_field and e.name in {
        spec.split(".", 1)[1] for spec in server.info["endpoints"] if spec.startswith(provider)})
    url = server.base_url(provider) + ep.path.replace("{id}", str(uuid.uuid4()))
    r = httpx.post(url, json={ep.batch_field: []})
    assert r.status_code == 401
    body = r.json()
    envelope = prov.error_envelope
    if envelope.code:
        assert resolve(body, envelope.code) in ep.error_codes(401), body
    assert isinstance(resolve(body, envelope.message), str), body
    for pointer, value in envelope.fixed.items():
        assert resolve(body, pointer) == value, body
    assert r.headers["x-request-id"]


def test_request_id_over_the_wire(server: SandboxProcess) -> None:
    r = httpx.post(bulk_url(server), json=one(), headers={**auth(server), "X-Request-ID": "r-1"})
    assert r.headers["x-request-id"] == "r-1"
    a = httpx.post(bulk_url(server), json=one(), headers=auth(server)).headers["x-request-id"]
    b = httpx.get(server.base_url("leadlex") + "/nowhere").headers["x-request-id"]
    assert a and b and a != b


def test_413_decided_from_content_length_without_reading(server: SandboxProcess) -> None:
    limit = BULK.max_body_bytes
    assert limit
    host, port = "127.0.0.1", server.port
    path = "/leadlex" + BULK.path
    head = (f"POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer "
            f"{server.key('leadlex')}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {limit + 1}\r\n\r\n").encode()
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(head + b'{"contacts": [')  # far less than announced
        data = b""
        while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    status_line, _, rest = data.partition(b"\r\n")
    assert b" 413 " in status_line
    body = orjson.loads(rest.split(b"\r\n\r\n", 1)[1])
    assert body["error"]["code"] == "payload_too_large"


def test_413_while_streaming_a_chunked_body_without_buffering_it(
        server: SandboxProcess) -> None:
    limit = BULK.max_body_bytes
    assert limit
    chunk = b" " * (1 << 20)
    sent = 0

    def body() -> Iterator[bytes]:
        nonlocal sent
        yield b'{"contacts": ['
        while sent < 3 * limit:
            sent += len(chunk)
            yield chunk

    before = vm_hwm_kib(server.pid)
    r = httpx.post(bulk_url(server), content=body(), timeout=60,
                   headers={**auth(server), "Content-Type": "application/json"})
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "payload_too_large"
    grown = (vm_hwm_kib(server.pid) - before) * 1024
    assert grown < 2 * limit, f"the server grew by {grown} bytes for a {sent}-byte body"
    assert httpx.post(bulk_url(server), json=one(), headers=auth(server)).status_code == 200


def test_largest_body_accepted_at_the_limit(server: SandboxProcess) -> None:
    limit = BULK.max_body_bytes
    max_batch = BULK.max_batch
    assert limit and max_batch
    pad = (limit - 64 * 1024) // max_batch
    body = orjson.dumps({"contacts": [{"full_name": f"Big {i}", "custom_fields": {
        "notes": "x" * pad}} for i in range(max_batch)]})
    assert len(body) <= limit
    r = httpx.post(bulk_url(server), content=body, timeout=60,
                   headers={**auth(server), "Content-Type": "application/json"})
    assert r.status_code == 200 and r.json()["data"]["created"] == max_batch


# --------------------------------------------------------------------------- rate limit


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    with start_sandbox(tmp_path_factory.mktemp("limited"), rate_limit="4/3600") as sb:
        yield sb


def test_rate_limit_headers_and_429(limited: SandboxProcess) -> None:
    assert limited.info["rate_limit"] == {"requests": 4, "window_seconds": 3600}
    seen = []
    with httpx.Client(headers=auth(limited)) as client:
        for i in range(4):
            r = client.post(bulk_url(limited), json=one(i) if i != 2 else {"contacts": []})
            assert r.status_code == (200 if i != 2 else 400)
            seen.append(r.headers)
        r = client.post(bulk_url(limited), json=one())
    assert [int(h["x-ratelimit-remaining"]) for h in seen] == [3, 2, 1, 0]
    assert {h["x-ratelimit-limit"] for h in seen} == {"4"}
    resets = {int(h["x-ratelimit-reset"]) for h in seen}
    assert len(resets) == 1 and resets.pop() > time.time() + 3000  # epoch seconds
    assert r.status_code == 429
    assert r.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(r.headers["retry-after"]) <= 3600 + 1  # whole seconds, rounded up
    assert r.headers["x-ratelimit-remaining"] == "0"
    # per key: another key has its own window, and so has an unknown one (answered 401)
    other = httpx.post(bulk_url(limited), json=one(), headers=auth(limited, "other_workspace"))
    assert other.status_code == 200 and other.headers["x-ratelimit-remaining"] == "3"
    unknown = httpx.post(bulk_url(limited), json=one(), headers={"Authorization": "Bearer x"})
    assert unknown.status_code == 401 and unknown.headers["x-ratelimit-remaining"] == "3"


# --------------------------------------------------------------------------- lifecycle


def test_sigterm_stops_cleanly_and_restart_keeps_keys_and_data(tmp_path: Path) -> None:
    sb = start_sandbox(tmp_path / "life")
    try:
        keys = sb.info["providers"]["leadlex"]["keys"]
        r = httpx.post(bulk_url(sb), json=one(), headers=auth(sb))
        assert r.status_code == 200
        assert sb.stop() == 0
        assert not (sb.data_dir / "sandbox.db-wal").exists()  # checkpointed and closed
        sb.restart()
        assert sb.info["providers"]["leadlex"]["keys"] == keys
        counts = httpx.get(sb.admin_url + "/counts", headers=sb.admin_headers).json()
        assert counts["contacts"]["leadlex"]["main"] == 1
        r = httpx.post(bulk_url(sb), json=one(2), headers=auth(sb))
        assert r.status_code == 200
        assert sb.kill() == -9
        sb.restart()
        counts = httpx.get(sb.admin_url + "/counts", headers=sb.admin_headers).json()
        assert counts["contacts"]["leadlex"]["main"] == 2  # committed before the kill
    finally:
        sb.stop()


def test_serve_cli_errors_are_one_line_exit_2_and_lists_faults(
        capsys: pytest.CaptureFixture[str]) -> None:
    from bulkbench.cli import main

    for args in (["--fault", "no_such_fault"], ["--rate-limit", "ten/60"],
                 ["--rate-limit", "5/0"], ["--latency", "-1"], ["--host", "256.0.0.1"],
                 ["--webhook-max-attempts", "0"]):
        assert main(["serve", *args]) == 2, args
        err = capsys.readouterr().err
        assert "error:" in err and "Traceback" not in err and err.count("\n") == 1, err
    assert main(["serve", "--list-faults"]) == 0
    out = capsys.readouterr().out
    names = [line.split()[0] for line in out.splitlines() if line.strip()]
    assert names == list(FAULTS)


def test_serve_announces_the_webhook_with_its_secret_redacted(tmp_path: Path) -> None:
    secret = "whsec_given_on_the_command_line_4321"
    out: list[str] = []
    with subprocess.Popen(
            [sys.executable, "-m", "bulkbench", "serve", "--data", str(tmp_path),
             "--webhook-url", "http://127.0.0.1:9/hooks", "--webhook-max-attempts", "3"],
            env={**os.environ, "BULKBENCH_SANDBOX_WEBHOOK_SECRET": secret},
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as proc:
        lines: queue.Queue[str] = queue.Queue()
        reader = threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout or ()],
                                  daemon=True)
        reader.start()
        try:
            while not out or "stop with Ctrl-C" not in out[-1]:
                out.append(lines.get(timeout=30))
        finally:
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(15) == 0
            reader.join(5)
    text = "".join(out)
    assert secret not in text
    assert "webhook    http://127.0.0.1:9/hooks  (secret whsec_…4321, at most 3 attempts)" in text
    info = orjson.loads((tmp_path / "sandbox.json").read_bytes())
    assert info["webhook"] == {"url": "http://127.0.0.1:9/hooks", "secret": secret,
                               "max_attempts": 3}
