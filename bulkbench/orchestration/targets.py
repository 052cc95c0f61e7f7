"""Where a run sends its requests: the provider's own URL and key, or the sandbox.

Without a base URL (neither ``--base-url`` nor the config's ``base_url``) every provider
is served by the embedded sandbox. The contract suite starts its own pair of sandboxes
(it needs a throttled twin and its webhook receiver wired in); the load steps share two
that this module starts once, each in a temporary folder outside the run folder (their
``sandbox.json`` holds keys) that the sandbox removes when it stops or the run dies:
``main`` without a rate limit for throughput, ``throttled`` for the rate-limit probe.
A run is all-sandbox or all-remote: a mix is refused.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from bulkbench.core.config import Config
from bulkbench.core.errors import UsageError

__all__ = ["SharedSandboxes", "Target", "resolve_targets"]


@dataclass(frozen=True)
class Target:
    provider: str
    base_url: str | None  # None: the sandbox
    key_env: str  # the variable the stages read the key from
    key: str | None = None  # a remote provider's key (never written anywhere)

    @property
    def sandbox(self) -> bool:
        return self.base_url is None


def resolve_targets(providers: Sequence[str], config: Config, base_url: str | None,
                    api_key: str | None) -> dict[str, Target]:
    """One target per provider; ``UsageError`` for what cannot be run as asked."""
    if base_url is not None and len(providers) != 1:
        raise UsageError("--base-url is one provider's URL: give one --provider, or put each "
                         "provider's base_url in --config")
    if api_key is not None and len(providers) != 1:
        raise UsageError("--api-key is one provider's key: give one --provider, or name each "
                         "provider's key variable in --config")
    if base_url is not None and not base_url.startswith(("http://", "https://")):
        raise UsageError(f"--base-url {base_url!r}: expected an http:// or https:// URL")
    targets: dict[str, Target] = {}
    for name in providers:
        pconf = config.provider(name)
        url = (base_url or pconf.base_url or None)
        key_env = pconf.key_env.get("full", "")
        key = None
        if url is not None:
            key = api_key or pconf.api_key()
            if not key:
                raise UsageError(f"no key for {name}: set the environment variable {key_env} "
                                 "or pass --api-key")
        targets[name] = Target(name, url.rstrip("/") if url else None, key_env, key)
    kinds = {t.sandbox for t in targets.values()}
    if len(kinds) > 1:
        remote = ", ".join(t.provider for t in targets.values() if not t.sandbox)
        local = ", ".join(t.provider for t in targets.values() if t.sandbox)
        raise UsageError(f"{remote} would run against a real provider and {local} against "
                         "the sandbox: give every chosen provider a base_url in --config, or "
                         "choose the providers with --provider")
    return targets


@dataclass
class SharedSandboxes:
    """The load steps' two sandboxes, started on first use and stopped on ``close``."""

    probe_rate_limit: str | None
    faults: Sequence[str] = ()
    seed: int = 0
    _folders: list[Path] = field(default_factory=list)
    _running: dict[str, Any] = field(default_factory=dict)
    #: every key, admin key and webhook secret of the sandboxes started (kept after close).
    known_secrets: list[str] = field(default_factory=list)

    def get(self, kind: str, spec_rate_limit: str | None = None) -> Any:
        """The ``main`` or ``throttled`` sandbox (a ``SandboxProcess``), started if needed."""
        if kind not in self._running:
            from bulkbench.sandbox.process import start_sandbox

            # its own temporary folder, which the sandbox removes when it stops or this
            # process dies (even killed outright): sandbox.json holds keys
            folder = Path(tempfile.mkdtemp(prefix=f"bulkbench-run-sandbox-{kind}-"))
            self._folders.append(folder)
            limit = None if kind == "main" else (self.probe_rate_limit or spec_rate_limit)
            process = start_sandbox(folder, rate_limit=limit, faults=self.faults,
                                    seed=self.seed, remove_data_on_exit=True)
            self._running[kind] = process
            info = process.info
            self.known_secrets += [str(info.get("admin_key", "")),
                                   str((info.get("webhook") or {}).get("secret", ""))]
            for entry in info.get("providers", {}).values():
                self.known_secrets += [str(k["key"]) for k in entry.get("keys", ())]
        return self._running[kind]

    def close(self) -> None:
        for process in self._running.values():
            process.stop()
        self._running.clear()
        for folder in self._folders:
            shutil.rmtree(folder, ignore_errors=True)
        self._folders.clear()

    def __enter__(self) -> SharedSandboxes:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
