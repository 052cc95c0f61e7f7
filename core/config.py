"""The provider config: one TOML file naming, per provider, where it lives and how to reach it.

Nothing in it is needed for the embedded sandbox. For a real provider it gives the base
URL, the *names* of the environment variables holding its keys (keys never sit in the
file), the ids the multi-key checks need, and overrides of what the specs assume where
the documentation is silent. At the top of the file (before any table), ``specs = [FILE,
…]`` or ``specs_dir = "FOLDER"`` add specs of the user's own to the bundled ones (paths
relative to the file; ``bulkbench.core.providers``). ``bulkbench.example.toml`` is the
documented example; ``load_config()`` reads it into :class:`ProviderConfig` objects and
rejects unknown keys or wrong types with the file and the key named.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bulkbench.core.assumptions import ASSUMPTIONS
from bulkbench.core.assumptions import problem as assumption_problem
from bulkbench.core.catalog import Catalog, default_catalog
from bulkbench.core.errors import BulkbenchError

__all__ = [
    "ASSUMPTION_KEYS",
    "KEY_ROLES",
    "SPEC_KEYS",
    "Config",
    "ConfigError",
    "ProviderConfig",
    "default_key_env",
    "load_config",
    "redact",
]

#: the keys at the top of the file (not a provider's table): the specs it adds to the
#: bundled ones (``bulkbench.core.providers.config_specs``), relative to the file.
SPEC_KEYS: dict[str, type | tuple[type, ...]] = {"specs": (str, list), "specs_dir": str}


def default_key_env(name: str, catalog: Catalog | None = None) -> str:
    """The environment variable of ``name``'s main key when the config names none: the
    spec's ``x-bulkbench-key-env``, else ``<NAME>_API_KEY``."""
    known = {p.name: p for p in (catalog or default_catalog()).providers}
    return known[name].key_env if name in known else f"{name.upper()}_API_KEY"

#: the keys a provider may have: the main one, one without write permission, one of
#: another workspace (for the 403 and workspace-isolation checks).
KEY_ROLES = ("full", "read_only", "other_workspace")

#: what the documentation leaves open and a config may override, with its type
#: (``bulkbench.core.assumptions`` describes each key).
ASSUMPTION_KEYS: dict[str, tuple[type, ...]] = {k: a.kinds for k, a in ASSUMPTIONS.items()}

_PROVIDER_KEYS: dict[str, type | tuple[type, ...]] = {
    "base_url": str,
    "api_key_env": str,
    "read_only_key_env": str,
    "other_workspace_key_env": str,
    "list_id": (str, int),
    "other_workspace_list_id": (str, int),
    "timeout_seconds": (int, float),
    "webhook_secret_env": str,
    "webhook_public_url": str,
    "assumptions": dict,
    "readback": dict,
}


#: the keys of ``[provider.readback]``.
READBACK_KEYS = {"email_path": "{email}", "phone_path": "{phone}", "items_pointer": None}


def readback_problem(key: str, value: Any) -> str | None:
    """What is wrong with ``value`` for ``[provider.readback].key`` (None: fine)."""
    if key not in READBACK_KEYS:
        return f"unknown key (known: {', '.join(sorted(READBACK_KEYS))})"
    if not isinstance(value, str):
        return f"expected str, got {type(value).__name__}"
    placeholder = READBACK_KEYS[key]
    if placeholder is not None and (placeholder not in value or not value.startswith("/")):
        return f"expected a path starting with '/' holding {placeholder}"
    if key == "items_pointer" and value and not value.startswith("/"):
        return "expected a JSON pointer ('' or starting with '/')"
    return None


class ConfigError(BulkbenchError):
    """The provider config is missing, not TOML, or has an unknown key or a wrong type."""


def redact(secret: str | None) -> str:
    """A key as it may be shown: its prefix and last four characters (``wbk_…1234``).

    Whatever its length, most of it stays hidden: the prefix only when at least twelve
    characters follow it, the last four only when at least sixteen do (a short key is
    ``…``)."""
    if not secret:
        return "<none>"
    prefix = secret.split("_", 1)[0] + "_" if "_" in secret[:8] else ""
    if len(secret) - len(prefix) < 12:
        prefix = ""
    tail = secret[-4:] if len(secret) - len(prefix) >= 16 else ""
    return f"{prefix}…{tail}"


@dataclass(frozen=True)
class ProviderConfig:
    """How to reach one provider. Keys are read from the environment when asked for."""

    provider: str
    base_url: str | None = None
    key_env: Mapping[str, str] = field(default_factory=dict)
    list_id: str | None = None
    other_workspace_list_id: str | None = None
    timeout_seconds: float = 30.0
    webhook_secret_env: str | None = None
    webhook_public_url: str | None = None
    assumptions: Mapping[str, Any] = field(default_factory=dict)
    #: ``[provider.readback]``: how to read stored contacts back (``bulkbench.contract.readback``).
    readback: Mapping[str, str] = field(default_factory=dict)

    def api_key(self, role: str = "full", environ: Mapping[str, str] | None = None) -> str | None:
        """The key for ``role`` from its environment variable, or None when unset."""
        if role not in KEY_ROLES:
            raise ConfigError(f"unknown key role {role!r} (known: {', '.join(KEY_ROLES)})")
        env = os.environ if environ is None else environ
        name = self.key_env.get(role)
        value = env.get(name) if name else None
        return value or None

    def assumption(self, key: str, default: Any) -> Any:
        """The configured override of an assumption, else the spec's ``default``."""
        if key not in ASSUMPTION_KEYS:
            raise ConfigError(f"unknown assumption {key!r}")
        return self.assumptions.get(key, default)


