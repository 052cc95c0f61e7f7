"""Half-sent requests over the wire: a real sandbox (``bulkbench.sandbox.server.run`` in a
subprocess on a free loopback port) with short read deadlines closes connections that never finish
their headers or their body, refuses connections past its cap, and still serves a normal
request afterwards. Waits are bounded; nothing asserts on elapsed time."""

from __future__ import annotations

import json
import selectors
import socket
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.requests import Request
from starlette.types import Message

from bulkbench.sandbox.body import PREALLOCATE_BYTES, read_body
from bulkbench.sandbox.connection_guard import MAX_HEADER_BYTES
from bulkbench.sandbox.errors import SandboxError, SandboxHTTPError
from bulkbench.sandbox.settings import SandboxSettings

_SCRIPT = """
import json, sys
from pathlib import Path
from bulkbench.sandbox.server import run
from bulkbench.sandbox.settings import SandboxSettings
options = json.loads(sys.argv[1])
data_dir = Path(options.pop("data_dir"))
sys.exit(run(SandboxSettings(data_dir=data_dir, seed=5, **options)))
"""

#: how long the server may take to close what it must close (generous: a loaded machine).
CLOSE_WAIT_S = 30.0
IMPORT = "/leadlex/v1/import/contacts"


@dataclass
class Server:
    origin: str
    host: str
    port: int
    info: dict[str, Any]

    def key(self) -> str:
        keys = self.info["providers"]["leadlex"]["keys"]
        return str(next(k["key"] for k in keys if k["role"] == "full"))


