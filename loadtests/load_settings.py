"""What a load run is asked to do: the scenario, its options, and the hard safety caps.

One table, :data:`OPTIONS`, names every option of the locustfile. The locustfile turns
each row into a locust custom argument ``--bb-<name>`` (also read from the environment
variable ``BULKBENCH_<NAME>``, and shown in the web UI); ``bulkbench load`` builds the
same arguments with :func:`locust_args`. :func:`settings_from_options` reads them back
into a frozen :class:`LoadSettings`, and :func:`resolve_plan` checks them against the
catalog (limits, batch fields, paths come from there, never from here).

Keys are never options: the locustfile reads the key from the environment variable the
provider config names (``--bb-key-env``, default ``LEADLEX_API_KEY`` and so on).

This module imports neither locust nor gevent: the CLI and the tests import it.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bulkbench.core.assumptions import ASSUMPTIONS, settle
from bulkbench.core.catalog import Catalog, Endpoint, Provider, RateLimit
from bulkbench.core.config import default_key_env
from bulkbench.core.errors import BulkbenchError

__all__ = [
    "ASSUMPTION_OPTIONS",
    "LOOPBACK_CAPS",
    "OPTIONS",
    "PROGRESS_PREFIX",
    "REMOTE_CAPS",
    "SCENARIOS",
    "Caps",
    "LoadError",
    "LoadSettings",
    "OptionSpec",
    "ScenarioPlan",
    "caps_for",
    "check_host",
    "check_websocket_host",
    "field_names",
    "is_loopback",
    "locust_args",
    "option_value",
    "parse_duration",
    "resolve_plan",
    "settings_from_options",
    "settled_assumptions",
]


#: the locustfile prints its live progress line after this prefix (the CLI relays it).
PROGRESS_PREFIX = "bulkbench-progress "


class LoadError(BulkbenchError):
    """A load run cannot be set up as asked (unknown scenario, host not allowed, ...)."""


#: scenario name → one line about it (the CLI's help and the web UI's choices).
SCENARIOS: dict[str, str] = {
    "steady": "steady throughput on one batch endpoint at one batch size",
    "sweep": "the same endpoint at batch sizes 1, 10, 100 and the catalog's maximum",
    "import": "import: synchronous against queued batches, submit → completed timed",
    "websocket": "Datananas: HTTP latency and time to the ending WebSocket event",
    "add_to_list": "add fresh contacts to a list (ids made by bulk create beforehand)",
    "rate_limit": "probe the rate limit: ramp until 429s, check the headers' honesty",
}


@dataclass(frozen=True)
class Caps:
    """Hard limits a run cannot exceed, whatever the options say."""

    max_rate: float  # requests/s, whole run
    max_duration_s: float
    max_users: int
    max_workers: int


LOOPBACK_CAPS = Caps(max_rate=20_000.0, max_duration_s=3600.0, max_users=2000, max_workers=32)
REMOTE_CAPS = Caps(max_rate=100.0, max_duration_s=1800.0, max_users=200, max_workers=8)


def is_loopback(url_or_host: str) -> bool:
    """Whether the host of ``url_or_host`` is this machine (localhost, 127/8, ::1)."""
    host = urlsplit(url_or_host).hostname if "//" in url_or_host else url_or_host
    host = (host or "").strip("[]").lower()
    if host in ("localhost", "localhost.localdomain", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def caps_for(url: str) -> Caps:
    return LOOPBACK_CAPS if is_loopback(url) else REMOTE_CAPS


def check_host(url: str, allow_hosts: Sequence[str]) -> None:
    """Refuse a non-loopback target unless its host is named in ``allow_hosts``."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise LoadError(f"{url!r} is not an http:// or https:// URL")
    if is_loopback(url):
        return
    allowed = {h.strip().lower() for h in allow_hosts if h.strip()}
    if parts.hostname.lower() not in allowed:
        raise LoadError(
            f"{parts.hostname} is not a loopback host: load against it needs "
            f"--allow-host {parts.hostname} (rate ≤ {REMOTE_CAPS.max_rate:g}/s and "
            f"duration ≤ {REMOTE_CAPS.max_duration_s:g} s are then enforced)"
        )


def check_websocket_host(url: str, allow_hosts: Sequence[str]) -> None:
    """:func:`check_host` for a ``ws://`` or ``wss://`` URL (the progress WebSocket): a
    configured WebSocket on another host needs that host allowed too."""
    parts = urlsplit(url)
    if parts.scheme not in ("ws", "wss") or not parts.hostname:
        raise LoadError("the WebSocket URL (websocket_url, --bb-ws-url) is not a ws:// or "
                        "wss:// URL")
    check_host(urlunsplit(parts._replace(scheme="https" if parts.scheme == "wss" else "http",
                                         query="", fragment="")), allow_hosts)


