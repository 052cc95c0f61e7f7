"""The one HTTP client every check request goes through.

:class:`ContractClient` wraps ``httpx.Client`` for one target (a provider's base URL and
its keys). Each request has a timeout a user can set (per request, ``--timeout``) and an
overall deadline, so a provider that hangs or drips its answer cannot hold the suite;
transport errors (refused, reset, closed mid-answer, timed out) become a
:class:`~contract.failures.ProviderProblem`, which the running check reports as its own
failure. After :data:`UNREACHABLE_AFTER` consecutive transport failures the target is
taken for unreachable and later requests fail at once (:class:`TargetUnreachable`), so a
dead provider costs a few timeouts, not one per request. Every request is recorded as an
:class:`~contract.exchange.Exchange` (``client.last``) for the failure's curl line.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import httpx
import orjson

from bulkbench.contract.exchange import KEEP_BODY_BYTES, Exchange, Received, SentRequest
from bulkbench.contract.failures import ProviderProblem, TargetUnreachable
from bulkbench.contract.wire_names import WireNames
from bulkbench.core.catalog import AuthScheme

__all__ = ["MAX_RESPONSE_BYTES", "UNREACHABLE_AFTER", "ContractClient", "TargetHealth"]

#: consecutive transport failures after which a target is not tried any more.
UNREACHABLE_AFTER = 3
#: a response body larger than this is a failure (a provider streaming without end).
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
#: upload speed assumed when stretching the deadline of a large body (bytes per second).
_UPLOAD_BYTES_PER_SECOND = 1_000_000

_UNSET: Any = object()


class TargetHealth:
    """Consecutive transport failures of one target."""

    def __init__(self, limit: int = UNREACHABLE_AFTER) -> None:
        self.limit = limit
        self.failures: list[str] = []

    def ok(self) -> None:
        self.failures.clear()

    def failed(self, what: str) -> None:
        self.failures.append(what)

    @property
    def unreachable(self) -> str | None:
        if len(self.failures) < self.limit:
            return None
        return "; ".join(self.failures[-self.limit:])


def _transport_title(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "request timed out"
    if isinstance(exc, httpx.ConnectError):
        return "cannot connect"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "connection closed or broken HTTP"
    if isinstance(exc, httpx.ReadError | httpx.WriteError):
        return "connection reset"
    return "transport error"


class _Deadline(Exception):
    pass


class ContractClient:
    """Requests to one target with its auth scheme and keys (by role)."""

    def __init__(self, base_url: str, *, auth: AuthScheme | None,
                 keys: Mapping[str, str], timeout: float,
                 health: TargetHealth | None = None,
                 http: httpx.Client | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        self.keys = dict(keys)
        self.timeout = timeout
        self.health = health or TargetHealth()
        self._http = http or httpx.Client(follow_redirects=False, trust_env=False)
        self._own_http = http is None
        self.last: Exchange | None = None
        #: the provider's own names of fields and flags its page leaves unnamed.
        self.wire: WireNames | None = None

    def close(self) -> None:
        if self._own_http:
            self._http.close()

    def has_role(self, role: str) -> bool:
        return bool(self.keys.get(role))

    def auth_headers(self, role: str | None = "full", key: str | None = None) -> dict[str, str]:
        """The headers carrying the key of ``role`` (or the literal ``key``)."""
        if self.auth is None:
            return {}
        if key is None:
            if role is None:
                return {}
            key = self.keys.get(role)
            if not key:
                raise KeyError(f"no {role} key")
        return self.auth.headers(key)

    def ensure_reachable(self) -> None:
        """:class:`TargetUnreachable` now, before building a large request, when the target
        is taken for unreachable."""
        down = self.health.unreachable
        if down is not None:
            raise TargetUnreachable("target unreachable",
                                    f"not sent: the target is unreachable ({down})", self.last)

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else self.base_url + path

    def send(self, method: str, path: str, *, role: str | None = "full",
             key: str | None = None, json: Any = _UNSET, content: bytes | None = None,
             chunks: Iterable[bytes] | None = None, content_length: int | None = None,
             headers: Mapping[str, str] | None = None,
             params: Mapping[str, Any] | None = None, timeout: float | None = None,
             body_note: str | None = None) -> Exchange:
        """Send one request; the :class:`Exchange` (also kept as ``self.last``)."""
        if self.wire:
            if json is not _UNSET:
                json = self.wire.json(method, path, json)
            elif content is not None:
                content = self.wire.content(method, path, content)
            if params:
                params = self.wire.params(params)
        url = self.url(path)
        if params:
            query = {k: ("true" if v is True else "false" if v is False else str(v))
                     for k, v in params.items()}
            url = str(httpx.URL(url, params=query))
        sent_headers: dict[str, str] = {}
        body: bytes | None = None
        if json is not _UNSET:
            body = orjson.dumps(json)
        elif content is not None:
            body = content
        if body is not None or chunks is not None:
            sent_headers["Content-Type"] = "application/json"
        sent_headers.update(self.auth_headers(role, key))
        sent_headers.update(headers or {})
        length = len(body) if body is not None else (content_length or 0)
        if chunks is not None and content_length is not None:
            sent_headers["Content-Length"] = str(content_length)
        request = SentRequest(method, url, tuple(sent_headers.items()),
                              body if body is not None and len(body) <= KEEP_BODY_BYTES else None,
                              length, body_note if body is None or length > KEEP_BODY_BYTES
                              else None)
        exchange = Exchange(request)
        self.last = exchange
        down = self.health.unreachable
        if down is not None:
            exchange.error = f"not sent: the target is unreachable ({down})"
            raise TargetUnreachable("target unreachable", exchange.error, exchange)
        limit = timeout if timeout is not None else self.timeout
        deadline = time.monotonic() + limit + length / _UPLOAD_BYTES_PER_SECOND
        started = time.perf_counter()
        try:
            payload: bytes | Iterator[bytes] | None = body
            if chunks is not None:
                payload = iter(chunks)
            with self._http.stream(method, url, content=payload, headers=sent_headers,
                                   timeout=httpx.Timeout(limit)) as response:
                data = bytearray()
                for piece in response.iter_raw():
                    data += piece
                    if len(data) > MAX_RESPONSE_BYTES:
                        raise ProviderProblem("response too large",
                                              f"more than {MAX_RESPONSE_BYTES} bytes", exchange)
                    if time.monotonic() > deadline:
                        raise _Deadline
                if time.monotonic() > deadline:
                    raise _Deadline
                exchange.response = Received(response.status_code,
                                             tuple(response.headers.multi_items()), bytes(data),
                                             time.perf_counter() - started)
        except _Deadline:
            exchange.error = f"no complete answer within {limit:g} s (the answer kept trickling)"
            self.health.failed("request timed out")
            raise ProviderProblem("request timed out", exchange.error, exchange) from None
        except httpx.HTTPError as exc:
            title = _transport_title(exc)
            exchange.error = f"{title}: {type(exc).__name__}: {exc}" if str(exc) else (
                f"{title}: {type(exc).__name__}")
            self.health.failed(title)
            raise ProviderProblem(title, f"{method} {url}: {exchange.error}", exchange) from None
        self.health.ok()
        return exchange
