"""Edge cases whose outcome the documentation leaves to the provider.

For these the spec's expected outcome is one reading among several the pages allow
(NOTES names each). A provider that answers otherwise passes when what must hold under
every reading holds:

- refused (4xx): the answer is in the documented envelope (checked before) and nothing of
  the request was stored, where contacts can be read back;
- accepted (2xx): the answer is a JSON object and, where it carries counts, they add up
  (an import's created + updated + skipped is the number of rows, and every row error
  names one of them; a bulk create's ``created`` is the number of contacts).

Anything else about such a case is still checked by the checks that own it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bulkbench.contract.checks.registry import CheckContext
from bulkbench.contract.exchange import Exchange
from bulkbench.contract.requests import result_data
from bulkbench.core.catalog import Endpoint
from bulkbench.generators import Case, CaseRequest

__all__ = ["Family", "family_of", "tolerated"]


@dataclass(frozen=True)
class Family:
    """A kind of case whose outcome the documentation leaves open."""

    name: str
    why: str
    selects: Callable[[Case], bool]


def _short(case: Case) -> str:
    return case.name[len(case.endpoint) + 1:]


FAMILIES = (
    Family("malformed import row", "NOTES L11: a row that breaks the row schema may reject "
           "the request (400) or be reported as a row error",
           lambda c: c.endpoint == "leadlex.import_contacts"
           and "A JSON row that breaks" in c.expected.source),
    Family("format strictness", "NOTES L28: validators disagree on email and URI formats",
           lambda c: 'is not a "email"' in c.expected.source
           or 'is not a "uri"' in c.expected.source),
    Family("email case", "NOTES L18/D5: the pages do not say whether emails match "
           "case-insensitively", lambda c: _short(c).endswith("email_other_case")),
    Family("rows and csv", "NOTES L17: 'Provide either rows or csv' does not say what both get",
           lambda c: _short(c) == "rows_and_csv"),
    Family("unknown fields and long values", "NOTES X4: no page says whether unknown fields "
           "are ignored or how long a value may be",
           lambda c: _short(c) == "unknown_field" or (_short(c).endswith("_long")
                                                       and c.expected.status < 300)),
    Family("empty batch", "NOTES L22, S7: the pages give a maximum and no minimum (\"up "
           "to\"): an empty batch may be refused, or accepted with nothing created",
           lambda c: _short(c) == "size_min_minus_1"),
    Family("csv dialect", "NOTES L27: no CSV dialect is documented (BOM, blank lines, "
           "delimiter, ragged or unparseable lines)",
           lambda c: _short(c) in ("csv_bom", "csv_blank_lines", "csv_semicolon_delimiter",
                                   "csv_ragged_rows", "csv_unparseable_line")),
)


#: schema errors that break what a page's field table states (Required?, Data type).
_TABLE_RULES = ("is a required property", "is not of type")


def rests_on_documentation(case: Case, endpoint: Endpoint) -> bool:
    """Whether ``case``'s outcome follows from the documentation: a documented case, or a
    request that breaks a field's documented required flag or type, where the page names
    its fields (not where the names themselves are assumed, ``field_names``)."""
    if case.expected.basis == "documented":
        return True
    schema = endpoint.item_schema or {}
    names_assumed = "field_names" in (schema.get("x-bulkbench-settled-by") or ())
    return (case.expected.status == 400 and not names_assumed
            and any(rule in case.expected.source for rule in _TABLE_RULES))


def is_csv_dialect(case: Case) -> bool:
    family = family_of(case)
    return family is not None and family.name == "csv dialect"


def family_of(case: Case) -> Family | None:
    """The open point ``case`` belongs to, when its outcome is one the docs leave open."""
    if case.expected.basis == "documented":
        return None
    return next((f for f in FAMILIES if f.selects(case)), None)


def _rows(ctx: CheckContext, request: CaseRequest) -> list[Any]:
    if request.items is not None:
        return list(request.items)
    body = request.body
    field = ctx.endpoint.batch_field
    items = body.get(field) if isinstance(body, dict) and field else None
    return list(items) if isinstance(items, list) else []


def _stored_any(ctx: CheckContext, request: CaseRequest, rows: list[Any]) -> list[str]:
    reader = ctx.session.reader(ctx.target.name)
    if reader is None or not request.setup.empty:
        return []
    found = []
    for row in rows:
        email = row.get("email") if isinstance(row, dict) else None
        if isinstance(email, str) and email and reader.contacts(ctx.target.name, email=email):
            found.append(email)
    return found


def tolerated(ctx: CheckContext, case: Case, exchange: Exchange) -> str | None:
    """None when ``exchange`` is an answer the docs allow for ``case`` and what must hold
    under every reading holds; else what breaks it."""
    status = exchange.status or 0
    request = case.request(ctx.seed, run_tag=ctx.run_tag)
    rows = _rows(ctx, request)
    if 400 <= status < 500:
        stored = _stored_any(ctx, request, rows)
        return (f"refused with {status}, yet {len(stored)} of its contacts were stored "
                f"({', '.join(stored[:3])})") if stored else None
    if not 200 <= status < 300:
        return f"answered {status}"
    data = result_data(exchange.json())
    counts = [data.get(k) for k in ("created_count", "updated_count", "skipped_count")]
    if ctx.endpoint.name == "import_contacts" and data.get("status") == "completed":
        numbers_of = [c for c in counts if isinstance(c, int)]
        if len(numbers_of) != len(counts):
            return f"created/updated/skipped {counts} are not all counts"
        created, updated, skipped = numbers_of
        errors = data.get("errors") or []
        numbers = [e.get("row_number") for e in errors if isinstance(e, dict)]
        if is_csv_dialect(case):  # how many rows a CSV holds is the dialect's to say
            total = sum(numbers_of)
            if created + updated > len(rows) or skipped < len(numbers):
                return (f"created/updated/skipped {counts} with {len(numbers)} row errors "
                        f"for {len(rows)} records")
        else:
            total = len(rows)
            if sum(numbers_of) != total:
                return (f"created/updated/skipped {counts} do not add up to the {total} "
                        "rows sent")
        if (any(not isinstance(n, int) or not 1 <= n <= total for n in numbers)
                or len(set(numbers)) != len(numbers)):
            return f"row errors name rows {numbers} of {total}"
    echoed = data.get("created")
    if ctx.endpoint.name == "bulk_create" and isinstance(echoed, int) and echoed != len(rows):
        return f"created {echoed} of {len(rows)} contacts sent"
    # under every reading, no more contacts are created or updated than were sent (the
    # spec's x-bulkbench-counters name them)
    made = {name: data.get(name) for kind, name in ctx.endpoint.counters.items()
            if kind in ("created", "updated")}
    counted: list[int] = [n for n in made.values() if isinstance(n, int)]
    if made and len(counted) == len(made) and sum(counted) > len(rows):
        return f"{made} count more contacts than the {len(rows)} sent"
    return None
