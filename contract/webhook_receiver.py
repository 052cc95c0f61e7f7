"""A loopback HTTP server that receives the provider's webhooks for the checks.

:class:`WebhookReceiver` listens on the address given to the suite (``--webhook-listen``;
``bulkbench contract`` points the sandbox's webhook URL at it), answers every POST with
204 and keeps the raw body and headers, so a check can verify the signature over the
exact bytes that were sent. It runs in a daemon thread and is stopped with the session.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

__all__ = ["ReceivedHook", "WebhookReceiver"]

_MAX_BODY = 16 * 1024 * 1024


@dataclass(frozen=True)
class ReceivedHook:
    path: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    received_at: float

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((v for k, v in self.headers if k.lower() == wanted), None)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(min(length, _MAX_BODY)) if length > 0 else b""
        self.server.owner.record(ReceivedHook(self.path, tuple(self.headers.items()), body,
                                              time.time()))
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # quiet
        return


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    owner: WebhookReceiver


class WebhookReceiver:
    """Receives webhooks on ``host:port`` until stopped."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self._hooks: list[ReceivedHook] = []
        self._cond = threading.Condition()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        server = _Server((self.host, self.port), _Handler)
        server.owner = self
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="webhook-receiver",
                                        kwargs={"poll_interval": 0.1}, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def record(self, hook: ReceivedHook) -> None:
        with self._cond:
            self._hooks.append(hook)
            self._cond.notify_all()

    @property
    def hooks(self) -> list[ReceivedHook]:
        with self._cond:
            return list(self._hooks)

    def wait_for(self, match: Callable[[ReceivedHook], bool], timeout: float
                 ) -> list[ReceivedHook]:
        """The received hooks ``match`` accepts, waiting up to ``timeout`` for a first one."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [h for h in self._hooks if match(h)]
                left = deadline - time.monotonic()
                if found or left <= 0:
                    return found
                self._cond.wait(left)
