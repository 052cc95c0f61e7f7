"""Datananas progress on the wire: a real sandbox server and a real WebSocket client.

The order of the HTTP response against the events is checked where it can be observed
reliably, at arrival in one asyncio loop: the HTTP request goes through a bare HTTP/1.1
protocol and the events through a ``websockets`` connection, both of which note what
arrived in their ``data_received``. A client that is slower than the server finds both
sockets' data waiting at once (reading the WebSocket then yields starting, running and
ending together), so "arrived" is taken at the socket: when the response is complete,
starting must have arrived or be waiting in the WebSocket's socket; when ending arrives,
the response must be complete or be waiting in the HTTP socket. On loopback, data written
earlier is in its receive queue before data written later, so both hold exactly when the
server wrote starting → response → ending. (The exact order of the app's writes, and the
faults that break it, are tested in-process by ``test_datananas_progress.py``.)
"""

from __future__ import annotations

import asyncio
import select
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import orjson
import pytest
import websockets
from websockets.asyncio.client import ClientConnection, connect

from bulkbench.core.catalog import default_catalog
from bulkbench.generators.contact_batches import valid_body_bytes
from bulkbench.sandbox.process import SandboxProcess, start_sandbox

WAIT = 20.0  # bound of every wait, in seconds
ENDPOINT = default_catalog().endpoint("datananas.bulk_create")
FAULTS = ("datananas_ws_counts_swapped", "datananas_ws_index_zero_based",
          "datananas_ws_uuid_mismatch")


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    with start_sandbox(tmp_path_factory.mktemp("faulty"), seed=5, faults=FAULTS) as sb:
        yield sb


def ws_url(sb: SandboxProcess, token: str) -> str:
    path = str(sb.info["providers"]["datananas"]["websocket"]["path"])
    return str(sb.info["origin"]).replace("http://", "ws://") + f"{path}?access_token={token}"


