"""What the suite runs against: one :class:`Target` per provider, built from the options.

A target is a base URL, the keys by role (``full``, ``read_only``, ``other_workspace``),
the list ids of the key's workspace and of another workspace, and what the undocumented
parts need (the import-job path, the WebSocket URL, the webhook secret, the rate limit).

Two sources:

- the sandbox's ``sandbox.json`` (``--sandbox-info``): keys of every role, seeded lists,
  the admin key of the ``/_sandbox`` inspection routes, the webhook secret; a second,
  rate-limited sandbox (``--throttled-sandbox-info``) serves the 429 check;
- a real provider: the provider config (``--config``) and the environment variables it
  names for the keys. What it does not give (a read-only key, another workspace, a list,
  a webhook) leaves the checks that need it skipped with the reason, never passed.

Keys never come from the command line of the suite.
"""

from __future__ import annotations

import os
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import orjson

from bulkbench.contract.redaction import register_secrets
from bulkbench.core.assumptions import settle, success_status
from bulkbench.core.catalog import Catalog, Endpoint, Provider, RateLimit
from bulkbench.core.config import Config, ProviderConfig, load_config
from bulkbench.core.errors import BulkbenchError

__all__ = [
    "SandboxAdmin",
    "SuiteConfigError",
    "SuiteOptions",
    "Target",
    "Throttle",
    "WebhookSetup",
    "build_targets",
    "parse_listen",
]

class SuiteConfigError(BulkbenchError):
    """The suite cannot run as asked (no base URL, no key, unreadable sandbox info)."""


@dataclass(frozen=True)
class SuiteOptions:
    """The suite's options as pytest received them."""

    providers: tuple[str, ...]
    base_url: str | None = None
    config: Path | None = None
    seed: int = 0
    run_tag: int | None = None
    max_examples: int = 20
    timeout: float | None = None
    job_timeout: float = 30.0
    sandbox_info: Path | None = None
    throttled_sandbox_info: Path | None = None
    webhook_listen: str | None = None
    probe_rate_limit: bool = False


@dataclass(frozen=True)
class SandboxAdmin:
    """The sandbox's inspection API (``/_sandbox``) and its admin key."""

    url: str
    key: str


@dataclass(frozen=True)
class WebhookSetup:
    """Where the harness receives ``import.completed`` and how it is signed."""

    secret: str
    signature_header: str
    event_header: str
    listen_host: str
    listen_port: int


@dataclass(frozen=True)
class Throttle:
    """A target whose rate limit is small enough to reach (for the 429 check)."""

    base_url: str
    key: str
    requests: int
    window_seconds: float


@dataclass(frozen=True)
class Target:
    provider: Provider
    base_url: str
    keys: Mapping[str, str]
    key_env: Mapping[str, str]
    lists: tuple[str, ...]
    other_lists: tuple[str, ...]
    timeout: float
    seed: int
    run_tag: int
    max_examples: int
    job_timeout: float
    job_status_path: str
    websocket_url: str | None
    rate_limit: RateLimit | None
    admin: SandboxAdmin | None = None
    webhook: WebhookSetup | None = None
    throttle: Throttle | None = None
    probe_rate_limit: bool = False
    config: ProviderConfig | None = field(default=None, compare=False)

    @property
    def name(self) -> str:
        return self.provider.name

    @property
    def is_sandbox(self) -> bool:
        return self.admin is not None

    def assumed(self, key: str) -> Any:
        """What the target is taken to do where the docs are silent
        (``bulkbench.core.assumptions``): the provider config's value of ``key``, else
        the spec's assumption."""
        return settle(self.config, self.provider, key)

    def success_status(self, endpoint: Endpoint) -> int:
        """The status a successful request of ``endpoint`` gets: for a batch request the
        one the config settles (``success_status``, NOTES L3), else the spec's."""
        return success_status(self.config, endpoint)

    def path_template(self, endpoint: Endpoint) -> str:
        """Where ``endpoint`` is served: the configured job status path for the import job
        operation (undocumented, NOTES L8), else the spec's path."""
        if endpoint.name == "import_job_status" and self.job_status_path:
            return self.job_status_path
        return endpoint.path

    def settled(self, key: str) -> bool:
        """Whether the provider config settles ``key`` (rather than the spec assuming it)."""
        return self.config is not None and key in self.config.assumptions


