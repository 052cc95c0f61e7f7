"""Progress events over WebSocket: which connections get which frames, and in what order.

A :class:`ProgressChannel` knows the open WebSocket connections by *audience* (for
Datananas: the account, i.e. the workspace of the access token). Each connection is a
:class:`Subscriber` with its own FIFO of text frames and one writer task, so that:

- the frames of one connection go out in the order they were offered;
- one slow client never slows the HTTP path or the other clients: offering frames only
  appends to that client's queue. The queue is bounded (``max_queued`` frames); a client
  whose queue would overflow is **dropped**: its connection is closed with code
  :data:`CLOSE_TOO_SLOW` (1013, "try again later") and a reason saying why (a client that
  does not read at all cannot take the close frame either: the close is given
  :data:`CLOSE_TIMEOUT` seconds, then the connection is left to the server);
- :meth:`ProgressChannel.deliver` waits until the frames have been handed to each
  connection's transport (written, not merely queued), bounded by ``flush_timeout``: a
  connection that has not taken them by then is dropped the same way. That is how an
  event can be guaranteed to precede the HTTP response on every connection that stays
  open. :meth:`ProgressChannel.publish` queues without waiting.

Frames are ``str`` (JSON text frames); one list of frames is shared by every recipient,
so fan-out costs a pointer per frame and connection. The writer yields to the event loop
every :data:`YIELD_EVERY` frames, so ten thousand frames never hold up other requests.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Iterable, Sequence
from contextlib import suppress

from starlette.websockets import WebSocket

__all__ = [
    "CLOSE_GOING_AWAY",
    "CLOSE_TIMEOUT",
    "CLOSE_TOO_SLOW",
    "DEFAULT_FLUSH_TIMEOUT",
    "DEFAULT_MAX_QUEUED",
    "YIELD_EVERY",
    "ProgressChannel",
    "Subscriber",
]

log = logging.getLogger("sandbox")

#: close code for a client that cannot keep up (RFC 6455 registry: "Try Again Later").
CLOSE_TOO_SLOW = 1013
#: close code when the server shuts down.
CLOSE_GOING_AWAY = 1001
#: frames one connection may have queued (five full 10,000-contact requests).
DEFAULT_MAX_QUEUED = 50_000
#: seconds :meth:`ProgressChannel.deliver` waits for a connection to take its frames.
DEFAULT_FLUSH_TIMEOUT = 2.0
#: the writer yields to the event loop after this many frames.
YIELD_EVERY = 64
#: seconds a dropped connection gets for its close frame (a client that does not read
#: cannot take it; the connection is then left to the server to tear down).
CLOSE_TIMEOUT = 1.0


class Subscriber:
    """One open WebSocket connection of an audience, with its queue and writer."""

    def __init__(self, websocket: WebSocket, audience: str, max_queued: int) -> None:
        self.websocket = websocket
        self.audience = audience
        self.max_queued = max_queued
        #: frames (``str``) and flush markers (futures resolved once reached), in order.
        self._pending: deque[str | asyncio.Future[None]] = deque()
        self._queued = 0
        self._wake = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self.closed = False
        self.close_code: int | None = None
        self.close_reason = ""
        self.sent = 0

    @property
    def queued(self) -> int:
        """Frames offered but not yet written."""
        return self._queued

    def offer(self, frames: Sequence[str], marker: asyncio.Future[None] | None = None) -> bool:
        """Queue ``frames`` (then ``marker``); False, and nothing queued, when it would overflow."""
        if self.closed:
            if marker is not None and not marker.done():
                marker.set_result(None)
            return True
        if self._queued + len(frames) > self.max_queued:
            return False
        self._pending.extend(frames)
        self._queued += len(frames)
        if marker is not None:
            self._pending.append(marker)
        self._wake.set()
        return True

    def drop(self, code: int, reason: str) -> None:
        """Stop sending and close the connection with ``code`` (once; later calls are no-ops)."""
        if self.closed:
            return
        self.closed = True
        self.close_code = code
        self.close_reason = reason
        if self._writer is not None:
            self._writer.cancel()
        self._release()

    def _release(self) -> None:
        """Forget queued frames and resolve the flush markers (their waiters move on)."""
        for item in self._pending:
            if not isinstance(item, str) and not item.done():
                item.set_result(None)
        self._pending.clear()
        self._queued = 0

    async def serve(self) -> None:
        """Write queued frames and read (and ignore) client messages until either side ends.

        Call after the handshake was accepted; returns when the client disconnects or the
        subscriber is dropped (then the connection is closed with the drop's code).
        """
        self._writer = asyncio.create_task(self._write())
        reader = asyncio.create_task(self._read())
        try:
            await asyncio.wait({self._writer, reader}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            client_left = reader.done() and not reader.cancelled()
            self.closed = True
            for task in (self._writer, reader):
                task.cancel()
            await asyncio.gather(self._writer, reader, return_exceptions=True)
            self._release()
        if self.close_code is not None and not client_left:
            with suppress(Exception):  # the client may be gone, or not reading at all
                await asyncio.wait_for(self.websocket.close(self.close_code, self.close_reason),
                                       CLOSE_TIMEOUT)

    async def _read(self) -> None:
        while True:
            message = await self.websocket.receive()
            if message["type"] == "websocket.disconnect":
                return

    async def _write(self) -> None:
        pending = self._pending
        send = self.websocket.send
        since_yield = 0
        while True:
            if not pending:
                self._wake.clear()
                await self._wake.wait()
                continue
            item = pending.popleft()
            if isinstance(item, str):
                self._queued -= 1
                await send({"type": "websocket.send", "text": item})
                self.sent += 1
                since_yield += 1
                if since_yield >= YIELD_EVERY:
                    since_yield = 0
                    await asyncio.sleep(0)
            elif not item.done():
                item.set_result(None)


class ProgressChannel:
    """The open progress connections of every audience."""

    def __init__(self, *, max_queued: int = DEFAULT_MAX_QUEUED,
                 flush_timeout: float = DEFAULT_FLUSH_TIMEOUT) -> None:
        self.max_queued = max_queued
        self.flush_timeout = flush_timeout
        self._by_audience: dict[str, dict[Subscriber, None]] = {}
        self.dropped = 0

    def subscribe(self, audience: str, websocket: WebSocket) -> Subscriber:
        """Register a connection (before accepting it, so that no event can slip past)."""
        sub = Subscriber(websocket, audience, self.max_queued)
        self._by_audience.setdefault(audience, {})[sub] = None
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        subs = self._by_audience.get(sub.audience)
        if subs is not None:
            subs.pop(sub, None)
            if not subs:
                del self._by_audience[sub.audience]
        sub.closed = True
        sub._release()

    def subscribers(self, audience: str) -> tuple[Subscriber, ...]:
        """The open connections of ``audience`` now (a snapshot)."""
        return tuple(s for s in self._by_audience.get(audience, ()) if not s.closed)

    def everyone(self) -> tuple[Subscriber, ...]:
        """Every open connection, whatever its audience (only a fault asks for this)."""
        return tuple(s for subs in self._by_audience.values() for s in subs if not s.closed)

    def count(self) -> int:
        """Open connections (dropped ones no longer count)."""
        return sum(not s.closed for subs in self._by_audience.values() for s in subs)

    def _drop_slow(self, sub: Subscriber, reason: str) -> None:
        log.warning("progress socket of %s dropped: %s", sub.audience, reason)
        self.dropped += 1
        sub.drop(CLOSE_TOO_SLOW, reason)

    def _overflow(self, sub: Subscriber) -> None:
        self._drop_slow(sub, f"client too slow: more than {sub.max_queued} progress events"
                             " waiting")

    def publish(self, recipients: Iterable[Subscriber], frames: Sequence[str]) -> None:
        """Queue ``frames`` on each open recipient; never waits."""
        for sub in recipients:
            if not sub.offer(frames):
                self._overflow(sub)

    async def deliver(self, recipients: Iterable[Subscriber], frames: Sequence[str],
                      timeout: float | None = None) -> None:
        """Queue ``frames`` and wait until every recipient has written them (or was dropped)."""
        loop = asyncio.get_running_loop()
        waiting: list[tuple[Subscriber, asyncio.Future[None]]] = []
        for sub in recipients:
            marker: asyncio.Future[None] = loop.create_future()
            if sub.offer(frames, marker):
                waiting.append((sub, marker))
            else:
                self._overflow(sub)
        if not waiting:
            return
        limit = self.flush_timeout if timeout is None else timeout
        await asyncio.wait([m for _, m in waiting], timeout=limit)
        for sub, marker in waiting:
            if not marker.done():
                self._drop_slow(sub, f"client too slow: a progress event waited more than"
                                     f" {limit:g} s to be sent")

    async def close_all(self, code: int = CLOSE_GOING_AWAY,
                        reason: str = "server shutting down") -> None:
        """Drop every connection (at shutdown)."""
        for subs in list(self._by_audience.values()):
            for sub in list(subs):
                sub.drop(code, reason)
        await asyncio.sleep(0)