@dataclass(frozen=True)
class Config:
    """Every provider's config; a provider the file does not name gets the defaults."""

    providers: Mapping[str, ProviderConfig]
    path: Path | None = None
    #: the spec files the config adds (``specs``, ``specs_dir``), absolute.
    specs: tuple[Path, ...] = ()

    def provider(self, name: str) -> ProviderConfig:
        return self.providers.get(name) or _defaults(name, default_key_env(name))


def _defaults(name: str, key_env: str) -> ProviderConfig:
    return ProviderConfig(provider=name, key_env={"full": key_env})


def load_config(path: Path | str | None, catalog: Catalog | None = None) -> Config:
    """Read the TOML file at ``path`` (None: defaults only) against the catalog's providers
    (default: the bundled and added specs, with the ones the file names)."""
    from bulkbench.core.providers import ProviderRegistryError, named_specs, spec_files

    raw: dict[str, Any] = {}
    if path is not None:
        path = Path(path)
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    try:
        specs = tuple(spec_files(named_specs(raw, path))) if path is not None else ()
    except ProviderRegistryError as exc:
        raise ConfigError(f"{path}: specs: {exc}") from exc
    if catalog is None:
        if specs:
            from bulkbench.core.catalog import load_catalog
            from bulkbench.core.providers import added_specs

            catalog = load_catalog(added=[*added_specs(), *specs])
        else:
            catalog = default_catalog()
    known = {p.name: p for p in catalog.providers}
    if path is None:
        return Config({name: _defaults(name, p.key_env) for name, p in sorted(known.items())})
    providers: dict[str, ProviderConfig] = {}
    for name, table in raw.items():
        if name in SPEC_KEYS:
            _check_types(path, "(top)", {name: table}, SPEC_KEYS)
            continue
        if name not in known:
            raise ConfigError(
                f"{path}: [{name}]: unknown provider (known: {', '.join(sorted(known))}; "
                "a spec of your own is added with specs = [FILE] at the top of the file)"
            )
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: {name}: expected a table")
        providers[name] = _provider_config(path, name, table, known[name].key_env)
    for name in known.keys() - providers.keys():
        providers[name] = _defaults(name, known[name].key_env)
    for name, pconf in providers.items():
        _check_names(path, catalog, name, pconf.assumptions)
    return Config(providers, path, specs)


def _check_names(path: Path, catalog: Catalog, name: str, assumptions: Mapping[str, Any]
                 ) -> None:
    """The spec names ``field_names`` and ``query_names`` rename must exist in the spec."""
    provider = catalog.provider(name)
    known = {"field_names": {f for ep in provider.endpoints for f in ep.item_fields},
             "query_names": {q for ep in provider.endpoints for q in ep.query_params}}
    for key, names in known.items():
        unknown = sorted(set(assumptions.get(key, {})) - names)
        if unknown:
            raise ConfigError(f"{path}: {name}.assumptions.{key}: {', '.join(unknown)}: not "
                              f"in the spec (known: {', '.join(sorted(names))})")


def _provider_config(path: Path, name: str, table: Mapping[str, Any],
                     key_env_default: str) -> ProviderConfig:
    _check_types(path, name, table, _PROVIDER_KEYS)
    assumptions = table.get("assumptions", {})
    if not isinstance(assumptions, dict):
        raise ConfigError(f"{path}: {name}.assumptions: expected a table")
    for key, value in assumptions.items():
        wrong = assumption_problem(name, key, value)
        if wrong:
            raise ConfigError(f"{path}: {name}.assumptions.{key}: {wrong}")
    readback = table.get("readback", {})
    for key, value in readback.items():
        wrong = readback_problem(key, value)
        if wrong:
            raise ConfigError(f"{path}: {name}.readback.{key}: {wrong}")
    base_url = table.get("base_url")
    if base_url is not None and not base_url.startswith(("http://", "https://")):
        raise ConfigError(f"{path}: {name}.base_url: expected an http:// or https:// URL")
    key_env = {
        "full": table.get("api_key_env", key_env_default)}
    if "read_only_key_env" in table:
        key_env["read_only"] = table["read_only_key_env"]
    if "other_workspace_key_env" in table:
        key_env["other_workspace"] = table["other_workspace_key_env"]
    return ProviderConfig(
        provider=name,
        base_url=base_url.rstrip("/") if base_url else None,
        key_env=key_env,
        list_id=_opt_str(table.get("list_id")),
        other_workspace_list_id=_opt_str(table.get("other_workspace_list_id")),
        timeout_seconds=float(table.get("timeout_seconds", 30.0)),
        webhook_secret_env=table.get("webhook_secret_env"),
        webhook_public_url=table.get("webhook_public_url"),
        assumptions=dict(assumptions),
        readback=dict(readback),
    )


def _check_types(
    path: Path, where: str, table: Mapping[str, Any], schema: Mapping[str, type | tuple[type, ...]]
) -> None:
    for key, value in table.items():
        if key not in schema:
            raise ConfigError(
                f"{path}: {where}.{key}: unknown key (known: {', '.join(sorted(schema))})"
            )
        kind = schema[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if isinstance(value, bool) or not isinstance(value, kinds):
            names = " or ".join(k.__name__ for k in kinds)
            raise ConfigError(
                f"{path}: {where}.{key}: expected {names}, got {type(value).__name__}"
            )


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)
