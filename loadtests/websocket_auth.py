"""How the progress WebSocket is opened: its URL and where the token goes.

The Datananas page does not say how its WebSocket takes the token, so the provider
config settles it (``websocket_auth``, ``websocket_token_param``, ``websocket_url`` in
``contract/assumptions.py``; ``bulkbench load`` passes them as ``--bb-ws-*``):

``query``        the URL gets ``?<websocket_token_param>=<token>`` (``access_token``);
``header``       the upgrade request carries ``Authorization: Bearer <token>``;
``subprotocol``  the token is offered as the ``Sec-WebSocket-Protocol`` (the server
                 echoes it).

A :class:`SocketTarget` holds the token: its ``repr`` shows nothing, and nothing logs
it or its URL. No locust, no gevent here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit, urlunsplit

__all__ = ["WEBSOCKET_AUTHS", "SocketTarget", "websocket_target", "websocket_url"]

#: the values of ``websocket_auth``.
WEBSOCKET_AUTHS = ("query", "header", "subprotocol")


def websocket_url(base_url: str, configured: str) -> str:
    """``configured``, else ``ws[s]://<base>/ws`` (no token in it)."""
    if configured:
        return configured
    base = urlsplit(base_url)
    scheme = "wss" if base.scheme == "https" else "ws"
    return urlunsplit(base._replace(scheme=scheme, path=base.path.rstrip("/") + "/ws",
                                    query="", fragment=""))


@dataclass(frozen=True)
class SocketTarget:
    """What opens the WebSocket: the URL, extra handshake headers, subprotocols offered.
    It holds the token: never log it (``repr`` hides everything)."""

    url: str = field(repr=False)
    headers: tuple[str, ...] = field(default=(), repr=False)
    subprotocols: tuple[str, ...] = field(default=(), repr=False)


def websocket_target(url: str, token: str, auth: str = "query",
                     token_param: str = "access_token") -> SocketTarget:
    """How to open ``url`` with ``token`` carried as ``auth`` says (``WEBSOCKET_AUTHS``)."""
    if auth == "query":
        parts = urlsplit(url)
        query = "&".join(filter(None, [parts.query,
                                       urlencode({token_param or "access_token": token})]))
        return SocketTarget(urlunsplit(parts._replace(query=query)))
    if auth == "header":
        return SocketTarget(url, headers=(f"Authorization: Bearer {token}",))
    if auth == "subprotocol":
        return SocketTarget(url, subprotocols=(token,))
    raise ValueError(f"websocket_auth {auth!r}: one of {', '.join(WEBSOCKET_AUTHS)}")
