"""Run the sandbox on uvicorn and announce it in ``DATA_DIR/sandbox.json``.

``run(settings)`` binds the socket itself (port 0 → a free port, known before serving),
serves the app, and once uvicorn accepts connections writes ``sandbox.json`` atomically:
the pid, every provider's base URL, keys (with role, scopes, workspace) and seeded lists,
the admin key of ``/_sandbox``. Connections that never finish a request are closed
(``sandbox/connection_guard.py``). SIGINT/SIGTERM stop it gracefully: in-flight requests
finish, the plugins' shutdown hooks run, the database is checkpointed and closed, and the
process exits 0.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import uvicorn

from bulkbench.sandbox.app import create_app, sandbox_of
from bulkbench.sandbox.connection_guard import ConnectionLimits, guarded_http_protocol
from bulkbench.sandbox.errors import SandboxError
from bulkbench.sandbox.settings import SandboxSettings

__all__ = ["INFO_FILENAME", "bind_socket", "origin_of", "run", "uvicorn_config", "write_info"]

INFO_FILENAME = "sandbox.json"


def bind_socket(host: str, port: int) -> socket.socket:
    """A bound TCP socket for ``host:port`` (port 0: the system picks a free one)."""
    try:
        family, kind, proto, _, addr = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(addr)
    except OSError as exc:
        raise SandboxError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    sock.set_inheritable(True)
    return sock


def origin_of(sock: socket.socket) -> str:
    """``http://host:port`` of a bound socket (a wildcard address shown as loopback)."""
    host, port = sock.getsockname()[:2]
    if host in ("0.0.0.0", ""):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def write_info(data_dir: Path, info: dict[str, Any]) -> Path:
    """Write ``sandbox.json`` atomically (readers never see a half-written file)."""
    path = data_dir / INFO_FILENAME
    tmp = path.with_suffix(".json.tmp")
    tmp.write_bytes(orjson.dumps(info, option=orjson.OPT_INDENT_2))
    os.chmod(tmp, 0o600)  # it holds keys
    os.replace(tmp, path)
    return path


def uvicorn_config(app: Any, settings: SandboxSettings) -> uvicorn.Config:
    """How uvicorn serves the sandbox: its protocol with the connection guard's deadlines
    and cap (``sandbox/connection_guard.py``), no access log, no Server header."""
    limits = ConnectionLimits(header_timeout=settings.header_timeout_seconds,
                              body_timeout=settings.body_timeout_seconds,
                              max_connections=settings.max_connections)
    # no permessage-deflate: a 10,000-contact batch sends 10,000 progress frames, and
    # compressing each costs more CPU than the loopback bytes it saves
    return uvicorn.Config(app, log_level=settings.log_level, access_log=False,
                          lifespan="on", timeout_graceful_shutdown=5, server_header=False,
                          ws_per_message_deflate=False, http=guarded_http_protocol(limits))


def run(settings: SandboxSettings,
        on_ready: Callable[[Path, dict[str, Any]], None] | None = None) -> int:
    """Serve until SIGINT/SIGTERM; ``on_ready(path_of_sandbox_json, info)`` once listening."""
    logging.basicConfig(level=settings.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    sock = bind_socket(settings.host, settings.port)
    try:
        app = create_app(settings)
    except (OSError, sqlite3.Error) as exc:
        sock.close()
        raise SandboxError(f"cannot open the sandbox data: {exc}") from exc
    sandbox = sandbox_of(app)
    config = uvicorn_config(app, settings)
    server = uvicorn.Server(config)

    async def announce_when_started(serving: asyncio.Task[None]) -> None:
        while not server.started:
            if serving.done():
                return
            await asyncio.sleep(0.005)
        info = sandbox.describe(origin_of(sock))
        path = write_info(sandbox.data_dir, info)
        if on_ready is not None:
            on_ready(path, info)

    async def main() -> None:
        serving = asyncio.create_task(server.serve(sockets=[sock]))
        announcer = asyncio.create_task(announce_when_started(serving))
        await serving
        await announcer

    # uvicorn re-raises the signal that stopped it once it is done; a no-op handler makes
    # that re-raise harmless so that a requested stop exits 0.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda signum, frame: None)
    try:
        with asyncio.Runner(loop_factory=config.get_loop_factory()) as runner:
            runner.run(main())
    finally:
        sock.close()
        sandbox.close()
    return 0
