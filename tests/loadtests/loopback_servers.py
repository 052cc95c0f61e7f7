"""Tiny real HTTP servers on 127.0.0.1 for the load tests' misbehaving targets.

Each :class:`LoopbackServer` runs in a thread of the test process (no locust here) and
answers request ``n`` (1-based) with what its ``answer`` function says: a status, headers
and a body, or ``None`` to reset the connection without an answer (a target that stopped
answering). It counts every request it received, so a test can assert that a server got
nothing at all.
"""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

__all__ = ["Answer", "LoopbackServer", "loopback_server"]

#: (status, headers, body), or None: reset the connection, answer nothing.
Answer = tuple[int, dict[str, str], bytes] | None
JSON_OK: Answer = (200, {"Content-Type": "application/json"}, b"{}")


class LoopbackServer:
    def __init__(self, answer: Callable[[int], Answer]) -> None:
        self.answer = answer
        self.requests = 0
        self.paths: list[str] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                with server._lock:
                    server.requests += 1
                    server.paths.append(self.path)
                    n = server.requests
                answer = server.answer(n)
                if answer is None:  # RST: the client gets no answer at all
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                               struct.pack("ii", 1, 0))
                    self.close_connection = True
                    self.connection.close()
                    return
                status, headers, body = answer
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _any

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = int(self.httpd.server_address[1])
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@contextmanager
def loopback_server(answer: Callable[[int], Answer]) -> Iterator[LoopbackServer]:
    server = LoopbackServer(answer)
    server.thread.start()
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()
        server.thread.join(timeout=5)
