"""A tiny loopback server that misbehaves in one chosen way, for the robustness tests.

It answers the harness' preflight (``GET /``, the one cheap request before any stage)
with a plain 404, so the misbehaviour meets the checks themselves: a target that breaks
down after it was found reachable. With ``preflight=False`` it misbehaves from the first
request on (the harness then reports the target unreachable in one line)."""

from __future__ import annotations

import socket
import struct
import threading
from types import TracebackType

__all__ = ["MODES", "BadProvider"]

MODES = ("hang", "html", "reset", "truncated", "storm")

_HTML = b"<html><body><h1>Bad Gateway</h1></body></html>"


class BadProvider:
    """Answers every connection according to ``mode`` until closed."""

    def __init__(self, mode: str, *, preflight: bool = True) -> None:
        if mode not in MODES:
            raise ValueError(mode)
        self.mode = mode
        self.preflight = preflight
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = int(self.sock.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self._open: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> BadProvider:
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stop.set()
        self.sock.close()
        for conn in self._open:
            conn.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _read_request(self, conn: socket.socket) -> bytes:
        conn.settimeout(2.0)
        data = b""
        try:
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return data
                data += chunk
        except OSError:
            return data
        return data

    def _answer(self, conn: socket.socket) -> None:
        request = self._read_request(conn)
        if self.preflight and request.startswith(b"GET / "):
            body = b'{"error": "not found"}'
            conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n"
                         b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)
            conn.close()
            return
        if self.mode == "reset":
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()
            return
        try:
            if self.mode == "hang":
                self._open.append(conn)  # never answered, closed at the end
                return
            if self.mode == "html":
                head = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                        b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(_HTML))
                conn.sendall(head + _HTML)
            elif self.mode == "storm":
                head = (b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/html\r\n"
                        b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(_HTML))
                conn.sendall(head + _HTML)
            elif self.mode == "truncated":
                body = b'{"status": "success", "errors": [{"msg": "cut off'
                head = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                        b"Content-Length: %d\r\nConnection: close\r\n\r\n" % (len(body) + 200))
                conn.sendall(head + body)
            conn.close()
        except OSError:
            conn.close()
