"""``failures.har``: every failing exchange of a contract run, as HAR 1.2.

HAR (HTTP Archive, http://www.softwareishard.com/blog/har-12-spec/) is what a browser's
network panel exports and imports, and what HAR viewers and replay tools read. One entry
per exchange a failed check (or an assumption mismatch) cites: the request whole (method,
URL, headers, query string, body as ``postData``), the response whole (status, headers,
body as ``content``), and the timings. What HAR cannot say otherwise goes in ``comment``
(the check, endpoint, case and title) and ``_bulkbench`` (the same as data); a request that
got no answer has ``response.status`` 0 and ``_error`` (as browsers write it).

Keys are redacted as everywhere else (``wbk_…1234``: every string passes through
``scrub``); the repro command (``contract.repro``) takes them from environment variables.
Only the exchange's duration is measured (``Received.elapsed_seconds``), so the whole of it
is reported as ``wait`` and ``startedDateTime`` is when the check's call ended minus its
duration at the latest: close enough to order entries, not a measurement.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import orjson

from bulkbench.contract.exchange import Exchange
from bulkbench.contract.redaction import scrub, scrub_data

__all__ = ["FAILURES_HAR", "HAR_VERSION", "MAX_CONTENT_BYTES", "har_document", "har_entry",
           "write_har"]

FAILURES_HAR = "failures.har"
HAR_VERSION = "1.2"
#: a response body longer than this is cut in the HAR (the size says how long it was).
MAX_CONTENT_BYTES = 4 * 1024 * 1024
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding"})


def _version() -> str:
    try:
        return metadata.version("bulkbench")
    except metadata.PackageNotFoundError:
        return "unknown"


def _iso(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).isoformat(timespec="milliseconds")


def _headers(pairs: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"name": scrub(str(k)), "value": scrub(str(v))} for k, v in pairs
            if k.lower() not in _HOP_BY_HOP]


def _header(pairs: Sequence[tuple[str, str]], name: str) -> str | None:
    wanted = name.lower()
    return next((v for k, v in pairs if k.lower() == wanted), None)


def _text(body: bytes, limit: int | None = None) -> str:
    data = body if limit is None else body[:limit]
    return scrub(data.decode("utf-8", errors="replace"))


def _request(exchange: Exchange) -> dict[str, Any]:
    sent = exchange.request
    url = scrub(sent.url)
    out: dict[str, Any] = {
        "method": sent.method, "url": url, "httpVersion": "HTTP/1.1", "cookies": [],
        "headers": _headers(sent.headers),
        "queryString": [{"name": k, "value": v}
                        for k, v in parse_qsl(urlsplit(url).query, keep_blank_values=True)],
        "headersSize": -1, "bodySize": sent.body_length,
    }
    mime = _header(sent.headers, "content-type") or "application/octet-stream"
    if sent.body is not None:
        out["postData"] = {"mimeType": mime, "text": _text(sent.body)}
    elif sent.body_length:
        note = sent.body_note or "too large to keep"
        out["postData"] = {"mimeType": mime, "text": "",
                           "comment": scrub(f"{sent.body_length} bytes, not kept: {note}")}
    return out


def _response(exchange: Exchange) -> dict[str, Any]:
    received = exchange.response
    if received is None:
        return {"status": 0, "statusText": "", "httpVersion": "", "cookies": [],
                "headers": [], "content": {"size": 0, "mimeType": "x-unknown"},
                "redirectURL": "", "headersSize": -1, "bodySize": -1,
                "_error": scrub(exchange.error or "no response")}
    mime = received.header("content-type") or "x-unknown"
    content: dict[str, Any] = {"size": len(received.body), "mimeType": mime,
                               "text": _text(received.body, MAX_CONTENT_BYTES)}
    if len(received.body) > MAX_CONTENT_BYTES:
        content["comment"] = f"cut to the first {MAX_CONTENT_BYTES} of {len(received.body)} bytes"
    return {"status": received.status, "statusText": _reason(received.status),
            "httpVersion": "HTTP/1.1", "cookies": [], "headers": _headers(received.headers),
            "content": content, "redirectURL": received.header("location") or "",
            "headersSize": -1, "bodySize": len(received.body)}


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def har_entry(exchange: Exchange, *, ended_at: float, comment: str,
              about: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """One HAR entry for ``exchange``, which ended by ``ended_at`` (epoch seconds)."""
    elapsed_ms = (round(exchange.response.elapsed_seconds * 1000, 3)
                  if exchange.response is not None else 0.0)
    entry: dict[str, Any] = {
        "startedDateTime": _iso(ended_at - elapsed_ms / 1000),
        "time": elapsed_ms,
        "request": _request(exchange),
        "response": _response(exchange),
        "cache": {},
        "timings": {"blocked": -1, "dns": -1, "connect": -1, "ssl": -1, "send": 0,
                    "wait": elapsed_ms, "receive": 0},
        "comment": scrub(comment),
    }
    if about:
        entry["_bulkbench"] = scrub_data(dict(about))
    return entry


def har_document(entries: Sequence[Mapping[str, Any]], *,
                 comment: str = "") -> dict[str, Any]:
    """The HAR 1.2 document holding ``entries``."""
    log: dict[str, Any] = {"version": HAR_VERSION,
                           "creator": {"name": "bulkbench", "version": _version()},
                           "entries": [dict(e) for e in entries]}
    if comment:
        log["comment"] = scrub(comment)
    return {"log": log}


def write_har(path: Path, entries: Sequence[Mapping[str, Any]], *, comment: str = "") -> Path:
    """Write ``entries`` as a HAR 1.2 file at ``path`` (atomically)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(orjson.dumps(har_document(entries, comment=comment),
                                 option=orjson.OPT_INDENT_2))
    os.replace(tmp, path)
    return path
