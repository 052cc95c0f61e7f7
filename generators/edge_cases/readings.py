"""Edge cases whose expected outcome follows from how a provider settles an open point.

Some cases are built with the spec's reading of a point the documentation leaves open
(``contract/assumptions.py`` lists the keys). :func:`settled_case` gives the case as it
reads under another value of that key: the contract checks hold a provider to it, and
``bulkbench generate --list-cases --config FILE`` lists it. The generators take the values
(``value_of(key)``), never the config file itself.
"""

from __future__ import annotations

import dataclasses
import random
import uuid
from collections.abc import Callable
from typing import Any

from bulkbench.core.assumptions import ASSUMED_ERROR_CODES
from bulkbench.generators.edge_cases.model import Case, Expected, Outcome

__all__ = ["READINGS", "error_codes_key", "list_id_value", "read_case", "settled_case",
           "unknown_list_id", "wrong_type_list_id"]


def _accepted(expected: Expected) -> Expected:
    return dataclasses.replace(expected, outcome=Outcome.ACCEPTED, status=200, code=None,
                               details={}, source=expected.source + "; read otherwise by "
                               "the provider config: accepted")


def _status(expected: Expected, value: Any) -> Expected:
    return dataclasses.replace(expected, status=int(value))


#: case name → the key that settles its open point, and its expected outcome under the
#: key's value (None: as built).
READINGS: dict[str, tuple[str, Callable[[Expected, Any], Expected | None]]] = {
    **{f"sociocs.bulk_upsert.phone_number_{what}": (
        "phone_separators", lambda e, v: _accepted(e) if v == "normalise" else None)
       for what in ("spaces", "dashes", "parentheses")},
    "sociocs.bulk_upsert.list_id_unknown": ("unknown_list_status", _status),
    # NOTES S5: accepted either way; where the numbers are stored is the check's to read
    "sociocs.bulk_upsert.phone_number_cc": ("phone_number_cc", lambda e, v: None),
}


def list_id_value(raw: str, kind: str) -> Any:
    """A list id as a JSON body carries it under ``list_id_type`` ``kind``: an integer
    list's as a number, any other as the string."""
    return int(raw) if kind == "integer" and raw.isdigit() else raw


def unknown_list_id(kind: str, rng: random.Random) -> str:
    """A well-formed list id of type ``kind`` (``list_id_type``) that no list has."""
    if kind == "integer":
        return str(900_000_000 + rng.randrange(99_999_999))
    if kind == "uuid":
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))
    return f"bulkbench-no-list-{rng.getrandbits(48):012x}"


def wrong_type_list_id(kind: str, in_path: bool) -> Any:
    """A list id of another type than ``kind`` (``list_id_type``), as a path segment
    (None: every segment is a string, so none is of another type) or in a JSON body."""
    if kind == "integer":
        return "not-a-list"
    if kind == "uuid":
        return "not-a-list-id"
    return None if in_path else {"nested": True}


def read_case(case: Case, value_of: Callable[[str], Any]) -> Case:
    """``case`` with the outcome its open point (:data:`READINGS`) gets under the
    provider's settled value of that point's key, and the error code the provider settles
    for a status whose code the pages do not give (``error_codes``)."""
    reading = READINGS.get(case.name)
    if reading is not None:
        key, settle = reading
        expected = settle(case.expected, value_of(key))
        case = case if expected is None else dataclasses.replace(case, expected=expected)
    return _settled_code(case, value_of)


def error_codes_key(case: Case) -> str | None:
    """``error_codes`` when ``case``'s expected code is one the spec assumed (NOTES L24,
    D8), else None."""
    assumed = ASSUMED_ERROR_CODES.get(case.endpoint.split(".", 1)[0], {})
    code = case.expected.code
    return "error_codes" if code is not None and assumed.get(
        str(case.expected.status)) == code else None


def _settled_code(case: Case, value_of: Callable[[str], Any]) -> Case:
    if error_codes_key(case) is None:
        return case
    settled = (value_of("error_codes") or {}).get(str(case.expected.status))
    if settled is None or settled == case.expected.code:
        return case
    return dataclasses.replace(case, expected=dataclasses.replace(case.expected, code=settled))


def settled_case(case: Case, value_of: Callable[[str], Any]) -> Case:
    """:func:`read_case`, and the success status of a successful outcome
    (``success_status``)."""
    case = read_case(case, value_of)
    expected = case.expected
    if expected.status == 200:
        status = int(value_of("success_status"))
        if status != 200:
            expected = dataclasses.replace(expected, status=status)
    return case if expected is case.expected else dataclasses.replace(case, expected=expected)
