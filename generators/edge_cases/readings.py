"""Edge cases whose expected outcome follows from how a provider settles an open point.

Some cases are built with the spec's reading of a point the documentation leaves open
(``contract/assumptions.py`` lists the keys). :func:`settled_case` gives the case as it
reads under another value of that key: the contract checks hold a provider to it, and
``bulkbench generate --list-cases --config FILE`` lists it. The generators take the values
(``value_of(key)``), never the config file itself.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from bulkbench.generators.edge_cases.model import Case, Expected, Outcome

__all__ = ["READINGS", "read_case", "settled_case"]


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
}


def read_case(case: Case, value_of: Callable[[str], Any]) -> Case:
    """``case`` with the outcome its open point (:data:`READINGS`) gets under the
    provider's settled value of that point's key."""
    reading = READINGS.get(case.name)
    if reading is None:
        return case
    key, settle = reading
    expected = settle(case.expected, value_of(key))
    return case if expected is None else dataclasses.replace(case, expected=expected)


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
