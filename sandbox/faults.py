"""The fault registry: named switches, each one realistic provider defect.

A fault is off unless ``bulkbench serve --fault NAME`` switches it on. The faithful code
consults it at the exact spot where the defect would live::

    if faults.active(settings, "leadlex_bulk_max_off_by_one"):
        limit += 1

so the faithful path stays readable and each defect is one ``if``. Provider modules
register their own faults at import time with :func:`register` (a table of
``(name, endpoint_key, description)``); a name registered twice is refused.
``endpoint_key`` is ``provider.endpoint`` (as the catalog names it) or ``None`` for a
fault of the core (any endpoint).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from bulkbench.sandbox.errors import SandboxError

__all__ = ["FAULTS", "Fault", "active", "check_names", "register", "register_all"]


@dataclass(frozen=True)
class Fault:
    """One switchable defect: its name (the CLI's key), where it lives, one line about it."""

    name: str
    endpoint_key: str | None
    description: str


#: every registered fault by name, in registration order.
FAULTS: dict[str, Fault] = {}


class _HasFaults(Protocol):
    @property
    def faults(self) -> frozenset[str]: ...


def register(name: str, endpoint_key: str | None, description: str) -> Fault:
    """Register one fault; a duplicated name is a programming error (ValueError)."""
    if not name or not name.replace("_", "").isalnum() or name != name.lower():
        raise ValueError(f"fault name {name!r}: use lower_snake_case")
    if name in FAULTS:
        raise ValueError(f"fault {name!r} is registered twice")
    fault = Fault(name, endpoint_key, description)
    FAULTS[name] = fault
    return fault


def register_all(table: Iterable[tuple[str, str | None, str]]) -> list[Fault]:
    """Register a table of ``(name, endpoint_key, description)`` rows."""
    return [register(*row) for row in table]


def active(settings: _HasFaults, name: str) -> bool:
    """Whether fault ``name`` is switched on; an unregistered name is a programming error."""
    if name not in FAULTS:
        raise KeyError(f"unknown fault {name!r}: register it in its module's fault table")
    return name in settings.faults


def check_names(names: Iterable[str]) -> frozenset[str]:
    """The names as a set, or :class:`SandboxError` naming the first unknown one."""
    chosen = frozenset(names)
    for name in sorted(chosen):
        if name not in FAULTS:
            raise SandboxError(f"--fault {name}: unknown fault "
                               "(`bulkbench serve --list-faults` lists them)")
    return chosen


# The core's faults: they live in the request pipeline, so every endpoint has them.
register_all([
    ("rate_limit_headers_missing", None,
     "responses carry no X-RateLimit-Limit/Remaining/Reset headers although limiting is on"),
    ("rate_limit_remaining_stuck", None,
     "X-RateLimit-Remaining never decreases (always the full limit)"),
    ("rate_limit_not_enforced", None,
     "the rate limit is announced in headers but never answered with 429"),
    ("retry_after_missing", None, "429 responses carry no Retry-After header"),
    ("request_id_missing", None, "responses carry no X-Request-ID header"),
    ("unknown_key_403", None, "an unknown or missing key is answered 403 instead of 401"),
    ("read_only_key_can_write", None,
     "the required scope is not checked: a read-only key can write"),
    ("body_limit_off", None,
     "bodies over the documented size are accepted (no 413, up to 4x the limit)"),
    ("error_envelope_missing_message", None,
     "error bodies lack the message field of the provider's envelope"),
    ("bad_request_as_422", None, "requests that should get 400 get 422 instead"),
    ("wrong_validation_code", None,
     "validation errors carry the code bad_request instead of validation_error"),
    ("malformed_json_500", None, "a body that is not valid JSON is answered 500"),
])
