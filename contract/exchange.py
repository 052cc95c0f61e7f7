"""One request and what came back: the record every check reads and every failure cites.

The client (``contract/client.py``) fills an :class:`Exchange` for each request; a failure
takes its curl line (:func:`curl_line`, keys redacted) and short excerpts of both sides
from it. Bodies are kept whole up to :data:`KEEP_BODY_BYTES`; a larger request body is
described (length, and how to regenerate it) instead of kept.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from bulkbench.contract.failures import ProviderProblem
from bulkbench.contract.redaction import scrub

__all__ = [
    "EXCERPT_BYTES",
    "KEEP_BODY_BYTES",
    "Exchange",
    "Received",
    "SentRequest",
    "curl_line",
]

#: request bodies up to this size are kept (and inlined in curl lines).
KEEP_BODY_BYTES = 16 * 1024
#: how much of a body a failure report shows.
EXCERPT_BYTES = 2048
#: response headers a failure report shows (others are left out to keep it short).
_SHOWN_HEADERS = ("content-type", "content-length", "x-request-id", "x-ratelimit-limit",
                  "x-ratelimit-remaining", "x-ratelimit-reset", "retry-after")


def _text(data: bytes, limit: int = EXCERPT_BYTES) -> str:
    text = data[:limit].decode("utf-8", errors="replace")
    if len(data) > limit:
        text += f"… ({len(data)} bytes in all)"
    return text


@dataclass(frozen=True)
class SentRequest:
    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: bytes | None
    body_length: int
    #: for a body too large to keep: how to get it again (e.g. a ``bulkbench generate`` line).
    body_note: str | None = None

    def excerpt(self) -> dict[str, Any]:
        out: dict[str, Any] = {"method": self.method, "url": scrub(self.url),
                               "body_bytes": self.body_length}
        if self.body is not None:
            out["body"] = scrub(_text(self.body))
        elif self.body_note:
            out["body"] = f"(not kept) {self.body_note}"
        return out


@dataclass(frozen=True)
class Received:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    elapsed_seconds: float

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return None

    def header_values(self, name: str) -> list[str]:
        wanted = name.lower()
        return [value for key, value in self.headers if key.lower() == wanted]

    def excerpt(self) -> dict[str, Any]:
        shown = {k.lower(): scrub(v) for k, v in self.headers if k.lower() in _SHOWN_HEADERS}
        return {"status": self.status, "headers": shown, "body": scrub(_text(self.body)),
                "elapsed_ms": round(self.elapsed_seconds * 1000, 1)}


@dataclass
class Exchange:
    """A request and its response (None when the transport failed: see ``error``)."""

    request: SentRequest
    response: Received | None = None
    error: str | None = None
    #: anything else the sender learnt (e.g. WebSocket events around the request).
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> int | None:
        return self.response.status if self.response is not None else None

    def header(self, name: str) -> str | None:
        return self.response.header(name) if self.response is not None else None

    def json(self) -> Any:
        """The response body as JSON; a :class:`ProviderProblem` when it is not JSON."""
        if self.response is None:
            raise ProviderProblem("no response", self.error or "the request failed", self)
        body = self.response.body
        ctype = (self.response.header("content-type") or "").split(";")[0].strip().lower()
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            what = ("an empty body" if not body else
                    "HTML" if body.lstrip()[:1] == b"<" else
                    "truncated JSON" if body.lstrip()[:1] in (b"{", b"[") else "not JSON")
            raise ProviderProblem(
                "response body is not JSON",
                f"{self.request.method} {scrub(self.request.url)} answered "
                f"{self.response.status} with {what} (Content-Type {ctype or 'none'}): {exc}",
                self) from None

    def json_object(self) -> dict[str, Any]:
        """The response body as a JSON object (a :class:`ProviderProblem` otherwise)."""
        data = self.json()
        if not isinstance(data, dict):
            shown = scrub(_text(orjson.dumps(data), 200))
            raise ProviderProblem("response body is not a JSON object",
                                  f"got {type(data).__name__}: {shown}", self)
        return data

    def excerpts(self) -> tuple[dict[str, Any], dict[str, Any] | None]:
        response = self.response.excerpt() if self.response is not None else (
            {"error": scrub(self.error)} if self.error else None)
        return self.request.excerpt(), response


def _quote(text: str) -> str:
    return shlex.quote(text)


def curl_line(request: SentRequest, extra: Iterable[str] = ()) -> str:
    """A shell line with curl that sends ``request`` again (keys redacted)."""
    parts = ["curl", "-sS", "-X", request.method, _quote(request.url)]
    for name, value in request.headers:
        if name.lower() in ("content-length", "host", "accept-encoding", "connection",
                            "user-agent", "accept"):
            continue
        parts += ["-H", _quote(f"{name}: {value}")]
    if request.body is not None:
        parts += ["--data-binary", _quote(request.body.decode("utf-8", errors="replace"))]
    elif request.body_length:
        parts += ["--data-binary", "@body.json"]
    parts += list(extra)
    line = " ".join(parts)
    if request.body is None and request.body_length:
        line += f"  # body.json: {request.body_length} bytes"
        if request.body_note:
            line += f"; {request.body_note}"
    return scrub(line)


def headers_of(mapping: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple((str(k), str(v)) for k, v in mapping.items())
