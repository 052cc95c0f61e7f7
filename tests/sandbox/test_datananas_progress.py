"""The order of Datananas progress events against the HTTP response, exactly, in-process.

The app is called as an ASGI server calls it: one WebSocket connection and one HTTP
request, whose ``send`` callables append to one shared log. The log is the order in which
the app hands messages to the server, so these tests check the guarantee itself (starting
is handed over before ``http.response.start``; running and ending only after the last
``http.response.body``), free of any network timing. ``test_datananas_websocket.py``
checks the same on the wire with a real server.

The fan-out component (``sandbox/progress_channel.py``) is tested below with a client
that never reads: it is dropped with close code 1013, and nobody waits for it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import orjson
import pytest
from starlette.applications import Starlette
from starlette.types import Message
from starlette.websockets import WebSocket

from bulkbench.sandbox.app import create_app, sandbox_of
from bulkbench.sandbox.progress_channel import CLOSE_TOO_SLOW, ProgressChannel
from bulkbench.sandbox.providers.datananas import WS_PATH
from bulkbench.sandbox.settings import SandboxSettings

pytestmark = pytest.mark.anyio

WAIT = 10.0  # bound of every wait, in seconds


class Log:
    """Messages the app sent, in order, as (channel, message)."""

    def __init__(self) -> None:
        self.items: list[tuple[str, Message]] = []
        self.changed = asyncio.Event()

    def add(self, channel: str, message: Message) -> None:
        self.items.append((channel, message))
        self.changed.set()

    async def wait_for(self, predicate: Any) -> None:
        async def loop() -> None:
            while not predicate(self.items):
                self.changed.clear()
                await self.changed.wait()
        await asyncio.wait_for(loop(), WAIT)

    def events(self) -> Iterator[tuple[int, str, dict[str, Any]]]:
        """(position in the log, event name, data) of every progress frame."""
        for pos, (channel, msg) in enumerate(self.items):
            if channel == "ws" and msg["type"] == "websocket.send":
                frame = orjson.loads(msg["text"])
                yield pos, frame["event"], frame["data"]

    def position(self, channel: str, kind: str) -> int:
        return next(i for i, (c, m) in enumerate(self.items) if c == channel and m["type"] == kind)


def _ended(items: list[tuple[str, Message]]) -> bool:
    return any(c == "ws" and m["type"] == "websocket.send" and b"_ending" in m["text"].encode()
               for c, m in items)


@asynccontextmanager
async def app_with_socket(tmp_path: Path, faults: tuple[str, ...] = ()
                          ) -> AsyncIterator[tuple[Starlette, Log, str]]:
    """An app with one accepted progress socket of the main workspace."""
    app = create_app(SandboxSettings(data_dir=tmp_path / "data", seed=3,
                                     faults=frozenset(faults)))
    sandbox = sandbox_of(app)
    token = next(k.key for k in sandbox.keys.of("datananas") if k.role == "full")
    log = Log()
    incoming: asyncio.Queue[Message] = asyncio.Queue()
    incoming.put_nowait({"type": "websocket.connect"})

    async def receive() -> Message:
        return await incoming.get()

    async def send(message: Message) -> None:
        log.add("ws", message)

    scope = {"type": "websocket", "asgi": {"version": "3.0"}, "scheme": "ws",
             "path": f"/datananas{WS_PATH}", "raw_path": f"/datananas{WS_PATH}".encode(),
             "root_path": "", "query_string": f"access_token={token}".encode(),
             "headers": [(b"host", b"sandbox.test")], "server": ("sandbox.test", 80),
             "client": ("127.0.0.1", 50000), "subprotocols": [], "state": {}}
    async with app.router.lifespan_context(app):
        socket = asyncio.create_task(app(scope, receive, send))
        try:
            await log.wait_for(lambda items: items)
            assert log.items[0][1]["type"] == "websocket.accept"
            yield app, log, token
        finally:
            incoming.put_nowait({"type": "websocket.disconnect", "code": 1000})
            await asyncio.wait_for(socket, WAIT)


async def post_bulk(app: Starlette, log: Log, token: str, contacts: list[dict[str, Any]]
                    ) -> dict[str, Any]:
    """Call the app with one bulk request; its messages go to the shared log."""
    body = orjson.dumps({"contacts": contacts})
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # no disconnect while the app runs
        raise AssertionError("unreachable")

    async def send(message: Message) -> None:
        log.add("http", message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": "/datananas/contacts/bulk",
             "raw_path": b"/datananas/contacts/bulk", "root_path": "", "query_string": b"",
             "headers": [(b"host", b"sandbox.test"), (b"content-type", b"application/json"),
                         (b"content-length", str(len(body)).encode()),
                         (b"authorization", f"Bearer {token}".encode())],
             "server": ("sandbox.test", 80), "client": ("127.0.0.1", 50001), "state": {}}
    first = len(log.items)
    await asyncio.wait_for(app(scope, receive, send), WAIT)
    body_msgs = [m for c, m in log.items[first:]
                 if c == "http" and m["type"] == "http.response.body"]
    result: dict[str, Any] = orjson.loads(b"".join(m.get("body", b"") for m in body_msgs))
    return result


async def test_response_is_sent_after_starting_and_before_running_and_ending(
        tmp_path: Path) -> None:
    async with app_with_socket(tmp_path) as (app, log, token):
        await post_bulk(app, log, token, [{"email": "a@x.com"}])
        contacts = [{"email": f"c{i}@x.com"} for i in range(20)] + [{"email": "A@x.com"}]
        response = await post_bulk(app, log, token, contacts)
        await log.wait_for(lambda items: sum(_ended([i]) for i in items) == 2)
        events = [e for e in log.events() if e[2]["uuid"] == response["uuid"]]
        names = [name for _, name, _ in events]
        assert names == (["contact_bulk_create_starting"]
                         + ["contact_bulk_create_running"] * 21 + ["contact_bulk_create_ending"])
        start_pos = events[0][0]
        head = max(i for i, (c, m) in enumerate(log.items)
                   if c == "http" and m["type"] == "http.response.start")
        tail = max(i for i, (c, m) in enumerate(log.items)
                   if c == "http" and m["type"] == "http.response.body")
        assert log.items[tail][1].get("more_body", False) is False
        assert start_pos < head < tail < events[1][0]
        assert [d["i"] for _, n, d in events if n.endswith("running")] == list(range(1, 22))
        assert {d["total"] for _, n, d in events if n.endswith("running")} == {21}
        assert events[0][2] == {"listId": None, "uuid": response["uuid"]}
        assert events[-1][2] == {"uuid": response["uuid"], "created": 20, "updated": 1}


async def test_fault_ending_before_response(tmp_path: Path) -> None:
    async with app_with_socket(tmp_path, ("datananas_ws_ending_before_response",)) as (
            app, log, token):
        await post_bulk(app, log, token, [{"email": "a@x.com"}, {"email": "b@x.com"}])
        ending = next(pos for pos, name, _ in log.events() if name.endswith("_ending"))
        assert ending < log.position("http", "http.response.start")


async def test_fault_starting_after_response(tmp_path: Path) -> None:
    async with app_with_socket(tmp_path, ("datananas_ws_starting_after_response",)) as (
            app, log, token):
        await post_bulk(app, log, token, [{"email": "a@x.com"}])
        await log.wait_for(_ended)
        starting = next(pos for pos, name, _ in log.events() if name.endswith("_starting"))
        assert starting > log.position("http", "http.response.body")


async def test_no_socket_no_frames_and_the_response_is_the_same(tmp_path: Path) -> None:
    app = create_app(SandboxSettings(data_dir=tmp_path / "data", seed=3))
    token = next(k.key for k in sandbox_of(app).keys.of("datananas") if k.role == "full")
    log = Log()
    async with app.router.lifespan_context(app):
        response = await post_bulk(app, log, token, [{"email": "a@x.com"}])
    assert set(response) == {"uuid", "listId"}
    assert [c for c, _ in log.items] == ["http", "http"]


# --------------------------------------------------------------------------- the channel


class FakeClient:
    """The server side of one WebSocket as the ASGI app sees it; ``stuck`` never sends."""

    def __init__(self, stuck: bool = False) -> None:
        self.stuck = stuck
        self.frames: list[str] = []
        self.closed: Message | None = None
        self.incoming: asyncio.Queue[Message] = asyncio.Queue()
        self.incoming.put_nowait({"type": "websocket.connect"})
        scope = {"type": "websocket", "path": "/ws", "headers": [], "query_string": b""}
        self.websocket = WebSocket(scope, self._receive, self._send)

    async def _receive(self) -> Message:
        return await self.incoming.get()

    async def _send(self, message: Message) -> None:
        if message["type"] == "websocket.send":
            if self.stuck:
                await asyncio.Event().wait()  # a client that never reads
            self.frames.append(message["text"])
        elif message["type"] == "websocket.close":
            self.closed = message
            self.incoming.put_nowait({"type": "websocket.disconnect", "code": message["code"]})

    def leave(self) -> None:
        self.incoming.put_nowait({"type": "websocket.disconnect", "code": 1000})


async def _wait(predicate: Any) -> None:
    async def loop() -> None:
        while not predicate():
            await asyncio.sleep(0.001)
    await asyncio.wait_for(loop(), WAIT)


async def test_fan_out_keeps_order_and_audiences() -> None:
    channel = ProgressChannel()
    a1, a2, b = FakeClient(), FakeClient(), FakeClient()
    subs = [channel.subscribe(aud, c.websocket) for aud, c in (("a", a1), ("a", a2), ("b", b))]
    for client in (a1, a2, b):
        await client.websocket.accept()
    tasks = [asyncio.create_task(s.serve()) for s in subs]
    frames = [f"frame {i}" for i in range(500)]
    await channel.deliver(channel.subscribers("a"), frames[:1])
    assert a1.frames == a2.frames == frames[:1]  # written, not merely queued
    channel.publish(channel.subscribers("a"), frames[1:])
    await _wait(lambda: len(a1.frames) == len(a2.frames) == 500)
    assert a1.frames == a2.frames == frames and b.frames == []
    for client in (a1, a2, b):
        client.leave()
    await asyncio.wait_for(asyncio.gather(*tasks), WAIT)
    for sub in subs:
        channel.unsubscribe(sub)
    assert channel.count() == 0


async def test_a_client_that_does_not_read_is_dropped_on_overflow() -> None:
    channel = ProgressChannel(max_queued=100)
    slow, fast = FakeClient(stuck=True), FakeClient()
    subs = [channel.subscribe("a", c.websocket) for c in (slow, fast)]
    for client in (slow, fast):
        await client.websocket.accept()
    tasks = [asyncio.create_task(s.serve()) for s in subs]
    for n in range(3):  # 3 x 60 frames: the slow client's queue overflows, nothing waits
        channel.publish(channel.subscribers("a"), [f"{n}:{i}" for i in range(60)])
        await _wait(lambda n=n: len(fast.frames) == 60 * (n + 1))
    await asyncio.wait_for(tasks[0], WAIT)
    assert slow.closed is not None and slow.closed["code"] == CLOSE_TOO_SLOW
    assert channel.dropped == 1 and channel.subscribers("a") == (subs[1],)
    fast.leave()
    await asyncio.wait_for(tasks[1], WAIT)


async def test_deliver_drops_a_client_that_does_not_take_the_frame_in_time() -> None:
    channel = ProgressChannel(flush_timeout=0.05)
    slow, fast = FakeClient(stuck=True), FakeClient()
    subs = [channel.subscribe("a", c.websocket) for c in (slow, fast)]
    for client in (slow, fast):
        await client.websocket.accept()
    tasks = [asyncio.create_task(s.serve()) for s in subs]
    await channel.deliver(channel.subscribers("a"), ["starting"])
    assert fast.frames == ["starting"]
    await asyncio.wait_for(tasks[0], WAIT)
    assert slow.closed is not None and slow.closed["code"] == CLOSE_TOO_SLOW
    fast.leave()
    await asyncio.wait_for(tasks[1], WAIT)