def parse_listen(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise SuiteConfigError(f"--webhook-listen {text!r}: expected HOST:PORT")
    return host.strip("[]"), int(port)


def _read_info(path: Path, option: str) -> dict[str, Any]:
    try:
        info = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        raise SuiteConfigError(f"{option} {path}: cannot read sandbox info ({exc})") from exc
    if not isinstance(info, dict) or "providers" not in info:
        raise SuiteConfigError(f"{option} {path}: not a sandbox.json")
    return info


def _ws_url(http_url: str, path: str) -> str:
    parts = urlsplit(http_url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    return urlunsplit((scheme, parts.netloc, path, "", ""))


def _spec_websocket(provider: Provider, base_url: str, cfg: ProviderConfig) -> str | None:
    for ep in provider.endpoints:
        if ep.websocket and ep.websocket.get("url"):
            spec_url = str(ep.websocket["url"])
            override = cfg.assumption("websocket_url", None)
            if override:
                return str(override)
            server_path = urlsplit(provider.server_url).path.rstrip("/")
            path = urlsplit(spec_url).path
            if server_path and path.startswith(server_path):
                path = path[len(server_path):]
            base_path = urlsplit(base_url).path.rstrip("/")
            return _ws_url(base_url, base_path + path)
    return None


def _job_path(provider: Provider, cfg: ProviderConfig) -> str:
    for ep in provider.endpoints:
        if ep.name == "import_job_status":
            return str(cfg.assumption("import_job_status_path", ep.path))
    return ""


def _rate_limit(provider: Provider, cfg: ProviderConfig) -> RateLimit | None:
    spec = provider.rate_limit
    if spec is None and not cfg.assumptions:
        return None
    requests = cfg.assumption("rate_limit_requests", spec.requests if spec else None)
    window = cfg.assumption("rate_limit_window_seconds", spec.window_seconds if spec else None)
    reset = cfg.assumption("rate_limit_reset", spec.reset if spec else "epoch-seconds")
    if requests is None or window is None:
        return None
    return RateLimit(int(requests), float(window), str(reset))


def _webhook_headers(provider: Provider, cfg: ProviderConfig) -> tuple[str, str] | None:
    hook = provider.webhooks.get("import.completed")
    if hook is None:
        return None
    params: Sequence[Mapping[str, Any]] = hook.get("post", {}).get("parameters", ())
    signature = next((str(p["name"]) for p in params if str(
        p.get("schema", {}).get("pattern", "")).startswith("^sha256=")), None)
    event = next((str(p["name"]) for p in params
                  if p.get("schema", {}).get("const") == "import.completed"), None)
    if signature is None or event is None:
        return None
    return str(cfg.assumption("webhook_signature_header", signature)), event


def _run_tag(options: SuiteOptions, sandbox: bool) -> int:
    if options.run_tag is not None:
        return options.run_tag
    if sandbox:  # a fresh sandbox per run: the seed alone decides, runs are repeatable
        return 100 + (options.seed * 2654435761 + 40503) % 900
    return random.SystemRandom().randrange(100, 1000)  # a real provider keeps old contacts


def build_targets(options: SuiteOptions, catalog: Catalog,
                  environ: Mapping[str, str] | None = None) -> dict[str, Target]:
    """One target per chosen provider, or :class:`SuiteConfigError` saying what is missing."""
    env = os.environ if environ is None else environ
    config: Config = load_config(options.config, catalog)
    info = (_read_info(options.sandbox_info, "--sandbox-info")
            if options.sandbox_info is not None else None)
    throttled = (_read_info(options.throttled_sandbox_info, "--throttled-sandbox-info")
                 if options.throttled_sandbox_info is not None else None)
    listen = parse_listen(options.webhook_listen) if options.webhook_listen else None
    if options.base_url is not None and len(options.providers) != 1:
        raise SuiteConfigError("--base-url names one provider's URL: choose one --provider "
                               "(or give each base_url in --config)")
    targets: dict[str, Target] = {}
    for name in options.providers:
        provider = catalog.provider(name)
        cfg = config.provider(name)
        if info is not None and options.base_url is None:
            targets[name] = _sandbox_target(options, provider, cfg, info, throttled, listen)
        else:
            targets[name] = _real_target(options, provider, cfg, env, listen)
    return targets


def _sandbox_target(options: SuiteOptions, provider: Provider, cfg: ProviderConfig,
                    info: Mapping[str, Any], throttled: Mapping[str, Any] | None,
                    listen: tuple[str, int] | None) -> Target:
    name = provider.name
    entry = info["providers"].get(name)
    if entry is None or name not in info.get("base_urls", {}):
        raise SuiteConfigError(f"the sandbox does not serve {name}")
    keys = {str(k["role"]): str(k["key"]) for k in entry["keys"]}
    lists = tuple(str(lst["id"]) for lst in entry["lists"] if lst["workspace"] == "main")
    others = tuple(str(lst["id"]) for lst in entry["lists"] if lst["workspace"] != "main")
    base_url = str(info["base_urls"][name])
    admin = SandboxAdmin(str(info["admin_url"]), str(info["admin_key"]))
    webhook = None
    hook_headers = _webhook_headers(provider, cfg)
    secret = (info.get("webhook") or {}).get("secret")
    if hook_headers is not None and listen is not None and secret:
        webhook = WebhookSetup(str(secret), hook_headers[0], hook_headers[1], *listen)
    ws_path = (entry.get("websocket") or {}).get("path")
    websocket = _ws_url(str(info["origin"]), str(ws_path)) if ws_path else None
    throttle = None
    if throttled is not None and name in throttled.get("base_urls", {}):
        limit = throttled.get("rate_limit") or {}
        t_keys = {str(k["role"]): str(k["key"]) for k in throttled["providers"][name]["keys"]}
        if limit and t_keys.get("full"):
            throttle = Throttle(str(throttled["base_urls"][name]), t_keys["full"],
                                int(limit["requests"]), float(limit["window_seconds"]))
            register_secrets([*t_keys.values(), str(throttled.get("admin_key", ""))])
    register_secrets([*keys.values(), admin.key, secret])
    rate = info.get("rate_limit")
    spec_rate = _rate_limit(provider, cfg)
    rate_limit = (RateLimit(int(rate["requests"]), float(rate["window_seconds"]),
                            spec_rate.reset if spec_rate else "epoch-seconds")
                  if rate else None)
    return Target(
        provider=provider, base_url=base_url, keys=keys, key_env=dict(cfg.key_env),
        lists=lists, other_lists=others,
        timeout=options.timeout if options.timeout is not None else cfg.timeout_seconds,
        seed=options.seed, run_tag=_run_tag(options, True), max_examples=options.max_examples,
        job_timeout=options.job_timeout, job_status_path=_job_path(provider, cfg),
        websocket_url=websocket, rate_limit=rate_limit, admin=admin, webhook=webhook,
        throttle=throttle, probe_rate_limit=True, config=cfg)


def _real_target(options: SuiteOptions, provider: Provider, cfg: ProviderConfig,
                 env: Mapping[str, str], listen: tuple[str, int] | None) -> Target:
    name = provider.name
    base_url = (options.base_url or cfg.base_url or "").rstrip("/")
    if not base_url:
        raise SuiteConfigError(
            f"no base URL for {name}: give --base-url or base_url in [{name}] of --config "
            "(or run `bulkbench contract` without --base-url to test the sandbox)")
    if not base_url.startswith(("http://", "https://")):
        raise SuiteConfigError(f"base URL {base_url!r}: expected an http:// or https:// URL")
    keys = {role: value for role in cfg.key_env if (value := cfg.api_key(role, env))}
    if "full" not in keys:
        raise SuiteConfigError(f"no key for {name}: set the environment variable "
                               f"{cfg.key_env.get('full')}")
    secret = env.get(cfg.webhook_secret_env) if cfg.webhook_secret_env else None
    webhook = None
    hook_headers = _webhook_headers(provider, cfg)
    if hook_headers is not None and listen is not None and secret:
        webhook = WebhookSetup(secret, hook_headers[0], hook_headers[1], *listen)
    register_secrets([*keys.values(), secret])
    return Target(
        provider=provider, base_url=base_url, keys=keys, key_env=dict(cfg.key_env),
        lists=(cfg.list_id,) if cfg.list_id else (),
        other_lists=(cfg.other_workspace_list_id,) if cfg.other_workspace_list_id else (),
        timeout=options.timeout if options.timeout is not None else cfg.timeout_seconds,
        seed=options.seed, run_tag=_run_tag(options, False), max_examples=options.max_examples,
        job_timeout=options.job_timeout, job_status_path=_job_path(provider, cfg),
        websocket_url=_spec_websocket(provider, base_url, cfg),
        rate_limit=_rate_limit(provider, cfg), webhook=webhook,
        probe_rate_limit=options.probe_rate_limit, config=cfg)
