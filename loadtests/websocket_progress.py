"""A gevent-friendly WebSocket listener for progress events (Datananas bulk create).

``websocket-client`` is a blocking client; under locust's gevent monkey-patching its
socket calls yield to other greenlets, so one reader greenlet per connection receives
every frame while the user's requests go on. Each frame is ``{"event", "data"}``; the
ending event (``*_ending``, the name comes from the spec's ``x-bulkbench-websocket``)
carries the transaction ``uuid`` the HTTP answer returned. An ending that arrives before
its HTTP answer is kept, so the order of the two channels does not matter.

How the token travels is the provider config's ``websocket_auth``
(``websocket_auth.py``: a query parameter, an ``Authorization: Bearer`` header or the
``Sec-WebSocket-Protocol``). Neither the token nor a URL holding it is ever logged:
errors name the exception type only. A connection that closes (a server refusing the
token closes it at once) wakes every transaction waiting on it: none waits in vain.
Runs inside locust (gevent).
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import gevent  # type: ignore[import-untyped]
import orjson
import websocket
from gevent.event import AsyncResult  # type: ignore[import-untyped]

from bulkbench.loadtests.websocket_auth import SocketTarget

__all__ = ["ProgressSocket", "ending_event_name"]

log = logging.getLogger("bulkbench.load")

#: endings kept for transactions nobody waits for yet (other users' or not yet answered).
_EARLY_MAX = 10_000


def ending_event_name(channel: Mapping[str, Any] | None) -> str:
    """The name of the ending event of an ``x-bulkbench-websocket`` channel."""
    for name in (channel or {}).get("events", {}) or {}:
        if str(name).endswith("_ending"):
            return str(name)
    return "_ending"


class ProgressSocket:
    """One WebSocket connection and the ending events it has received, by uuid."""

    def __init__(self, target: SocketTarget, ending: str, timeout: float) -> None:
        self._target = target
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
            target = self._target
            self._ws = websocket.create_connection(
                target.url, timeout=self.timeout, redirect_limit=0,
                header=list(target.headers) or None,
                subprotocols=list(target.subprotocols) or None)
        except Exception as exc:  # the library raises many kinds; say which, never the URL
            self._ws = None
            self.error = f"cannot open the WebSocket: {type(exc).__name__}"
            raise ConnectionError(self.error) from None
        self._ws.settimeout(None)
        self._reader = gevent.spawn(self._read)

    def _read(self) -> None:
        ws = self._ws
        while ws is not None and self._ws is ws:
            try:
                frame = ws.recv()
            except Exception as exc:  # closed or broken: nobody waits in vain
                self.error = f"WebSocket closed: {type(exc).__name__}"
                self._fail_waiters()
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

    def _fail_waiters(self) -> None:
        """The connection is gone: every transaction waited for gets no ending (None)."""
        waiters, self._waiters = self._waiters, {}
        for waiter in waiters.values():
            waiter.set(None)

    def wait_ending(self, uuid: str, timeout: float) -> tuple[Any, float, float] | None:
        """``(data, perf, wall)`` of the ending event of ``uuid``; None on timeout, or
        when the connection closes first (a server that refuses the token closes it)."""
        early = self._early.pop(uuid, None)
        if early is not None:
            return early
        if not self.connected:
            return None
        waiter = AsyncResult()
        self._waiters[uuid] = waiter
        try:
            result: tuple[Any, float, float] | None = waiter.get(timeout=timeout)
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
        self._fail_waiters()
