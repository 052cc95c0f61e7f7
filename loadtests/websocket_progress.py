"""A gevent-friendly WebSocket listener for progress events (Datananas bulk create).

``websocket-client`` is a blocking client; under locust's gevent monkey-patching its
socket calls yield to other greenlets, so one reader greenlet per connection receives
every frame while the user's requests go on. Each frame is ``{"event", "data"}``; the
ending event (``*_ending``, the name comes from the spec's ``x-bulkbench-websocket``)
carries the transaction ``uuid`` the HTTP answer returned. An ending that arrives before
its HTTP answer is kept, so the order of the two channels does not matter.

The URL carries the access token (``?access_token=``): it is never logged.
Runs inside locust (gevent).
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import gevent  # type: ignore[import-untyped]
import orjson
import websocket
from gevent.event import AsyncResult  # type: ignore[import-untyped]

__all__ = ["ProgressSocket", "ending_event_name", "websocket_url"]

log = logging.getLogger("bulkbench.load")

#: endings kept for transactions nobody waits for yet (other users' or not yet answered).
_EARLY_MAX = 10_000


def ending_event_name(channel: Mapping[str, Any] | None) -> str:
    """The name of the ending event of an ``x-bulkbench-websocket`` channel."""
    for name in (channel or {}).get("events", {}) or {}:
        if str(name).endswith("_ending"):
            return str(name)
    return "_ending"


def websocket_url(base_url: str, configured: str, token: str) -> str:
    """``configured`` (or ``ws[s]://<base>/ws``) with ``access_token=<token>`` added."""
    if configured:
        parts = urlsplit(configured)
    else:
        base = urlsplit(base_url)
        scheme = "wss" if base.scheme == "https" else "ws"
        parts = base._replace(scheme=scheme, path=base.path.rstrip("/") + "/ws", query="")
    query = "&".join(filter(None, [parts.query, urlencode({"access_token": token})]))
    return urlunsplit(parts._replace(query=query))


class ProgressSocket:
    """One WebSocket connection and the ending events it has received, by uuid."""

    def __init__(self, url: str, ending: str, timeout: float) -> None:
        self._url = url
        self.ending = ending
        self.timeout = timeout
        self._ws: Any = None
        self._reader: Any = None
        self._waiters: dict[str, Any] = {}
        self._early: OrderedDict[str, tuple[Any, float, float]] = OrderedDict()
        self.frames = 0
        self.error: str = ""

    @property
    def connected(self) -> bool:
        return self._ws is not None and self._reader is not None and not self._reader.dead

    def connect(self) -> None:
        self.close()  # a broken connection is replaced, not leaked
        try:
            # never follow a redirect (load safety: it could lead to a host not allowed)
            self._ws = websocket.create_connection(self._url, timeout=self.timeout,
                                                   redirect_limit=0)
        except Exception as exc:  # the library raises many kinds; say which, never the URL
            self._ws = None
            self.error = f"cannot open the WebSocket: {type(exc).__name__}"
            raise ConnectionError(self.error) from None
        self._ws.settimeout(None)
        self._reader = gevent.spawn(self._read)

    def _read(self) -> None:
        while self._ws is not None:
            try:
                frame = self._ws.recv()
            except Exception as exc:  # closed or broken: waiters time out
                self.error = f"WebSocket closed: {type(exc).__name__}"
                return
            done_perf, done_wall = time.perf_counter(), time.time()
            self.frames += 1
            try:
                message = orjson.loads(frame)
            except orjson.JSONDecodeError:
                continue
            if not isinstance(message, dict) or not str(message.get("event", "")).endswith(
                    self.ending):
                continue
            data = message.get("data") or {}
            uuid = str(data.get("uuid", "")) if isinstance(data, dict) else ""
            waiter = self._waiters.pop(uuid, None)
            if waiter is not None:
                waiter.set((data, done_perf, done_wall))
            else:
                self._early[uuid] = (data, done_perf, done_wall)
                while len(self._early) > _EARLY_MAX:
                    self._early.popitem(last=False)

    def wait_ending(self, uuid: str, timeout: float) -> tuple[Any, float, float] | None:
        """``(data, perf, wall)`` of the ending event of ``uuid``, or None on timeout."""
        early = self._early.pop(uuid, None)
        if early is not None:
            return early
        waiter = AsyncResult()
        self._waiters[uuid] = waiter
        try:
            result: tuple[Any, float, float] = waiter.get(timeout=timeout)
            return result
        except gevent.Timeout:
            self._waiters.pop(uuid, None)
            return None

    def close(self) -> None:
        ws, self._ws = self._ws, None
        if ws is not None:
            try:
                ws.close()
            except Exception:
                log.debug("closing the WebSocket failed", exc_info=True)
        if self._reader is not None:
            self._reader.kill(block=False)
