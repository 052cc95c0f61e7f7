"""Keeping secrets out of everything the suite writes.

Every key, token, admin key and webhook secret the suite learns is registered here; any
text bound for a report (failure messages, curl lines, response excerpts, schemathesis'
own failure text) passes through :func:`scrub`, which puts the redacted form
(``wbk_…1234``, from ``contract.config.redact``) in place of each secret. Checks build
their messages from redacted values in the first place; this is the second line.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import Any

from contract.config import redact

__all__ = ["known_secrets", "register_secret", "register_secrets", "scrub", "scrub_data"]

_LOCK = threading.Lock()
_SECRETS: set[str] = set()

#: a secret shorter than this is not replaced (it would mangle ordinary text).
_MIN_LENGTH = 8


def register_secret(secret: str | None) -> None:
    if secret and len(secret) >= _MIN_LENGTH:
        with _LOCK:
            _SECRETS.add(secret)


def register_secrets(secrets: Iterable[str | None]) -> None:
    for secret in secrets:
        register_secret(secret)


def known_secrets() -> frozenset[str]:
    with _LOCK:
        return frozenset(_SECRETS)


def scrub(text: str) -> str:
    """``text`` with every registered secret replaced by its redacted form."""
    for secret in sorted(known_secrets(), key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, redact(secret))
    return text


def scrub_data(value: Any) -> Any:
    """``value`` (JSON-like data) with :func:`scrub` applied to every string in it."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, Mapping):
        return {scrub(str(k)): scrub_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub_data(v) for v in value]
    return value
