"""JSON pointers (RFC 6901), read and written the same way everywhere.

The specs and the provider config point into bodies with JSON pointers (an error's code,
a job's counts, a transaction id, a webhook's data, the contact inside a batch item):
:func:`parts` splits one, :func:`resolve` reads through objects and arrays, and
:func:`nest` builds the object a pointer names.
"""

from __future__ import annotations

from typing import Any

__all__ = ["MISSING", "nest", "parts", "resolve"]

#: what :func:`resolve` gives for a pointer that leads nowhere, unless told otherwise.
MISSING: Any = object()


def parts(pointer: str) -> tuple[str, ...]:
    """The reference tokens of ``pointer``, unescaped (``''`` → none; ``/a~1b/c`` →
    ``("a/b", "c")``)."""
    if not pointer:
        return ()
    return tuple(p.replace("~1", "/").replace("~0", "~")
                 for p in pointer.removeprefix("/").split("/"))


def resolve(document: Any, pointer: str, default: Any = MISSING) -> Any:
    """The value at ``pointer`` in ``document`` (through objects, and arrays by index),
    else ``default``."""
    current = document
    for part in parts(pointer):
        if isinstance(current, dict) and part in current:
            current = current[part]
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return default
    return current


def nest(pointer: str, value: Any) -> Any:
    """The object that holds ``value`` at ``pointer`` (``/a/b`` → ``{"a": {"b": value}}``;
    ``''`` → ``value`` itself)."""
    for part in reversed(parts(pointer)):
        value = {part: value}
    return value
