"""Connections that never finish a request: read deadlines and a cap on open connections.

uvicorn bounds only the idle time *between* requests (``timeout_keep_alive``, armed once
a response is complete): a connection that sends nothing, half its headers, or half its
body is otherwise held forever, and each holds its buffers and parser state (2,000 of
them kept ~80 MB). The sandbox serves uvicorn's own httptools protocol with three limits
added (:class:`ConnectionLimits`, from the sandbox settings):

- **header deadline**: from the connection's opening, or from the first byte of the next
  request on a kept-alive connection, to the request's last header line; past it the
  server answers ``408`` (when no earlier response is still being written) and closes. A
  request head larger than :data:`MAX_HEADER_BYTES` is closed at once (``431``).
- **body deadline**: from the last header line to the body's last byte (the whole body,
  not the gap between two reads: a client trickling a byte a second is closed too); past
  it the connection is closed (the app sees the client disconnect). It counts while the
  app has not read the body yet, so it must exceed the sandbox's ``--latency``.
- **connection cap**: a connection opened while ``max_connections`` are open (WebSockets
  included) is answered ``503`` and closed before anything is read.

Nothing here is a provider's behaviour: these are the sandbox's own safety limits, like
the fallback body cap, and a request that completes in time is never affected.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, ClassVar

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

__all__ = ["MAX_HEADER_BYTES", "ConnectionLimits", "guarded_http_protocol"]

#: the largest request head (request line and headers) read before the headers complete.
MAX_HEADER_BYTES = 64 * 1024

_HEADERS, _BODY, _IDLE = "headers", "body", "idle"


def _plain_response(status: int, reason: str) -> bytes:
    return (f"HTTP/1.1 {status} {reason}\r\ncontent-type: text/plain; charset=utf-8\r\n"
            f"content-length: {len(reason)}\r\nconnection: close\r\n\r\n{reason}").encode()


@dataclass(frozen=True)
class ConnectionLimits:
    """The guard's limits (seconds, and a number of open connections)."""

    header_timeout: float
    body_timeout: float
    max_connections: int


class _GuardedHttpTools(HttpToolsProtocol):
    """uvicorn's httptools protocol with the read deadlines and the connection cap."""

    limits: ClassVar[ConnectionLimits]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._phase = _HEADERS
        self._deadline: asyncio.TimerHandle | None = None
        self._head_bytes = 0

    # ------------------------------------------------------------------ transport events

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[arg-type]
        if len(self.connections) > self.limits.max_connections:
            self.logger.warning("Refused a connection: %d are open (max_connections)",
                                len(self.connections) - 1)
            self._close_with(503, "Service Unavailable")
            return
        self._start(_HEADERS, self.limits.header_timeout)

    def data_received(self, data: bytes) -> None:
        reading_head = self._phase == _HEADERS
        super().data_received(data)
        if self.transport.get_protocol() is not self:  # upgraded to a WebSocket
            self._stop()
            return
        if reading_head and self._phase == _HEADERS:
            self._head_bytes += len(data)
            if self._head_bytes > MAX_HEADER_BYTES and not self.transport.is_closing():
                self._close_with(431, "Request Header Fields Too Large")

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop()
        super().connection_lost(exc)

    # ------------------------------------------------------------------ parser callbacks

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._phase != _HEADERS:  # the next request on a kept-alive connection
            self._start(_HEADERS, self.limits.header_timeout)
        self._head_bytes = 0

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        self._start(_BODY, self.limits.body_timeout)

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._stop()

    # ------------------------------------------------------------------ deadlines

    def _start(self, phase: str, seconds: float) -> None:
        self._stop()
        self._phase = phase
        self._deadline = self.loop.call_later(seconds, self._expired, phase)

    def _stop(self) -> None:
        self._phase = _IDLE
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expired(self, phase: str) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        self.logger.info("Closed a connection: its request %s took too long", phase)
        if phase == _HEADERS:
            self._close_with(408, "Request Timeout")
        else:
            self.transport.close()

    def _close_with(self, status: int, reason: str) -> None:
        """Answer ``status`` (unless a response is being written) and close."""
        self._stop()
        if self.cycle is None or self.cycle.response_complete:
            self.transport.write(_plain_response(status, reason))
        self.transport.close()


def guarded_http_protocol(limits: ConnectionLimits) -> type[asyncio.Protocol]:
    """The protocol class to give ``uvicorn.Config(http=...)``."""
    return type("GuardedHttpToolsProtocol", (_GuardedHttpTools,), {"limits": limits})