_DURATION = re.compile(r"^\s*(?:(\d+(?:\.\d+)?)\s*h)?\s*(?:(\d+(?:\.\d+)?)\s*m(?!s))?"
                       r"\s*(?:(\d+(?:\.\d+)?)\s*s?)?\s*$")


def parse_duration(text: str) -> float:
    """``"90"``, ``"90s"``, ``"2m"``, ``"1h30m"`` as seconds (> 0)."""
    match = _DURATION.match(text or "")
    if not match or not any(match.groups()):
        raise LoadError(f"duration {text!r}: expected e.g. 30s, 2m, 1h30m")
    hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    total = hours * 3600 + minutes * 60 + seconds
    if total <= 0:
        raise LoadError(f"duration {text!r} must be more than zero")
    return total


# --------------------------------------------------------------------------- options


@dataclass(frozen=True)
class OptionSpec:
    """One option: ``--bb-<name>`` on locust's command line, ``BULKBENCH_<NAME>`` in env."""

    name: str
    kind: type
    default: Any
    help: str
    choices: tuple[str, ...] | None = None

    @property
    def flag(self) -> str:
        return f"--bb-{self.name}"

    @property
    def dest(self) -> str:
        return "bb_" + self.name.replace("-", "_")

    @property
    def env_var(self) -> str:
        return "BULKBENCH_" + self.name.replace("-", "_").upper()


OPTIONS: tuple[OptionSpec, ...] = (
    OptionSpec("provider", str, "leadlex", "provider of the catalog"),
    OptionSpec("scenario", str, "steady", "what the users do", tuple(SCENARIOS)),
    OptionSpec("endpoint", str, "", "endpoint name of the catalog (default: the scenario's)"),
    OptionSpec("batch-size", int, 0, "items per request (0: the endpoint's maximum)"),
    OptionSpec("rate", float, 0.0,
               "open model: requests/s per user, sent at fixed intended times "
               "(0: closed model, each user sends as soon as its last answer came)"),
    OptionSpec("max-in-flight", int, 1000, "open model: requests in flight per user, at most"),
    OptionSpec("max-rate", float, 0.0, "closed model: requests/s per user, at most (0: none)"),
    OptionSpec("seed", int, 0, "seed of the generated contacts"),
    OptionSpec("out", str, "", "folder for summary.json, series.json, latency.hlog"),
    OptionSpec("list-id", str, "", "list id for add_to_list"),
    OptionSpec("key-env", str, "", "environment variable holding the key (default: the "
               "provider's, e.g. LEADLEX_API_KEY)"),
    OptionSpec("ws-url", str, "", "WebSocket URL of the progress events (default: derived)"),
    OptionSpec("job-status-path", str, "", "import job status path (default: the catalog's)"),
    OptionSpec("ws-auth", str, "", "how the WebSocket takes the token: query (the "
               "ws-token-param parameter), header (Authorization: Bearer) or subprotocol "
               "(Sec-WebSocket-Protocol) (default: the spec's assumption)",
               ("query", "header", "subprotocol")),
    OptionSpec("field-names", str, "", "the provider's names of fields its page leaves "
               "unnamed, as spec=provider pairs separated by commas (default: the spec's)"),
    OptionSpec("transaction-pointer", str, "", "JSON pointer to the transaction id in a "
               "success body that the progress events follow (default: the spec's "
               "assumption)"),
    OptionSpec("ws-token-param", str, "", "the query parameter of the WebSocket token when "
               "ws-auth is query (default: the spec's assumption)"),
    OptionSpec("rate-limit-requests", int, 0, "requests per rate-limit window the provider "
               "allows (0: the spec's assumption)"),
    OptionSpec("rate-limit-window", float, 0.0, "the rate-limit window, seconds (0: the "
               "spec's assumption)"),
    OptionSpec("rate-limit-reset", str, "", "what X-RateLimit-Reset holds (default: the "
               "spec's assumption)", ("epoch-seconds", "delta-seconds")),
    OptionSpec("sweep-sizes", str, "", "sweep: comma-separated batch sizes "
               "(default: 1,10,100,maximum)"),
    OptionSpec("stage-seconds", float, 10.0, "sweep: seconds per batch size"),
    OptionSpec("queued-size", int, 0, "import: rows of a queued batch (default: twice the "
               "synchronous maximum)"),
    OptionSpec("allow-host", str, "", "comma-separated non-loopback hosts load may target"),
    OptionSpec("sla", str, "", "SLA TOML file evaluated at the end"),
    OptionSpec("on-429", str, "honour", "closed model: on 429 wait Retry-After, or not",
               ("honour", "ignore")),
    OptionSpec("timeout", float, 60.0, "seconds before a request times out"),
    OptionSpec("job-timeout", float, 120.0, "seconds a queued import may take"),
    OptionSpec("probe-start-rate", float, 1.0, "rate_limit: first rate of the ramp (req/s)"),
    OptionSpec("probe-growth", float, 2.0, "rate_limit: rate factor per ramp step"),
    OptionSpec("probe-step-seconds", float, 2.0, "rate_limit: seconds per ramp step"),
    OptionSpec("probe-max-rate", float, 50.0, "rate_limit: highest rate of the ramp"),
    OptionSpec("probe-poll-seconds", float, 0.1, "rate_limit: retry interval while limited"),
    OptionSpec("probe-compare-seconds", float, 0.0,
               "rate_limit: seconds per client in the Retry-After comparison "
               "(0: two windows, at most 30)"),
    OptionSpec("probe-max-seconds", float, 120.0, "rate_limit: time budget of the probe"),
)


