"""The sandbox's settings: one frozen value built from the command line or by a test.

Everything the sandbox may be told at start-up lives here; nothing else reads options or
environment variables. Limits never live here: they come from the spec catalog.

Where the documentation is silent, the reading the sandbox serves is an *assumption*
(``contract/assumptions.py``): ``assumptions`` holds the values a variant or a file
settles (``sandbox/assumed.py`` reads them), and :meth:`SandboxSettings.assumed` is the one
way the sandbox's code reads a key for a provider (the spec's assumption when nothing
settles it, so a sandbox given nothing behaves as the default one). Where no key settles
an open point but the checks tolerate several behaviours, :meth:`takes_other_reading` says
whether the variant takes the other one (``bulkbench.sandbox.assumed.VARIANT_READINGS``).
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bulkbench.core.assumptions import settle, success_status
from bulkbench.sandbox.errors import SandboxError

if TYPE_CHECKING:
    from bulkbench.core.catalog import Endpoint, Provider
    from bulkbench.core.config import ProviderConfig

__all__ = ["WEBHOOK_SECRET_ENV", "SandboxSettings", "parse_options", "parse_rate_limit"]

#: the environment variable ``--webhook-secret`` defaults to (``start_sandbox`` passes the
#: secret to its child this way, so that it never shows in a process listing).
WEBHOOK_SECRET_ENV = "BULKBENCH_SANDBOX_WEBHOOK_SECRET"


def parse_rate_limit(text: str | None) -> tuple[int, float] | None:
    """``"N/SECONDS"`` (e.g. ``"120/60"``, ``"5/1.5"``) as ``(N, SECONDS)``; None stays None."""
    if text is None or text == "":
        return None
    count, sep, seconds = text.partition("/")
    try:
        n = int(count.strip())
        window = float(seconds.strip()) if sep else math.nan
    except ValueError:
        n, window = 0, math.nan
    if not sep or n < 1 or not math.isfinite(window) or window <= 0:
        raise SandboxError(f"--rate-limit {text!r}: expected N/SECONDS with N >= 1 and "
                           "SECONDS > 0, e.g. 120/60")
    return n, window


def parse_options(items: Iterable[str]) -> dict[str, str]:
    """``--option KEY=VALUE`` items (provider-specific settings) as a mapping."""
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key or not key.replace("_", "").isalnum():
            raise SandboxError(f"--option {item!r}: expected KEY=VALUE, e.g. total_quota=100")
        out[key] = value.strip()
    return out


@dataclass(frozen=True)
class SandboxSettings:
    """How one sandbox runs. ``data_dir`` None means a fresh temporary folder."""

    host: str = "127.0.0.1"
    port: int = 0
    data_dir: Path | None = None
    rate_limit: tuple[int, float] | None = None
    latency_ms: float = 0.0
    seed: int | None = None
    faults: frozenset[str] = frozenset()
    #: where the LeadLex import.completed webhook goes (None: no webhook is sent).
    webhook_url: str | None = None
    #: the HMAC secret of webhook signatures (None: one is generated and put in sandbox.json).
    webhook_secret: str | None = None
    #: POSTs of one delivery before it is given up (``failed``); 1 = no retry.
    webhook_max_attempts: int = 5
    webhook_timeout_seconds: float = 5.0
    #: the largest body any endpoint reads when its spec states no limit (a safety cap, not
    #: a documented limit).
    fallback_max_body_bytes: int = 64 * 1024 * 1024
    log_level: str = "warning"
    #: seconds a connection may take to send a request's headers (from its opening, or from
    #: the next request's first byte): then 408 and closed (``sandbox/connection_guard.py``).
    header_timeout_seconds: float = 10.0
    #: seconds from a request's headers to its body's last byte: then closed.
    body_timeout_seconds: float = 60.0
    #: open connections (WebSockets included); one more is answered 503 and closed.
    max_connections: int = 1000
    #: provider-specific options (``--option KEY=VALUE``), read by the provider modules.
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    #: per provider, the assumption values to serve (``[provider.assumptions]`` of a
    #: variant or ``--assumptions`` file, ``sandbox/assumed.py``); read with :meth:`assumed`.
    assumptions: Mapping[str, Mapping[str, Any]] = field(default_factory=dict, compare=False,
                                                         hash=False)
    #: the shipped variant the assumptions come from (``--variant NAME``), for sandbox.json.
    variant: str | None = None
    #: the files the assumptions were read from, in order (for sandbox.json).
    assumption_files: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.latency_ms < 0 or not math.isfinite(self.latency_ms):
            raise SandboxError(f"--latency {self.latency_ms}: expected milliseconds >= 0")
        if not 0 <= self.port <= 65535:
            raise SandboxError(f"--port {self.port}: expected 0..65535 (0 = a free port)")
        if self.webhook_max_attempts < 1:
            raise SandboxError(f"--webhook-max-attempts {self.webhook_max_attempts}: expected "
                               "at least 1")
        for name in ("header_timeout_seconds", "body_timeout_seconds"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                option = "--" + name.removesuffix("_seconds").replace("_", "-")
                raise SandboxError(f"{option} {value}: expected seconds > 0")
        if self.max_connections < 1:
            raise SandboxError(f"--max-connections {self.max_connections}: expected at "
                               "least 1")
        if self.webhook_secret is not None and not self.webhook_secret:
            raise SandboxError("--webhook-secret: expected a non-empty secret")
        from bulkbench.sandbox.assumed import check_values

        check_values(self.assumptions, "assumptions")

    @cached_property
    def _configs(self) -> dict[str, ProviderConfig]:
        from bulkbench.core.config import ProviderConfig

        return {name: ProviderConfig(name, assumptions=dict(table))
                for name, table in self.assumptions.items()}

    def assumed(self, provider: Provider, key: str) -> Any:
        """What the sandbox does for ``provider`` where the docs are silent on ``key``
        (``bulkbench.core.assumptions``): the configured value, else the spec's assumption."""
        return settle(self._configs.get(provider.name), provider, key)

    def success_status(self, endpoint: Endpoint) -> int:
        """The status of a successful request of ``endpoint``: the configured
        ``success_status`` for a batch endpoint, else the spec's (its first 2xx)."""
        return success_status(self._configs.get(endpoint.provider), endpoint)

    def takes_other_reading(self, open_point: str) -> bool:
        """Whether this sandbox's variant takes the other behaviour at ``open_point``, an
        open point the checks tolerate rather than a key settles (a name of
        ``bulkbench.sandbox.assumed.OPEN_READINGS``; another name is a programming error)."""
        from bulkbench.sandbox.assumed import OPEN_READINGS, variant_readings

        if open_point not in OPEN_READINGS:
            raise KeyError(f"unknown open point {open_point!r}: add it to "
                           "sandbox.assumed.OPEN_READINGS")
        return open_point in variant_readings(self.variant)

    def resolved_data_dir(self) -> Path:
        """``data_dir``, or a fresh temporary folder when none was given."""
        if self.data_dir is not None:
            return Path(self.data_dir)
        return Path(tempfile.mkdtemp(prefix="bulkbench-sandbox-"))
