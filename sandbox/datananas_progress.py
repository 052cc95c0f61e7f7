"""Datananas bulk-create progress: the events and the WebSocket that carries them.

The socket is ``ws://HOST:PORT/datananas/ws?access_token=<token>`` (the spec's
``x-bulkbench-websocket`` URL under the provider's prefix: :data:`WS_PATH`). Both are
assumptions (NOTES.md D6): the path is that of ``websocket_url`` (relative to the
provider's server URL), and ``websocket_auth`` says where the token is: the query
parameter ``websocket_token_param`` (``query``), an ``Authorization: Bearer`` header
(``header``), or an offered ``Sec-WebSocket-Protocol`` subprotocol (``subprotocol``: the
server echoes the one that is a valid token). An unknown or missing token: the handshake
is accepted and the socket closed at once with 1008 (policy violation). Every connection
of the account (any token of the workspace) gets each request's events as JSON text
frames ``{"event", "data"}``: ``contact_bulk_create_starting {listId, uuid}``, one
``contact_bulk_create_running {uuid, i, total}`` per contact with ``i`` = 1..total, then
``contact_bulk_create_ending {uuid, created, updated}``.

The order against the HTTP response is the handler's business (``providers/datananas.py``):
it delivers *starting* (``ProgressChannel.deliver``) before it returns the response, and
hands :func:`send_after_response` to a Starlette background task for the rest. The
connections themselves live in ``sandbox/progress_channel.py``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import orjson
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

from bulkbench.core.catalog import Provider, default_catalog
from bulkbench.sandbox.auth import ApiKey
from bulkbench.sandbox.progress_channel import ProgressChannel, Subscriber

if TYPE_CHECKING:
    from bulkbench.sandbox.runtime import Sandbox

__all__ = [
    "CLOSE_POLICY_VIOLATION",
    "ENDING",
    "RUNNING",
    "STARTING",
    "WS_PATH",
    "Progress",
    "close_sockets",
    "describe",
    "progress_channel_of",
    "progress_socket",
    "route",
    "send_after_response",
    "websocket_path",
]

log = logging.getLogger("sandbox")

PROVIDER = "datananas"
CLOSE_POLICY_VIOLATION = 1008

STARTING = "contact_bulk_create_starting"
RUNNING = "contact_bulk_create_running"
ENDING = "contact_bulk_create_ending"

_STATE_KEY = "datananas.progress"


def _relative_path(provider: Provider, url: str | None) -> str:
    """The path of a WebSocket URL relative to the provider's server URL."""
    path = urlsplit(str(url or "/ws")).path or "/ws"
    base = urlsplit(provider.server_url).path.rstrip("/")
    return path.removeprefix(base) if base and path.startswith(base + "/") else path


def _spec_websocket_path() -> str:
    provider = default_catalog().provider(PROVIDER)
    ws = provider.endpoint("bulk_create").websocket or {}
    return _relative_path(provider, ws.get("url"))


#: the spec's progress socket path under the provider's prefix (``/ws``).
WS_PATH = _spec_websocket_path()


def websocket_path(sandbox: Sandbox) -> str:
    """The socket's path under the provider's prefix as served (``websocket_url``)."""
    return _relative_path(sandbox.catalog.provider(PROVIDER),
                          sandbox.assumed(PROVIDER, "websocket_url"))


def progress_channel_of(sandbox: Sandbox) -> ProgressChannel:
    """The sandbox's Datananas progress channel (made on first use)."""
    channel = sandbox.state.get(_STATE_KEY)
    if not isinstance(channel, ProgressChannel):
        channel = sandbox.state[_STATE_KEY] = ProgressChannel()
    return channel


def _frame(event: str, data: Mapping[str, Any]) -> str:
    return orjson.dumps({"event": event, "data": data}).decode()