@dataclass(frozen=True)
class LoadSettings:
    """The options of one run, as typed values (field names are the option dests)."""

    bb_provider: str = "leadlex"
    bb_scenario: str = "steady"
    bb_endpoint: str = ""
    bb_batch_size: int = 0
    bb_rate: float = 0.0
    bb_max_in_flight: int = 1000
    bb_max_rate: float = 0.0
    bb_seed: int = 0
    bb_out: str = ""
    bb_list_id: str = ""
    bb_key_env: str = ""
    bb_ws_url: str = ""
    bb_job_status_path: str = ""
    bb_ws_auth: str = ""
    bb_ws_token_param: str = ""
    bb_transaction_pointer: str = ""
    bb_field_names: str = ""
    bb_rate_limit_requests: int = 0
    bb_rate_limit_window: float = 0.0
    bb_rate_limit_reset: str = ""
    bb_sweep_sizes: str = ""
    bb_stage_seconds: float = 10.0
    bb_queued_size: int = 0
    bb_allow_host: str = ""
    bb_sla: str = ""
    bb_on_429: str = "honour"
    bb_timeout: float = 60.0
    bb_job_timeout: float = 120.0
    bb_probe_start_rate: float = 1.0
    bb_probe_growth: float = 2.0
    bb_probe_step_seconds: float = 2.0
    bb_probe_max_rate: float = 50.0
    bb_probe_poll_seconds: float = 0.1
    bb_probe_compare_seconds: float = 0.0
    bb_probe_max_seconds: float = 120.0

    @property
    def open_model(self) -> bool:
        return self.bb_rate > 0

    @property
    def key_env(self) -> str:
        return self.bb_key_env or default_key_env(self.bb_provider)

    @property
    def allow_hosts(self) -> tuple[str, ...]:
        return tuple(h.strip() for h in self.bb_allow_host.split(",") if h.strip())

    def public(self) -> dict[str, Any]:
        """The options without the bb_ prefix, for summary.json (no secret is an option)."""
        return {f.name[3:]: getattr(self, f.name) for f in fields(self)}


def settings_from_options(options: Any) -> LoadSettings:
    """Read the ``bb_*`` attributes of locust's parsed options (or any namespace)."""
    values: dict[str, Any] = {}
    for spec in OPTIONS:
        raw = getattr(options, spec.dest, None)
        if raw is None or raw == "":
            continue
        try:
            value = spec.kind(raw)
        except (TypeError, ValueError) as exc:
            raise LoadError(f"{spec.flag} {raw!r}: expected {spec.kind.__name__}") from exc
        if isinstance(value, float) and not math.isfinite(value):
            raise LoadError(f"{spec.flag} {raw!r}: expected a finite number")
        if spec.choices and value not in spec.choices:
            raise LoadError(f"{spec.flag} {raw!r}: one of {', '.join(spec.choices)}")
        values[spec.dest] = value
    settings = LoadSettings(**values)
    for name in ("bb_rate", "bb_max_rate", "bb_batch_size", "bb_queued_size",
                 "bb_rate_limit_requests", "bb_rate_limit_window"):
        if getattr(settings, name) < 0:
            raise LoadError(f"--{name[3:].replace('_', '-')} cannot be negative")
    if settings.bb_max_in_flight < 1:
        raise LoadError("--bb-max-in-flight must be at least 1")
    return settings


