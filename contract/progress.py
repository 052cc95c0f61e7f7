"""A Datananas bulk request with its WebSocket progress, and what can be known of their order.

The documentation promises that the HTTP response comes "between the sending of _starting
and _ending". On loopback the three are microseconds apart, and a client on a loaded
machine may be scheduled too late to see them apart: when it reads, the frame *and* the
response may both be waiting. So the order is not inferred from the order of reads but
recorded with what was certain at the time:

- both connections are non-blocking sockets in one **edge-triggered** epoll, read once
  per readiness report, and every frame and the response's head and end get an arrival
  number (``seq``) in the order they were read;
- right after each read, the *other* socket is checked. A frame read while the HTTP
  socket was still empty (``http_quiet``) certainly arrived before any byte of the
  response; when the response's head (its end) was read while no *starting* (*ending*)
  frame had been read or was waiting on the socket (peeked, not consumed), that event
  certainly arrived after it (``starting_absent_at_head``, ``ending_absent_at_end``);
- when both sockets are reported in one batch, an edge-triggered ready list is in the
  order their first new bytes arrived: if the WebSocket had been drained before, its
  first new frame arrived before (after) the response's head when it is listed before
  (after) the HTTP socket (``head_batch``).

The progress checks decide only on such certain observations and repeat the request
when a run leaves the order open. (Level-triggered polling, as asyncio does it, re-queues
a socket just read ahead of one that became readable later; kernel receive timestamps
are coalesced by TCP: neither can be trusted for this.)

:func:`post_with_progress` opens the socket (``?access_token=``), completes its
handshake, sends the POST (HTTP/1.1 with ``h11``, WebSocket with the sans-I/O protocol of
``websockets``), and collects frames until the ending event of the response's ``uuid``
arrived or ``settle`` seconds passed after the response. Linux only (epoll); TLS
(``https``/``wss``) is supported.
"""

from __future__ import annotations

import contextlib
import select
import socket
import ssl
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

import h11
import orjson
from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Response as WsResponse
from websockets.typing import Subprotocol
from websockets.uri import parse_uri

from bulkbench.contract.exchange import KEEP_BODY_BYTES, Exchange, Received, SentRequest
from bulkbench.contract.failures import ProviderProblem
from bulkbench.contract.progress_events import HeadBatch, ProgressEvent, ProgressRun
from bulkbench.core import json_pointer

__all__ = ["HeadBatch", "ProgressEvent", "ProgressRun", "post_with_progress", "socket_auth",
           "transaction_id"]

_MAX_FRAME = 16 * 1024 * 1024
_READ = 256 * 1024
#: after the response: how long to wait for a first frame, and for the next one.
FIRST_FRAME_WAIT = 2.0
QUIET_GAP = 0.5


def _connect(url: str, timeout: float) -> socket.socket:
    parts = urlsplit(url)
    tls = parts.scheme in ("https", "wss")
    host = parts.hostname or "localhost"
    port = parts.port or (443 if tls else 80)
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except OSError as exc:
        raise ProviderProblem("cannot connect", f"{url}: {type(exc).__name__}: {exc}") from None
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if tls:
        sock = ssl.create_default_context().wrap_socket(sock, server_hostname=host)
    return sock


def _read(sock: socket.socket) -> tuple[bytes, bool, bool]:
    """One read (non-blocking): the bytes, whether the peer closed, whether more may wait.

    A plain socket is read once per readiness report: reading again could take bytes that
    arrived after the other socket became readable. A TLS socket is drained (its records
    arrive over a network, where microsecond order is not observable anyway).
    """
    tls = isinstance(sock, ssl.SSLSocket)
    chunks: list[bytes] = []
    while True:
        try:
            data = sock.recv(_READ)
        except (BlockingIOError, ssl.SSLWantReadError):
            return b"".join(chunks), False, False
        except (ConnectionError, ssl.SSLError, OSError):
            return b"".join(chunks), True, False
        if not data:
            return b"".join(chunks), True, False
        chunks.append(data)
        if not tls:
            return data, False, len(data) == _READ


