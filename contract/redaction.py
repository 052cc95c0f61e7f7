"""Keeping secrets out of everything the suite writes.

Every key, token, admin key and webhook secret the suite learns is registered here, of
any length (a three-character key is still a key); any text bound for a report (failure
messages, curl lines, response excerpts, schemathesis' own failure text) passes through
:func:`scrub`, which puts the redacted form (``wbk_…1234``, from
``bulkbench.core.config.redact``) in place of each secret. Checks build their messages from
redacted values in the first place; this is the second line. :func:`scrub_file` is the
last: a written file, JSON scrubbed value by value (a short key is replaced inside
strings, never in the document's structure or its numbers), any other text as text, the
secret's JSON- and HTML-escaped forms included.
"""

from __future__ import annotations

import html
import json
import threading
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from typing import Any

import orjson

from bulkbench.core.config import redact

__all__ = ["known_secrets", "register_secret", "register_secrets", "scrub", "scrub_data",
           "scrub_file", "scrub_text"]

_LOCK = threading.Lock()
_SECRETS: set[str] = set()
#: files larger than this are not rewritten (no stage writes one; a guard on memory).
MAX_FILE_BYTES = 256 * 1024 * 1024


def register_secret(secret: str | None) -> None:
    if secret:
        with _LOCK:
            _SECRETS.add(secret)


def register_secrets(secrets: Iterable[str | None]) -> None:
    for secret in secrets:
        register_secret(secret)


def known_secrets() -> frozenset[str]:
    with _LOCK:
        return frozenset(_SECRETS)


def _longest_first(secrets: Iterable[str | None]) -> list[str]:
    return sorted({s for s in secrets if s}, key=len, reverse=True)


def _replace(text: str, secrets: list[str], *, escaped: bool) -> tuple[str, int]:
    count = 0
    for secret in secrets:
        forms = {secret}
        if escaped:
            forms |= {json.dumps(secret)[1:-1], html.escape(secret)}
        for form in sorted(forms, key=len, reverse=True):
            if form in text:
                count += text.count(form)
                text = text.replace(form, redact(secret))
    return text, count


def scrub_text(text: str, secrets: Iterable[str | None]) -> str:
    """``text`` with each of ``secrets`` (any length) replaced by its redacted form."""
    return _replace(text, _longest_first(secrets), escaped=False)[0]


def scrub(text: str) -> str:
    """``text`` with every registered secret replaced by its redacted form."""
    return scrub_text(text, known_secrets())


def scrub_data(value: Any, secrets: Collection[str] | None = None) -> Any:
    """``value`` (JSON-like data) with every string in it scrubbed (of ``secrets``, by
    default the registered ones)."""
    order = _longest_first(known_secrets() if secrets is None else secrets)
    return _scrub_value(value, order)[0]


def _scrub_value(value: Any, order: list[str]) -> tuple[Any, int]:
    """``value`` scrubbed, and how many replacements that took."""
    if isinstance(value, str):
        return _replace(value, order, escaped=False)
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        count = 0
        for key, item in value.items():
            (new_key, n), (new_item, m) = (_replace(str(key), order, escaped=False),
                                           _scrub_value(item, order))
            out[new_key] = new_item
            count += n + m
        return out, count
    if isinstance(value, list | tuple):
        pairs = [_scrub_value(item, order) for item in value]
        return [item for item, _ in pairs], sum(n for _, n in pairs)
    return value, 0


def scrub_file(path: Path, secrets: Iterable[str | None] | None = None) -> int:
    """Rewrite ``path`` without ``secrets`` (default: the registered ones); returns how
    many occurrences were replaced (0: the file is left as it was)."""
    order = _longest_first(known_secrets() if secrets is None else secrets)
    if not order or not path.is_file() or path.stat().st_size > MAX_FILE_BYTES:
        return 0
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return 0
    if path.suffix == ".json":
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
        else:
            cleaned, found = _scrub_value(data, order)
            if found:
                path.write_bytes(orjson.dumps(cleaned, option=orjson.OPT_INDENT_2))
            return found
    cleaned, count = _replace(text, order, escaped=True)
    if count:
        path.write_text(cleaned, encoding="utf-8")
    return count