@contextmanager
def sandbox_server(data_dir: Path, **settings: Any) -> Iterator[Server]:
    """A sandbox on 127.0.0.1 with ``settings``; stopped (its pid only) at the end."""
    options = json.dumps({"data_dir": str(data_dir), **settings})
    proc = subprocess.Popen([sys.executable, "-c", _SCRIPT, options],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        info_path = data_dir / "sandbox.json"
        for _ in range(600):  # bounded: ~30 s
            if info_path.exists() or proc.poll() is not None:
                break
            time.sleep(0.05)
        assert info_path.exists(), proc.stderr.read().decode() if proc.stderr else ""
        info = json.loads(info_path.read_text())
        host, port = info["origin"].removeprefix("http://").rsplit(":", 1)
        yield Server(info["origin"], host, int(port), info)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        if proc.stderr is not None:
            proc.stderr.close()


def connect(server: Server, first: bytes = b"") -> socket.socket:
    sock = socket.create_connection((server.host, server.port), timeout=5)
    if first:
        sock.sendall(first)
    sock.setblocking(False)
    return sock


def wait_closed(socks: list[socket.socket], seconds: float = CLOSE_WAIT_S
                ) -> tuple[list[socket.socket], dict[socket.socket, bytes]]:
    """Read every socket until the server closes it, for at most ``seconds``; the sockets
    still open then, and what each sent before closing."""
    received: dict[socket.socket, bytes] = {s: b"" for s in socks}
    open_ = set(socks)
    with selectors.DefaultSelector() as sel:
        for s in socks:
            sel.register(s, selectors.EVENT_READ, data=s)
        end = time.monotonic() + seconds
        while open_ and time.monotonic() < end:
            for key, _ in sel.select(timeout=0.5):
                s = key.data
                try:
                    chunk = s.recv(65536)
                except BlockingIOError:
                    continue
                except ConnectionError:
                    chunk = b""
                if chunk:
                    received[s] += chunk
                else:
                    open_.discard(s)
                    sel.unregister(s)
    return [s for s in socks if s in open_], received


def status_of(raw: bytes) -> int | None:
    if not raw.startswith(b"HTTP/1.1 "):
        return None
    return int(raw[9:12])


def normal_import(server: Server) -> httpx.Response:
    return httpx.post(server.origin + IMPORT,
                      json={"rows": [{"full_name": "After The Flood"}]},
                      headers={"Authorization": f"Bearer {server.key()}"}, timeout=10)


def test_half_sent_requests_are_closed_and_a_normal_one_still_succeeds(tmp_path: Path) -> None:
    with sandbox_server(tmp_path / "sb", header_timeout_seconds=0.5,
                        body_timeout_seconds=0.5) as server:
        head = (f"POST {IMPORT} HTTP/1.1\r\nHost: {server.host}\r\n"
                "Content-Type: application/json\r\n").encode()
        full_head = head + (f"Authorization: Bearer {server.key()}\r\n"
                            "Content-Length: 1000000\r\n\r\n").encode()
        kinds: dict[str, list[socket.socket]] = {
            "silent": [connect(server) for _ in range(100)],
            "half head": [connect(server, head) for _ in range(100)],
            "half body": [connect(server, full_head + b'{"rows": [{"full_name": "x"},')
                          for _ in range(100)],
            "huge head": [connect(server, head + b"X-Pad: " + b"p" * MAX_HEADER_BYTES + b"\r\n")
                          for _ in range(3)],
        }
        # a kept-alive connection whose second request stops halfway
        kept = socket.create_connection((server.host, server.port), timeout=5)
        kept.sendall(f"GET /_sandbox/health HTTP/1.1\r\nHost: {server.host}\r\n\r\n".encode())
        first = b""
        while b'"ok"' not in first:
            chunk = kept.recv(65536)
            assert chunk, first
            first += chunk
        assert status_of(first) == 200
        kept.sendall(b"GET /_sandbox/hea")
        kept.setblocking(False)
        kinds["kept alive"] = [kept]

        socks = [s for group in kinds.values() for s in group]
        try:
            still_open, received = wait_closed(socks)
            for kind, group in kinds.items():
                assert not [s for s in group if s in still_open], f"{kind}: not closed"
            # what the server said before closing (a reset may lose it: only when present)
            for kind, expected in (("silent", 408), ("half head", 408), ("kept alive", 408),
                                   ("huge head", 431)):
                statuses = {status_of(received[s]) for s in kinds[kind]} - {None}
                assert statuses <= {expected}, (kind, statuses)
                answered = {received[s][:200] for s in kinds["half body"]} - {b""}
            assert not answered, answered  # the app was still reading: no answer
        finally:
            for s in socks:
                s.close()
        r = normal_import(server)
        assert r.status_code == 200 and r.json()["data"]["status"] == "completed", r.text


def test_connections_past_the_cap_are_refused_until_others_close(tmp_path: Path) -> None:
    with sandbox_server(tmp_path / "sb", header_timeout_seconds=120, body_timeout_seconds=120,
                        max_connections=10) as server:
        idle = [connect(server) for _ in range(10)]
        try:
            extra = connect(server)
            still_open, received = wait_closed([extra])
            extra.close()
            assert not still_open and status_of(received[extra]) in (503, None), received
        finally:
            for s in idle:
                s.close()
        # the server sees the ten go; then a normal request is served (bounded retries)
        status, text = 0, ""
        for _ in range(100):
            try:
                r = normal_import(server)
            except httpx.TransportError as exc:  # refused while the ten were still counted
                status, text = 0, repr(exc)
            else:
                status, text = r.status_code, r.text
                if status != 503:
                    break
            time.sleep(0.1)
        assert status == 200, text


# --------------------------------------------------------------------------- in process


def test_the_limits_are_settings_with_checked_values() -> None:
    settings = SandboxSettings()
    assert (settings.header_timeout_seconds, settings.body_timeout_seconds,
            settings.max_connections) == (10.0, 60.0, 1000)
    for bad in ({"header_timeout_seconds": 0}, {"body_timeout_seconds": -1},
                {"body_timeout_seconds": float("nan")}, {"max_connections": 0}):
        with pytest.raises(SandboxError):
            SandboxSettings(**bad)


def _request(declared: int, parts: list[bytes], *, finished: bool = True) -> Request:
    """A request declaring ``declared`` bytes that sends ``parts``, then ends (or the client
    goes away)."""
    messages: list[Message] = [{"type": "http.request", "body": p, "more_body": True}
                               for p in parts]
    if finished:
        messages.append({"type": "http.request", "body": b"", "more_body": False})
    else:
        messages.append({"type": "http.disconnect"})

    async def receive() -> Message:
        return messages.pop(0)

    scope = {"type": "http", "method": "POST", "path": "/", "query_string": b"",
             "headers": [(b"content-length", str(declared).encode())]}
    return Request(scope, receive)


@pytest.mark.anyio
async def test_a_declared_length_is_not_allocated_before_its_bytes_arrive() -> None:
    declared = 20 * 1024 * 1024
    tracemalloc.start()
    try:
        with pytest.raises(SandboxHTTPError, match="disconnected"):
            await read_body(_request(declared, [b'{"rows": ['], finished=False), declared)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < PREALLOCATE_BYTES + 256 * 1024 < declared


@pytest.mark.anyio
async def test_a_body_past_the_preallocation_is_read_whole() -> None:
    parts = [bytes([65 + i % 26]) * 300_000 for i in range(8)]  # 2.4 MB in 8 reads
    body = b"".join(parts)
    assert await read_body(_request(len(body), parts[:]), 10 * len(body)) == body
    assert await read_body(_request(len(body) + 5, parts[:]), 10 * len(body)) == body