def _waiting(sock: socket.socket) -> bool:
    """Whether bytes wait on ``sock`` now (or it was closed)."""
    if isinstance(sock, ssl.SSLSocket) and sock.pending():
        return True
    readable, _, _ = select.select([sock], [], [], 0)
    return bool(readable)


def _waiting_event(sock: socket.socket, name: bytes) -> bool:
    """Whether a frame naming ``name`` waits on ``sock`` (peeked, not consumed; on TLS,
    where the plaintext cannot be peeked: whether anything waits)."""
    if isinstance(sock, ssl.SSLSocket):
        return _waiting(sock)
    try:
        data = sock.recv(_MAX_FRAME, socket.MSG_PEEK | socket.MSG_DONTWAIT)
    except (BlockingIOError, InterruptedError):
        return False
    except OSError:
        return True
    return name in data


def _seen(run: ProgressRun, suffix: str) -> bool:
    return any(e.event is not None and e.event.endswith(suffix) for e in run.events)


class _Session:
    """The two connections and what arrived on them, numbered in arrival order."""

    def __init__(self, run: ProgressRun) -> None:
        self.run = run
        self.n = 0
        self.ws: ClientProtocol | None = None
        self.http = h11.Connection(our_role=h11.CLIENT)
        self.status = 0
        self.headers: list[tuple[str, str]] = []
        self.body = bytearray()
        self.done = False
        self.broken: str | None = None
        #: whether the HTTP socket was quiet right after the current WebSocket read.
        self.http_quiet = False
        self.last_frame_at = 0.0

    def tick(self) -> int:
        self.n += 1
        return self.n

    def ws_data(self, data: bytes, closed: bool) -> None:
        assert self.ws is not None
        if data:
            self.ws.receive_data(data)
        if closed:
            self.ws.receive_eof()
            self.run.socket_closed = self.run.socket_closed or "the connection was closed"
        for item in self.ws.events_received():
            if isinstance(item, Frame):
                self._frame(item)

    def _frame(self, frame: Frame) -> None:
        assert self.ws is not None
        if frame.opcode == Opcode.CLOSE:
            self.run.socket_closed = (f"closed by the server: {self.ws.close_code} "
                                      f"{self.ws.close_reason}")
            return
        if frame.opcode not in (Opcode.TEXT, Opcode.BINARY):
            return
        try:
            message = orjson.loads(frame.data)
        except orjson.JSONDecodeError:
            message = None
        event = message.get("event") if isinstance(message, dict) else None
        data = message.get("data") if isinstance(message, dict) else None
        self.last_frame_at = time.monotonic()
        self.run.events.append(ProgressEvent(
            self.tick(), event if isinstance(event, str) else None, data,
            bytes(frame.data[:500]).decode("utf-8", errors="replace"), self.http_quiet))

    def http_data(self, data: bytes, closed: bool) -> None:
        try:
            if data:
                self.http.receive_data(data)
            if closed:
                self.http.receive_data(b"")
            while not self.done:
                event = self.http.next_event()
                if event is h11.NEED_DATA or event is h11.PAUSED:
                    break
                if isinstance(event, h11.Response):
                    self.run.response_head_seq = self.tick()
                    self.status = event.status_code
                    self.headers = [(k.decode("latin-1"), v.decode("latin-1"))
                                    for k, v in event.headers]
                elif isinstance(event, h11.Data):
                    self.body += event.data
                elif isinstance(event, h11.EndOfMessage):
                    self.run.response_end_seq = self.tick()
                    self.done = True
                elif isinstance(event, h11.ConnectionClosed):
                    self.broken = "the connection closed before the response ended"
                    break
        except h11.RemoteProtocolError as exc:
            self.broken = f"broken HTTP response: {exc}"
        if closed and not self.done and self.broken is None:
            self.broken = "the connection closed before the response ended"


