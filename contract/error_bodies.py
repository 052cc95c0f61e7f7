"""Reading a provider's error bodies through the envelope the config settles.

Where an error keeps its code, message and details is documented for one LeadLex page
only (NOTES L24, D8, S4); everywhere else it is an assumption. The provider config names
it with JSON pointers (``error_code_pointer``, ``error_message_pointer``,
``error_details_pointer``; ``bulkbench.core.assumptions``), and every check reads error bodies
through this module, never through a shape of its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bulkbench.core.assumptions import ASSUMPTIONS
from bulkbench.core.json_pointer import MISSING, resolve

if TYPE_CHECKING:
    from bulkbench.contract.target import Target
    from bulkbench.core.catalog import Endpoint

__all__ = [
    "ENVELOPE_KEYS",
    "MISSING",
    "code_assumed",
    "code_problems",
    "error_code",
    "error_details",
    "error_message",
    "shape_problems",
    "status_codes",
]

#: the assumption keys that settle where an error body keeps its parts.
ENVELOPE_KEYS = ("error_code_pointer", "error_message_pointer", "error_details_pointer")

def _at(target: Target, key: str, body: Any) -> Any:
    pointer = str(target.assumed(key) or "")
    if not pointer:
        return MISSING
    return resolve(body, pointer)


def error_code(target: Target, body: Any) -> str | None:
    """The error code of an error body (None when the provider's errors carry none)."""
    code = _at(target, "error_code_pointer", body)
    return code if isinstance(code, str) else None


def error_message(target: Target, body: Any) -> str | None:
    message = _at(target, "error_message_pointer", body)
    return message if isinstance(message, str) and message else None


def error_details(target: Target, body: Any) -> dict[str, Any] | None:
    details = _at(target, "error_details_pointer", body)
    return details if isinstance(details, dict) else None


def code_assumed(target: Target, status: int) -> bool:
    """Whether the code of ``status`` is one the spec assumed (no page gives it): then a
    provider's other code is an open point (``error_codes``), not a broken contract."""
    entry = ASSUMPTIONS["error_codes"]
    return entry.applies_to(target.name) and str(status) in entry.default(target.provider)


def status_codes(target: Target, endpoint: Endpoint, status: int) -> tuple[str, ...]:
    """The codes an error of ``status`` may carry on ``endpoint``: the spec's table
    (``x-error-codes``), where a code the spec assumed for a status the pages give none
    (``error_codes``, NOTES L24, D8) is the one the config settles."""
    codes = endpoint.error_codes(status)
    entry = ASSUMPTIONS["error_codes"]
    if not entry.applies_to(target.name):
        return tuple(codes)
    assumed = entry.default(target.provider).get(str(status))
    settled = (target.assumed("error_codes") or {}).get(str(status))
    if assumed is None or settled is None or settled == assumed:
        return tuple(codes)
    return tuple(dict.fromkeys(settled if c == assumed else c for c in codes))


def code_problems(target: Target, endpoint: Endpoint, status: int, body: Any) -> list[str]:
    """What breaks the documented part of an error body: a code found where the envelope
    keeps it that the spec's table for ``status`` does not list (the tables are the
    documentation's own, ``x-error-codes``), or, where a page shows the message and the
    body is in that envelope, a missing message."""
    if not isinstance(body, dict):  # every page shows JSON error bodies
        return [f"the body is not a JSON object: {str(body)[:200]}"]
    problems: list[str] = []
    code = error_code(target, body)
    codes = status_codes(target, endpoint, status)
    if code is not None and codes and code not in codes and not code_assumed(target, status):
        problems.append(f"error code {code!r} is not documented for {status} "
                        f"(documented: {', '.join(codes)})")
    # the spec's envelope says whether the page shows the message (LeadLex 003's error
    # example, Sociocs 004's ``errors: [{msg}]``; Datananas documents only ``reason``, D8)
    documented = target.provider.error_envelope.message_documented
    moved = target.assumed("error_message_pointer") != ASSUMPTIONS[
        "error_message_pointer"].default(target.provider)
    if documented and not moved:
        in_envelope = code is not None or not str(target.assumed("error_code_pointer") or "")
        if in_envelope and error_message(target, body) is None:
            problems.append("the error has no message where its documented envelope keeps it "
                            f"({target.assumed('error_message_pointer')})")
    return problems


def shape_problems(target: Target, endpoint: Endpoint, status: int, body: Any) -> list[str]:
    """What is wrong with an error body's shape (empty when nothing): a code and a message
    where the envelope keeps them, details an object."""
    if not isinstance(body, dict):  # a documented problem: see code_problems
        return []
    problems: list[str] = []
    code_at = str(target.assumed("error_code_pointer") or "")
    if code_at and not isinstance(resolve(body, code_at), str):
        problems.append(f"no error code at {code_at}: {str(body)[:200]}")
    message_at = str(target.assumed("error_message_pointer") or "")
    message = resolve(body, message_at) if message_at else MISSING
    if message is not MISSING and (not isinstance(message, str) or not message):
        problems.append(f"the message at {message_at} is not a non-empty string")
    if message is MISSING and (not code_at or not isinstance(resolve(body, code_at), str)):
        problems.append(f"neither a code nor a message where the envelope keeps them "
                        f"({code_at or '-'}, {message_at or '-'}): {str(body)[:200]}")
    envelope = target.provider.error_envelope
    moved = any(target.assumed(k) != ASSUMPTIONS[k].default(target.provider)
                for k in ENVELOPE_KEYS)
    for pointer, value in ({} if moved else envelope.fixed).items():
        if resolve(body, pointer) != value:
            problems.append(f"no {value!r} at {pointer}, which every error of the envelope "
                            f"carries: {str(body)[:200]}")
    details_at = str(target.assumed("error_details_pointer") or "")
    if details_at:
        details = resolve(body, details_at)
        if details is not MISSING and not isinstance(details, dict):
            problems.append(f"the details at {details_at} are not an object")
    return problems
