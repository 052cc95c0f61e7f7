"""Is the target there at all? One cheap request before any stage judges it.

A provider that cannot be reached (connection refused or reset, a name that does not
resolve, a TLS handshake that fails, no answer in time) is not a provider that failed its
contract: without this, every check would fail on its own and the run would blame the
provider dozens of times. :func:`preflight` connects and sends one unauthenticated GET of
the base URL; *any* HTTP answer (a 404, a 401 or a cut-off body included: the status line
is enough) means reachable. Otherwise it
raises :class:`TargetUnreachable`, one line naming the host and the error; the command
exits 1, nothing judged (the run is incomplete, not failed).
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterable, Sequence
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from bulkbench.core.errors import BulkbenchError

__all__ = ["PREFLIGHT_TIMEOUT", "TargetUnreachable", "preflight", "preflight_providers",
           "remote_targets"]

#: seconds the preflight waits to connect and for the answer.
PREFLIGHT_TIMEOUT = 10.0


class TargetUnreachable(BulkbenchError):
    """The target did not answer the preflight: nothing was tested (exit 1, incomplete)."""

    exit_code = 1

    def __init__(self, provider: str, host: str, error: str) -> None:
        #: the provider, its host and the error, in one line.
        self.summary = f"{provider} at {host} is unreachable: {error}"
        super().__init__(f"{self.summary} (nothing was tested: the run is incomplete)")
        self.provider = provider
        self.host = host
        self.error = error


def _host(base_url: str) -> str:
    parts = urlsplit(base_url)
    default = 443 if parts.scheme == "https" else 80
    return f"{parts.hostname or base_url}:{parts.port or default}"


def _causes(exc: BaseException) -> Iterable[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _describe(exc: httpx.HTTPError, timeout: float) -> str:
    """What went wrong, in a few words (the innermost OS or TLS error)."""
    if isinstance(exc, httpx.TimeoutException):
        return f"no answer within {timeout:g} s ({type(exc).__name__})"
    for cause in _causes(exc):
        if isinstance(cause, ssl.SSLError):
            return f"TLS handshake failed: {getattr(cause, 'reason', None) or cause}"
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, ConnectionResetError):
            return "connection reset"
        if isinstance(cause, socket.gaierror):
            return f"DNS lookup failed ({cause.strerror or cause})"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"the connection closed without an HTTP answer ({exc})"
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def preflight(provider: str, base_url: str, *, timeout: float = PREFLIGHT_TIMEOUT) -> None:
    """Raise :class:`TargetUnreachable` unless ``base_url`` gives an HTTP answer."""
    try:
        with (httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client,
              client.stream("GET", base_url.rstrip("/") + "/")):
            pass  # a status line and headers came back: reachable (the body is not read)
    except httpx.HTTPError as exc:
        raise TargetUnreachable(provider, _host(base_url), _describe(exc, timeout)) from None


def remote_targets(providers: Sequence[str], base_url: str | None,
                   config: Path | None) -> dict[str, str]:
    """``{provider: base URL}`` of the chosen providers that are not the sandbox (the
    given ``--base-url``, else the config's ``base_url``). An unknown provider or a URL
    that is not http(s) is left out: the command refuses those itself (exit 2)."""
    from bulkbench.core.catalog import default_catalog
    from bulkbench.core.config import load_config

    catalog = default_catalog()
    known = {p.name for p in catalog.providers}
    cfg = load_config(config, catalog)
    found: dict[str, str] = {}
    for name in providers:
        url = base_url or cfg.provider(name).base_url
        if name in known and url and url.startswith(("http://", "https://")):
            found[name] = url
    return found


def preflight_providers(providers: Sequence[str], base_url: str | None = None,
                        config: Path | None = None, *, timeout: float | None = None) -> None:
    """:func:`preflight` every remote target of ``providers`` (the sandbox needs none);
    ``timeout`` None: :data:`PREFLIGHT_TIMEOUT`."""
    for name, url in remote_targets(providers, base_url, config).items():
        preflight(name, url, timeout=timeout or PREFLIGHT_TIMEOUT)