def _handshake(sock: socket.socket, protocol: ClientProtocol, timeout: float,
               headers: Mapping[str, str] | None = None) -> None:
    request = protocol.connect()
    for name, value in (headers or {}).items():
        request.headers[name] = value
    protocol.send_request(request)
    for chunk in protocol.data_to_send():
        sock.sendall(chunk)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            data = sock.recv(_READ)
        except TimeoutError:
            break
        if not data:
            raise ProviderProblem("WebSocket handshake failed",
                                  "the progress socket closed before opening")
        protocol.receive_data(data)
        for item in protocol.events_received():
            if isinstance(item, WsResponse):
                if item.status_code != 101 or protocol.handshake_exc is not None:
                    raise ProviderProblem("WebSocket handshake refused",
                                          f"the progress socket answered {item.status_code}")
                return
    raise ProviderProblem("request timed out", f"no WebSocket handshake within {timeout:g} s")


def _request_bytes(session: _Session, url: str, headers: Mapping[str, str],
                   body: bytes) -> bytes:
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    sent = [("Host", parts.netloc), ("Content-Length", str(len(body))),
            ("Connection", "close"), *headers.items()]
    head = session.http.send(h11.Request(method="POST", target=target, headers=sent)) or b""
    data = session.http.send(h11.Data(data=body)) or b""
    end = session.http.send(h11.EndOfMessage()) or b""
    return head + data + end


def _collect(session: _Session, ws: socket.socket, http: socket.socket, request: bytes,
             timeout: float, settle: float, uuid_of: Any) -> None:
    poller = select.epoll()
    socks = {ws.fileno(): ws, http.fileno(): http}
    more: set[int] = set()
    left: dict[int, bool] = {fd: False for fd in socks}  # bytes left after the last read
    run = session.run

    seen_before = (False, False)  # starting, ending read before the current batch

    def read(fd: int, batch: list[int] | None) -> None:
        sock = socks[fd]
        data, closed, again = _read(sock)
        (more.add if again else more.discard)(fd)
        if sock is ws:
            session.http_quiet = run.response_head_seq is None and not _waiting(http)
            session.ws_data(data, closed)
        else:
            had_head, had_end = run.response_head_seq is not None, session.done
            session.http_data(data, closed)
            if run.response_head_seq is not None and not had_head:
                run.starting_absent_at_head = (not _seen(run, "_starting")
                                               and not _waiting_event(ws, b"_starting"))
                if batch is not None and fd in batch:
                    ws_fd = ws.fileno()
                    first = ws_fd in batch and batch.index(ws_fd) < batch.index(fd)
                    run.head_batch = HeadBatch(first, drained[ws_fd], *seen_before)
            if session.done and not had_end:
                run.ending_absent_at_end = (not _seen(run, "_ending")
                                            and not _waiting_event(ws, b"_ending"))
        left[fd] = _waiting(sock)

    drained: dict[int, bool] = {}
    try:
        mask = select.EPOLLIN | select.EPOLLET | select.EPOLLRDHUP
        for fd in socks:
            poller.register(fd, mask)
        ws.setblocking(False)
        read(ws.fileno(), None)  # frames of earlier requests (polling reports arrivals only)
        # registered before the request goes out, so every answer is seen arriving
        http.settimeout(timeout + len(request) / 1_000_000)
        with contextlib.suppress(OSError):  # the server may answer (413) before the end
            http.sendall(request)
        http.setblocking(False)
        deadline = time.monotonic() + timeout
        settle_until: float | None = None
        done_at: float | None = None
        while True:
            now = time.monotonic()
            if session.done and done_at is None:
                done_at = now
            if done_at is not None:
                # until this request's ending, or silence: a first frame within
                # FIRST_FRAME_WAIT, then no gap longer than QUIET_GAP, at most ``settle``
                quiet = (session.last_frame_at + QUIET_GAP if session.last_frame_at > done_at
                         else done_at + FIRST_FRAME_WAIT)
                settle_until = min(done_at + settle, quiet)
            if session.done and session.ws is not None:
                uuid = uuid_of(session.body)
                if uuid is not None and any(e.event and e.event.endswith("_ending")
                                            for e in session.run.of(uuid)):
                    return
            if session.broken or (session.done and session.run.socket_closed):
                return
            limit = settle_until if settle_until is not None else deadline
            if now >= limit:
                if not session.done:
                    raise ProviderProblem("request timed out",
                                          f"no complete answer within {timeout:g} s")
                return
            ready = [fd for fd, _event in poller.poll(0 if more else limit - now)]
            batch = [*ready, *(fd for fd in sorted(more) if fd not in ready)]
            drained = {fd: not left[fd] for fd in socks}
            seen_before = (_seen(run, "_starting"), _seen(run, "_ending"))
            for fd in batch:
                read(fd, ready)
    finally:
        poller.close()


