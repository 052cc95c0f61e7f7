"""One request of a scenario: send it with locust's client, read what the answer says.

:func:`send` goes through the user's ``FastHttpSession`` with ``catch_response`` so that
locust's own statistics see every request once (a 429 or a body that is not JSON is
marked failed there), and returns an :class:`Answer` with the times, the status, the
parsed JSON and the rate-limit headers. Nothing here fires extra locust events: business
figures go to the harness's :class:`~loadtests.contact_metrics.Recorder`.

Redirects are never followed (the user's client is built with ``max_redirects = 0``): a
redirect could send the load to a host nobody allowed, beyond the caps. A 3xx is an
error, its failure message naming the ``Location`` it pointed at.

Runs inside locust (gevent); imports no locust module itself.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import orjson

from bulkbench.core.catalog import DEFAULT_RATE_HEADERS, RateHeaders

__all__ = ["Answer", "header_number", "send"]


@dataclass
class Answer:
    status: int
    ok: bool
    body: Any
    sent_perf: float
    done_perf: float
    sent_wall: float
    done_wall: float
    limit: int | None = None
    remaining: int | None = None
    reset: float | None = None
    retry_after: float | None = None
    error: str = ""
    #: body bytes: the request's, and the answer's (0 without an answer).
    bytes_sent: int = 0
    bytes_received: int = 0


def _named(headers: Any, name: str) -> float | None:
    """:func:`header_number` of header ``name``; None when the spec names none ('')."""
    return header_number(headers, name) if name else None


def header_number(headers: Any, name: str) -> float | None:
    """A numeric header (``Retry-After`` in seconds; an HTTP date is not a number: None)."""
    if headers is None:
        return None
    try:
        raw = headers.get(name)
    except Exception:  # a header object that cannot answer: treat as absent
        return None
    if raw is None:
        return None
    try:
        return float(str(raw).strip())
    except ValueError:
        return None


def _int(value: float | None) -> int | None:
    return None if value is None else int(value)


def _without_secrets(url: str) -> str:
    """A Location as shown in a failure: no user-info, query or fragment."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc.rpartition("@")[2]
        return urlunsplit(parts._replace(netloc=netloc, query="", fragment=""))
    except ValueError:
        return "(an unparseable Location)"


def _failure(status: int, headers: Any, error: Any) -> str:
    """The failure message of an answer that is not a success."""
    if not status:
        return f"no answer: {type(error).__name__ if error else 'error'}"
    if 300 <= status < 400:
        location = None
        try:
            location = headers.get("Location") if headers is not None else None
        except Exception:  # a header object that cannot answer: no location
            location = None
        shown = _without_secrets(str(location)) if location else "(no Location header)"
        return f"HTTP {status} redirect to {shown} (redirects are never followed)"
    return f"HTTP {status}"


def send(client: Any, method: str, path: str, *, body: bytes | None, headers: dict[str, str],
         name: str, rate_headers: RateHeaders = DEFAULT_RATE_HEADERS) -> Answer:
    """Send one request and read its answer (never raises for HTTP or network errors);
    the rate limit is read from ``rate_headers`` (the spec's names)."""
    sent_wall = time.time()
    sent_perf = time.perf_counter()
    with client.request(method, path, data=body, headers=headers, name=name,
                        catch_response=True) as response:
        done_perf = time.perf_counter()
        done_wall = time.time()
        status = int(getattr(response, "status_code", 0) or 0)
        raw_headers = getattr(response, "headers", None)
        answer = Answer(
            status=status, ok=200 <= status < 300, body=None, sent_perf=sent_perf,
            done_perf=done_perf, sent_wall=sent_wall, done_wall=done_wall,
            limit=_int(_named(raw_headers, rate_headers.limit)),
            remaining=_int(_named(raw_headers, rate_headers.remaining)),
            reset=_named(raw_headers, rate_headers.reset),
            retry_after=header_number(raw_headers, "Retry-After"))
        content = response.content if status else b""
        answer.bytes_sent = len(body or b"")
        answer.bytes_received = len(content or b"")
        if answer.ok:
            try:
                answer.body = orjson.loads(content or b"null")
            except orjson.JSONDecodeError:
                answer.ok = False
                answer.error = "the 2xx answer is not JSON"
        if answer.ok:
            response.success()
        else:
            if not answer.error:
                answer.error = _failure(status, raw_headers, getattr(response, "error", None))
            response.failure(answer.error)
    return answer