def locust_args(values: Mapping[str, Any]) -> list[str]:
    """``--bb-*`` arguments for the given option values (keyed by name or dest)."""
    by_key = {s.name: s for s in OPTIONS} | {s.dest: s for s in OPTIONS}
    args: list[str] = []
    for key, value in values.items():
        spec = by_key.get(key)
        if spec is None:
            raise LoadError(f"no load option {key!r}")
        if value is None or value == "":
            continue
        args += [spec.flag, str(value)]
    return args


# --------------------------------------------------------------------------- assumptions

#: the keys of ``contract/assumptions.py`` the load stage reads, and the option carrying
#: each (``bulkbench load`` passes the provider config's value; an option left empty is
#: the spec's assumption). ``import_job_status_path`` and ``websocket_url`` are resolved
#: apart: the job path in :func:`resolve_plan`, the WebSocket URL from the target.
ASSUMPTION_OPTIONS: dict[str, str] = {
    "import_job_status_path": "job-status-path",
    "websocket_url": "ws-url",
    "websocket_auth": "ws-auth",
    "websocket_token_param": "ws-token-param",
    "transaction_id_pointer": "transaction-pointer",
    "rate_limit_requests": "rate-limit-requests",
    "rate_limit_window_seconds": "rate-limit-window",
    "rate_limit_reset": "rate-limit-reset",
    "field_names": "field-names",
}


def option_value(value: Any) -> Any:
    """An assumption's value as an option carries it (a table as ``a=b,c=d``)."""
    if isinstance(value, dict):
        return ",".join(f"{k}={v}" for k, v in value.items())
    return value


def field_names(settings: LoadSettings) -> dict[str, str]:
    """The ``field-names`` option as a table (spec name → provider name)."""
    pairs = (p.partition("=") for p in settings.bb_field_names.split(",") if p)
    return {k.strip(): v.strip() for k, _, v in pairs if k.strip() and v.strip()}
_SETTLED_HERE = ("websocket_auth", "websocket_token_param", "transaction_id_pointer",
                 "rate_limit_requests",
                 "rate_limit_window_seconds", "rate_limit_reset")


def settled_assumptions(settings: LoadSettings, provider: Provider) -> dict[str, Any]:
    """The values the run uses for the WebSocket auth and rate-limit keys that apply to
    ``provider``: the option's (the provider config's, through ``bulkbench load``), else
    the spec's assumption (``bulkbench.core.assumptions.settle``)."""
    values: dict[str, Any] = {}
    for key in _SETTLED_HERE:
        if not ASSUMPTIONS[key].applies_to(provider.name):
            continue
        given = getattr(settings, "bb_" + ASSUMPTION_OPTIONS[key].replace("-", "_"))
        values[key] = given if given else settle(None, provider, key)
    return values


# --------------------------------------------------------------------------- plan


@dataclass(frozen=True)
class ScenarioPlan:
    """A scenario resolved against the catalog: endpoints and batch sizes to use."""

    scenario: str
    provider: Provider
    endpoint: Endpoint
    batch_size: int
    #: sweep: the sizes in order; import: (synchronous size, queued size).
    sizes: tuple[int, ...]
    #: import: the job status path with ``{job_id}``; add_to_list: the bulk create endpoint.
    job_status_path: str | None = None
    helper: Endpoint | None = None
    #: the assumption values the run uses (:func:`settled_assumptions`).
    assumptions: Mapping[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.provider.name}.{self.scenario}"

    @property
    def rate_limit(self) -> RateLimit:
        """The rate limit the probe judges by: the provider config's numbers and Reset
        style, else the spec's (``rate_limit_*`` assumptions)."""
        a = self.assumptions
        return RateLimit(int(a["rate_limit_requests"]), float(a["rate_limit_window_seconds"]),
                         str(a["rate_limit_reset"]))


def _batch_endpoints(provider: Provider) -> list[Endpoint]:
    return [ep for ep in provider.documented_endpoints if ep.batch_field]


def _upper(ep: Endpoint) -> int:
    """The largest batch the scenario sends by default: the catalog's maximum, else the
    synchronous maximum (import), else the minimum."""
    for value in (ep.max_batch, ep.sync_max_rows, ep.min_batch):
        if value:
            return int(value)
    return 1