def transaction_id(body: Any, pointer: str = "/uuid") -> str | None:
    """The transaction id at JSON pointer ``pointer`` of a success body (the uuid its
    progress events carry; where is ``transaction_id_pointer``, NOTES D7)."""
    found = json_pointer.resolve(body, pointer, None)
    return found if isinstance(found, str) and found else None


def _uuid_of(pointer: str) -> Any:
    def read(body: bytes | bytearray) -> str | None:
        try:
            return transaction_id(orjson.loads(body), pointer)
        except orjson.JSONDecodeError:
            return None
    return read


def socket_auth(ws_url: str, token: str, ws_auth: str, ws_token_param: str
                ) -> tuple[str, dict[str, str], list[Subprotocol] | None]:
    """The socket URL, headers and subprotocols that carry ``token`` as ``ws_auth`` says
    (``websocket_auth``: ``query`` parameter ``ws_token_param``, ``header`` Bearer, or
    ``subprotocol``)."""
    if ws_auth == "header":
        return ws_url, {"Authorization": f"Bearer {token}"}, None
    if ws_auth == "subprotocol":
        return ws_url, {}, [Subprotocol(token)]
    joiner = "&" if "?" in ws_url else "?"
    return ws_url + joiner + urlencode({ws_token_param: token}), {}, None


def post_with_progress(ws_url: str, token: str, url: str, headers: Mapping[str, str],
                       body: bytes, *, timeout: float, settle: float,
                       body_note: str | None = None, ws_auth: str = "query",
                       ws_token_param: str = "access_token",
                       transaction_pointer: str = "/uuid") -> ProgressRun:
    """POST ``body`` to ``url`` while listening on the progress socket (see module doc).

    The socket takes the token as the config settles it (``websocket_auth``): a query
    parameter named ``ws_token_param``, an ``Authorization: Bearer`` header, or the
    ``Sec-WebSocket-Protocol`` subprotocol."""
    socket_url, ws_headers, subprotocols = socket_auth(ws_url, token, ws_auth, ws_token_param)
    sent = {"Content-Type": "application/json", **headers}
    request = SentRequest("POST", url, tuple(sent.items()),
                          body if len(body) <= KEEP_BODY_BYTES else None, len(body),
                          body_note if len(body) > KEEP_BODY_BYTES else None)
    run = ProgressRun(Exchange(request))
    session = _Session(run)
    started = time.perf_counter()
    ws: socket.socket | None = None
    http: socket.socket | None = None
    try:
        ws = _connect(socket_url, timeout)
        session.ws = ClientProtocol(parse_uri(socket_url), max_size=_MAX_FRAME,
                                    subprotocols=subprotocols)
        _handshake(ws, session.ws, timeout, ws_headers)
        http = _connect(url, timeout)
        _collect(session, ws, http, _request_bytes(session, url, sent, body), timeout, settle,
                 _uuid_of(transaction_pointer))
        if not session.done:
            raise ProviderProblem("connection closed or broken HTTP",
                                  session.broken or "no complete answer")
    except ProviderProblem as problem:
        run.exchange.error = problem.message
        problem.exchange = run.exchange
        raise
    finally:
        for sock in (http, ws):
            if sock is not None:
                sock.close()
    run.exchange.response = Received(session.status, tuple(session.headers),
                                     bytes(session.body), time.perf_counter() - started)
    run.exchange.notes["progress_events"] = len(run.events)
    return run