@dataclass(frozen=True)
class Progress:
    """The events of one transaction, built on demand (with the event faults applied)."""

    txn: str
    list_id: str | None
    total: int
    created: int
    updated: int
    zero_based: bool = False
    missing_one: bool = False
    out_of_order: bool = False
    swapped: bool = False

    def starting(self) -> str:
        return _frame(STARTING, {"listId": self.list_id, "uuid": self.txn})

    def running(self) -> list[str]:
        # The uuid is a canonical UUID (hex and dashes): safe to splice into JSON text.
        head = f'{{"event":"{RUNNING}","data":{{"uuid":"{self.txn}","i":'
        tail = f',"total":{self.total}}}}}'
        first = 0 if self.zero_based else 1
        frames = [f"{head}{i}{tail}" for i in range(first, first + self.total)]
        if self.out_of_order and len(frames) >= 2:
            frames[0], frames[1] = frames[1], frames[0]
        if self.missing_one and frames:
            frames.pop()
        return frames

    def ending(self) -> str:
        created, updated = ((self.updated, self.created) if self.swapped
                            else (self.created, self.updated))
        return _frame(ENDING, {"uuid": self.txn, "created": created, "updated": updated})


async def send_after_response(channel: ProgressChannel, recipients: tuple[Subscriber, ...],
                              progress: Progress, with_starting: bool) -> None:
    """The background part: runs once the HTTP response has been sent."""
    try:
        if with_starting:
            await channel.deliver(recipients, [progress.starting()])
        channel.publish(recipients, [*progress.running(), progress.ending()])
    except Exception:  # never let a progress problem surface as a server error
        log.exception("sending the progress of %s failed", progress.txn)


def _authenticate(sandbox: Sandbox, websocket: WebSocket
                  ) -> tuple[ApiKey | None, str | None, str]:
    """(the key, the subprotocol to echo, what was missing or wrong) as ``websocket_auth``
    says the token is carried."""
    style = sandbox.assumed(PROVIDER, "websocket_auth")
    if style == "header":
        kind, _, token = websocket.headers.get("authorization", "").partition(" ")
        token = token.strip() if kind.lower() == "bearer" else ""
        key = sandbox.keys.get(PROVIDER, token or None)
        return key, None, "Authorization: Bearer token"
    if style == "subprotocol":
        offered = websocket.scope.get("subprotocols") or []
        for token in offered:
            key = sandbox.keys.get(PROVIDER, token)
            if key is not None:
                return key, token, ""
        return None, None, "token subprotocol" if offered else "Sec-WebSocket-Protocol"
    param = str(sandbox.assumed(PROVIDER, "websocket_token_param"))
    token = websocket.query_params.get(param) or ""
    return sandbox.keys.get(PROVIDER, token or None), None, param


async def progress_socket(websocket: WebSocket) -> None:
    sandbox: Sandbox = websocket.app.state.sandbox
    key, subprotocol, carrier = _authenticate(sandbox, websocket)
    if key is None:
        await websocket.accept()
        await websocket.close(CLOSE_POLICY_VIOLATION, f"missing or invalid {carrier}")
        return
    channel = progress_channel_of(sandbox)
    sub = channel.subscribe(key.workspace, websocket)
    try:
        await websocket.accept(subprotocol=subprotocol)
        await sub.serve()
    finally:
        channel.unsubscribe(sub)


def route(sandbox: Sandbox) -> WebSocketRoute:
    """The socket's route, under the provider's prefix (at the served path)."""
    return WebSocketRoute(websocket_path(sandbox), progress_socket, name="datananas.progress")


async def close_sockets(sandbox: Sandbox) -> None:
    channel = sandbox.state.get(_STATE_KEY)
    if isinstance(channel, ProgressChannel):
        await channel.close_all()


def describe(sandbox: Sandbox, origin: str) -> dict[str, Any]:
    """The socket as ``sandbox.json`` describes it: its ``path`` on the server and, for a
    server at ``origin`` (``http://HOST:PORT``), its full ``url`` (``ws://HOST:PORT/…``);
    ``auth`` is the ``websocket_auth`` served (``token_param`` names the query parameter
    when it is ``query``)."""
    path = f"/{PROVIDER}{websocket_path(sandbox)}"
    scheme, sep, rest = origin.partition("://")
    url = f"{'wss' if scheme == 'https' else 'ws'}://{rest}{path}" if sep else path
    auth = str(sandbox.assumed(PROVIDER, "websocket_auth"))
    param = str(sandbox.assumed(PROVIDER, "websocket_token_param"))
    how = {"query": f"{param} query parameter", "header": "Authorization: Bearer header",
           "subprotocol": "Sec-WebSocket-Protocol subprotocol (echoed)"}
    return {"path": path, "url": url, "auth": auth,
            "token_param": param if auth == "query" else None,
            "auth_description": how.get(auth, auth),
            "framing": "JSON text frames {event, data}",
            "audience": "every connection of the token's workspace"}