def _check_size(ep: Endpoint, size: int, what: str) -> int:
    low = ep.min_batch or 1
    if size < low or (ep.max_batch is not None and size > ep.max_batch):
        high = "∞" if ep.max_batch is None else str(ep.max_batch)
        raise LoadError(f"{what} {size}: {ep.key} takes {low}..{high} items per request")
    return size


def _default_endpoint(provider: Provider, scenario: str) -> Endpoint:
    batch = _batch_endpoints(provider)
    if scenario == "import":
        found = [ep for ep in batch if ep.sync_max_rows is not None]
    elif scenario == "add_to_list":
        found = [ep for ep in batch if ep.name == "add_to_list"]
    elif scenario == "websocket":
        found = [ep for ep in batch if ep.websocket]
    else:  # the first bulk endpoint the spec lists that has neither a queue nor a path id
        found = [ep for ep in batch if ep.sync_max_rows is None and "{" not in ep.path]
    if not found:
        raise LoadError(f"{provider.name} has no endpoint for the {scenario} scenario")
    return found[0]


def resolve_plan(settings: LoadSettings, catalog: Catalog,
                 job_status_path: str | None = None) -> ScenarioPlan:
    """The endpoints and sizes of ``settings``' scenario, checked against the catalog."""
    scenario = settings.bb_scenario
    if scenario not in SCENARIOS:
        raise LoadError(f"unknown scenario {scenario!r} (known: {', '.join(SCENARIOS)})")
    provider = catalog.provider(settings.bb_provider)
    if settings.bb_endpoint:
        endpoint = provider.endpoint(settings.bb_endpoint)
        if not endpoint.batch_field:
            raise LoadError(f"{endpoint.key} takes no batch: it cannot be load-tested here")
    else:
        endpoint = _default_endpoint(provider, scenario)
    if scenario == "websocket" and not endpoint.websocket:
        raise LoadError(f"{endpoint.key} has no WebSocket progress channel")
    if scenario == "import" and endpoint.sync_max_rows is None:
        raise LoadError(f"{endpoint.key} has no synchronous/queued threshold")

    requested = settings.bb_batch_size
    if scenario == "rate_limit":
        size = _check_size(endpoint, requested or (endpoint.min_batch or 1), "--batch-size")
    else:
        size = _check_size(endpoint, requested or _upper(endpoint), "--batch-size")

    sizes: tuple[int, ...] = (size,)
    status_path: str | None = None
    helper: Endpoint | None = None
    if scenario == "sweep":
        if settings.bb_sweep_sizes:
            try:
                wanted = [int(x) for x in settings.bb_sweep_sizes.split(",") if x.strip()]
            except ValueError as exc:
                raise LoadError(f"--sweep-sizes {settings.bb_sweep_sizes!r}: "
                                "expected comma-separated integers") from exc
        else:
            wanted = [1, 10, 100, _upper(endpoint)]
        low = endpoint.min_batch or 1
        sizes = tuple(sorted({_check_size(endpoint, max(low, min(s, _upper(endpoint))),
                                          "sweep size") for s in wanted}))
        size = sizes[-1]
    elif scenario == "import":
        sync_max = int(endpoint.sync_max_rows or 1)
        sync_size = min(size, sync_max)
        queued = settings.bb_queued_size or 2 * sync_max
        if queued <= sync_max:
            raise LoadError(f"--queued-size {queued}: a queued import has more than "
                            f"{sync_max} rows")
        sizes = (sync_size, _check_size(endpoint, queued, "--queued-size"))
    if scenario in ("import", "steady", "sweep") and endpoint.sync_max_rows is not None:
        status_path = (settings.bb_job_status_path or job_status_path
                       or _status_path(provider))
    if scenario == "add_to_list":
        creators = [ep for ep in _batch_endpoints(provider)
                    if ep is not endpoint and ep.sync_max_rows is None and "{" not in ep.path]
        if not creators:
            raise LoadError(f"{provider.name} has no bulk create endpoint to make contact ids")
        helper = creators[0]
        if not settings.bb_list_id:
            raise LoadError("add_to_list needs a list id (--bb-list-id, or list_id in the "
                            "provider config)")
    return ScenarioPlan(scenario, provider, endpoint, size, sizes, status_path, helper,
                        settled_assumptions(settings, provider))


def _status_path(provider: Provider) -> str | None:
    """The catalog's import job status path (``import_job_status``), when it has one."""
    for ep in provider.endpoints:
        if ep.name == "import_job_status":
            return ep.path
    return None
