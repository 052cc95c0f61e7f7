"""Which reading of the documentation's open points the sandbox serves.

Where the pages are silent (the success status, the error envelope's fields, the job-status
path, the rate-limit numbers, the WebSocket's URL and auth, …) the spec states an
assumption, and ``contract/assumptions.py`` lists the keys a provider config settles it
with. The sandbox reads the very same keys, so it can serve the other reasonable reading
and prove that the contract suite reports it as an assumption mismatch, not a failure.

The values come from TOML files in the provider-config format (``bulkbench.core.config``; only
the ``[provider.assumptions]`` tables matter): a *variant* shipped with the sandbox
(``sandbox/variants/NAME.toml``, ``--variant NAME``) and/or any file (``--assumptions
FILE``; its values win over the variant's, key by key). A key no file settles is the
spec's assumption (``bulkbench.core.assumptions.settle``), so a sandbox given nothing behaves as
the default one. Handlers read a key through ``SandboxSettings.assumed`` (or
``Sandbox.assumed``), never from here.

Besides the registry's own checks (type, choices, the provider it applies to), the sandbox
refuses values it cannot serve (:func:`check_values`): a job path without ``{job_id}``, a
scope with a space (keys store their scopes space-separated), a success status outside
2xx, error pointers that overlap, ….

Some open points are no config key: the documentation allows several behaviours and the
contract checks accept every one of them (``contract/checks/tolerance.py``, ``FAMILIES``).
A variant takes the other behaviour at those it names in :data:`VARIANT_READINGS` (the
family's name, one of :data:`OPEN_READINGS`); the code asks
``SandboxSettings.takes_other_reading(NAME)`` (or ``Sandbox.takes_other_reading``) at the
exact spot, one ``if``, like a fault. A sandbox without ``--variant`` takes none of them
(an ``--assumptions`` file settles keys only).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from bulkbench.core.assumptions import problem as registry_problem
from bulkbench.sandbox.errors import SandboxError

__all__ = ["OPEN_READINGS", "VARIANTS_DIR", "VARIANT_READINGS", "check_values",
           "load_assumptions", "resolve", "variant_names", "variant_path", "variant_readings"]

#: the variants shipped with the sandbox, one TOML file each (package data).
VARIANTS_DIR = Path(__file__).resolve().parent / "variants"

#: assumption values per provider: ``{"leadlex": {"success_status": 201, ...}, ...}``.
Values = dict[str, dict[str, Any]]


#: the open points the checks tolerate (a family of ``contract/checks/tolerance.py``) at
#: which a variant may take the other behaviour than the spec's expected one.
OPEN_READINGS = frozenset({
    "malformed import row",  # NOTES L11: a row error (invalid_field), not a 400
    "rows and csv",          # NOTES L17: both given: rows imported, csv ignored, not a 400
    "email case",            # NOTES L18: emails match case-sensitively
    "csv dialect",           # NOTES L27: a BOM is part of the first header; a blank line a row
    "format strictness",     # NOTES L28: internationalised email addresses are accepted
})

#: per shipped variant, the open points of :data:`OPEN_READINGS` it reads otherwise
#: (documented in the variant's TOML file as comments).
VARIANT_READINGS: dict[str, frozenset[str]] = {
    "alt": OPEN_READINGS,
}


def variant_readings(variant: str | None) -> frozenset[str]:
    """The open points variant ``variant`` reads otherwise (none without a variant)."""
    return VARIANT_READINGS.get(variant or "", frozenset())


def variant_names() -> list[str]:
    """The names of the shipped variants (``alt``, …), sorted."""
    return sorted(p.stem for p in VARIANTS_DIR.glob("*.toml"))


def variant_path(name: str) -> Path:
    """The TOML file of variant ``name``, or :class:`SandboxError` naming the known ones."""
    path = VARIANTS_DIR / f"{name}.toml"
    if not name or "/" in name or "\\" in name or name.startswith(".") or not path.is_file():
        known = ", ".join(variant_names()) or "none"
        raise SandboxError(f"--variant {name}: unknown sandbox variant (known: {known}; "
                           f"looked for {path})")
    return path


def load_assumptions(path: Path | str) -> Values:
    """The ``[provider.assumptions]`` tables of a provider-config TOML file, checked.

    Any problem is one :class:`SandboxError` naming the file and the key."""
    from bulkbench.core.config import ConfigError, load_config

    try:
        config = load_config(Path(path))
    except ConfigError as exc:
        raise SandboxError(str(exc)) from exc
    values = {name: dict(cfg.assumptions) for name, cfg in config.providers.items()
              if cfg.assumptions}
    check_values(values, str(path))
    return values


def resolve(variant: str | None, files: Iterable[Path | str] = ()
            ) -> tuple[Values, tuple[str, ...]]:
    """The values of ``variant`` then of each file (a later file wins, key by key), and
    the files they were read from."""
    paths = ([variant_path(variant)] if variant else []) + [Path(f) for f in files]
    merged: Values = {}
    for path in paths:
        for provider, table in load_assumptions(path).items():
            merged.setdefault(provider, {}).update(table)
    return merged, tuple(str(p) for p in paths)


# --------------------------------------------------------------------------- checks


def _status(low: int, high: int) -> Any:
    def check(value: Any) -> str | None:
        return None if low <= value <= high else f"expected a status {low}..{high}"
    return check


def _positive(value: Any) -> str | None:
    return None if math.isfinite(value) and value > 0 else "expected a number > 0"


def _job_path(value: Any) -> str | None:
    if not value.startswith("/") or value.count("{job_id}") != 1 or \
            value.replace("{job_id}", "").count("{"):
        return "expected a path starting with '/' holding {job_id} once (and no other {…})"
    return None


def _token(value: Any) -> str | None:
    return None if value and not any(c.isspace() for c in value) else \
        "expected a non-empty name without spaces"


def _websocket_url(value: Any) -> str | None:
    from urllib.parse import urlsplit

    path = urlsplit(value).path
    return None if path.startswith("/") and len(path) > 1 else \
        "expected a URL (or path) with a path, e.g. wss://api.example.com/ws"


def _codes(value: Any) -> str | None:
    return None if value else "expected at least one code"


#: what the sandbox can serve, beyond the registry's type and choice checks.
_SANDBOX_CHECKS = {
    "success_status": _status(200, 299),
    "unknown_list_status": _status(400, 499),
    "idempotency_conflict_status": _status(400, 499),
    "rate_limit_requests": _positive,
    "rate_limit_window_seconds": _positive,
    "import_job_status_path": _job_path,
    "required_scope": _token,
    "webhook_signature_header": _token,
    "websocket_token_param": _token,
    "websocket_url": _websocket_url,
    "row_error_codes": _codes,
    "transaction_id_pointer": lambda value: None if value else
    "expected a JSON pointer to the transaction id ('' leaves it out of the answer)",
}

_POINTERS = ("error_code_pointer", "error_message_pointer", "error_details_pointer")


def _overlap(provider: str, table: Mapping[str, Any]) -> str | None:
    """Two error pointers (as given, else the spec's) where one is the other or inside
    it: one value would overwrite the other's object."""
    from bulkbench.core.assumptions import settle
    from bulkbench.core.catalog import default_catalog
    from bulkbench.core.config import ProviderConfig

    known = {p.name: p for p in default_catalog().providers}
    if provider not in known:
        return None
    config = ProviderConfig(provider, assumptions=dict(table))
    given = [(k, str(v)) for k in _POINTERS if (v := settle(config, known[provider], k))]
    for i, (key, ptr) in enumerate(given):
        for other, optr in given[i + 1:]:
            if ptr == optr or optr.startswith(ptr + "/") or ptr.startswith(optr + "/"):
                return f"{key} {ptr!r} and {other} {optr!r} overlap"
    return None


def check_values(values: Mapping[str, Mapping[str, Any]], where: str) -> None:
    """:class:`SandboxError` ``WHERE: [provider.assumptions] key: what is wrong`` for the
    first value the registry refuses or the sandbox cannot serve."""
    for provider, table in values.items():
        if not isinstance(table, Mapping):
            raise SandboxError(f"{where}: [{provider}.assumptions]: expected a table")
        for key, value in table.items():
            wrong = registry_problem(provider, key, value)
            if wrong is None and key in _SANDBOX_CHECKS:
                wrong = _SANDBOX_CHECKS[key](value)
            if wrong:
                raise SandboxError(f"{where}: [{provider}.assumptions] {key}: {wrong}")
        if any(k in table for k in _POINTERS) and (wrong := _overlap(provider, table)):
            raise SandboxError(f"{where}: [{provider}.assumptions] error pointers: {wrong}")