async def raw_post(sb: SandboxProcess, token: str, body: bytes, query: str = "",
                   log: list[tuple[str, Any]] | None = None) -> tuple[int, Any]:
    """POST /contacts/bulk with a bare HTTP/1.1 client; (status, parsed JSON body).

    ``("http", status)`` goes to ``log`` as soon as the response's last byte was read.
    """
    base = urlsplit(sb.base_url("datananas"))
    reader, writer = await asyncio.open_connection(base.hostname, base.port)
    try:
        head = (f"POST {base.path}/contacts/bulk{query} HTTP/1.1\r\nHost: {base.netloc}\r\n"
                f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n")
        writer.write(head.encode() + body)
        await writer.drain()
        header = await reader.readuntil(b"\r\n\r\n")
        status = int(header.split(b" ", 2)[1])
        length = next(int(line.split(b":", 1)[1]) for line in header.split(b"\r\n")
                      if line.lower().startswith(b"content-length:"))
        answer = await reader.readexactly(length)
        if log is not None:
            log.append(("http", status))
        return status, orjson.loads(answer)
    finally:
        writer.close()
        await writer.wait_closed()


def contacts_body(n: int, prefix: str, **extra: Any) -> bytes:
    return orjson.dumps({"contacts": [{"email": f"{prefix}{i}@example.com"} for i in range(n)],
                         **extra})


async def read_until_ending(ws: ClientConnection, log: list[tuple[str, Any]],
                            uuid: str | None = None) -> None:
    """Append (event, data) to ``log`` until an ending (of ``uuid`` when given)."""
    async for message in ws:
        frame = orjson.loads(message)
        assert set(frame) == {"event", "data"} and isinstance(message, str)
        log.append((frame["event"], frame["data"]))
        if frame["event"] == "contact_bulk_create_ending" and uuid in (None,
                                                                        frame["data"]["uuid"]):
            return


async def post_and_listen(sb: SandboxProcess, token: str, body: bytes, query: str = ""
                          ) -> tuple[list[tuple[str, Any]], int, Any]:
    """Connect, post, read until ending: the arrival log with ("http", …) in its place."""
    log: list[tuple[str, Any]] = []
    async with connect(ws_url(sb, token), max_queue=None) as ws:
        reading = asyncio.create_task(read_until_ending(ws, log))
        status, answer = await raw_post(sb, token, body, query, log)
        await asyncio.wait_for(reading, WAIT)
    return log, status, answer


def readable(transport: asyncio.BaseTransport | None) -> bool:
    """Whether the transport's socket has data (or EOF) waiting to be read."""
    if transport is None:
        return False
    ready, _, _ = select.select([transport.get_extra_info("socket").fileno()], [], [], 0)
    return bool(ready)


class HttpProbe(asyncio.Protocol):
    """A one-request HTTP/1.1 client noting the moment the whole response has arrived."""

    def __init__(self, on_complete: Callable[[], None]) -> None:
        self.on_complete = on_complete
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None
        self.response: asyncio.Future[tuple[int, Any]] = \
            asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        head, sep, body = bytes(self.buffer).partition(b"\r\n\r\n")
        if not sep or self.response.done():
            return
        length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length:"))
        if len(body) >= length:
            self.on_complete()
            self.response.set_result((int(head.split(b" ", 2)[1]), orjson.loads(body[:length])))

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.response.done():
            self.response.set_exception(ConnectionError("closed before the response"))


class ProbedConnection(ClientConnection):
    """A ``websockets`` client connection that reports every chunk of bytes it receives."""

    on_bytes: Callable[[bytes], None] | None = None

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.on_bytes is not None:
            self.on_bytes(data)


async def probe_order(sb: SandboxProcess, token: str, body: bytes
                      ) -> tuple[list[str], list[tuple[str, Any]], tuple[int, Any]]:
    """(order violations, the events as read, (status, answer)) of one request."""
    violations: list[str] = []
    seen = {"starting": False, "ending": False, "http": False}
    received = bytearray()
    holder: dict[str, asyncio.BaseTransport | None] = {"http": None, "ws": None}

    def on_ws_bytes(data: bytes) -> None:
        received.extend(data)  # uncompressed text frames: the event names are visible
        if not seen["starting"] and b"contact_bulk_create_starting" in received:
            seen["starting"] = True
        if not seen["ending"] and b"contact_bulk_create_ending" in received:
            seen["ending"] = True
            if not (seen["http"] or readable(holder["http"])):
                violations.append("ending arrived before the HTTP response")

    def on_http_complete() -> None:
        seen["http"] = True
        if not (seen["starting"] or readable(holder["ws"])):
            violations.append("the HTTP response arrived before starting")

    log: list[tuple[str, Any]] = []
    async with connect(ws_url(sb, token), compression=None, max_queue=None,
                       create_connection=ProbedConnection) as ws:
        assert isinstance(ws, ProbedConnection)
        holder["ws"] = ws.transport
        ws.on_bytes = on_ws_bytes
        reading = asyncio.create_task(read_until_ending(ws, log))
        base = urlsplit(sb.base_url("datananas"))
        loop = asyncio.get_running_loop()
        transport, probe = await loop.create_connection(
            lambda: HttpProbe(on_http_complete), base.hostname or "", base.port or 80)
        holder["http"] = transport
        try:
            transport.write(
                (f"POST {base.path}/contacts/bulk HTTP/1.1\r\nHost: {base.netloc}\r\n"
                 f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
                 f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body)
            answer = await asyncio.wait_for(probe.response, WAIT)
            await asyncio.wait_for(reading, WAIT)
        finally:
            transport.close()
    return violations, log, answer


def run(coro: Any) -> Any:
    return asyncio.run(asyncio.wait_for(coro, WAIT * 2))


def test_events_come_in_order_around_the_response(server: SandboxProcess) -> None:
    token = server.key("datananas")
    list_id = server.lists("datananas")[0]
    for size in (1, 2, 5, 50):
        prefix = f"order{size}-"
        run(raw_post(server, token, contacts_body(2, prefix)))  # two exist already
        body = contacts_body(size, prefix, list={"id": list_id})
        violations, events, (status, answer) = run(probe_order(server, token, body))
        assert status == 200 and answer["listId"] == list_id
        assert violations == []
        names = [name for name, _ in events]
        assert names == (["contact_bulk_create_starting"]
                         + ["contact_bulk_create_running"] * size
                         + ["contact_bulk_create_ending"])
        assert events[0][1] == {"listId": list_id, "uuid": answer["uuid"]}
        running = [d for n, d in events if n == "contact_bulk_create_running"]
        assert [d["i"] for d in running] == list(range(1, size + 1))
        assert all(d["total"] == size and d["uuid"] == answer["uuid"] for d in running)
        created = max(0, size - 2)
        assert events[-1][1] == {"uuid": answer["uuid"], "created": created,
                                 "updated": size - created}


def test_a_full_batch_sends_every_event(server: SandboxProcess) -> None:
    top = ENDPOINT.max_batch or 0
    body = valid_body_bytes(ENDPOINT, top, seed=21, start=500_000)
    log, status, answer = run(post_and_listen(server, server.key("datananas"), body))
    assert status == 200
    events = [(n, d) for n, d in log if n != "http"]
    assert len(events) == top + 2
    assert [d["i"] for n, d in events[1:-1]] == list(range(1, top + 1))
    assert events[-1][1] == {"uuid": answer["uuid"], "created": top, "updated": 0}


def test_events_go_to_every_connection_of_the_account_only(server: SandboxProcess) -> None:
    full, read_only = server.key("datananas"), server.key("datananas", "read_only")
    other = server.key("datananas", "other_workspace")

    async def scenario() -> None:
        logs: list[list[tuple[str, Any]]] = [[], [], []]
        async with connect(ws_url(server, full)) as a, connect(ws_url(server, read_only)) as b, \
                connect(ws_url(server, other)) as c:
            status, answer = await raw_post(server, full, contacts_body(3, "fan"))
            assert status == 200
            await asyncio.wait_for(asyncio.gather(
                read_until_ending(a, logs[0]), read_until_ending(b, logs[1])), WAIT)
            assert logs[0] == logs[1] and len(logs[0]) == 5
            # the other account's socket got nothing: its first event is its own request's
            status, mine = await raw_post(server, other, contacts_body(1, "fan"))
            await asyncio.wait_for(read_until_ending(c, logs[2]), WAIT)
            assert {d["uuid"] for _, d in logs[2]} == {mine["uuid"]} != {answer["uuid"]}

    run(scenario())


def test_an_invalid_or_missing_token_closes_with_policy_violation(
        server: SandboxProcess) -> None:
    async def attempt(url: str) -> int | None:
        async with connect(url) as ws:
            with pytest.raises(websockets.ConnectionClosed) as caught:
                await asyncio.wait_for(ws.recv(), WAIT)
        return caught.value.rcvd.code if caught.value.rcvd else None

    assert run(attempt(ws_url(server, "not-a-token"))) == 1008
    assert run(attempt(ws_url(server, "").split("?")[0])) == 1008


def test_no_per_message_compression_is_negotiated(server: SandboxProcess) -> None:
    async def extensions() -> str | None:
        token = server.key("datananas")
        async with connect(ws_url(server, token), compression="deflate") as ws:
            assert ws.request is not None and ws.response is not None
            assert "permessage-deflate" in ws.request.headers["Sec-WebSocket-Extensions"]
            return ws.response.headers.get("Sec-WebSocket-Extensions")

    assert run(extensions()) is None


def test_lowered_quotas_answer_402_with_their_reasons(server: SandboxProcess) -> None:
    import httpx

    token = server.key("datananas", "other_workspace")
    with httpx.Client(base_url=server.admin_url, headers=server.admin_headers,
                      timeout=WAIT) as admin:
        try:
            r = admin.put("/datananas/quotas", json={"workspace": "other", "total_quota": 0})
            assert r.status_code == 200, r.text
            status, body = run(raw_post(server, token, contacts_body(1, "quota")))
            assert (status, body["reason"]) == (402, "contact_total_quotas")
            r = admin.put("/datananas/quotas", json={"workspace": "other", "total_quota": None,
                                                     "daily_connect_quota": 0})
            assert r.status_code == 200, r.text
            connect_body = orjson.dumps({"contacts": [{"email": "q@example.com",
                                                       "source": "connect"}]})
            status, body = run(raw_post(server, token, connect_body))
            assert (status, body["reason"]) == (402, "contact_connect_quotas")
        finally:
            admin.put("/datananas/quotas", json={"workspace": "other", "total_quota": None,
                                                 "daily_connect_quota": None})


def test_faults_change_the_events(faulty: SandboxProcess) -> None:
    token = faulty.key("datananas")
    run(raw_post(faulty, token, contacts_body(1, "f")))
    log, status, answer = run(post_and_listen(faulty, token, contacts_body(3, "f")))
    assert status == 200
    events = [(n, d) for n, d in log if n != "http"]
    assert [d["i"] for n, d in events if n == "contact_bulk_create_running"] == [0, 1, 2]
    assert events[-1][0] == "contact_bulk_create_ending"
    ending = events[-1][1]
    assert (ending["created"], ending["updated"]) == (1, 2)  # 2 created, 1 updated: swapped
    assert {d["uuid"] for _, d in events} != {answer["uuid"]}
